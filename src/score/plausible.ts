/**
 * Plausibility that knows scale: a value is implausible only when it cannot be true. Negative
 * counts (only 本年增/减 may fall), fractions in count columns, a fall larger than what there
 * was, money printed in a count column, and magnitudes no agency of the report's level could
 * reach. City governments publish millions of 行政许可 and 行政处罚 decisions, so the ceilings
 * depend on the level (township, county, city) read from the agency's name, and are generous:
 * a ceiling is where a figure stops being a figure, not where it becomes unusual.
 */
import { COLUMN_UNITS } from '../map/place';
import { MONEY_UNITS } from '../normalize/number';

export type Level = 'township' | 'county' | 'city';

/** The administrative level of an agency from its name; null when the name does not tell (judged as a city then). */
export function agencyLevel(agency: string | null | undefined): Level | null {
  if (!agency) return null;
  // a township body ends in its 镇/乡/街道 (and the body's own name): 城关镇人民政府, 武康街道办事处
  if (/(?:镇|(?<!城)乡|街道|苏木)(?:人民政府|政府|办事处|党委|党工委|便民服务中心)?$/.test(agency)) return 'township';
  // county level: 县, 旗, a district (not a 自治区 province, nor a 社区 community)
  if (/[县旗]|(?<![自社])(?<!自治)区/.test(agency)) return 'county';
  if (/[市州盟]/.test(agency)) return 'city';
  return null;
}

/** Kinds of columns, by how large their figures can get. */
type ColumnKind = 'decisions' | 'items' | 'requests' | 'amount';

function columnKind(field: string): ColumnKind {
  if (field in COLUMN_UNITS) return 'amount';
  if (field.startsWith('s2.')) return field.endsWith('.decisions') ? 'decisions' : 'items';
  return 'requests';
}

/** Largest value that can be true, per level (amounts in 万元). */
const CEILING: Record<ColumnKind, Record<Level, number>> = {
  decisions: { township: 1e6, county: 3e7, city: 1e9 },
  items: { township: 1e4, county: 1e5, city: 1e6 },
  requests: { township: 1e5, county: 1e6, city: 1e7 },
  amount: { township: 1e6, county: 1e7, city: 1e8 },
};

export interface PlausibilityContext {
  level: Level | null;
  /** Every field's final value (for figures judged against the report's own others). */
  values: ReadonlyMap<string, number | null> | Record<string, number | null>;
}

const get = (v: PlausibilityContext['values'], k: string): number | null | undefined =>
  v instanceof Map ? v.get(k) : (v as Record<string, number | null>)[k];

/** Why `value` cannot be the figure of `field`, or null when it can. `unit`: the unit printed with it. */
export function implausible(field: string, value: number, ctx: PlausibilityContext, unit?: string): string | null {
  const kind = columnKind(field);
  const isChange = field.endsWith('.change');
  if (value < 0 && !isChange) return `${field} = ${value}: a count cannot be negative`;
  if (kind !== 'amount' && !Number.isInteger(value)) return `${field} = ${value} is not a whole number`;
  if (kind !== 'amount' && unit && MONEY_UNITS.has(unit)) return `${field} = ${value}${unit}: a money amount in a count column`;
  if (isChange && value < 0) {
    const prev = get(ctx.values, field.replace(/\.change$/, '.prev'));
    if (typeof prev === 'number' && prev + value < 0) return `${field} = ${value} falls below zero from the previous year's ${prev}`;
  }
  const ceiling = CEILING[kind][ctx.level ?? 'city'];
  if (Math.abs(value) > ceiling) {
    return `${field} = ${value} is beyond what a ${ctx.level ?? 'city-level'} agency can report (${ceiling.toExponential(0)}${kind === 'amount' ? ' 万元' : ''})`;
  }
  return null;
}
