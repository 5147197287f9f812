/**
 * Reading a table cell as a value: numbers (thousands separators, units, signs, spaced
 * digits) or an explicit empty (blank, —, /, 无). Anything else is not a value.
 */

export type CellValue =
  | { kind: 'num'; value: number; unit?: string; note?: string }
  | { kind: 'empty'; empty: string };

const EMPTY_MARKS = new Set(['', '-', '--', '—', '——', '–', '―', '/', '\\', '无', '/无', '空', 'x', 'X', '×']);
const UNIT = '(件|条|个|次|人次|起|项|宗|家|份|元|万元|亿元|千元)';
const NUMBER_RE = new RegExp(`^([+\\-−]?)(\\d{1,3}(?:,\\d{3})+|\\d+)(\\.\\d+)?\\s*${UNIT}?$`);
const SPACED_DIGITS_RE = /^\d(?: \d)+$/;

/** `text` must already be normalised (normalizeText). Returns null when the cell is not a value. */
export function parseCellValue(text: string): CellValue | null {
  const t = text.trim();
  if (EMPTY_MARKS.has(t)) return { kind: 'empty', empty: t };
  const m = NUMBER_RE.exec(t);
  if (m) {
    const sign = m[1] === '-' || m[1] === '−' ? -1 : 1;
    const value = sign * Number(m[2].replace(/,/g, '') + (m[3] ?? ''));
    if (!Number.isFinite(value)) return null;
    return m[4] ? { kind: 'num', value, unit: m[4] } : { kind: 'num', value };
  }
  if (SPACED_DIGITS_RE.test(t)) {
    return { kind: 'num', value: Number(t.replace(/ /g, '')), note: 'digits printed with spaces between them' };
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
