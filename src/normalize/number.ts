/**
 * Reading a table cell as a value: a number as people format it (thousands separators `1,234`
 * `1，234` `1 234` `1'234`, decimals, a sign, a unit such as 万元/元/件 written in the cell,
 * letter-spaced digits) or an explicit empty (blank, —, /, 无). Anything else is not a value.
 *
 * Digits separated by spaces are one number inside a cell of a true grid (the cell is the unit).
 * In a text dump the same text may be two cells run together, so the value is marked `split`:
 * the core then trusts it only where the row's slot count and identities confirm it.
 */

export type CellValue =
  | { kind: 'num'; value: number; unit?: string; note?: string; split?: boolean }
  | { kind: 'empty'; empty: string };

export interface ParseOptions {
  /** The text is one cell of a true table grid (HTML, Word, ruled PDF), not a line of a text dump. */
  grid?: boolean;
  /** The text is one tab-separated cell of a text dump's row: the tabs bound it, so thousands grouped by spaces are one number; letter-spaced digits stay doubtful. */
  cell?: boolean;
}

const EMPTY_MARKS = new Set(['', '-', '--', '—', '——', '–', '―', '/', '\\', '无', '/无', '空', 'x', 'X', '×']);
export const UNITS = ['人次', '万元', '亿元', '千元', '件', '条', '个', '次', '起', '项', '宗', '家', '份', '元'] as const;
const UNIT = `(${UNITS.join('|')})`;
const SIGN = '([+\\-−–﹣]?)\\s*';
/** Thousands grouped by a comma (or a full-width comma, NFKC'd to one) or an apostrophe: unambiguous anywhere. */
const MARKED = '\\d{1,3}(?:[,\'’]\\d{3})+';
const NUMBER_RE = new RegExp(`^${SIGN}(${MARKED}|\\d+)(\\.\\d+)?\\s*${UNIT}?$`);
/** Thousands grouped by spaces: `1 234`, `11 398 889`. */
const SPACE_GROUPED_RE = new RegExp(`^${SIGN}(\\d{1,3}(?: \\d{3})+)(\\.\\d+)?\\s*${UNIT}?$`);
/** Every digit apart: `1 2 3 4` (expanded character spacing). */
const LETTER_SPACED_RE = new RegExp(`^${SIGN}(\\d(?: \\d)+)\\s*${UNIT}?$`);
/** Digits in irregular groups (`12 34`): one number only inside a grid cell, and even there doubtful. */
const IRREGULAR_RE = new RegExp(`^${SIGN}(\\d+(?: \\d+)+)\\s*${UNIT}?$`);

function num(sign: string, digits: string, frac: string | undefined, unit: string | undefined): CellValue | null {
  const s = sign === '' || sign === '+' ? 1 : -1;
  const value = s * Number(digits.replace(/[^0-9]/g, '') + (frac ?? ''));
  if (!Number.isFinite(value)) return null;
  return unit ? { kind: 'num', value, unit } : { kind: 'num', value };
}

/** `text` must already be normalised (normalizeText). Returns null when the cell is not a value. */
export function parseCellValue(text: string, opts: ParseOptions = {}): CellValue | null {
  const t = text.trim();
  if (EMPTY_MARKS.has(t)) return { kind: 'empty', empty: t };
  let m = NUMBER_RE.exec(t);
  if (m) return num(m[1], m[2], m[3], m[4]);
  const grid = opts.grid === true;
  m = SPACE_GROUPED_RE.exec(t);
  if (m) {
    const v = num(m[1], m[2], m[3], m[4]);
    if (v?.kind === 'num' && !grid && !opts.cell) Object.assign(v, { note: 'digits grouped by spaces: one number, or cells run together', split: true });
    return v;
  }
  m = LETTER_SPACED_RE.exec(t);
  if (m) {
    const v = num(m[1], m[2], undefined, m[3]);
    if (v?.kind === 'num' && !grid) Object.assign(v, { note: 'digits printed with spaces between them', split: true });
    return v;
  }
  m = grid ? IRREGULAR_RE.exec(t) : null;
  if (m) {
    const v = num(m[1], m[2], undefined, m[3]);
    if (v?.kind === 'num') v.note = 'digits in irregular groups inside one cell: read as one number';
    return v;
  }
  return null;
}

/** Factor from a printed unit to a column's unit (万元 columns), or null if not convertible. */
export function unitFactor(printed: string | undefined, column: string | undefined): number | null {
  if (!printed || !column || printed === column) return 1;
  const yuan: Record<string, number> = { 元: 1, 千元: 1e3, 万元: 1e4, 亿元: 1e8 };
  if (printed in yuan && column in yuan) return yuan[printed] / yuan[column];
  return null;
}

/** Money units: printed in a count column they mean the cell is not a count. */
export const MONEY_UNITS: ReadonlySet<string> = new Set(['元', '千元', '万元', '亿元']);
