/**
 * Export input from the store: extractions (newest pipeline per document) with
 * their reviews folded into a decision and per-field corrections.
 */
import type { ExtractionRow, ReviewRow, Store } from '../store/types';
import type { ExportRecord, ReviewInfo } from './records';

/**
 * Fold a report's review log (oldest first) into the export's view:
 * the last whole-report accept/reject decides approved/rejected; the last
 * `correct` of each field is its correction.
 */
export function foldReviews(rows: ReviewRow[]): ReviewInfo | null {
  const sorted = [...rows].sort((a, b) => a.id - b.id);
  let status: ReviewInfo['status'] = null;
  const corrections: ReviewInfo['corrections'] = {};
  let any = false;
  for (const r of sorted) {
    if (r.field == null) {
      if (r.action === 'accept') { status = 'approved'; any = true; }
      else if (r.action === 'reject') { status = 'rejected'; any = true; }
    } else if (r.action === 'correct') {
      corrections[r.field] = { value: r.value, by: r.reviewer, at: r.createdAt.toISOString() };
      any = true;
    }
  }
  return any ? { status, corrections } : null;
}

export interface StoreExportOptions {
  pipeline?: string;
  /** Rows per page (default 500). */
  pageSize?: number;
}

/** Reviews of many extractions in one query; falls back to one listReviews per extraction. */
async function reviewsFor(store: Store, ids: number[]): Promise<Map<number, ReviewRow[]>> {
  const out = new Map<number, ReviewRow[]>();
  if (!ids.length) return out;
  try {
    const rows = await store.query<Record<string, unknown>>(
      'SELECT id, extraction_id, field, action, value, reviewer, note, created_at FROM reviews WHERE extraction_id = ANY($1::bigint[]) ORDER BY id',
      [ids],
    );
    for (const r of rows) {
      const row: ReviewRow = {
        id: Number(r.id), extractionId: Number(r.extraction_id), field: (r.field as string | null) ?? null,
        action: r.action as ReviewRow['action'], value: r.value == null ? null : Number(r.value),
        reviewer: String(r.reviewer), note: (r.note as string | null) ?? null, createdAt: new Date(r.created_at as string),
      };
      const list = out.get(row.extractionId) ?? [];
      list.push(row);
      out.set(row.extractionId, list);
    }
  } catch {
    for (const id of ids) out.set(id, await store.listReviews(id));
  }
  return out;
}

function toRecord(row: ExtractionRow, reviews: ReviewRow[]): ExportRecord {
  return {
    id: String(row.id),
    extraction: row.extraction,
    review: foldReviews(reviews),
    crossFlags: row.crossFlags.map((f) => ({ code: f.code, message: f.message })),
  };
}

/** Every extraction in the store (newest pipeline per document), with its reviews. */
export async function* storeRecords(store: Store, opts: StoreExportOptions = {}): AsyncGenerator<ExportRecord> {
  const pageSize = opts.pageSize ?? 500;
  let lastId = 0;
  // Offset pages ordered by id; ids already yielded are skipped should a page shift under a concurrent insert.
  for (let offset = 0; ; offset += pageSize) {
    const rows = await store.listExtractions({ latestOnly: true, orderBy: 'id', limit: pageSize, offset, pipeline: opts.pipeline });
    if (!rows.length) return;
    const reviews = await reviewsFor(store, rows.map((r) => r.id));
    for (const row of rows) {
      if (row.id <= lastId) continue;
      lastId = row.id;
      yield toRecord(row, reviews.get(row.id) ?? []);
    }
    if (rows.length < pageSize) return;
  }
}
