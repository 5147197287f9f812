/**
 * The review UI's own schema additions, applied idempotently at server start through `store.query`
 * (the store's numbered migrations belong to src/store; these can move into one unchanged).
 *
 * - web_review_state: one row per reviewed extraction: the version checked on every write
 *   (optimistic locking) and the current whole-report decision, denormalised from the reviews
 *   log so that the queue can filter and count by it with an index.
 * - indexes on extractions for the queue's order (flagged first, then id) and its filters.
 */
import type { Store } from '../store/types';

export const WEB_SCHEMA_SQL: string[] = [
  `CREATE TABLE IF NOT EXISTS web_review_state (
    extraction_id BIGINT PRIMARY KEY REFERENCES extractions(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL DEFAULT 0,
    decision      TEXT CHECK (decision IN ('approved','rejected')),
    updated_by    TEXT,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX IF NOT EXISTS web_review_state_decision_idx ON web_review_state (decision, extraction_id)`,
  `CREATE INDEX IF NOT EXISTS extractions_web_queue_idx ON extractions ((CASE status WHEN 'flagged' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END), id)`,
  `CREATE INDEX IF NOT EXISTS extractions_web_year_idx ON extractions (year, id)`,
  `CREATE INDEX IF NOT EXISTS extractions_web_template_idx ON extractions (template, id)`,
  `CREATE INDEX IF NOT EXISTS extractions_web_format_idx ON extractions ((source->>'format'), id)`,
  `CREATE INDEX IF NOT EXISTS extractions_web_flags_idx ON extractions USING gin (flags jsonb_path_ops)`,
  `CREATE INDEX IF NOT EXISTS extractions_web_sha_id_idx ON extractions (sha256, id)`,
];

/** Decisions written before the UI existed (or by other tools) are folded into web_review_state. */
export const WEB_SYNC_SQL = `
INSERT INTO web_review_state (extraction_id, decision, updated_by, updated_at)
SELECT DISTINCT ON (r.extraction_id) r.extraction_id,
       CASE r.action WHEN 'accept' THEN 'approved' ELSE 'rejected' END, r.reviewer, r.created_at
FROM reviews r
WHERE r.field IS NULL AND r.action IN ('accept','reject')
ORDER BY r.extraction_id, r.id DESC
ON CONFLICT (extraction_id) DO UPDATE SET decision = EXCLUDED.decision
WHERE web_review_state.decision IS DISTINCT FROM EXCLUDED.decision`;

export async function ensureWebSchema(store: Store): Promise<void> {
  for (const sql of WEB_SCHEMA_SQL) {
    try {
      await store.query(sql);
    } catch (e) {
      // Two servers starting at once may race on the catalog; the object exists either way.
      if (!/already exists|duplicate key/i.test(String((e as Error).message))) throw e;
    }
  }
  await store.query(WEB_SYNC_SQL);
}
