/**
 * 13.2 Plausibility that knows scale. City governments publish 行政许可 and 行政处罚 decisions in
 * the millions (one published city report: 11,398,889 and 6,937,489); 本年增/减 falls as well as
 * rises and is printed with a `+`; 收费/采购 amounts are 万元 with decimals. Such reports, every
 * field right, must come out `ok`, whatever the agency's level (magnitudes drawn per level).
 *
 * One in five documents prints one figure that cannot be true — a negative count, a fraction in
 * a count column, a fall larger than what there was, a magnitude no agency of that level could
 * reach — and must be flagged `implausible_value` (the printed value is kept as read).
 */
import type { ClassDoc, ClassGenerator } from './harness';
import { compose, renderCells, type CellLayout } from './cells';
import { Rng } from '../fixtures/prng';
import type { Grid, Scale } from '../fixtures/grid-gen';
import { templateKeys, type Template } from '../fixtures/grid-spec';
import { withSeparators } from '../fixtures/render/traditional';

/** Decision counts per level: [min, max] of a log-uniform draw. */
const DECISIONS: Record<Scale, [number, number]> = { township: [0, 20_000], county: [100, 600_000], city: [10_000, 25_000_000] };
const ITEMS: Record<Scale, number> = { township: 60, county: 800, city: 3000 };
const AMOUNT: Record<Scale, number> = { township: 50, county: 5_000, city: 200_000 };

const logUniform = (rng: Rng, lo: number, hi: number) => (hi <= 0 ? 0 : Math.round(Math.exp(Math.log(lo + 1) + rng.next() * (Math.log(hi + 1) - Math.log(lo + 1))) - 1));
const decimal = (rng: Rng, hi: number) => Math.round(rng.next() * hi * 100) / rng.pick([100, 10, 100]);

/** Section 二 at the agency's real scale (section 二 has no identities: any figures are consistent). */
export function scaleS2(t: Template, scale: Scale, g: Grid, rng: Rng): Grid {
  const [lo, hi] = DECISIONS[scale];
  for (const k of Object.keys(g)) {
    if (!k.startsWith('s2.')) continue;
    if (k.endsWith('.decisions')) g[k] = rng.chance(0.85) ? logUniform(rng, lo, k.includes('license') || k.includes('penalty') ? hi : hi / 20) : 0;
    else if (k.endsWith('.prev')) g[k] = rng.int(0, ITEMS[scale]);
    else if (k.endsWith('.amount')) g[k] = rng.chance(0.8) ? decimal(rng, AMOUNT[scale]) : 0;
  }
  for (const k of Object.keys(g)) if (k.endsWith('.change')) g[k] = rng.chance(0.3) ? 0 : rng.int(-g[k.replace('.change', '.prev')], Math.max(3, Math.round(ITEMS[scale] / 10)));
  void t;
  return g;
}

type Impossible = 'negative' | 'fraction' | 'fall' | 'magnitude';

function makeOne(seed: number, i: number): ClassDoc {
  const rng = new Rng(seed * 104729 + i);
  const template: Template = rng.chance(0.5) ? '2019' : '2021';
  const scale: Scale = rng.pick(['city', 'city', 'county', 'township'] as const);
  const c = compose(rng.int(1, 1e9), template, scale, (g, r) => scaleS2(template, scale, g, r));
  const layout: CellLayout = rng.pick(['html', 'html-word', 'docx', 'clean-tabs', 'cell-per-line'] as const);
  const keys = templateKeys(template);

  // what cannot be true, in one cell of section 二
  const printed: Grid = { ...c.grid };
  let impossible: Impossible | undefined;
  if (rng.chance(0.2)) {
    impossible = rng.pick(['negative', 'fraction', 'fall', 'magnitude'] as const);
    const counts = keys.filter((k) => k.startsWith('s2.') && (k.endsWith('.decisions') || k.endsWith('.total') || k.endsWith('.in_force')));
    const key = rng.pick(counts);
    if (impossible === 'negative') printed[key] = -rng.int(1, 500);
    else if (impossible === 'fraction') printed[key] = rng.int(1, 900) + rng.pick([0.5, 0.25, 0.3]);
    else if (impossible === 'magnitude') printed[key] = scale === 'township' ? rng.int(5_000_000, 90_000_000) : rng.int(2_000_000_000, 9_000_000_000);
    else {
      const changes = keys.filter((k) => k.endsWith('.change'));
      if (changes.length === 0) {
        impossible = 'negative';
        printed[key] = -rng.int(1, 500);
      } else {
        const ch = rng.pick(changes);
        const prev = ch.replace('.change', '.prev');
        printed[prev] = rng.int(0, 20);
        printed[ch] = -(printed[prev] + rng.int(1, 30));
      }
    }
  }

  // how people print it: separators on big numbers (per document), a + on rises
  const sep = rng.pick([0, 0.5, 1]);
  const plus = rng.chance(0.5);
  const fr = rng.fork(4);
  const cell = (key: string) => {
    const v = printed[key];
    let s = Math.abs(v) >= 1000 && fr.chance(sep) ? withSeparators(v) : String(v);
    if (key.endsWith('.change') && v > 0 && plus) s = `+${s}`;
    return s;
  };
  const { bytes, ext } = renderCells(layout, { ...c, grid: printed }, cell);
  const fields: Record<string, number | null> = {};
  for (const k of keys) fields[k] = printed[k];
  Object.assign(fields, c.report.prose);
  const id = `scale-${seed}-${i}`;
  return {
    bytes,
    name: `${id}.${ext}`,
    expected: {
      id,
      layout: layout === 'clean-tabs' || layout === 'cell-per-line' ? layout : 'html',
      variant: `${layout}/${scale}${impossible ? `/${impossible}` : ''}${plus ? '/plus' : ''}${sep ? '/separators' : ''}`,
      template,
      year: c.year,
      agency: c.agency.name,
      scale,
      fields,
      mustFlag: !!impossible,
      ...(impossible ? { flagWith: 'implausible_value' as const } : {}),
    },
  };
}

export const scaleGen: ClassGenerator = {
  id: 'scale',
  klass: '13.2',
  title: 'city-scale figures, negative 增减 and decimal 万元 are ok; only what cannot be true is implausible',
  make: (seed, n) => Array.from({ length: n }, (_, i) => makeOne(seed, i)),
};
