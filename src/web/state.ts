/**
 * A report's review state, folded from its review log the same way the export folds it
 * (src/export/store.ts: the last whole-report accept/reject decides; the last correction of a
 * field wins), plus what only the UI needs: source-error marks, the history, the version.
 */
import type { Check, Extraction } from '../model/extraction';
import type { ReviewRow, Store } from '../store/types';
import { runChecks } from '../validate/checks';
import type { Values } from '../map/solve';
import { identities } from '../grid/identities';

export interface Correction { value: number | null; by: string; at: string; note: string | null }
export interface Mark { by: string; at: string; note: string | null }

export interface FoldedReview {
  decision: 'approved' | 'rejected' | null;
  decisionBy: string | null;
  decisionAt: string | null;
  decisionNote: string | null;
  corrections: Record<string, Correction>;
  sourceErrors: Record<string, Mark>;
}

/** Notes of `comment` reviews that mark / unmark a field as the source's own error. */
export const SOURCE_ERROR = 'source_error';
export const SOURCE_ERROR_CLEARED = 'source_error_cleared';

export function fold(rows: ReviewRow[]): FoldedReview {
  const out: FoldedReview = { decision: null, decisionBy: null, decisionAt: null, decisionNote: null, corrections: {}, sourceErrors: {} };
  for (const r of [...rows].sort((a, b) => a.id - b.id)) {
    const at = r.createdAt.toISOString();
    if (r.field == null) {
      if (r.action === 'accept' || r.action === 'reject') {
        out.decision = r.action === 'accept' ? 'approved' : 'rejected';
        out.decisionBy = r.reviewer;
        out.decisionAt = at;
        out.decisionNote = r.note;
      }
    } else if (r.action === 'correct') {
      out.corrections[r.field] = { value: r.value, by: r.reviewer, at, note: r.note };
    } else if (r.action === 'comment' && r.note != null) {
      const note = r.note;
      if (note === SOURCE_ERROR_CLEARED || note.startsWith(SOURCE_ERROR_CLEARED + ':')) delete out.sourceErrors[r.field];
      else if (note === SOURCE_ERROR || note.startsWith(SOURCE_ERROR + ':')) {
        out.sourceErrors[r.field] = { by: r.reviewer, at, note: note.slice(SOURCE_ERROR.length + 1).trim() || null };
      }
    }
  }
  return out;
}

/** The value a field has now: the last correction, else the extracted one. */
export function effectiveValue(ex: Extraction, f: FoldedReview, key: string): number | null {
  if (key === 'meta.year') return f.corrections[key] ? f.corrections[key].value : ex.meta?.year ?? null;
  if (f.corrections[key]) return f.corrections[key].value;
  const v = ex.fields?.[key];
  return v === undefined ? null : v;
}

/**
 * The extraction's checks with corrections applied: every identity check is re-evaluated on the
 * corrected values (other checks are kept as extracted). `changed` lists checks whose outcome moved.
 */
export function currentChecks(ex: Extraction, f: FoldedReview): { checks: Check[]; changed: string[] } {
  const template = ex.meta?.template;
  const hasCorrections = Object.keys(f.corrections).some((k) => !k.startsWith('meta.'));
  if (!hasCorrections || (template !== '2019' && template !== '2021')) return { checks: withFields(ex), changed: [] };
  const values: Values = new Map();
  for (const [k, v] of Object.entries(ex.fields ?? {})) values.set(k, v);
  for (const [k, c] of Object.entries(f.corrections)) if (!k.startsWith('meta.')) values.set(k, c.value);
  const fresh = new Map(runChecks(template, values).map((c) => [c.id, c]));
  const changed: string[] = [];
  const checks = (ex.checks ?? []).map((c) => {
    const n = fresh.get(c.id);
    if (!n) return c;
    if (n.ok !== c.ok || !!n.skipped !== !!c.skipped) changed.push(c.id);
    return { ...c, ...n };
  });
  return { checks, changed };
}

/** The extraction's checks, with the fields of an identity check filled in when the check does not list them. */
function withFields(ex: Extraction): Check[] {
  const t = ex.meta?.template;
  const checks = ex.checks ?? [];
  if ((t !== '2019' && t !== '2021') || checks.every((c) => c.fields?.length)) return checks;
  const byId = new Map(identities(t).map((i) => [i.id, [...i.lhs, ...i.rhs]]));
  return checks.map((c) => (c.fields?.length || !byId.has(c.id) ? c : { ...c, fields: byId.get(c.id) }));
}

/** Failed (evaluated) checks by field key. */
export function failedByField(checks: Check[]): Map<string, Check[]> {
  const out = new Map<string, Check[]>();
  for (const c of checks) {
    if (c.ok || c.skipped) continue;
    for (const k of c.fields ?? []) out.set(k, [...(out.get(k) ?? []), c]);
  }
  return out;
}

export async function reviewsOf(store: Store, id: number): Promise<ReviewRow[]> {
  return store.listReviews(id);
}

export async function versionOf(store: Store, id: number): Promise<{ version: number; updatedBy: string | null; updatedAt: string | null }> {
  const rows = await store.query<{ version: number; updated_by: string | null; updated_at: string | Date | null }>(
    'SELECT version, updated_by, updated_at FROM web_review_state WHERE extraction_id = $1', [id]);
  if (!rows[0]) return { version: 0, updatedBy: null, updatedAt: null };
  const at = rows[0].updated_at;
  return { version: Number(rows[0].version), updatedBy: rows[0].updated_by, updatedAt: at ? new Date(at).toISOString() : null };
}
