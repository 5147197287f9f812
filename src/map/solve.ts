/**
 * Identity arithmetic over a partial grid: evaluate, and solve an identity that has exactly
 * one unknown. Counts must come out as non-negative integers, so a solution that is not is
 * a contradiction, not a value.
 */
import type { Identity } from '../grid/identities';

export type Values = Map<string, number | null>;

const EPS = 1e-6;

export function sum(keys: string[], values: Values): number | null {
  let s = 0;
  for (const k of keys) {
    const v = values.get(k);
    if (v === null || v === undefined) return null;
    s += v;
  }
  return s;
}

export type Eval = { state: 'holds' } | { state: 'fails'; lhs: number; rhs: number } | { state: 'unknown'; missing: string[] };

export function evaluate(id: Identity, values: Values): Eval {
  const missing = [...id.lhs, ...id.rhs].filter((k) => values.get(k) === null || values.get(k) === undefined);
  if (missing.length) return { state: 'unknown', missing };
  const l = sum(id.lhs, values)!;
  const r = sum(id.rhs, values)!;
  return Math.abs(l - r) < EPS ? { state: 'holds' } : { state: 'fails', lhs: l, rhs: r };
}

/** The value the single unknown of `id` must take, or null if it has not exactly one or no valid count fits. */
export function solveOne(id: Identity, values: Values): { key: string; value: number } | null {
  const ev = evaluate(id, values);
  if (ev.state !== 'unknown' || ev.missing.length !== 1) return null;
  const key = ev.missing[0];
  const onLeft = id.lhs.includes(key);
  const other = (side: string[]) => side.filter((k) => k !== key).reduce((s, k) => s + (values.get(k) as number), 0);
  const value = onLeft ? sum(id.rhs, values)! - other(id.lhs) : sum(id.lhs, values)! - other(id.rhs);
  const rounded = Math.round(value);
  if (value < -EPS || Math.abs(value - rounded) > EPS) return null;
  return { key, value: rounded };
}

/**
 * Counts are never negative, so when the unknowns of an identity all stand on one side and the
 * known figures already balance, every unknown is 0 (a printed total of 0 over blank cells).
 */
export function zeroSum(id: Identity, values: Values): string[] | null {
  const ev = evaluate(id, values);
  if (ev.state !== 'unknown') return null;
  const unknownLeft = id.lhs.filter((k) => ev.missing.includes(k));
  const unknownRight = id.rhs.filter((k) => ev.missing.includes(k));
  if (unknownLeft.length && unknownRight.length) return null;
  const known = (side: string[]) => side.reduce((s, k) => s + ((values.get(k) as number | null) ?? 0), 0);
  const gap = unknownLeft.length ? known(id.rhs) - known(id.lhs) : known(id.lhs) - known(id.rhs);
  return Math.abs(gap) < EPS ? ev.missing : null;
}

/**
 * Fill unknowns that the identities determine, repeatedly. Only keys for which `may(key)` is
 * true are filled. Returns the keys filled with the identity that gave each, or null on a
 * contradiction (an identity with one unknown whose solution is not a valid count) when strict;
 * otherwise such an identity is left for the checks to report.
 */
export function propagate(ids: Identity[], values: Values, may: (key: string) => boolean, strict = true): Map<string, string> | null {
  const filled = new Map<string, string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const id of ids) {
      const zeros = zeroSum(id, values);
      if (zeros && zeros.length > 1 && zeros.every(may)) {
        for (const k of zeros) {
          values.set(k, 0);
          filled.set(k, id.id);
        }
        changed = true;
        continue;
      }
      const ev = evaluate(id, values);
      if (ev.state !== 'unknown' || ev.missing.length !== 1 || !may(ev.missing[0])) continue;
      const s = solveOne(id, values);
      if (!s) {
        if (strict) return null;
        continue;
      }
      values.set(s.key, s.value);
      filled.set(s.key, id.id);
      changed = true;
    }
  }
  return filled;
}
