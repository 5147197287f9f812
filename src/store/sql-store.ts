/** The Store over a `Db` (pg or PGlite): the same SQL for both. */
import type { Extraction } from '../model/extraction';
import { sha256 as sha256Of, PIPELINE_VERSION } from '../pipeline/extract';
import type { Db, Queryer, Session } from './db';
import { MIGRATIONS } from './migrations';
import { writeBlob, readBlob as readBlobFile, blobRelPath } from './blobs';
import { decodeJsonZ, isPrepared, prepareExtraction, type PreparedExtraction } from './prepare';
import type {
  AuditEntry, AuditRow, CrossCheckRow, CrossFlag, DocumentRow, ExtractionQuery, ExtractionRow, ExtractionWrite, FetchedInfo,
  NewReview, NewSource, RecordedExtraction, ReviewRow, SourceError, SourceRow, SourceStatus, StatusCounts, Store,
} from './types';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = (v: unknown): string => JSON.stringify(v ?? null);

/** The columns of `sources`, listed (named statements must not return `*`: their row type is fixed when prepared). */
const SOURCE_COLS = `id, url, status, agency_hint, year_hint, batch, final_url, attachment_url, http_status, content_type, sha256,
  bytes, blob_path, error_stage, error_code, error_message, attempts, created_at, updated_at, fetched_at, done_at`;

function toSource(r: any): SourceRow {
  return {
    id: Number(r.id),
    url: r.url,
    status: r.status,
    agencyHint: r.agency_hint ?? null,
    yearHint: num(r.year_hint),
    batch: r.batch ?? null,
    finalUrl: r.final_url ?? null,
    attachmentUrl: r.attachment_url ?? null,
    httpStatus: num(r.http_status),
    contentType: r.content_type ?? null,
    sha256: r.sha256 ?? null,
    bytes: num(r.bytes),
    blobPath: r.blob_path ?? null,
    error: r.error_code ? { stage: r.error_stage, code: r.error_code, message: r.error_message ?? '' } : null,
    attempts: Number(r.attempts ?? 0),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    fetchedAt: r.fetched_at ? new Date(r.fetched_at) : null,
  };
}

function toDocument(r: any): DocumentRow {
  return {
    sha256: r.sha256,
    bytes: Number(r.bytes),
    blobPath: r.blob_path,
    contentType: r.content_type ?? null,
    firstUrl: r.first_url ?? null,
    createdAt: new Date(r.created_at),
  };
}

function toExtraction(r: any): ExtractionRow {
  const extraction: Extraction = {
    source: r.source,
    meta: r.meta,
    fields: r.fields,
    // rows since migration 4 hold the cells compressed in cells_z; older rows in the JSONB column
    cells: r.cells ?? (r.cells_z != null ? decodeJsonZ<Extraction['cells']>(r.cells_z) : {}),
    // likewise the checks, since migration 5, in checks_z
    checks: r.checks ?? (r.checks_z != null ? decodeJsonZ<Extraction['checks']>(r.checks_z) : []),
    flags: r.flags,
    status: r.status,
    pipeline: r.pipeline,
  };
  if (r.error_code) extraction.error = { code: r.error_code, message: r.error_message ?? '' };
  return {
    id: Number(r.id),
    sha256: r.sha256,
    pipeline: r.pipeline,
    status: r.status,
    agency: r.agency ?? null,
    year: num(r.year),
    template: r.template ?? null,
    errorCode: r.error_code ?? null,
    errorMessage: r.error_message ?? null,
    extraction,
    crossFlags: r.cross_flags ?? [],
    durationMs: num(r.duration_ms),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

function toCross(r: any): CrossCheckRow {
  return {
    id: Number(r.id),
    kind: r.kind,
    agency: r.agency,
    extractionA: Number(r.extraction_a),
    extractionB: Number(r.extraction_b),
    yearA: Number(r.year_a),
    yearB: Number(r.year_b),
    ok: !!r.ok,
    detail: r.detail,
    mismatches: r.mismatches ?? [],
    createdAt: new Date(r.created_at),
  };
}

/** Lock key for migrations (per schema, so parallel test schemas don't wait on each other). */
function lockKey(s: string): number {
  let h = 0;
  for (const c of 'nianbao-migrate:' + s) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

export class SqlStore implements Store {
  constructor(private readonly db: Db, readonly blobRoot: string, private readonly schema = 'public') {}

  get kind(): 'pg' | 'pglite' {
    return this.db.kind;
  }

  /** Apply pending migrations; returns how many were applied. Safe to call from many processes at once. */
  private storeId: string | null = null;

  /** This store's random identity (made by migration 7 when the store was created). */
  get id(): string {
    if (!this.storeId) throw new Error('store not migrated yet: its id is unknown');
    return this.storeId;
  }

  async migrate(): Promise<number> {
    const n = await this.migrateSchema();
    const rows = await this.db.query(`SELECT value FROM store_meta WHERE key = 'store_id'`);
    this.storeId = String(rows[0].value);
    return n;
  }

  private async migrateSchema(): Promise<number> {
    return this.db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [lockKey(this.schema)]);
      await q.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
      const done = new Set((await q.query('SELECT version FROM schema_migrations')).map((r: any) => Number(r.version)));
      let n = 0;
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const stmt of splitSql(m.sql)) await q.query(stmt);
        await q.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        n++;
      }
      return n;
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // ---- sources

  async upsertSource(s: NewSource): Promise<{ source: SourceRow; created: boolean }> {
    const rows = await this.db.query(
      `INSERT INTO sources (url, agency_hint, year_hint, batch) VALUES ($1, $2, $3, $4)
       ON CONFLICT (url) DO UPDATE SET
         agency_hint = COALESCE(EXCLUDED.agency_hint, sources.agency_hint),
         year_hint = COALESCE(EXCLUDED.year_hint, sources.year_hint),
         updated_at = sources.updated_at
       RETURNING *, (xmax = 0) AS created`,
      [s.url, s.agencyHint ?? null, s.yearHint ?? null, s.batch ?? null],
    );
    return { source: toSource(rows[0]), created: !!rows[0].created };
  }

  async getSource(id: number): Promise<SourceRow | null> {
    const rows = await this.db.query('SELECT * FROM sources WHERE id = $1', [id]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  async getSourceByUrl(url: string): Promise<SourceRow | null> {
    const rows = await this.db.query('SELECT * FROM sources WHERE url = $1', [url]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  async listSources(q: { status?: SourceStatus; batch?: string; sha256?: string; limit?: number; offset?: number } = {}): Promise<SourceRow[]> {
    const where: string[] = [];
    const p: unknown[] = [];
    if (q.status) where.push(`status = $${p.push(q.status)}`);
    if (q.batch) where.push(`batch = $${p.push(q.batch)}`);
    if (q.sha256) where.push(`sha256 = $${p.push(q.sha256)}`);
    const sql = `SELECT * FROM sources ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id
      LIMIT $${p.push(q.limit ?? 1000)} OFFSET $${p.push(q.offset ?? 0)}`;
    return (await this.db.query(sql, p)).map(toSource);
  }

  async listPending(q: { updatedBefore?: Date; afterId?: number; limit?: number } = {}): Promise<SourceRow[]> {
    const rows = await this.db.query(
      `SELECT * FROM sources WHERE status IN ('queued', 'fetched') AND id > $1
         AND ($2::timestamptz IS NULL OR updated_at < $2::timestamptz)
       ORDER BY id LIMIT $3`,
      [q.afterId ?? 0, q.updatedBefore ?? null, q.limit ?? 1000],
    );
    return rows.map(toSource);
  }

  async adoptIntoBatch(ids: number[], batch: string): Promise<void> {
    // updated_at is left as it is: it tells reconciliation how long the source has waited
    await this.db.query(`UPDATE sources SET batch = $1 WHERE id = ANY($2::bigint[]) AND status IN ('queued', 'fetched')`, [batch, ids]);
  }

  async requeueSource(id: number, batch?: string | null): Promise<void> {
    await this.db.query(
      `UPDATE sources SET status = 'queued', batch = COALESCE($2, batch), error_stage = NULL, error_code = NULL,
         error_message = NULL, done_at = NULL, updated_at = now() WHERE id = $1`,
      [id, batch ?? null],
    );
  }

  async markSourceFetched(id: number, f: FetchedInfo): Promise<void> {
    await this.db.query(
      `UPDATE sources SET status = 'fetched', final_url = $2, attachment_url = $3, http_status = $4, content_type = $5,
         sha256 = $6, bytes = $7, blob_path = $8, error_stage = NULL, error_code = NULL, error_message = NULL,
         fetched_at = now(), updated_at = now() WHERE id = $1`,
      [id, f.finalUrl, f.attachmentUrl ?? null, f.httpStatus, f.contentType, f.sha256, f.bytes, f.blobPath],
    );
  }

  async markExtractedBySha(sha256: string): Promise<number> {
    const rows = await this.db.query(
      `UPDATE sources SET status = 'extracted', done_at = now(), updated_at = now()
       WHERE sha256 = $1 AND status = 'fetched' RETURNING id`,
      [sha256],
    );
    return rows.length;
  }

  async markSourceExtracted(id: number): Promise<void> {
    await this.db.query(`UPDATE sources SET status = 'extracted', done_at = now(), updated_at = now() WHERE id = $1`, [id]);
  }

  async markSourceFailed(id: number, err: SourceError, httpStatus?: number | null, opts: { attempt?: number; onlyIfPending?: boolean } = {}): Promise<void> {
    await this.db.query(
      `UPDATE sources SET status = 'failed', error_stage = $2, error_code = $3, error_message = $4,
         http_status = COALESCE($5, http_status), attempts = GREATEST(attempts, $6::int), done_at = now(), updated_at = now()
       WHERE id = $1 AND ($7::boolean IS NOT TRUE OR status IN ('queued', 'fetched'))`,
      [id, err.stage, err.code, err.message.slice(0, 2000), httpStatus ?? null, opts.attempt ?? 0, !!opts.onlyIfPending],
    );
  }

  async incrementAttempts(id: number): Promise<void> {
    await this.db.query('UPDATE sources SET attempts = attempts + 1, updated_at = now() WHERE id = $1', [id]);
  }

  async claimSource(id: number): Promise<{ source: SourceRow | null; claimed: boolean }> {
    const rows = await this.db.query(
      // The attempt count is all the claim writes: its commit need not wait for the WAL flush (lost only
      // if PostgreSQL itself crashes within ~200 ms, and then only that count).
      `WITH c AS (UPDATE sources SET attempts = attempts + 1, updated_at = now() WHERE id = $1 AND status = 'queued'
         RETURNING ${SOURCE_COLS}, set_config('synchronous_commit', 'off', true) AS async_commit)
       SELECT ${SOURCE_COLS}, true AS claimed FROM c
       UNION ALL SELECT ${SOURCE_COLS}, false AS claimed FROM sources WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM c)`,
      [id],
      'nianbao_claim_source',
    );
    return rows[0] ? { source: toSource(rows[0]), claimed: !!rows[0].claimed } : { source: null, claimed: false };
  }

  async upsertSources(list: NewSource[]): Promise<Array<{ source: SourceRow; created: boolean }>> {
    if (!list.length) return [];
    // one row per URL (a URL twice in one statement would be an error); later entries see the same row
    const uniq = new Map<string, NewSource>();
    for (const s of list) if (!uniq.has(s.url)) uniq.set(s.url, s);
    const rows = [...uniq.values()];
    const got = await this.db.query(
      `INSERT INTO sources (url, agency_hint, year_hint, batch)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[])
       ON CONFLICT (url) DO UPDATE SET
         agency_hint = COALESCE(EXCLUDED.agency_hint, sources.agency_hint),
         year_hint = COALESCE(EXCLUDED.year_hint, sources.year_hint),
         updated_at = sources.updated_at
       RETURNING *, (xmax = 0) AS created`,
      [rows.map((r) => r.url), rows.map((r) => r.agencyHint ?? null), rows.map((r) => r.yearHint ?? null), rows.map((r) => r.batch ?? null)],
    );
    const byUrl = new Map<string, { source: SourceRow; created: boolean }>(got.map((r: any) => [r.url, { source: toSource(r), created: !!r.created }]));
    const seen = new Set<string>();
    return list.map((s) => {
      const r = byUrl.get(s.url)!;
      const first = !seen.has(s.url);
      seen.add(s.url);
      return first ? r : { source: r.source, created: false };
    });
  }

  async recordFetched(
    id: number,
    bytes: Uint8Array,
    f: Omit<FetchedInfo, 'sha256' | 'bytes' | 'blobPath'>,
    opts: { sha256?: string; pipeline?: string; asyncCommit?: boolean; attempt?: number } = {},
  ): Promise<{ sha256: string; bytes: number; blobPath: string; extracted: number | null; skipped?: SourceStatus | 'missing' }> {
    const sha = opts.sha256 ?? sha256Of(bytes);
    const { rel } = await writeBlob(this.blobRoot, sha, bytes);
    // With a pipeline: an extraction of this content for it already there? Then the source (and any other
    // fetched source of the content) is marked extracted in the same statement. With asyncCommit (the
    // caller stores the extraction next, whose synchronous commit flushes this one too), the commit does
    // not wait for the WAL flush unless the source ends `extracted` here. Only a `queued` or `fetched`
    // source is updated (a job's first run fetches before asking the store: see processFetch).
    const rows = await this.db.query(
      `WITH d AS (
         INSERT INTO documents (sha256, bytes, blob_path, content_type, first_url) VALUES ($6, $7, $8, $5, $2)
         ON CONFLICT (sha256) DO UPDATE SET blob_path = EXCLUDED.blob_path RETURNING 1),
       h AS (SELECT id FROM extractions WHERE sha256 = $6 AND pipeline = $9::text LIMIT 1),
       s AS (
         UPDATE sources SET status = CASE WHEN EXISTS (SELECT 1 FROM h) THEN 'extracted' ELSE 'fetched' END,
           final_url = $2, attachment_url = $3, http_status = $4, content_type = $5,
           sha256 = $6, bytes = $7, blob_path = $8, error_stage = NULL, error_code = NULL, error_message = NULL,
           attempts = GREATEST(attempts, $11::int), fetched_at = now(), updated_at = now(),
           done_at = CASE WHEN EXISTS (SELECT 1 FROM h) THEN now() ELSE done_at END
         WHERE id = $1 AND status IN ('queued', 'fetched')
         RETURNING set_config('synchronous_commit', CASE WHEN $10::boolean AND NOT EXISTS (SELECT 1 FROM h) THEN 'off' ELSE 'on' END, true)),
       o AS (
         UPDATE sources SET status = 'extracted', done_at = now(), updated_at = now()
         WHERE sha256 = $6 AND status = 'fetched' AND id <> $1 AND EXISTS (SELECT 1 FROM h) RETURNING 1)
       SELECT (SELECT id FROM h) AS extracted, (SELECT count(*) FROM s)::int AS updated,
         (SELECT status FROM sources WHERE id = $1) AS prior`,
      [id, f.finalUrl, f.attachmentUrl ?? null, f.httpStatus, f.contentType, sha, bytes.length, rel, opts.pipeline ?? null, !!opts.asyncCommit, opts.attempt ?? 0],
      'nianbao_record_fetched',
    );
    const r = rows[0] ?? {};
    const out = { sha256: sha, bytes: bytes.length, blobPath: rel, extracted: r.extracted == null ? null : Number(r.extracted) };
    return Number(r.updated) > 0 ? out : { ...out, extracted: null, skipped: (r.prior ?? 'missing') as SourceStatus | 'missing' };
  }

  async markIfExtracted(sha256: string, pipeline: string, opts: { since?: Date } = {}): Promise<{ id: number; marked: number } | null> {
    const rows = await this.db.query(
      `WITH h AS (SELECT id FROM extractions WHERE sha256 = $1 AND pipeline = $2 AND ($3::timestamptz IS NULL OR updated_at >= $3::timestamptz)),
       u AS (UPDATE sources SET status = 'extracted', done_at = now(), updated_at = now()
             WHERE sha256 = $1 AND status = 'fetched' AND EXISTS (SELECT 1 FROM h) RETURNING 1)
       SELECT (SELECT id FROM h) AS id, (SELECT count(*) FROM u)::int AS marked`,
      [sha256, pipeline, opts.since ? opts.since.toISOString() : null],
    );
    return rows[0]?.id == null ? null : { id: Number(rows[0].id), marked: Number(rows[0].marked) };
  }

  // ---- documents

  async putDocument(bytes: Uint8Array, meta: { contentType?: string | null; url?: string | null } = {}): Promise<DocumentRow> {
    const sha = sha256Of(bytes);
    const { rel } = await writeBlob(this.blobRoot, sha, bytes);
    const rows = await this.db.query(
      `INSERT INTO documents (sha256, bytes, blob_path, content_type, first_url) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (sha256) DO UPDATE SET blob_path = EXCLUDED.blob_path RETURNING *`,
      [sha, bytes.length, rel, meta.contentType ?? null, meta.url ?? null],
    );
    return toDocument(rows[0]);
  }

  async getDocument(sha256: string): Promise<DocumentRow | null> {
    const rows = await this.db.query('SELECT * FROM documents WHERE sha256 = $1', [sha256]);
    return rows[0] ? toDocument(rows[0]) : null;
  }

  async putBlob(bytes: Uint8Array, sha256?: string): Promise<{ sha256: string; blobPath: string; existed: boolean }> {
    const sha = sha256 ?? sha256Of(bytes);
    const { rel, existed } = await writeBlob(this.blobRoot, sha, bytes);
    return { sha256: sha, blobPath: rel, existed };
  }

  readBlob(sha256: string): Promise<Uint8Array> {
    return readBlobFile(this.blobRoot, sha256);
  }

  // ---- extractions

  async saveExtraction(ext: Extraction, opts: { durationMs?: number; actor?: string } = {}): Promise<ExtractionRow> {
    const p = prepareExtraction(ext);
    const rows = await this.db.query(
      `INSERT INTO extractions (sha256, pipeline, status, agency, year, template, error_code, error_message,
         source, meta, fields, cells, cells_z, checks, checks_z, checks_failed, flags, duration_ms)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10::jsonb,$11::jsonb,NULL,$12::bytea,NULL,$13::bytea,$14::int,$15::jsonb,$16)
       ON CONFLICT (sha256, pipeline) DO UPDATE SET ${REPLACE_SET}
       RETURNING *, (xmax = 0) AS created`,
      [
        p.sha256, p.pipeline, p.status, p.agency, p.year, p.template, p.errorCode, p.errorMessage,
        p.json.source, p.json.meta, p.json.fields, p.cellsZ, p.checksZ, p.checksFailed, p.json.flags,
        opts.durationMs == null ? null : Math.round(opts.durationMs),
      ],
    );
    const row = toExtraction(rows[0]);
    await this.audit({
      actor: opts.actor ?? 'pipeline',
      action: rows[0].created ? 'extraction.create' : 'extraction.replace',
      entity: 'extraction',
      entityId: row.id,
      detail: { sha256: row.sha256, pipeline: row.pipeline, status: row.status, error: ext.error?.code ?? null },
    });
    return row;
  }

  async recordExtraction(e: Extraction | PreparedExtraction, opts: { durationMs?: number; actor?: string } = {}): Promise<RecordedExtraction> {
    return (await this.recordExtractions([{ prepared: isPrepared(e) ? e : prepareExtraction(e), ...opts }]))[0];
  }

  async recordExtractions(writes: ExtractionWrite[]): Promise<RecordedExtraction[]> {
    if (!writes.length) return [];
    for (const w of writes) blobRelPath(w.prepared.sha256); // validates
    // The agency locks serialise the cross-checks of one agency across workers. All of the batch's are
    // taken first, in one order (so two batches never wait on each other in a cycle), and before the first
    // statement's snapshot, so a concurrent duplicate committed just before is seen.
    const keys = [...new Set(writes.map((w) => w.prepared.agency).filter((a): a is string => a != null).map((a) => lockKey('cross:' + a)))].sort((a, b) => a - b);
    return this.db.session(async (c) => {
      // BEGIN, the locks and the first statement go out together (pipelined: one round trip, run in order);
      // each write's follow-up statements go out with the next write's statement; the last ones with COMMIT.
      // Generic plans: these statements find their rows by keys through indexes whatever the values, so a plan
      // made once per connection serves every write. Left to choose, PostgreSQL planned the extraction's
      // statement afresh on every execution, at about the CPU of running it. Without sequential scans: a
      // plan made while the tables are small (a new store) would otherwise read whole tables for as long as
      // the connection keeps it.
      let sent: Array<Promise<unknown>> = [c.simple(['BEGIN', 'SET LOCAL plan_cache_mode = force_generic_plan', 'SET LOCAL enable_seqscan = off', ...keys.map((k) => `SELECT pg_advisory_xact_lock(${k})`)].join('; '))];
      const out: RecordedExtraction[] = [];
      for (const w of writes) {
        const record = c.query(RECORD_SQL, recordParams(w), 'nianbao_record_extraction');
        const r = (await Promise.all([...sent, record]))[sent.length] as any[];
        const done = followUp(c, w.prepared, r[0]);
        out.push(done.recorded);
        sent = done.sent;
      }
      await Promise.all([...sent, c.simple('COMMIT')]);
      return out;
    });
  }

  async getExtraction(id: number): Promise<ExtractionRow | null> {
    const rows = await this.db.query('SELECT * FROM extractions WHERE id = $1', [id]);
    return rows[0] ? toExtraction(rows[0]) : null;
  }

  async findExtraction(sha256: string, pipeline?: string): Promise<ExtractionRow | null> {
    const rows = pipeline
      ? await this.db.query('SELECT * FROM extractions WHERE sha256 = $1 AND pipeline = $2', [sha256, pipeline])
      : await this.db.query('SELECT * FROM extractions WHERE sha256 = $1 ORDER BY created_at DESC, id DESC LIMIT 1', [sha256]);
    return rows[0] ? toExtraction(rows[0]) : null;
  }

  private extractionWhere(q: ExtractionQuery, p: unknown[]): string {
    const where: string[] = [];
    if (q.status) {
      const st = Array.isArray(q.status) ? q.status : [q.status];
      where.push(`e.status IN (${st.map((s) => '$' + p.push(s)).join(',')})`);
    }
    if (q.pipeline) where.push(`e.pipeline = $${p.push(q.pipeline)}`);
    if (q.agency) where.push(`e.agency = $${p.push(q.agency)}`);
    if (q.year != null) where.push(`e.year = $${p.push(q.year)}`);
    if (q.crossFlagged) where.push(`jsonb_array_length(e.cross_flags) > 0`);
    if (q.latestOnly !== false && !q.pipeline) {
      where.push(`NOT EXISTS (SELECT 1 FROM extractions n WHERE n.sha256 = e.sha256 AND n.id > e.id)`);
    }
    return where.length ? 'WHERE ' + where.join(' AND ') : '';
  }

  async listExtractions(q: ExtractionQuery = {}): Promise<ExtractionRow[]> {
    const p: unknown[] = [];
    const where = this.extractionWhere(q, p);
    const order = q.orderBy === 'agency_year' ? 'e.agency, e.year, e.id' : 'e.id';
    const sql = `SELECT e.* FROM extractions e ${where} ORDER BY ${order} LIMIT $${p.push(q.limit ?? 1000)} OFFSET $${p.push(q.offset ?? 0)}`;
    return (await this.db.query(sql, p)).map(toExtraction);
  }

  async countExtractions(q: ExtractionQuery = {}): Promise<number> {
    const p: unknown[] = [];
    const rows = await this.db.query(`SELECT count(*)::int AS n FROM extractions e ${this.extractionWhere(q, p)}`, p);
    return Number(rows[0].n);
  }

  // ---- reviews and audit

  async addReview(r: NewReview): Promise<ReviewRow> {
    return this.db.tx(async (q) => {
      const rows = await q.query(
        `INSERT INTO reviews (extraction_id, field, action, value, reviewer, note) VALUES ($1,$2,$3,$4,$5,$6) RETURNING *`,
        [r.extractionId, r.field ?? null, r.action, r.value ?? null, r.reviewer, r.note ?? null],
      );
      const row = rows[0];
      await insertAudit(q, {
        actor: r.reviewer, action: `review.${r.action}`, entity: 'extraction', entityId: r.extractionId,
        detail: { review: Number(row.id), field: r.field ?? null, value: r.value ?? null, note: r.note ?? null },
      });
      return toReview(row);
    });
  }

  async listReviews(extractionId: number): Promise<ReviewRow[]> {
    return (await this.db.query('SELECT * FROM reviews WHERE extraction_id = $1 ORDER BY id', [extractionId])).map(toReview);
  }

  async audit(e: AuditEntry): Promise<void> {
    await insertAudit(this.db, e);
  }

  async listAudit(q: { entity?: string; entityId?: string | number; limit?: number } = {}): Promise<AuditRow[]> {
    const where: string[] = [];
    const p: unknown[] = [];
    if (q.entity) where.push(`entity = $${p.push(q.entity)}`);
    if (q.entityId != null) where.push(`entity_id = $${p.push(String(q.entityId))}`);
    const rows = await this.db.query(
      `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT $${p.push(q.limit ?? 200)}`,
      p,
    );
    return rows.map((r: any) => ({
      id: Number(r.id), at: new Date(r.at), actor: r.actor, action: r.action, entity: r.entity,
      entityId: r.entity_id ?? null, detail: r.detail ?? null,
    }));
  }

  // ---- cross-document checks

  async runCrossChecks(opts: { agency?: string; pipeline?: string } = {}): Promise<CrossCheckRow[]> {
    const pipeline = opts.pipeline ?? PIPELINE_VERSION;
    return this.db.tx(async (q) => {
      const p: unknown[] = [pipeline];
      let scope = '';
      if (opts.agency) scope = ` AND agency = $${p.push(opts.agency)}`;
      // Serialise recomputation per agency scope across processes.
      await q.query('SELECT pg_advisory_xact_lock($1)', [lockKey('cross:' + (opts.agency ?? '*'))]);
      const exts: Array<{ id: number; agency: string; year: number; sha256: string; fields: Record<string, number | null> }> = (
        await q.query(
          `SELECT id, agency, year, sha256, fields FROM extractions
           WHERE pipeline = $1 AND status <> 'failed' AND agency IS NOT NULL AND year IS NOT NULL${scope} ORDER BY id`,
          p,
        )
      ).map((r: any) => ({ id: Number(r.id), agency: r.agency, year: Number(r.year), sha256: r.sha256, fields: r.fields ?? {} }));
      const ids = exts.map((e) => e.id);
      if (ids.length) {
        await q.query(`DELETE FROM cross_checks WHERE extraction_a = ANY($1::bigint[]) OR extraction_b = ANY($1::bigint[])`, [ids]);
        await q.query(`UPDATE extractions SET cross_flags = '[]'::jsonb WHERE id = ANY($1::bigint[]) AND cross_flags <> '[]'::jsonb`, [ids]);
      }
      const byKey = new Map<string, typeof exts>();
      for (const e of exts) {
        const k = `${e.agency}\u0000${e.year}`;
        const list = byKey.get(k) ?? [];
        list.push(e);
        byKey.set(k, list);
      }
      const flags = new Map<number, CrossFlag[]>();
      const addFlag = (id: number, f: CrossFlag) => flags.set(id, [...(flags.get(id) ?? []), f]);
      const out: CrossCheckRow[] = [];
      const insert = async (kind: 'carry_over' | 'duplicate', a: (typeof exts)[0], b: (typeof exts)[0], ok: boolean, detail: string, mismatches: string[]) => {
        const rows = await q.query(
          `INSERT INTO cross_checks (kind, agency, extraction_a, extraction_b, year_a, year_b, ok, detail, mismatches)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb) RETURNING *`,
          [kind, a.agency, a.id, b.id, a.year, b.year, ok, detail, json(mismatches)],
        );
        out.push(toCross(rows[0]));
      };
      // Duplicates: same agency and year, different content.
      for (const list of byKey.values()) {
        const distinct = list.filter((e, i) => list.findIndex((x) => x.sha256 === e.sha256) === i);
        for (let i = 1; i < distinct.length; i++) {
          const a = distinct[0];
          const b = distinct[i];
          const diff = diffFields(a.fields, b.fields);
          const detail = diff.length ? `duplicate report: ${diff.length} field(s) differ` : 'duplicate report: same figures';
          await insert('duplicate', a, b, diff.length === 0, detail, diff);
          // the first report carries one duplicate flag, naming its earliest copy (see flagFor)
          if (i === 1) addFlag(a.id, { code: 'duplicate_report', message: `${a.agency} ${a.year} also in extraction ${b.id}`, other: b.id });
          addFlag(b.id, { code: 'duplicate_report', message: `${b.agency} ${b.year} also in extraction ${a.id}`, other: a.id });
        }
      }
      // Carry-over: s3.carried_over.* of year N = s3.carried_forward.* of year N−1 (first report of each year).
      for (const list of byKey.values()) {
        const cur = list[0];
        const prevList = byKey.get(`${cur.agency}\u0000${cur.year - 1}`);
        if (!prevList) continue;
        const prev = prevList[0];
        const mism: string[] = [];
        let compared = 0;
        for (const [k, v] of Object.entries(cur.fields)) {
          if (!k.startsWith('s3.carried_over.') || v == null) continue;
          const fk = 's3.carried_forward.' + k.slice('s3.carried_over.'.length);
          const pv = prev.fields[fk];
          if (pv == null) continue;
          compared++;
          if (Math.abs(Number(pv) - Number(v)) > 1e-9) mism.push(`${fk}=${pv}≠${k}=${v}`);
        }
        if (compared === 0) continue;
        const ok = mism.length === 0;
        await insert('carry_over', prev, cur, ok, ok ? `${compared} carried figures agree` : `${mism.length} of ${compared} carried figures differ`, mism);
        if (!ok) {
          const fieldsOf = (side: 'over' | 'forward') =>
            mism.map((m) => (side === 'forward' ? m.split('=')[0] : m.split('≠')[1].split('=')[0]));
          addFlag(prev.id, { code: 'carry_over_mismatch', message: `carried forward into ${cur.year} differs from the ${cur.year} report (extraction ${cur.id})`, other: cur.id, fields: fieldsOf('forward') });
          addFlag(cur.id, { code: 'carry_over_mismatch', message: `carried over from ${prev.year} differs from the ${prev.year} report (extraction ${prev.id})`, other: prev.id, fields: fieldsOf('over') });
        }
      }
      for (const [id, f] of flags) {
        await q.query('UPDATE extractions SET cross_flags = $2::jsonb WHERE id = $1', [id, json(f)]);
      }
      return out;
    });
  }

  async crossCheckExtraction(id: number): Promise<CrossCheckRow[]> {
    return this.db.tx(async (q) => {
      const me = (await q.query(`SELECT id, agency, year, sha256, pipeline, status, fields FROM extractions WHERE id = $1`, [id]))[0];
      if (!me || me.agency == null || me.year == null) return [];
      await q.query('SELECT pg_advisory_xact_lock($1)', [lockKey('cross:' + me.agency)]);
      const x = { id: Number(me.id), agency: me.agency as string, year: Number(me.year), sha256: me.sha256 as string, fields: (me.fields ?? {}) as Record<string, number | null> };
      const firstOf = async (year: number) => {
        const r = (await q.query(
          `SELECT id, agency, year, sha256, fields FROM extractions WHERE pipeline = $1 AND agency = $2 AND year = $3 AND status <> 'failed' ORDER BY id LIMIT 1`,
          [me.pipeline, me.agency, year],
        ))[0];
        return r ? { id: Number(r.id), agency: r.agency as string, year: Number(r.year), sha256: r.sha256 as string, fields: (r.fields ?? {}) as Record<string, number | null> } : null;
      };
      const touched = new Set<number>([x.id]);
      for (const r of await q.query(`DELETE FROM cross_checks WHERE extraction_a = $1 OR extraction_b = $1 RETURNING extraction_a, extraction_b`, [x.id])) {
        touched.add(Number(r.extraction_a));
        touched.add(Number(r.extraction_b));
      }
      const out: CrossCheckRow[] = [];
      if (me.status !== 'failed') {
        const first = await firstOf(x.year);
        const ins = async (kind: 'carry_over' | 'duplicate', a: typeof x, b: typeof x, ok: boolean, detail: string, mism: string[]) => {
          touched.add(a.id);
          touched.add(b.id);
          const rows = await q.query(
            `INSERT INTO cross_checks (kind, agency, extraction_a, extraction_b, year_a, year_b, ok, detail, mismatches)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb) ON CONFLICT (kind, extraction_a, extraction_b) DO UPDATE SET ok = EXCLUDED.ok,
             detail = EXCLUDED.detail, mismatches = EXCLUDED.mismatches RETURNING *`,
            [kind, a.agency, a.id, b.id, a.year, b.year, ok, detail, json(mism)],
          );
          out.push(toCross(rows[0]));
        };
        if (first && first.id !== x.id) {
          if (first.sha256 !== x.sha256) {
            const diff = diffFields(first.fields, x.fields);
            await ins('duplicate', first, x, diff.length === 0, diff.length ? `duplicate report: ${diff.length} field(s) differ` : 'duplicate report: same figures', diff);
          }
        } else {
          const prev = await firstOf(x.year - 1);
          const next = await firstOf(x.year + 1);
          for (const [a, b] of [[prev, x], [x, next]] as const) {
            if (!a || !b) continue;
            const c = carryCompare(a.fields, b.fields);
            if (c.compared === 0) continue;
            const ok = c.mism.length === 0;
            await ins('carry_over', a, b, ok, ok ? `${c.compared} carried figures agree` : `${c.mism.length} of ${c.compared} carried figures differ`, c.mism);
          }
        }
      }
      await refreshCrossFlags(q, [...touched]);
      return out;
    });
  }

  async listCrossChecks(q: { extractionId?: number; kind?: 'carry_over' | 'duplicate'; ok?: boolean } = {}): Promise<CrossCheckRow[]> {
    const where: string[] = [];
    const p: unknown[] = [];
    if (q.extractionId != null) {
      const i = p.push(q.extractionId);
      where.push(`(extraction_a = $${i} OR extraction_b = $${i})`);
    }
    if (q.kind) where.push(`kind = $${p.push(q.kind)}`);
    if (q.ok != null) where.push(`ok = $${p.push(q.ok)}`);
    const rows = await this.db.query(`SELECT * FROM cross_checks ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id`, p);
    return rows.map(toCross);
  }

  // ---- progress

  async counts(pipeline = PIPELINE_VERSION, batch?: string): Promise<StatusCounts> {
    const p: unknown[] = [];
    const bw = batch ? `WHERE batch = $${p.push(batch)}` : '';
    const src = await this.db.query(`SELECT status, count(*)::int AS n FROM sources ${bw} GROUP BY status`, p);
    const sources = { queued: 0, fetched: 0, extracted: 0, failed: 0, total: 0 } as StatusCounts['sources'];
    for (const r of src) {
      sources[r.status as SourceStatus] = Number(r.n);
      sources.total += Number(r.n);
    }
    const fl = await this.db.query(
      `SELECT error_stage || ':' || error_code AS k, count(*)::int AS n FROM sources WHERE status = 'failed' ${batch ? 'AND batch = $1' : ''} GROUP BY 1`,
      batch ? [batch] : [],
    );
    const failures: Record<string, number> = {};
    for (const r of fl) failures[r.k] = Number(r.n);
    const ex = await this.db.query(`SELECT status, count(*)::int AS n FROM extractions WHERE pipeline = $1 GROUP BY status`, [pipeline]);
    const extractions = { ok: 0, flagged: 0, failed: 0, total: 0 } as StatusCounts['extractions'];
    for (const r of ex) {
      extractions[r.status as 'ok'] = Number(r.n);
      extractions.total += Number(r.n);
    }
    const docs = await this.db.query('SELECT count(*)::int AS n FROM documents');
    const rate = await this.db.query(
      `SELECT count(*) FILTER (WHERE done_at > now() - interval '60 seconds')::int AS a,
              count(*) FILTER (WHERE done_at > now() - interval '600 seconds')::int AS b
       FROM sources WHERE done_at > now() - interval '600 seconds' ${batch ? 'AND batch = $1' : ''}`,
      batch ? [batch] : [],
    );
    return { sources, failures, extractions, documents: Number(docs[0].n), done60s: Number(rate[0].a), done600s: Number(rate[0].b) };
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.db.query<T>(sql, params);
  }
}

function toReview(r: any): ReviewRow {
  return {
    id: Number(r.id), extractionId: Number(r.extraction_id), field: r.field ?? null, action: r.action,
    value: r.value == null ? null : Number(r.value), reviewer: r.reviewer, note: r.note ?? null, createdAt: new Date(r.created_at),
  };
}

async function insertAudit(q: Queryer, e: AuditEntry): Promise<void> {
  await q.query(`INSERT INTO audit_log (actor, action, entity, entity_id, detail) VALUES ($1,$2,$3,$4,$5::jsonb)`, [
    e.actor, e.action, e.entity, e.entityId == null ? null : String(e.entityId), json(e.detail ?? null),
  ]);
}

function carryCompare(prev: Record<string, number | null>, cur: Record<string, number | null>): { compared: number; mism: string[] } {
  const mism: string[] = [];
  let compared = 0;
  for (const [k, v] of Object.entries(cur)) {
    if (!k.startsWith('s3.carried_over.') || v == null) continue;
    const fk = 's3.carried_forward.' + k.slice('s3.carried_over.'.length);
    const pv = prev[fk];
    if (pv == null) continue;
    compared++;
    if (Math.abs(Number(pv) - Number(v)) > 1e-9) mism.push(`${fk}=${pv}≠${k}=${v}`);
  }
  return { compared, mism };
}

/**
 * The flag a cross-check puts on its side `a` or `b` extraction (null: an agreeing carry-over). A duplicate
 * check flags both reports, except that the first report of an agency and year (side a) carries one
 * duplicate flag only, naming its earliest copy (the lowest extraction id), however many copies are found:
 * each new copy flags itself, and the review page lists them all from cross_checks.
 */
function flagFor(r: { kind: string; agency: string; extraction_a: number; extraction_b: number; year_a: number; year_b: number; ok: boolean; mismatches: string[] }, side: 'a' | 'b'): CrossFlag | null {
  if (r.kind !== 'duplicate' && r.ok) return null;
  const other = side === 'a' ? r.extraction_b : r.extraction_a;
  if (r.kind === 'duplicate') return { code: 'duplicate_report', message: `${r.agency} ${r.year_a} also in extraction ${other}`, other };
  const fields = r.mismatches.map((m) => (side === 'a' ? m.split('=')[0] : m.split('≠')[1].split('=')[0]));
  const message = side === 'a'
    ? `carried forward into ${r.year_b} differs from the ${r.year_b} report (extraction ${other})`
    : `carried over from ${r.year_a} differs from the ${r.year_a} report (extraction ${other})`;
  return { code: 'carry_over_mismatch', message, other, fields };
}

/** Rebuild the cross_flags of these extractions from their cross_checks rows. */
async function refreshCrossFlags(q: Queryer, ids: number[]): Promise<void> {
  if (!ids.length) return;
  const rows = await q.query(
    `SELECT * FROM cross_checks WHERE (extraction_a = ANY($1::bigint[]) OR extraction_b = ANY($1::bigint[])) AND (kind = 'duplicate' OR NOT ok) ORDER BY id`,
    [ids],
  );
  const flags = new Map<number, CrossFlag[]>(ids.map((i) => [i, []]));
  const checks = rows.map(toCross);
  // a first report's one duplicate flag names its earliest copy (see flagFor)
  const earliestCopy = new Map<number, number>();
  for (const r of checks) if (r.kind === 'duplicate') earliestCopy.set(r.extractionA, Math.min(earliestCopy.get(r.extractionA) ?? Infinity, r.extractionB));
  for (const r of checks) {
    for (const [me, other, yearOther, side] of [[r.extractionA, r.extractionB, r.yearB, 'a'], [r.extractionB, r.extractionA, r.yearA, 'b']] as const) {
      const list = flags.get(me);
      if (!list) continue;
      if (r.kind === 'duplicate' && side === 'a' && earliestCopy.get(me) !== other) continue;
      if (r.kind === 'duplicate') list.push({ code: 'duplicate_report', message: `${r.agency} ${r.yearA} also in extraction ${other}`, other });
      else {
        const fields = r.mismatches.map((m) => (side === 'a' ? m.split('=')[0] : m.split('≠')[1].split('=')[0]));
        const message = side === 'a'
          ? `carried forward into ${yearOther} differs from the ${yearOther} report (extraction ${other})`
          : `carried over from ${yearOther} differs from the ${yearOther} report (extraction ${other})`;
        list.push({ code: 'carry_over_mismatch', message, other, fields });
      }
    }
  }
  for (const [id, f] of flags) await q.query('UPDATE extractions SET cross_flags = $2::jsonb WHERE id = $1', [id, json(f)]);
}

/** What a new extraction of the same (sha256, pipeline) replaces. */
const REPLACE_SET = `status = EXCLUDED.status, agency = EXCLUDED.agency,
    year = EXCLUDED.year, template = EXCLUDED.template, error_code = EXCLUDED.error_code,
    error_message = EXCLUDED.error_message, source = EXCLUDED.source, meta = EXCLUDED.meta,
    fields = EXCLUDED.fields, cells = NULL, cells_z = EXCLUDED.cells_z, checks = NULL, checks_z = EXCLUDED.checks_z,
    checks_failed = EXCLUDED.checks_failed, flags = EXCLUDED.flags, duration_ms = EXCLUDED.duration_ms, updated_at = now()`;

/**
 * Store an extraction with its audit entry, drop its old cross-checks, find its cross-check candidates,
 * and mark the content's `fetched` sources `extracted`, in one statement of the extraction's transaction.
 * With a source ($19), the same statement also records its download (document row, fetch details) and
 * marks it `extracted`. With $18 (keep existing), an extraction of the same (sha256, pipeline) that is
 * there already stays as it is, and nothing but the sources is written.
 * Candidates come back with only what the checks compare: a same-year report's fields only when they
 * differ from this one's (else `same`), another year's only its carried-over/forward figures.
 * (A source of the same content that a concurrent fetch job records as `fetched` after this statement's
 * snapshot is not marked here; that job does not see the extraction either, so it extracts and marks
 * the source itself: no source stays `fetched`, at worst one document is extracted twice.)
 */
const RECORD_SQL = `
WITH x AS (
  INSERT INTO extractions (sha256, pipeline, status, agency, year, template, error_code, error_message,
    source, meta, fields, cells, cells_z, checks, checks_z, checks_failed, flags, duration_ms)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10::jsonb,$11::jsonb,NULL,$12::bytea,NULL,$13::bytea,$14::int,$15::jsonb,$16)
  ON CONFLICT (sha256, pipeline) DO UPDATE SET ${REPLACE_SET}
  WHERE NOT $18::boolean
  RETURNING id, (xmax = 0) AS created, fields),
a AS (
  INSERT INTO audit_log (actor, action, entity, entity_id, detail)
  SELECT $17, CASE WHEN x.created THEN 'extraction.create' ELSE 'extraction.replace' END, 'extraction', x.id::text,
    jsonb_build_object('sha256', $1::text, 'pipeline', $2::text, 'status', $3::text, 'error', $7::text)
  FROM x),
d AS (
  DELETE FROM cross_checks c USING x WHERE c.extraction_a = x.id OR c.extraction_b = x.id
  RETURNING c.extraction_a, c.extraction_b),
cand AS (
  SELECT e.id, e.year, e.sha256, e.fields = x.fields AS same,
    CASE WHEN e.year = $5::int THEN NULLIF(e.fields, x.fields)
      ELSE (SELECT jsonb_object_agg(f.k, f.v) FROM jsonb_each(e.fields) AS f(k, v) WHERE f.k LIKE 's3.carried%') END AS fields
    -- does the first report of this year carry its duplicate flag already? (it carries one: see flagFor)
    , e.year = $5::int AND EXISTS (SELECT 1 FROM cross_checks c WHERE c.extraction_a = e.id AND c.kind = 'duplicate') AS has_dup
  FROM generate_series($5::int - 1, $5::int + 1) AS y(year)
  CROSS JOIN LATERAL (
    SELECT id, year, sha256, fields FROM extractions
    WHERE pipeline = $2 AND agency = $4 AND year = y.year AND status <> 'failed' AND sha256 <> $1
    ORDER BY id LIMIT 1) e
  CROSS JOIN x
  WHERE $3 <> 'failed'),
m AS (
  UPDATE sources SET status = 'extracted', done_at = now(), updated_at = now()
  WHERE sha256 = $1 AND status = 'fetched' AND id IS DISTINCT FROM $19::bigint
  RETURNING 1),
doc AS (
  INSERT INTO documents (sha256, bytes, blob_path, content_type, first_url)
  SELECT $1, $20::bigint, $21::text, $22::text, $23::text WHERE $19::bigint IS NOT NULL
  ON CONFLICT (sha256) DO UPDATE SET blob_path = EXCLUDED.blob_path RETURNING 1),
f AS (
  UPDATE sources SET status = 'extracted', final_url = $23::text, attachment_url = $24::text, http_status = $25::int,
    content_type = $22::text, sha256 = $1, bytes = $20::bigint, blob_path = $21::text, error_stage = NULL, error_code = NULL,
    error_message = NULL, attempts = GREATEST(attempts, $26::int), fetched_at = now(), updated_at = now(), done_at = now()
  WHERE id = $19::bigint AND status IN ('queued', 'fetched')
  RETURNING 1)
SELECT (SELECT id FROM x) AS id, (SELECT created FROM x) AS created,
  CASE WHEN NOT EXISTS (SELECT 1 FROM x) THEN (SELECT id FROM extractions WHERE sha256 = $1 AND pipeline = $2) END AS existing,
  (SELECT count(*) FROM m)::int AS marked, (SELECT count(*) FROM f)::int AS recorded, (SELECT count(*) FROM doc)::int AS doc,
  (SELECT array_agg(DISTINCT v) FROM (SELECT extraction_a AS v FROM d UNION SELECT extraction_b FROM d) t) AS touched,
  (SELECT jsonb_agg(jsonb_build_object('id', id, 'year', year, 'sha256', sha256, 'same', same, 'fields', fields, 'has_dup', has_dup)) FROM cand) AS cands`;

function recordParams(w: ExtractionWrite): unknown[] {
  const p = w.prepared;
  const f = w.fetched;
  return [
    p.sha256, p.pipeline, p.status, p.agency, p.year, p.template, p.errorCode, p.errorMessage,
    p.json.source, p.json.meta, p.json.fields, p.cellsZ, p.checksZ, p.checksFailed, p.json.flags,
    w.durationMs == null ? null : Math.round(w.durationMs), w.actor ?? 'pipeline', !!w.keepExisting,
    f ? f.sourceId : null, f ? f.bytes : null, f ? f.blobPath : null, f ? f.info.contentType ?? null : null,
    f ? f.info.finalUrl ?? null : null, f ? f.info.attachmentUrl ?? null : null, f ? f.info.httpStatus ?? null : null, f ? f.attempt ?? 0 : 0,
  ];
}

/**
 * After a write's RECORD_SQL: its cross-checks from the candidates, and the statements that store them
 * (sent, not awaited: they go out with whatever the session sends next).
 */
function followUp(c: Session, p: PreparedExtraction, r: any): { recorded: RecordedExtraction; sent: Array<Promise<unknown>> } {
  const base = { sha256: p.sha256, pipeline: p.pipeline, status: p.status, agency: p.agency, year: p.year, marked: Number(r.marked ?? 0) };
  const recorded = r.recorded == null ? {} : { sourceRecorded: Number(r.recorded) > 0 };
  if (r.id == null) {
    // kept: an extraction of this content was there already
    return { recorded: { ...base, ...recorded, id: Number(r.existing ?? 0), created: false, crossChecks: 0, kept: true }, sent: [] };
  }
  const id = Number(r.id);
  const touched = new Set<number>((r.touched ?? []).map(Number));
  let checks: NewCheck[] = [];
  if (p.agency != null && p.year != null && p.status !== 'failed' && r.cands?.length) {
    const fields = JSON.parse(p.json.fields);
    const me: CrossExt = { id, agency: p.agency, year: Number(p.year), sha256: p.sha256, fields };
    const cands: CrossExt[] = r.cands.map((x: any) => ({
      id: Number(x.id), agency: p.agency as string, year: Number(x.year), sha256: x.sha256,
      // a same-year report with the same fields comes back without them
      fields: x.fields ?? (x.same ? fields : {}),
    }));
    checks = incrementalChecks(me, cands);
  }
  const rows = checks.map((k) => ({ kind: k.kind, agency: k.a.agency, extraction_a: k.a.id, extraction_b: k.b.id, year_a: k.a.year, year_b: k.b.year, ok: k.ok, detail: k.detail, mismatches: k.mism }));
  const sent: Array<Promise<unknown>> = [];
  if (r.created && !touched.size) {
    // A new extraction with nothing removed: its checks only add flags (at the end, as the newest
    // checks), so append them instead of rebuilding the partners' whole lists. The first report of its
    // year (side a of a duplicate check) has its one duplicate flag already if an earlier copy gave it.
    if (checks.length) {
      const firstHasDup = !!r.cands?.some((x: any) => x.has_dup);
      const add = new Map<number, CrossFlag[]>();
      for (const k of rows) {
        for (const side of ['a', 'b'] as const) {
          if (k.kind === 'duplicate' && side === 'a' && firstHasDup) continue;
          const f = flagFor(k, side);
          const me = side === 'a' ? k.extraction_a : k.extraction_b;
          if (f) add.set(me, [...(add.get(me) ?? []), f]);
        }
      }
      sent.push(c.query(APPEND_CHECKS_SQL, [json(rows), json([...add].map(([i, f]) => ({ id: i, add: f }))), [...add.keys()]], 'nianbao_append_checks'));
    }
  } else {
    // A replacement (or checks removed): rebuild the flags of every extraction involved.
    for (const k of checks) (touched.add(k.a.id), touched.add(k.b.id));
    touched.add(id);
    if (checks.length) sent.push(c.query(INSERT_CHECKS_SQL, [json(rows)], 'nianbao_insert_checks'));
    sent.push(refreshCrossFlagsSql(c, [...touched]));
  }
  return { recorded: { ...base, ...recorded, id, created: !!r.created, crossChecks: checks.length }, sent };
}

/** New cross-checks of one extraction ($1: rows as JSON). */
const INSERT_CHECKS_SQL = `INSERT INTO cross_checks (kind, agency, extraction_a, extraction_b, year_a, year_b, ok, detail, mismatches)
  SELECT kind, agency, extraction_a, extraction_b, year_a, year_b, ok, detail, mismatches
  FROM jsonb_to_recordset($1::jsonb) AS t(kind text, agency text, extraction_a bigint, extraction_b bigint,
    year_a int, year_b int, ok boolean, detail text, mismatches jsonb)`;

/**
 * New cross-checks ($1) and the flags they add to each extraction ($2: [{id, add}]; $3 their ids), appended
 * to cross_flags. (The ids as an array, so the rows are found by their key: joined to the 100 rows
 * PostgreSQL expects of any jsonb_to_recordset, the whole table was read and hashed on every write.)
 */
const APPEND_CHECKS_SQL = `WITH ins AS (${INSERT_CHECKS_SQL})
  UPDATE extractions e SET cross_flags = e.cross_flags || v.add
  FROM jsonb_to_recordset($2::jsonb) AS v(id bigint, add jsonb) WHERE e.id = ANY($3::bigint[]) AND e.id = v.id`;

interface CrossExt { id: number; agency: string; year: number; sha256: string; fields: Record<string, number | null> }
interface NewCheck { kind: 'carry_over' | 'duplicate'; a: CrossExt; b: CrossExt; ok: boolean; detail: string; mism: string[] }

/**
 * The checks that involve one extraction, given the first (lowest id) other extraction of each of the
 * years N−1, N, N+1 for its agency: the same rules as crossCheckExtraction.
 */
function incrementalChecks(me: CrossExt, cands: CrossExt[]): NewCheck[] {
  const out: NewCheck[] = [];
  const of = (y: number) => cands.find((c) => c.year === y) ?? null;
  const same = of(me.year);
  const first = same && same.id < me.id ? same : me;
  if (first.id !== me.id) {
    if (first.sha256 !== me.sha256) {
      const diff = first.fields === me.fields ? [] : diffFields(first.fields, me.fields);
      out.push({ kind: 'duplicate', a: first, b: me, ok: diff.length === 0, detail: diff.length ? `duplicate report: ${diff.length} field(s) differ` : 'duplicate report: same figures', mism: diff });
    }
    return out;
  }
  const prev = of(me.year - 1);
  const next = of(me.year + 1);
  for (const [a, b] of [[prev, me], [me, next]] as const) {
    if (!a || !b) continue;
    const c = carryCompare(a.fields, b.fields);
    if (c.compared === 0) continue;
    const ok = c.mism.length === 0;
    out.push({ kind: 'carry_over', a, b, ok, detail: ok ? `${c.compared} carried figures agree` : `${c.mism.length} of ${c.compared} carried figures differ`, mism: c.mism });
  }
  return out;
}

/**
 * Rebuild cross_flags of these extractions from their cross_checks rows, in one statement: the same
 * flags, in the same order, as refreshCrossFlags; rows whose flags do not change are not rewritten.
 */
async function refreshCrossFlagsSql(q: Queryer, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await q.query(
    `UPDATE extractions e SET cross_flags = n.flags
     FROM (
       SELECT x.id, COALESCE((
         SELECT jsonb_agg(f.flag ORDER BY f.cid) FROM (
           SELECT c.id AS cid, CASE WHEN c.kind = 'duplicate'
             THEN jsonb_build_object('code', 'duplicate_report', 'message', c.agency || ' ' || c.year_a || ' also in extraction ' || c.extraction_b, 'other', c.extraction_b)
             ELSE jsonb_build_object('code', 'carry_over_mismatch',
               'message', 'carried forward into ' || c.year_b || ' differs from the ' || c.year_b || ' report (extraction ' || c.extraction_b || ')',
               'other', c.extraction_b,
               'fields', (SELECT COALESCE(jsonb_agg(split_part(m, '=', 1) ORDER BY o), '[]'::jsonb) FROM jsonb_array_elements_text(c.mismatches) WITH ORDINALITY AS t(m, o)))
             END AS flag
           FROM cross_checks c WHERE c.extraction_a = x.id AND (NOT c.ok AND c.kind <> 'duplicate'
             OR c.id = (SELECT c1.id FROM cross_checks c1 WHERE c1.extraction_a = x.id AND c1.kind = 'duplicate' ORDER BY c1.extraction_b LIMIT 1))
           UNION ALL
           SELECT c.id, CASE WHEN c.kind = 'duplicate'
             THEN jsonb_build_object('code', 'duplicate_report', 'message', c.agency || ' ' || c.year_a || ' also in extraction ' || c.extraction_a, 'other', c.extraction_a)
             ELSE jsonb_build_object('code', 'carry_over_mismatch',
               'message', 'carried over from ' || c.year_a || ' differs from the ' || c.year_a || ' report (extraction ' || c.extraction_a || ')',
               'other', c.extraction_a,
               'fields', (SELECT COALESCE(jsonb_agg(split_part(split_part(m, '≠', 2), '=', 1) ORDER BY o), '[]'::jsonb) FROM jsonb_array_elements_text(c.mismatches) WITH ORDINALITY AS t(m, o)))
             END
           FROM cross_checks c WHERE c.extraction_b = x.id AND (c.kind = 'duplicate' OR NOT c.ok)
         ) f), '[]'::jsonb) AS flags
       FROM extractions x WHERE x.id = ANY($1::bigint[])
     ) n
     WHERE e.id = ANY($1::bigint[]) AND e.id = n.id AND e.cross_flags IS DISTINCT FROM n.flags`,
    [ids],
  );
}

function diffFields(a: Record<string, number | null>, b: Record<string, number | null>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of [...keys].sort()) {
    const x = a[k] ?? null;
    const y = b[k] ?? null;
    if (x !== y) out.push(`${k}: ${x}≠${y}`);
  }
  return out;
}

/** Split a migration into statements (no semicolons inside our literals or bodies). */
export function splitSql(sql: string): string[] {
  return sql.split(/;\s*\n/).map((s) => s.trim().replace(/;$/, '')).filter((s) => s.length > 0);
}
