/** The Store over a `Db` (pg or PGlite): the same SQL for both. */
import type { Extraction } from '../model/extraction';
import { sha256 as sha256Of, PIPELINE_VERSION } from '../pipeline/extract';
import type { Db, Queryer } from './db';
import { MIGRATIONS } from './migrations';
import { writeBlob, readBlob as readBlobFile } from './blobs';
import type {
  AuditEntry, AuditRow, CrossCheckRow, CrossFlag, DocumentRow, ExtractionQuery, ExtractionRow, FetchedInfo,
  NewReview, NewSource, ReviewRow, SourceError, SourceRow, SourceStatus, StatusCounts, Store,
} from './types';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = (v: unknown): string => JSON.stringify(v ?? null);

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
    cells: r.cells,
    checks: r.checks,
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
  async migrate(): Promise<number> {
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

  async markSourceFailed(id: number, err: SourceError, httpStatus?: number | null): Promise<void> {
    await this.db.query(
      `UPDATE sources SET status = 'failed', error_stage = $2, error_code = $3, error_message = $4,
         http_status = COALESCE($5, http_status), done_at = now(), updated_at = now() WHERE id = $1`,
      [id, err.stage, err.code, err.message.slice(0, 2000), httpStatus ?? null],
    );
  }

  async incrementAttempts(id: number): Promise<void> {
    await this.db.query('UPDATE sources SET attempts = attempts + 1, updated_at = now() WHERE id = $1', [id]);
  }

  // ---- documents

  async putDocument(bytes: Uint8Array, meta: { contentType?: string | null; url?: string | null } = {}): Promise<DocumentRow> {
    const sha = sha256Of(bytes);
    const rel = await writeBlob(this.blobRoot, sha, bytes);
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

  readBlob(sha256: string): Promise<Uint8Array> {
    return readBlobFile(this.blobRoot, sha256);
  }

  // ---- extractions

  async saveExtraction(ext: Extraction, opts: { durationMs?: number; actor?: string } = {}): Promise<ExtractionRow> {
    const rows = await this.db.query(
      `INSERT INTO extractions (sha256, pipeline, status, agency, year, template, error_code, error_message,
         source, meta, fields, cells, checks, flags, duration_ms)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10::jsonb,$11::jsonb,$12::jsonb,$13::jsonb,$14::jsonb,$15)
       ON CONFLICT (sha256, pipeline) DO UPDATE SET status = EXCLUDED.status, agency = EXCLUDED.agency,
         year = EXCLUDED.year, template = EXCLUDED.template, error_code = EXCLUDED.error_code,
         error_message = EXCLUDED.error_message, source = EXCLUDED.source, meta = EXCLUDED.meta,
         fields = EXCLUDED.fields, cells = EXCLUDED.cells, checks = EXCLUDED.checks, flags = EXCLUDED.flags,
         duration_ms = EXCLUDED.duration_ms, updated_at = now()
       RETURNING *, (xmax = 0) AS created`,
      [
        ext.source.sha256, ext.pipeline, ext.status, ext.meta?.agency ?? null, ext.meta?.year ?? null,
        ext.meta?.template ?? null, ext.error?.code ?? null, ext.error?.message ?? null,
        json(ext.source), json(ext.meta), json(ext.fields ?? {}), json(ext.cells ?? {}), json(ext.checks ?? []),
        json(ext.flags ?? []), opts.durationMs == null ? null : Math.round(opts.durationMs),
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
          addFlag(a.id, { code: 'duplicate_report', message: `${a.agency} ${a.year} also in extraction ${b.id}`, other: b.id });
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

/** Rebuild the cross_flags of these extractions from their cross_checks rows. */
async function refreshCrossFlags(q: Queryer, ids: number[]): Promise<void> {
  if (!ids.length) return;
  const rows = await q.query(
    `SELECT * FROM cross_checks WHERE (extraction_a = ANY($1::bigint[]) OR extraction_b = ANY($1::bigint[])) AND (kind = 'duplicate' OR NOT ok) ORDER BY id`,
    [ids],
  );
  const flags = new Map<number, CrossFlag[]>(ids.map((i) => [i, []]));
  for (const r of rows.map(toCross)) {
    for (const [me, other, yearOther, side] of [[r.extractionA, r.extractionB, r.yearB, 'a'], [r.extractionB, r.extractionA, r.yearA, 'b']] as const) {
      const list = flags.get(me);
      if (!list) continue;
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
