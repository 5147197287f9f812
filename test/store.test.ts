/**
 * The store against the real PostgreSQL on 127.0.0.1 (a fresh schema) and the embedded PGlite:
 * the same tests, the same SQL.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { openStore, type Store, MIGRATIONS } from '../src/store';
import type { Extraction } from '../src/model/extraction';
import { PIPELINE_VERSION, sha256 } from '../src/pipeline/extract';
import { DATABASE_URL, dropSchema, tempDir, uniqueName } from './helpers/services';

function ext(sha: string, over: Partial<Extraction> = {}, fields: Record<string, number | null> = {}): Extraction {
  return {
    source: { sha256: sha, format: 'text', bytes: 10 },
    meta: { agency: null, year: null, template: null },
    fields,
    cells: Object.fromEntries(Object.keys(fields).map((k) => [k, { confidence: 0.9, inferred: false, evidence: { method: 'read', raw: String(fields[k]) } }])),
    checks: [{ id: 'c1', ok: true, detail: 'holds' }],
    flags: [],
    status: 'ok',
    pipeline: PIPELINE_VERSION,
    ...over,
  };
}

const fakeSha = (n: number) => sha256(new TextEncoder().encode('doc ' + n));

const backends: Array<[string, () => Promise<{ store: Store; cleanup: () => Promise<void> }>]> = [
  [
    'pg',
    async () => {
      const schema = uniqueName('nbtest_store');
      const blobs = tempDir('nb-blobs-');
      const store = await openStore({ databaseUrl: DATABASE_URL, schema, blobDir: blobs.dir });
      return { store, cleanup: async () => { await store.close(); await dropSchema(schema); blobs.remove(); } };
    },
  ],
  [
    'pglite',
    async () => {
      const data = tempDir('nb-data-');
      const store = await openStore({ dataDir: data.dir, pgliteDir: 'memory://' });
      return { store, cleanup: async () => { await store.close(); data.remove(); } };
    },
  ],
];

describe.each(backends)('store on %s', (kind, open) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await open());
  }, 60000);
  afterAll(async () => {
    await cleanup?.();
  });

  test('is migrated, and migrating again applies nothing', async () => {
    expect(store.kind).toBe(kind);
    expect(await store.migrate()).toBe(0);
    const rows = await store.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
  });

  test('sources: upsert is idempotent by URL; status transitions keep reasons', async () => {
    const a = await store.upsertSource({ url: 'https://a.gov.cn/1.pdf', agencyHint: '甲县', yearHint: 2021, batch: 'b1' });
    expect(a.created).toBe(true);
    expect(a.source.status).toBe('queued');
    const b = await store.upsertSource({ url: 'https://a.gov.cn/1.pdf' });
    expect(b.created).toBe(false);
    expect(b.source.id).toBe(a.source.id);
    expect(b.source.agencyHint).toBe('甲县');
    await store.markSourceFailed(a.source.id, { stage: 'fetch', code: 'http_error', message: 'HTTP 404' }, 404);
    const f = await store.getSource(a.source.id);
    expect(f?.status).toBe('failed');
    expect(f?.error).toEqual({ stage: 'fetch', code: 'http_error', message: 'HTTP 404' });
    expect(f?.httpStatus).toBe(404);
    const c = await store.counts(PIPELINE_VERSION, 'b1');
    expect(c.sources.failed).toBe(1);
    expect(c.failures['fetch:http_error']).toBe(1);
    await store.requeueSource(a.source.id, 'b2');
    const q = await store.getSourceByUrl('https://a.gov.cn/1.pdf');
    expect([q?.status, q?.error, q?.batch]).toEqual(['queued', null, 'b2']);
  });

  test('documents: bytes go to a sha256-addressed blob, written once', async () => {
    const bytes = new TextEncoder().encode('2021年政府信息公开工作年度报告 ' + kind);
    const d = await store.putDocument(bytes, { contentType: 'text/plain', url: 'https://a.gov.cn/x' });
    expect(d.sha256).toBe(sha256(bytes));
    expect(d.blobPath).toBe(join(d.sha256.slice(0, 2), d.sha256));
    expect(readFileSync(join(store.blobRoot, d.blobPath)).equals(Buffer.from(bytes))).toBe(true);
    const again = await store.putDocument(bytes);
    expect(again.sha256).toBe(d.sha256);
    expect(again.firstUrl).toBe('https://a.gov.cn/x');
    expect(Buffer.from(await store.readBlob(d.sha256)).equals(Buffer.from(bytes))).toBe(true);
    expect(existsSync(join(store.blobRoot, d.blobPath))).toBe(true);
  });

  test('blobs a store of an earlier build wrote two levels deep are still read', async () => {
    const bytes = new TextEncoder().encode('2020年政府信息公开工作年度报告 legacy ' + kind);
    const sha = sha256(bytes);
    const legacy = join(store.blobRoot, sha.slice(0, 2), sha.slice(2, 4));
    mkdirSync(legacy, { recursive: true });
    writeFileSync(join(legacy, sha), bytes);
    expect(Buffer.from(await store.readBlob(sha)).equals(Buffer.from(bytes))).toBe(true);
    await expect(store.readBlob(fakeSha(7))).rejects.toThrow(/ENOENT/);
  });

  test('extractions: one row per (sha256, pipeline), JSONB round trip, replace on re-save', async () => {
    const sha = fakeSha(1);
    const e1 = ext(sha, { status: 'flagged', flags: [{ code: 'inferred', field: 's3.new.total', message: 'solved' }] }, { 's3.new.total': 12, 's3.new.natural': null });
    const r1 = await store.saveExtraction(e1, { durationMs: 42 });
    expect(r1.extraction).toEqual(e1);
    expect(r1.durationMs).toBe(42);
    const r2 = await store.saveExtraction({ ...e1, status: 'ok', flags: [] });
    expect(r2.id).toBe(r1.id);
    expect(r2.status).toBe('ok');
    const other = await store.saveExtraction({ ...e1, pipeline: '0.0.9-old' });
    expect(other.id).not.toBe(r1.id);
    expect((await store.findExtraction(sha, PIPELINE_VERSION))?.id).toBe(r1.id);
    const failed = await store.saveExtraction(
      { ...ext(fakeSha(2)), status: 'failed', error: { code: 'pdf_corrupt', message: 'bad xref' }, checks: [] },
    );
    expect(failed.errorCode).toBe('pdf_corrupt');
    expect(failed.extraction.error).toEqual({ code: 'pdf_corrupt', message: 'bad xref' });
    expect(await store.countExtractions({ pipeline: PIPELINE_VERSION })).toBe(2);
    expect((await store.listExtractions({ status: 'failed' })).map((r) => r.id)).toEqual([failed.id]);
    const audit = await store.listAudit({ entity: 'extraction', entityId: r1.id });
    expect(audit.map((a) => a.action).sort()).toEqual(['extraction.create', 'extraction.replace']);
    const n = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM extractions WHERE sha256 = $1', [sha]);
    expect(Number(n[0].n)).toBe(2);
  });

  test('reviews are stored and audited', async () => {
    const r = await store.saveExtraction(ext(fakeSha(3)));
    const rv = await store.addReview({ extractionId: r.id, field: 's3.new.total', action: 'correct', value: 13, reviewer: 'alice', note: 'typo in source' });
    expect(rv).toMatchObject({ extractionId: r.id, field: 's3.new.total', action: 'correct', value: 13, reviewer: 'alice' });
    expect((await store.listReviews(r.id)).map((x) => x.id)).toEqual([rv.id]);
    const audit = await store.listAudit({ entity: 'extraction', entityId: r.id });
    expect(audit[0]).toMatchObject({ actor: 'alice', action: 'review.correct' });
  });

  test('cross-document checks: carry-over mismatches flag both, duplicates are linked', async () => {
    const A = '乙县人民政府' + kind;
    const y20 = await store.saveExtraction(ext(fakeSha(20), { meta: { agency: A, year: 2020, template: '2019' } }, { 's3.carried_forward.total': 5, 's3.carried_forward.natural': 3 }));
    const y21 = await store.saveExtraction(ext(fakeSha(21), { meta: { agency: A, year: 2021, template: '2021' } }, { 's3.carried_over.total': 5, 's3.carried_over.natural': 2, 's3.carried_forward.total': 7 }));
    const y22 = await store.saveExtraction(ext(fakeSha(22), { meta: { agency: A, year: 2022, template: '2021' } }, { 's3.carried_over.total': 7 }));
    const y22b = await store.saveExtraction(ext(fakeSha(23), { meta: { agency: A, year: 2022, template: '2021' } }, { 's3.carried_over.total': 8 }));
    const rows = await store.runCrossChecks({ agency: A });
    const carry = rows.filter((r) => r.kind === 'carry_over');
    expect(carry).toHaveLength(2);
    const c2021 = carry.find((r) => r.yearB === 2021)!;
    expect(c2021).toMatchObject({ extractionA: y20.id, extractionB: y21.id, ok: false });
    expect(c2021.mismatches).toEqual(['s3.carried_forward.natural=3≠s3.carried_over.natural=2']);
    expect(carry.find((r) => r.yearB === 2022)).toMatchObject({ extractionA: y21.id, extractionB: y22.id, ok: true });
    const dup = rows.filter((r) => r.kind === 'duplicate');
    expect(dup).toHaveLength(1);
    expect(dup[0]).toMatchObject({ extractionA: y22.id, extractionB: y22b.id, ok: false });
    expect((await store.getExtraction(y20.id))!.crossFlags.map((f) => f.code)).toEqual(['carry_over_mismatch']);
    expect((await store.getExtraction(y21.id))!.crossFlags).toEqual([
      expect.objectContaining({ code: 'carry_over_mismatch', other: y20.id, fields: ['s3.carried_over.natural'] }),
    ]);
    expect((await store.getExtraction(y22b.id))!.crossFlags.map((f) => f.code)).toEqual(['duplicate_report']);
    expect((await store.listExtractions({ crossFlagged: true, agency: A })).map((r) => r.id).sort()).toEqual([y20.id, y21.id, y22.id, y22b.id].sort());
    // recomputing after a correction clears the flags and replaces the rows
    await store.saveExtraction(ext(fakeSha(21), { meta: { agency: A, year: 2021, template: '2021' } }, { 's3.carried_over.total': 5, 's3.carried_over.natural': 3, 's3.carried_forward.total': 7 }));
    const again = await store.runCrossChecks({ agency: A });
    expect(again.filter((r) => r.kind === 'carry_over').every((r) => r.ok)).toBe(true);
    expect((await store.getExtraction(y20.id))!.crossFlags).toEqual([]);
    expect(await store.listCrossChecks({ extractionId: y21.id })).toHaveLength(2);
  });

  test('incremental cross-checks (as workers run them) agree with the full recomputation', async () => {
    const A = '丙县' + kind;
    const mk = (n: number, year: number, f: Record<string, number>) => store.saveExtraction(ext(fakeSha(n), { meta: { agency: A, year, template: '2021' } }, f));
    const order = [
      await mk(31, 2021, { 's3.carried_over.total': 5, 's3.carried_forward.total': 9 }),
      await mk(30, 2020, { 's3.carried_forward.total': 4 }),
      await mk(32, 2022, { 's3.carried_over.total': 9 }),
      await mk(33, 2022, { 's3.carried_over.total': 1 }),
    ];
    for (const r of order) await store.crossCheckExtraction(r.id);
    const inc = await Promise.all(order.map(async (r) => (await store.getExtraction(r.id))!.crossFlags));
    const incRows = (await store.listCrossChecks()).filter((r) => r.agency === A).map((r) => [r.kind, r.extractionA, r.extractionB, r.ok]);
    await store.runCrossChecks({ agency: A });
    const full = await Promise.all(order.map(async (r) => (await store.getExtraction(r.id))!.crossFlags));
    const fullRows = (await store.listCrossChecks()).filter((r) => r.agency === A).map((r) => [r.kind, r.extractionA, r.extractionB, r.ok]);
    const norm = (x: unknown[][]) => x.map((r) => JSON.stringify(r)).sort();
    expect(norm(incRows)).toEqual(norm(fullRows));
    expect(inc.map((f) => f.map((x) => x.code).sort())).toEqual(full.map((f) => f.map((x) => x.code).sort()));
    expect(inc[1].map((f) => f.code)).toEqual(['carry_over_mismatch']); // 2020 forward 4 ≠ 2021 over 5
    expect(inc[3].map((f) => f.code)).toEqual(['duplicate_report']);
  });

  test('many copies of one report: the first carries one duplicate flag, naming its earliest copy; every copy is linked', async () => {
    const A = '庚县' + kind;
    const first = await store.saveExtraction(ext(fakeSha(60), { meta: { agency: A, year: 2022, template: '2021' } }, { 's3.carried_over.total': 1 }));
    await store.crossCheckExtraction(first.id);
    const copies: number[] = [];
    // as workers store them: each copy in its own write (the incremental path), one with other figures
    for (let n = 61; n <= 65; n++) {
      const r = await store.recordExtraction(ext(fakeSha(n), { meta: { agency: A, year: 2022, template: '2021' } }, { 's3.carried_over.total': n === 63 ? 2 : 1 }), { actor: 'worker' });
      copies.push(r.id);
    }
    const flagsOf = async (id: number) => (await store.getExtraction(id))!.crossFlags;
    const expectOneEach = async () => {
      expect(await flagsOf(first.id)).toEqual([{ code: 'duplicate_report', message: `${A} 2022 also in extraction ${copies[0]}`, other: copies[0] }]);
      for (const c of copies) expect(await flagsOf(c)).toEqual([{ code: 'duplicate_report', message: `${A} 2022 also in extraction ${first.id}`, other: first.id }]);
      const linked = await store.listCrossChecks({ extractionId: first.id, kind: 'duplicate' });
      expect(linked.map((r) => r.extractionB).sort((a, b) => a - b)).toEqual(copies); // (listed in check order: a replacement's come last)
      expect(linked.filter((r) => !r.ok).map((r) => r.extractionB)).toEqual([copies[2]]);
    };
    await expectOneEach();
    // a re-extraction of the earliest copy (a replacement: its checks are dropped and made again)
    await store.recordExtraction(ext(fakeSha(61), { meta: { agency: A, year: 2022, template: '2021' } }, { 's3.carried_over.total': 1 }), { actor: 'worker' });
    await expectOneEach();
    // the full recomputation and the one-extraction recomputation agree
    await store.runCrossChecks({ agency: A });
    await expectOneEach();
    await store.crossCheckExtraction(copies[0]);
    await expectOneEach();
    // rows stored before migration 6 carried one flag per copy: the migration keeps the earliest copy's
    const old = copies.map((c) => ({ code: 'duplicate_report', message: `${A} 2022 also in extraction ${c}`, other: c })).reverse();
    await store.query(`UPDATE extractions SET cross_flags = $2::jsonb WHERE id = $1`, [first.id, JSON.stringify([{ code: 'carry_over_mismatch', message: 'm', other: 1, fields: [] }, ...old])]);
    const m6 = MIGRATIONS.find((m) => m.version === 6)!;
    const rewrite = m6.sql.split(/;\s*\n/).map((x) => x.trim()).find((x) => x.startsWith('UPDATE'))!;
    await store.query(rewrite);
    expect((await flagsOf(first.id)).map((f) => [f.code, f.other])).toEqual([['carry_over_mismatch', 1], ['duplicate_report', copies[0]]]);
    expect(await flagsOf(copies[1])).toHaveLength(1); // a copy's one flag is left alone
  });

  test('recordExtraction (the worker write) stores the same rows, flags and audit as save + cross-check + mark', async () => {
    const A = '丁县' + kind;
    const B = '戊县' + kind;
    const cases: Array<[number, number, Record<string, number>]> = [
      [41, 2021, { 's3.carried_over.total': 5, 's3.carried_forward.total': 9 }],
      [40, 2020, { 's3.carried_forward.total': 4 }],
      [42, 2022, { 's3.carried_over.total': 9 }],
      [43, 2022, { 's3.carried_over.total': 1 }],
      [44, 2022, { 's3.carried_over.total': 9 }],
      [45, 2023, { 's3.carried_over.total': 3 }],
    ];
    const viaOld: number[] = [];
    const viaNew: number[] = [];
    for (const [n, year, f] of cases) {
      const a = await store.saveExtraction(ext(fakeSha(n), { meta: { agency: A, year, template: '2021' } }, f));
      await store.crossCheckExtraction(a.id);
      viaOld.push(a.id);
      const e = ext(fakeSha(n + 100), { meta: { agency: B, year, template: '2021' } }, f);
      const src = await store.upsertSource({ url: `https://example.gov.cn/rec/${kind}/${n}` });
      await store.markSourceFetched(src.source.id, { finalUrl: src.source.url, httpStatus: 200, contentType: 'text/plain', sha256: e.source.sha256, bytes: 10, blobPath: 'x' });
      const b = await store.recordExtraction(e, { durationMs: 7, actor: 'worker' });
      expect(b).toMatchObject({ created: true, marked: 1, status: 'ok', agency: B, year });
      expect((await store.getSource(src.source.id))!.status).toBe('extracted');
      viaNew.push(b.id);
    }
    // a replacement (same content, same pipeline) drops and recomputes its checks
    const again = await store.recordExtraction(ext(fakeSha(43 + 100), { meta: { agency: B, year: 2022, template: '2021' } }, { 's3.carried_over.total': 9 }), { actor: 'worker' });
    await store.crossCheckExtraction((await store.saveExtraction(ext(fakeSha(43), { meta: { agency: A, year: 2022, template: '2021' } }, { 's3.carried_over.total': 9 }))).id);
    expect(again).toMatchObject({ id: viaNew[3], created: false });
    const norm = (ids: number[], flags: Array<Array<{ code: string; message: string; other: number; fields?: string[] }>>) =>
      flags.map((fl) => fl.map((f) => ({ ...f, message: f.message.replace(/extraction \d+/, 'extraction #' + ids.indexOf(f.other)).replace(/^[丁戊]县/, '某县'), other: ids.indexOf(f.other) })));
    const oldFlags = norm(viaOld, await Promise.all(viaOld.map(async (id) => (await store.getExtraction(id))!.crossFlags)));
    const newFlags = norm(viaNew, await Promise.all(viaNew.map(async (id) => (await store.getExtraction(id))!.crossFlags)));
    expect(newFlags).toEqual(oldFlags);
    expect(newFlags.flat().length).toBeGreaterThan(0);
    const rowsOf = async (ids: number[]) => (await store.listCrossChecks()).filter((r) => ids.includes(r.extractionA))
      .map((r) => JSON.stringify([r.kind, r.agency.slice(1), ids.indexOf(r.extractionA), ids.indexOf(r.extractionB), r.ok, r.detail, r.mismatches])).sort();
    expect(await rowsOf(viaNew)).toEqual(await rowsOf(viaOld));
    // the same as the full recomputation
    await store.runCrossChecks({ agency: B });
    const full = norm(viaNew, await Promise.all(viaNew.map(async (id) => (await store.getExtraction(id))!.crossFlags)));
    const sorted = (x: typeof full) => x.map((fl) => fl.map((f) => JSON.stringify(f)).sort()); // order follows check ids, which a recomputation renumbers
    expect(sorted(full)).toEqual(sorted(newFlags));
    const stored = (await store.getExtraction(viaNew[0]))!;
    expect(stored.durationMs).toBe(7);
    expect(stored.extraction.fields).toEqual(cases[0][2]);
    const audit = await store.listAudit({ entity: 'extraction', entityId: viaNew[3] });
    expect(audit.map((x) => x.action).sort()).toEqual(['extraction.create', 'extraction.replace']);
    expect(audit.find((x) => x.action === 'extraction.create')!.detail).toMatchObject({ sha256: fakeSha(143), status: 'ok', error: null });
  });

  test('recordExtractions: a batch in one transaction stores what the same writes store one by one', async () => {
    // same agency twice in a batch (a duplicate and a carry-over between writes of one batch), another agency, no agency
    const plan: Array<[number, string | null, number | null, Record<string, number>]> = [
      [60, '己县', 2021, { 's3.carried_over.total': 5, 's3.carried_forward.total': 9 }],
      [61, '己县', 2022, { 's3.carried_over.total': 8 }],
      [62, '庚县', 2021, { 's3.carried_forward.total': 1 }],
      [63, '己县', 2021, { 's3.carried_over.total': 5, 's3.carried_forward.total': 9 }],
      [64, null, null, {}],
      [65, '己县', 2020, { 's3.carried_forward.total': 5 }],
    ];
    const make = (tag: string, off: number) => plan.map(([n, a, year, f]) =>
      ext(fakeSha(n + off), { meta: { agency: a == null ? null : a + tag + kind, year, template: year ? '2021' : null } }, f));
    const alone: number[] = [];
    for (const e of make('单', 0)) alone.push((await store.recordExtraction(e, { actor: 'worker' })).id);
    const { prepareExtraction } = await import('../src/store/prepare');
    const batch = (await store.recordExtractions(make('批', 1000).map((e) => ({ prepared: prepareExtraction(e), actor: 'worker' })))).map((r) => r.id);
    expect(batch).toHaveLength(plan.length);
    const norm = (ids: number[]) => async () => Promise.all(ids.map(async (id) => (await store.getExtraction(id))!.crossFlags
      .map((f) => JSON.stringify({ ...f, message: f.message.replace(/extraction \d+/, 'extraction #' + ids.indexOf(f.other)).replace(/[单批]/, ''), other: ids.indexOf(f.other) }))));
    const flagsAlone = await norm(alone)();
    expect(await norm(batch)()).toEqual(flagsAlone);
    expect(flagsAlone.flat().length).toBeGreaterThan(2); // a duplicate and a carry-over mismatch at least
    const checksOf = async (ids: number[]) => (await store.listCrossChecks()).filter((r) => ids.includes(r.extractionA))
      .map((r) => JSON.stringify([r.kind, ids.indexOf(r.extractionA), ids.indexOf(r.extractionB), r.ok, r.detail, r.mismatches])).sort();
    expect(await checksOf(batch)).toEqual(await checksOf(alone));
    for (const id of batch) expect((await store.listAudit({ entity: 'extraction', entityId: id })).map((a) => a.action)).toEqual(['extraction.create']);
    // all or nothing: a write the database refuses takes the whole batch with it
    const bad = { ...prepareExtraction(ext(fakeSha(70))), status: 'bogus' as 'ok' };
    await expect(store.recordExtractions([{ prepared: prepareExtraction(ext(fakeSha(71))) }, { prepared: bad }])).rejects.toThrow(/check constraint/);
    expect(await store.findExtraction(fakeSha(71))).toBeNull();
  });

  test('recordExtractions with the download: source, document and extraction in one statement; an existing extraction is kept', async () => {
    const { prepareExtraction } = await import('../src/store/prepare');
    const bytes = new TextEncoder().encode('年度报告 fetched with its extraction ' + kind);
    const blob = await store.putBlob(bytes);
    expect(blob).toMatchObject({ sha256: sha256(bytes), existed: false });
    expect((await store.putBlob(bytes)).existed).toBe(true);
    const [a, b] = (await store.upsertSources([{ url: `https://example.gov.cn/m/${kind}/a` }, { url: `https://example.gov.cn/m/${kind}/b` }])).map((x) => x.source);
    const checks = [{ id: 'c1', ok: true, detail: '1 = 1' }, { id: 'c2', ok: false, detail: '1 ≠ 2' }, { id: 'c3', ok: false, skipped: true, detail: '?' }];
    const e = ext(blob.sha256, { status: 'flagged', checks }, { 's3.new.total': 3 });
    const info = { finalUrl: `https://example.gov.cn/m/${kind}/a.pdf`, attachmentUrl: null, httpStatus: 200, contentType: 'application/pdf' };
    const fetched = (src: number) => ({ sourceId: src, info, bytes: bytes.length, blobPath: blob.blobPath, attempt: 2 });
    const [r1] = await store.recordExtractions([{ prepared: prepareExtraction(e), actor: 'worker', keepExisting: true, fetched: fetched(a.id) }]);
    expect(r1).toMatchObject({ created: true, sourceRecorded: true, status: 'flagged' });
    expect(r1.kept).toBeUndefined();
    expect(await store.getSource(a.id)).toMatchObject({ status: 'extracted', sha256: blob.sha256, bytes: bytes.length, blobPath: blob.blobPath, finalUrl: info.finalUrl, httpStatus: 200, contentType: 'application/pdf', attempts: 2, error: null });
    expect(await store.getDocument(blob.sha256)).toMatchObject({ bytes: bytes.length, firstUrl: info.finalUrl });
    const row = (await store.getExtraction(r1.id))!;
    expect(row.extraction.checks).toEqual(checks);
    const [col] = await store.query<{ checks_failed: number; checks: unknown }>('SELECT checks_failed, checks FROM extractions WHERE id = $1', [r1.id]);
    expect(col).toEqual({ checks_failed: 1, checks: null }); // compressed in checks_z; the skipped check is not a failure
    // the same content from another URL, extracted again meanwhile: the stored extraction stays, the source is recorded
    const [r2] = await store.recordExtractions([{ prepared: prepareExtraction({ ...e, status: 'ok' }), actor: 'worker', keepExisting: true, fetched: fetched(b.id) }]);
    expect(r2).toMatchObject({ kept: true, id: r1.id, created: false, sourceRecorded: true, crossChecks: 0 });
    expect((await store.getExtraction(r1.id))!.status).toBe('flagged');
    expect((await store.getSource(b.id))!.status).toBe('extracted');
    expect((await store.listAudit({ entity: 'extraction', entityId: r1.id })).map((x) => x.action)).toEqual(['extraction.create']);
    // a source no longer pending is left as it is (the extraction is stored all the same)
    await store.markSourceFailed(b.id, { stage: 'fetch', code: 'http_error', message: 'gone' });
    const [r3] = await store.recordExtractions([{ prepared: prepareExtraction(e), keepExisting: true, fetched: fetched(b.id) }]);
    expect(r3).toMatchObject({ kept: true, sourceRecorded: false });
    expect((await store.getSource(b.id))!.status).toBe('failed');
  });

  test('rows written before migration 5 (checks as JSONB) read the same, and the review queue counts their failures', async () => {
    const e = ext(fakeSha(80), { status: 'flagged', checks: [{ id: 'c1', ok: false, detail: '2 ≠ 3' }, { id: 'c2', ok: true, detail: '1 = 1' }] });
    const id = (await store.saveExtraction(e)).id;
    await store.query(`UPDATE extractions SET checks = $2::jsonb, checks_z = NULL, checks_failed = NULL WHERE id = $1`, [id, JSON.stringify(e.checks)]);
    expect((await store.getExtraction(id))!.extraction).toEqual(e);
    const { queuePage } = await import('../src/web/queue');
    const page = await queuePage(store, {}, { limit: 500 });
    expect(page.rows.find((r) => r.id === id)?.nFailed).toBe(1);
  });

  test('worker helpers: claimSource, upsertSources, recordFetched, markIfExtracted', async () => {
    const up = await store.upsertSources([
      { url: `https://example.gov.cn/h/${kind}/1`, agencyHint: '甲', yearHint: 2021, batch: 'b1' },
      { url: `https://example.gov.cn/h/${kind}/2` },
      { url: `https://example.gov.cn/h/${kind}/1` },
    ]);
    expect(up.map((u) => u.created)).toEqual([true, true, false]);
    expect(up[2].source.id).toBe(up[0].source.id);
    expect(up[0].source).toMatchObject({ agencyHint: '甲', yearHint: 2021, batch: 'b1', status: 'queued' });
    expect((await store.upsertSources([{ url: `https://example.gov.cn/h/${kind}/2` }]))[0].created).toBe(false);
    const id = up[0].source.id;
    const c1 = await store.claimSource(id);
    expect(c1).toMatchObject({ claimed: true, source: { id, attempts: 1 } });
    const bytes = new TextEncoder().encode('helper doc ' + kind);
    const doc = await store.recordFetched(id, bytes, { finalUrl: 'https://example.gov.cn/final', httpStatus: 200, contentType: 'text/plain' });
    expect(doc).toMatchObject({ sha256: sha256(bytes), bytes: bytes.length });
    expect(Buffer.from(await store.readBlob(doc.sha256)).toString()).toBe('helper doc ' + kind);
    expect(await store.getDocument(doc.sha256)).toMatchObject({ firstUrl: 'https://example.gov.cn/final' });
    const c2 = await store.claimSource(id);
    expect(c2).toMatchObject({ claimed: false, source: { status: 'fetched', attempts: 1, sha256: doc.sha256 } });
    expect(await store.claimSource(999999)).toEqual({ source: null, claimed: false });
    expect(await store.markIfExtracted(doc.sha256, PIPELINE_VERSION)).toBeNull();
    const e = await store.saveExtraction(ext(doc.sha256));
    expect(await store.markIfExtracted(doc.sha256, PIPELINE_VERSION, { since: new Date(Date.now() + 60000) })).toBeNull();
    expect(await store.markIfExtracted(doc.sha256, PIPELINE_VERSION)).toEqual({ id: e.id, marked: 1 });
    expect((await store.getSource(id))!.status).toBe('extracted');
  });
});

test('pg: concurrent migrations from several processes are serialised', async () => {
  const schema = uniqueName('nbtest_mig');
  const blobs = tempDir('nb-blobs-');
  try {
    const stores = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl: DATABASE_URL, schema, blobDir: blobs.dir })));
    const rows = await stores[0].query('SELECT version FROM schema_migrations');
    expect(rows).toHaveLength(MIGRATIONS.length);
    await Promise.all(stores.map((s) => s.close()));
  } finally {
    await dropSchema(schema);
    blobs.remove();
  }
});

test('PGlite keeps its data on disk across reopen', async () => {
  const data = tempDir('nb-data-');
  try {
    const s1 = await openStore({ dataDir: data.dir });
    await s1.upsertSource({ url: 'https://persist.gov.cn/a.pdf' });
    await s1.close();
    const s2 = await openStore({ dataDir: data.dir });
    expect((await s2.getSourceByUrl('https://persist.gov.cn/a.pdf'))?.status).toBe('queued');
    await s2.close();
  } finally {
    data.remove();
  }
}, 60000);
