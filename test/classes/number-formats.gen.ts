/**
 * 13.8 Numbers as people format them: thousands separators (`1,234`, `1，234`, `1 234` with a
 * plain, no-break, thin or ideographic space), full-width digits, a `+` on rises, units written
 * in the cell (`12件`, `35.5万元`, `251000元` in a 万元 column), letter-spaced digits inside a
 * grid cell. Every format must parse to one number, 元 converted to the grid's 万元.
 *
 * Where a format is ambiguous — digits grouped by spaces on a line of a one-cell-per-line dump,
 * which may be two cells run together — the value is only trusted where the row's slots and
 * identities confirm it: the `ambiguous` variant puts such a number in section 二 (no identities)
 * and must be flagged.
 */
import type { ClassDoc, ClassGenerator } from './harness';
import { compose, renderCells, type CellLayout } from './cells';
import { scaleS2 } from './scale.gen';
import { Rng } from '../fixtures/prng';
import type { Grid, Scale } from '../fixtures/grid-gen';
import { templateKeys, type Template } from '../fixtures/grid-spec';
import { fullWidthDigits } from '../fixtures/render/traditional';

const AMOUNT_KEYS = new Set(['s2.fees.amount', 's2.procurement.amount']);
const COUNT_UNITS = ['件', '条', '项', '个', '次'];
/** Thousands separators; the ones made of spaces are ambiguous in a one-cell-per-line dump. */
const MARKS = [',', '，', "'"];
const SPACES = [' ', '\u00a0', '\u2009', '\u202f', '\u3000'];

const group = (digits: string, sep: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);

interface Style {
  /** Separator chances and kinds. */
  sep: number;
  marks: string[];
  full: number;
  unit: number;
  yuan: number;
  plus: number;
  letters: number;
}

function formatter(rng: Rng, layout: CellLayout, html: boolean): (key: string, v: number) => string {
  const grid = html || layout === 'docx';
  const cellBounded = grid || layout === 'clean-tabs';
  const st: Style = {
    sep: rng.pick([0.3, 0.7, 1]),
    marks: cellBounded ? [...MARKS, ...SPACES] : MARKS,
    full: rng.pick([0, 0.2, 0.6]),
    unit: rng.pick([0, 0.2, 0.5]),
    yuan: rng.pick([0, 0.5, 1]),
    plus: rng.pick([0, 0.5, 1]),
    letters: grid ? rng.pick([0, 0.1]) : 0,
  };
  const mark = rng.pick(st.marks);
  const mixed = rng.chance(0.4);
  return (key, v) => {
    const neg = v < 0;
    let num: string;
    let unit = '';
    if (AMOUNT_KEYS.has(key) && v !== 0 && rng.chance(st.yuan)) {
      num = String(Math.round(v * 10000));
      unit = rng.pick(['元', ' 元']);
    } else {
      num = String(Math.abs(v));
      if (AMOUNT_KEYS.has(key) && v !== 0 && rng.chance(st.unit)) unit = '万元';
      else if (!AMOUNT_KEYS.has(key) && !key.endsWith('.change') && rng.chance(st.unit)) unit = rng.pick(COUNT_UNITS);
    }
    const [int, frac] = num.replace('-', '').split('.');
    let s: string;
    if (int.length > 1 && int.length < 5 && !frac && !unit && rng.chance(st.letters)) s = [...int].join(' ');
    else s = (int.length > 3 && rng.chance(st.sep) ? group(int, mixed ? rng.pick(st.marks) : mark) : int) + (frac ? `.${frac}` : '');
    if (rng.chance(st.full)) s = fullWidthDigits(s).replace(/,/g, rng.pick([',', '，'])).replace('.', rng.pick(['.', '．']));
    const sign = neg ? rng.pick(['-', '－', '−']) : key.endsWith('.change') && v > 0 && rng.chance(st.plus) ? rng.pick(['+', '＋']) : '';
    return `${sign}${s}${unit}`;
  };
}

function makeOne(seed: number, i: number): ClassDoc {
  const rng = new Rng(seed * 65537 + i);
  const template: Template = rng.chance(0.5) ? '2019' : '2021';
  const scale: Scale = rng.pick(['city', 'city', 'county', 'township'] as const);
  const ambiguous = rng.chance(0.12);
  const c = compose(rng.int(1, 1e9), template, scale, (g, r) => scaleS2(template, scale, g, r));
  const layout: CellLayout = ambiguous ? 'cell-per-line' : rng.pick(['html', 'html-word', 'docx', 'clean-tabs', 'cell-per-line'] as const);
  const html = layout.startsWith('html');
  const keys = templateKeys(template);
  const printed: Grid = { ...c.grid };
  const base = formatter(rng.fork(3), layout, html);
  let cell = base;
  if (ambiguous) {
    // one section 二 count of thousands, printed with its digits grouped by a space
    const key = rng.pick(keys.filter((k) => k.startsWith('s2.') && k.endsWith('.decisions')));
    printed[key] = rng.int(1000, 9_999_999);
    cell = (k, v) => (k === key ? group(String(v), rng.pick(SPACES)) : base(k, v));
  }
  const { bytes, ext } = renderCells(layout, { ...c, grid: printed }, cell);
  const fields: Record<string, number | null> = {};
  for (const k of keys) fields[k] = printed[k];
  Object.assign(fields, c.report.prose);
  const id = `numfmt-${seed}-${i}`;
  return {
    bytes,
    name: `${id}.${ext}`,
    expected: {
      id,
      layout: layout === 'clean-tabs' || layout === 'cell-per-line' ? layout : 'html',
      variant: `${layout}/${scale}${ambiguous ? '/ambiguous' : ''}`,
      template,
      year: c.year,
      agency: c.agency.name,
      scale,
      fields,
      mustFlag: ambiguous,
      ...(ambiguous ? { flagWith: 'low_confidence' as const } : {}),
    },
  };
}

export const numberFormats: ClassGenerator = {
  id: 'number-formats',
  klass: '13.8',
  title: 'every number format parses to one number; units convert to 万元; ambiguous spacing is flagged',
  make: (seed, n) => Array.from({ length: n }, (_, i) => makeOne(seed, i)),
};
