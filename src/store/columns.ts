/**
 * Report columns (migration 7): the listing pages discovery starts from, the sources they listed, and the
 * year-hint check of those sources. Kept apart from the core store (the same SQL on pg and PGlite,
 * through Store.query).
 */
import type { Store } from './types';

export type ColumnStatus = 'queued' | 'discovering' | 'done' | 'partial' | 'failed';

export interface ColumnRow {
  id: number;
  url: string;
  status: ColumnStatus;
  batch: string | null;
  runs: number;
  pages: number;
  listed: number;
  reports: number;
  newReports: number;
  skipped: SkippedItem[];
  pageErrors: Array<{ url: string; code: string; message: string }>;
  error: { code: string; message: string } | null;
  discoveredAt: Date | null;
}

/** A listed item that was not queued, and why. */
export interface SkippedItem {
  url: string;
  title: string;
  reason: 'not_report' | 'off_site';
}

export interface ColumnRunResult {
  status: 'done' | 'partial' | 'failed';
  pages: number;
  listed: number;
  reports: number;
  newReports: number;
  skipped: SkippedItem[];
  pageErrors: Array<{ url: string; code: string; message: string }>;
  error?: { code: string; message: string } | null;
}

function toColumn(r: any): ColumnRow {
  return {
    id: Number(r.id), url: r.url, status: r.status, batch: r.batch ?? null, runs: Number(r.runs), pages: Number(r.pages),
    listed: Number(r.listed), reports: Number(r.reports), newReports: Number(r.new_reports), skipped: r.skipped ?? [],
    pageErrors: r.page_errors ?? [], error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    discoveredAt: r.discovered_at ? new Date(r.discovered_at) : null,
  };
}

/** Add (or re-queue) columns for a discovery run; returns their rows in the order given. */
export async function upsertColumns(store: Store, urls: string[], batch: string): Promise<ColumnRow[]> {
  if (!urls.length) return [];
  const rows = await store.query(
    `INSERT INTO columns (url, batch) SELECT u, $2 FROM unnest($1::text[]) AS u
     ON CONFLICT (url) DO UPDATE SET status = 'queued', batch = EXCLUDED.batch, updated_at = now()
     RETURNING *`,
    [urls, batch],
  );
  const byUrl = new Map(rows.map((r) => [String((r as any).url), toColumn(r)]));
  return urls.map((u) => byUrl.get(u) as ColumnRow);
}

export async function getColumn(store: Store, id: number): Promise<ColumnRow | null> {
  const rows = await store.query('SELECT * FROM columns WHERE id = $1', [id]);
  return rows.length ? toColumn(rows[0]) : null;
}

export async function markColumnDiscovering(store: Store, id: number): Promise<void> {
  await store.query(`UPDATE columns SET status = 'discovering', runs = runs + 1, updated_at = now() WHERE id = $1`, [id]);
}

export async function finishColumnRun(store: Store, id: number, r: ColumnRunResult): Promise<void> {
  await store.query(
    `UPDATE columns SET status = $2, pages = $3, listed = $4, reports = $5, new_reports = $6, skipped = $7::jsonb,
       page_errors = $8::jsonb, error_code = $9, error_message = $10, discovered_at = now(), updated_at = now()
     WHERE id = $1`,
    [id, r.status, r.pages, r.listed, r.reports, r.newReports, JSON.stringify(r.skipped), JSON.stringify(r.pageErrors),
      r.error?.code ?? null, r.error?.message ?? null],
  );
}

/** Tag listed sources with their column (the first column to list a URL keeps it) and the listing's title and date. */
export async function tagListedSources(store: Store, columnId: number, items: Array<{ url: string; title: string; date: string | null }>): Promise<void> {
  if (!items.length) return;
  await store.query(
    `UPDATE sources s SET column_id = COALESCE(s.column_id, $1), listed_title = COALESCE(s.listed_title, i.title),
       listed_date = COALESCE(s.listed_date, i.date)
     FROM unnest($2::text[], $3::text[], $4::text[]) AS i(url, title, date)
     WHERE s.url = i.url`,
    [columnId, items.map((i) => i.url), items.map((i) => i.title), items.map((i) => i.date)],
  );
}

export interface ColumnCounts {
  id: number;
  url: string;
  status: ColumnStatus;
  runs: number;
  pages: number;
  /** Reports listed by the column (sources tagged with it). */
  found: number;
  queued: number;
  extracted: number;
  failed: number;
  /** Listed items not queued (not a report, off-site) in the last run. */
  skipped: number;
  /** Reports new in the last run. */
  newReports: number;
  /** Extractions of this pipeline version whose year disagrees with the listing title's. */
  yearMismatches: number;
  error: { code: string; message: string } | null;
}

/** Per column: reports found, extracted and failed (for `nianbao status`). */
export async function columnCounts(store: Store, pipeline: string, opts: { batch?: string } = {}): Promise<ColumnCounts[]> {
  const p: unknown[] = [pipeline];
  const where = opts.batch ? `WHERE c.batch = $${p.push(opts.batch)}` : '';
  const rows = await store.query(
    `SELECT c.id, c.url, c.status, c.runs, c.pages, c.new_reports, jsonb_array_length(c.skipped) AS skipped, c.error_code, c.error_message,
       count(s.id)::int AS found,
       count(s.id) FILTER (WHERE s.status IN ('queued','fetched'))::int AS queued,
       count(s.id) FILTER (WHERE s.status = 'extracted')::int AS extracted,
       count(s.id) FILTER (WHERE s.status = 'failed')::int AS failed,
       count(s.id) FILTER (WHERE s.year_hint IS NOT NULL AND EXISTS (
         SELECT 1 FROM extractions e WHERE e.sha256 = s.sha256 AND e.pipeline = $1 AND e.status <> 'failed'
           AND e.year IS DISTINCT FROM s.year_hint))::int AS year_mismatches
     FROM columns c LEFT JOIN sources s ON s.column_id = c.id ${where}
     GROUP BY c.id ORDER BY c.id`,
    p,
  );
  return rows.map((r: any) => ({
    id: Number(r.id), url: r.url, status: r.status, runs: Number(r.runs), pages: Number(r.pages), found: Number(r.found),
    queued: Number(r.queued), extracted: Number(r.extracted), failed: Number(r.failed), skipped: Number(r.skipped),
    newReports: Number(r.new_reports), yearMismatches: Number(r.year_mismatches),
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
  }));
}

/**
 * Check the year hints of this content's sources against its extraction (this pipeline version): each
 * source whose hint differs from the extracted year adds one `year_hint_mismatch` flag (naming the source)
 * and makes an `ok` extraction `flagged`. The extracted year stays as extracted and the hint as listed:
 * which one is right is for a reviewer. Idempotent (a source's flag is added once). Returns the flags added.
 */
export async function checkYearHints(store: Store, sha256: string | string[], pipeline: string): Promise<number> {
  const shas = Array.isArray(sha256) ? sha256 : [sha256];
  if (!shas.length) return 0;
  const rows = await store.query<{ n: number }>(
    `WITH m AS (
       SELECT e.id, jsonb_agg(jsonb_build_object('code', 'year_hint_mismatch', 'source', s.id,
         'message', '来源 ' || s.id || ' 的栏目标题年度为 ' || s.year_hint || '，报告提取的年度为 ' || COALESCE(e.year::text, '（未识别）')
           || ' (listing title says ' || s.year_hint || ', extracted ' || COALESCE(e.year::text, 'none') || ')') ORDER BY s.id) AS add
       FROM extractions e JOIN sources s ON s.sha256 = e.sha256
       WHERE e.sha256 = ANY($1::text[]) AND e.pipeline = $2 AND e.status <> 'failed' AND s.year_hint IS NOT NULL
         AND e.year IS DISTINCT FROM s.year_hint
         AND NOT e.flags @> jsonb_build_array(jsonb_build_object('code', 'year_hint_mismatch', 'source', s.id))
       GROUP BY e.id)
     UPDATE extractions e SET flags = e.flags || m.add, status = CASE WHEN e.status = 'ok' THEN 'flagged' ELSE e.status END, updated_at = now()
     FROM m WHERE e.id = m.id
     RETURNING jsonb_array_length(m.add) AS n`,
    [shas, pipeline],
  );
  return rows.reduce((s, r) => s + Number(r.n), 0);
}

/** The contents of these URLs' sources that are extracted already (their year hints may be new). */
export async function extractedShas(store: Store, urls: string[]): Promise<string[]> {
  if (!urls.length) return [];
  const rows = await store.query<{ sha256: string }>(
    `SELECT DISTINCT sha256 FROM sources WHERE url = ANY($1::text[]) AND status = 'extracted' AND sha256 IS NOT NULL AND year_hint IS NOT NULL`,
    [urls],
  );
  return rows.map((r) => r.sha256);
}
