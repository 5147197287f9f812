/**
 * The queue: extractions (newest pipeline per document), flagged first, filtered in SQL and paged
 * by keyset on the indexed order (rank, id), so page 1,000 of 100k rows costs what page 1 does.
 */
import type { Store } from '../store/types';

export interface QueueFilter {
  status?: string;    // ok | flagged | failed
  review?: string;    // todo | approved | rejected
  flag?: string;      // flag code (pipeline or cross-document)
  year?: number;
  template?: string;  // 2019 | 2021 | free | none
  q?: string;         // agency / region / path text
  format?: string;    // pdf | html | docx | doc | text | unknown
}

export const STATUSES = ['flagged', 'failed', 'ok'];
export const REVIEWS = ['todo', 'approved', 'rejected'];
export const TEMPLATES = ['2019', '2021', 'free', 'none'];
export const FORMATS = ['pdf', 'html', 'docx', 'doc', 'text', 'unknown'];
export const FLAG_CODES = [
  'identity_failed', 'ambiguous_row', 'row_realigned', 'low_confidence', 'inferred', 'not_found', 'blank_cell',
  'implausible_value', 'unit_converted', 'prose_uncertain', 'prose_table_mismatch', 'meta_missing',
  'template_uncertain', 'no_tables', 'tables_as_images', 'carry_over_mismatch', 'duplicate_report', 'year_hint_mismatch',
];

const RANK = `(CASE e.status WHEN 'flagged' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END)`;
const STATUS_RANK: Record<string, number> = { flagged: 0, failed: 1, ok: 2 };

/** Read the filter from query parameters; unknown values are dropped, not trusted. */
export function parseFilter(q: Record<string, unknown>): QueueFilter {
  const s = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim() : '');
  const f: QueueFilter = {};
  if (STATUSES.includes(s('status'))) f.status = s('status');
  if (REVIEWS.includes(s('review'))) f.review = s('review');
  if (FLAG_CODES.includes(s('flag'))) f.flag = s('flag');
  if (/^\d{4}$/.test(s('year'))) f.year = Number(s('year'));
  if (TEMPLATES.includes(s('template'))) f.template = s('template');
  if (FORMATS.includes(s('format'))) f.format = s('format');
  if (s('q')) f.q = s('q').slice(0, 200);
  return f;
}

export function filterQuery(f: QueueFilter, extra: Record<string, string | number | undefined> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** WHERE clause over `extractions e LEFT JOIN web_review_state w`; `facets: false` leaves out status and review. */
export function whereSql(f: QueueFilter, p: unknown[], facets = true): string {
  const w: string[] = ['NOT EXISTS (SELECT 1 FROM extractions n WHERE n.sha256 = e.sha256 AND n.id > e.id)'];
  if (facets && f.status) {
    // The rank condition lets the (rank, id) index start at the status's own range.
    w.push(`e.status = $${p.push(f.status)}`, `${RANK} = ${STATUS_RANK[f.status] ?? 2}`);
  }
  if (facets && f.review) {
    if (f.review === 'todo') w.push('w.decision IS NULL');
    else w.push(`w.decision = $${p.push(f.review)}`);
  }
  if (f.flag) {
    const i = p.push(JSON.stringify([{ code: f.flag }]));
    w.push(`(e.flags @> $${i}::jsonb OR e.cross_flags @> $${i}::jsonb)`);
  }
  if (f.year !== undefined) w.push(`e.year = $${p.push(f.year)}`);
  if (f.template === 'none') w.push('e.template IS NULL');
  else if (f.template) w.push(`e.template = $${p.push(f.template)}`);
  if (f.format) w.push(`(e.source->>'format') = $${p.push(f.format)}`);
  if (f.q) {
    const i = p.push('%' + likeEscape(f.q) + '%');
    w.push(`(e.agency ILIKE $${i} OR (e.source->>'path') ILIKE $${i} OR (e.source->>'uri') ILIKE $${i})`);
  }
  return 'WHERE ' + w.join(' AND ');
}

export interface QueueRow {
  id: number;
  rank: number;
  status: string;
  agency: string | null;
  year: number | null;
  template: string | null;
  format: string | null;
  path: string | null;
  decision: string | null;
  flagCodes: string[];
  nFlags: number;
  nFailed: number;
  nCorrected: number;
  updatedAt: string;
}

export interface QueuePage {
  rows: QueueRow[];
  /** Cursor of the first and last row ("rank.id"), for the previous/next page links. */
  first: string | null;
  last: string | null;
  hasPrev: boolean;
  hasNext: boolean;
}

export function parseCursor(v: unknown): [number, number] | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d)\.(\d{1,18})$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export async function queuePage(store: Store, f: QueueFilter, opts: { after?: [number, number] | null; before?: [number, number] | null; limit?: number } = {}): Promise<QueuePage> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  const p: unknown[] = [];
  let where = whereSql(f, p);
  let order = `${RANK}, e.id`;
  const backwards = !!opts.before && !opts.after;
  if (opts.after) where += ` AND (${RANK}, e.id) > ($${p.push(opts.after[0])}, $${p.push(opts.after[1])})`;
  else if (opts.before) {
    where += ` AND (${RANK}, e.id) < ($${p.push(opts.before[0])}, $${p.push(opts.before[1])})`;
    order = `${RANK} DESC, e.id DESC`;
  }
  const sql = `SELECT e.id, ${RANK} AS rank, e.status, e.agency, e.year, e.template, e.source->>'format' AS format,
      COALESCE(e.source->>'path', e.source->>'uri') AS path, w.decision, e.updated_at,
      (SELECT array_agg(DISTINCT x->>'code') FROM jsonb_array_elements(e.flags || e.cross_flags) x) AS codes,
      jsonb_array_length(e.flags) + jsonb_array_length(e.cross_flags) AS nflags,
      COALESCE(e.checks_failed, (SELECT count(*) FROM jsonb_array_elements(e.checks) c WHERE c->>'ok' = 'false' AND COALESCE(c->>'skipped', 'false') <> 'true')) AS nfailed,
      (SELECT count(DISTINCT r.field) FROM reviews r WHERE r.extraction_id = e.id AND r.action = 'correct') AS ncorr
    FROM extractions e LEFT JOIN web_review_state w ON w.extraction_id = e.id
    ${where} ORDER BY ${order} LIMIT $${p.push(limit + 1)}`;
  const raw = await store.query<Record<string, unknown>>(sql, p);
  const more = raw.length > limit;
  let rows = raw.slice(0, limit).map((r): QueueRow => ({
    id: Number(r.id), rank: Number(r.rank), status: String(r.status), agency: (r.agency as string) ?? null,
    year: r.year == null ? null : Number(r.year), template: (r.template as string) ?? null, format: (r.format as string) ?? null,
    path: (r.path as string) ?? null, decision: (r.decision as string) ?? null,
    flagCodes: ((r.codes as string[] | null) ?? []).filter(Boolean), nFlags: Number(r.nflags ?? 0),
    nFailed: Number(r.nfailed ?? 0), nCorrected: Number(r.ncorr ?? 0), updatedAt: new Date(r.updated_at as string).toISOString(),
  }));
  if (backwards) rows = rows.reverse();
  const cur = (r?: QueueRow) => (r ? `${r.rank}.${r.id}` : null);
  return {
    rows,
    first: cur(rows[0]),
    last: cur(rows[rows.length - 1]),
    hasPrev: backwards ? more : !!opts.after,
    hasNext: backwards ? true : more,
  };
}

export interface QueueCounts {
  total: number;
  byStatus: Record<string, number>;
  byReview: Record<string, number>;
  /** Rows matching every filter, status and review included. */
  matching: number;
}

/**
 * Counts are a scan of the filtered set (about 1 s for 100k rows in PGlite, far less in
 * PostgreSQL): kept for a few seconds per filter, and dropped on every review write.
 */
const COUNTS_TTL_MS = 5000;
const countsCache = new WeakMap<Store, Map<string, { at: number; value: QueueCounts }>>();

export function invalidateCounts(store: Store): void {
  countsCache.get(store)?.clear();
}

/** Counts at the top of the queue: by status and by review decision, under the other filters. */
export async function queueCounts(store: Store, f: QueueFilter): Promise<QueueCounts> {
  let cache = countsCache.get(store);
  if (!cache) { cache = new Map(); countsCache.set(store, cache); }
  const key = JSON.stringify([f.flag, f.year, f.template, f.format, f.q, f.status, f.review]);
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < COUNTS_TTL_MS) return hit.value;
  const value = await computeCounts(store, f);
  if (cache.size > 200) cache.clear();
  cache.set(key, { at: Date.now(), value });
  return value;
}

async function computeCounts(store: Store, f: QueueFilter): Promise<QueueCounts> {
  const p: unknown[] = [];
  const rows = await store.query<{ status: string; decision: string | null; n: number }>(
    `SELECT e.status, w.decision, count(*)::int AS n FROM extractions e LEFT JOIN web_review_state w ON w.extraction_id = e.id
     ${whereSql(f, p, false)} GROUP BY 1, 2`, p);
  const out: QueueCounts = { total: 0, byStatus: { flagged: 0, failed: 0, ok: 0 }, byReview: { todo: 0, approved: 0, rejected: 0 }, matching: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    const d = r.decision ?? 'todo';
    out.total += n;
    out.byStatus[r.status] = (out.byStatus[r.status] ?? 0) + n;
    out.byReview[d] = (out.byReview[d] ?? 0) + n;
    if ((!f.status || f.status === r.status) && (!f.review || f.review === d)) out.matching += n;
  }
  return out;
}

/** The report after (or before) `id` in the filtered queue; `flaggedOnly` keeps flagged reports not yet decided. */
export async function neighbour(store: Store, f: QueueFilter, id: number, dir: 'next' | 'prev', flaggedOnly: boolean): Promise<number | null> {
  const cur = await store.query<{ rank: number }>(`SELECT ${RANK} AS rank FROM extractions e WHERE e.id = $1`, [id]);
  if (!cur[0]) return null;
  const filter: QueueFilter = flaggedOnly ? { ...f, status: f.status ?? 'flagged', review: f.review ?? 'todo' } : f;
  const p: unknown[] = [];
  const where = whereSql(filter, p);
  const cmp = dir === 'next' ? '>' : '<';
  const order = dir === 'next' ? `${RANK}, e.id` : `${RANK} DESC, e.id DESC`;
  const rows = await store.query<{ id: number }>(
    `SELECT e.id FROM extractions e LEFT JOIN web_review_state w ON w.extraction_id = e.id ${where}
     AND (${RANK}, e.id) ${cmp} ($${p.push(Number(cur[0].rank))}, $${p.push(id)}) ORDER BY ${order} LIMIT 1`, p);
  return rows[0] ? Number(rows[0].id) : null;
}
