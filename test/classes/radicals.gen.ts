/**
 * 13.3 Look-alike ideographs from PDF fonts and Word/WPS exports: reports of the fixture layouts
 * whose text (title, agency, labels, prose, signature) carries Kangxi radicals, CJK Radicals
 * Supplement or CJK Compatibility Ideographs in place of the unified ideographs they render as.
 * Producers do it two ways, both drawn here: a font maps some glyphs consistently (every 民 of
 * the document becomes ⺠), or scattered runs of text come from such a font (a share of
 * characters at random positions). The grid must come out as the clean report's, the agency in
 * unified ideographs, and no look-alike left anywhere in the extraction.
 */
import type { ClassDoc, ClassGenerator } from './harness';
import { makeDoc, type Layout } from '../fixtures/docs';
import { Rng } from '../fixtures/prng';
import { RADICALS_SUPPLEMENT } from '../../src/normalize/radicals';

/** Unified ideograph → the look-alikes fonts print for it, from all three blocks. */
function lookalikes(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (from: string, to: string) => {
    if (from === to) return;
    const l = m.get(to) ?? [];
    l.push(from);
    m.set(to, l);
  };
  for (const [radical, unified] of RADICALS_SUPPLEMENT) add(radical, unified);
  for (let c = 0x2f00; c <= 0x2fd5; c++) add(String.fromCodePoint(c), String.fromCodePoint(c).normalize('NFKC'));
  for (let c = 0xf900; c <= 0xfad9; c++) add(String.fromCodePoint(c), String.fromCodePoint(c).normalize('NFKC'));
  return m;
}

const LOOK = lookalikes();

/** Replace look-alike-able characters of plain text; `consistent` is the set a font maps everywhere. */
function damageText(s: string, rng: Rng, consistent: Map<string, string>, scatter: number): string {
  let out = '';
  for (const ch of s) {
    const alts = LOOK.get(ch);
    if (!alts) out += ch;
    else if (consistent.has(ch)) out += consistent.get(ch);
    else out += rng.chance(scatter) ? rng.pick(alts) : ch;
  }
  return out;
}

/** The text of an HTML document between its tags (markup and entities are left alone). */
function damageHtml(html: string, rng: Rng, consistent: Map<string, string>, scatter: number): string {
  return html.replace(/>([^<]+)</g, (_m, t: string) => `>${damageText(t, rng, consistent, scatter)}<`);
}

const LAYOUTS: { layout: Layout; template: '2019' | '2021' | 'free' }[] = [
  { layout: 'html', template: '2021' },
  { layout: 'html', template: '2019' },
  { layout: 'clean-tabs', template: '2021' },
  { layout: 'cell-per-line', template: '2019' },
  { layout: 'cell-per-line', template: '2021' },
  { layout: 'traditional', template: '2021' },
  { layout: 'free', template: 'free' },
];

export const radicals: ClassGenerator = {
  id: 'radicals',
  klass: '13.3',
  title: 'CJK radicals and compatibility ideographs in place of unified ideographs',
  testDocs: 28,
  make(seed, n) {
    const rng = new Rng(seed * 7717 + 13);
    const docs: ClassDoc[] = [];
    for (let i = 0; i < n; i++) {
      const spec = LAYOUTS[i % LAYOUTS.length];
      const d = makeDoc({ ...spec, seed: rng.int(1, 2 ** 31), id: `rad-${seed}-${i}-${spec.layout}-${spec.template}` });
      const r = rng.fork(i);
      // A font's consistent mapping: some of the characters with look-alikes, always replaced.
      const text = d.bytes.toString('utf8');
      const chars = [...new Set(Array.from(text).filter((c) => LOOK.has(c)))];
      const consistent = new Map<string, string>();
      const mode = r.pick(['font', 'scatter', 'both'] as const);
      if (mode !== 'scatter') for (const c of r.shuffle(chars).slice(0, r.int(3, Math.max(3, Math.ceil(chars.length * 0.6))))) consistent.set(c, r.pick(LOOK.get(c)!));
      const scatter = mode === 'font' ? 0 : r.pick([0.05, 0.2, 0.5, 1]);
      const damaged = d.name.endsWith('.html') ? damageHtml(text, r, consistent, scatter) : damageText(text, r, consistent, scatter);
      docs.push({
        bytes: Buffer.from(damaged, 'utf8'),
        name: d.name,
        expected: { ...d.expected, variant: `${d.expected.variant}/${mode}${scatter ? `@${scatter}` : ''}`, unifiedText: true },
      });
    }
    return docs;
  },
};
