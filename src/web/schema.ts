/**
 * The review UI's tables and indexes are created by the store's migration 3
 * (src/store/migrations.ts). At server start only the decisions written by other tools are folded
 * into web_review_state.
 */
import type { Store } from '../store/types';

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
  await store.query(WEB_SYNC_SQL);
}
