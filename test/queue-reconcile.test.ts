/**
 * Store ↔ queue agreement (issue 14, part 3), on the real Redis and PostgreSQL:
 * - two stores sharing one Redis at once each take only their own jobs;
 * - a fresh store beside a Redis that still holds an earlier store's jobs (same prefix, same job ids)
 *   finishes: each store's queue keys carry its own id;
 * - a Redis flushed under a store (sources queued or fetched with no job) is reconciled when a worker
 *   starts and periodically: everything is re-queued once and finished, nothing runs twice;
 * - reconciliation adds nothing while the jobs are live;
 * - `ingest --wait` says why nothing moves (no worker; lost jobs re-queued) instead of spinning.
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { openStore, type Store } from '../src/store';
import { queueConfigFromEnv, forStore, queuePrefix, type QueueConfig } from '../src/queue/config';
import { openQueues, type Queues } from '../src/queue/queues';
import { ingest } from '../src/queue/ingest';
import { reconcile, liveJobs } from '../src/queue/reconcile';
import { diagnoseStall } from '../src/cli/commands/ingest';
import { startWorkers, type RunningWorkers } from '../workers';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server';
import { DATABASE_URL, REDIS_URL, dropRedisPrefix, dropSchema, tempDir, uniqueName } from './helpers/services';
import { BIN, requireBuild, until } from './helpers/faults';

jest.setTimeout(90000);

const prefix = uniqueName('nbtest_rec');
const schemas: string[] = [];
const stores: Store[] = [];
const opened: Queues[] = [];
const running: RunningWorkers[] = [];
const blobs = tempDir('nb-rec-blobs-');
let srv: FixtureServer;

async function newStore(): Promise<{ store: Store; cfg: QueueConfig; queues: Queues }> {
  const schema = uniqueName('nbtest_rec');
  schemas.push(schema);
  const store = await openStore({ databaseUrl: DATABASE_URL, schema, blobDir: blobs.dir });
  stores.push(store);
  const base = queueConfigFromEnv({ REDIS_URL, NIANBAO_QUEUE_PREFIX: prefix, NIANBAO_RECONCILE_MS: '700' } as NodeJS.ProcessEnv);
  base.fetch = { ...base.fetch, allowPrivate: true, attempts: 2, backoffMs: 100, timeoutMs: 5000, hostConcurrency: 8, hostIntervalMs: 0, concurrency: 4 };
  base.extract = { ...base.extract, concurrency: 1, timeoutMs: 30000 };
  const cfg = forStore(base, store);
  const queues = openQueues(cfg);
  opened.push(queues);
  return { store, cfg, queues };
}

async function workersFor(store: Store, cfg: QueueConfig): Promise<RunningWorkers> {
  const w = await startWorkers({ cfg, store, log: () => undefined });
  running.push(w);
  return w;
}

async function finished(store: Store, cfg: QueueConfig, batch: string | undefined, timeoutMs = 40000) {
  return until(`batch ${batch ?? '(all)'} done`, async () => {
    const c = await store.counts(cfg.pipeline, batch);
    return c.sources.total > 0 && c.sources.queued + c.sources.fetched === 0 ? c : null;
  }, timeoutMs);
}

const urls = (ids: number[]) => ids.map((i) => ({ url: `${srv.url}/gen/${i}.txt` }));

beforeAll(async () => {
  srv = await startFixtureServer();
});

afterAll(async () => {
  for (const w of running) await w.close().catch(() => undefined);
  for (const q of opened) await q.close().catch(() => undefined);
  for (const s of stores) await s.close().catch(() => undefined);
  await srv?.close();
  await dropRedisPrefix(prefix);
  for (const s of schemas) await dropSchema(s);
  blobs.remove();
});

test('a fresh store beside a Redis holding an earlier store\'s jobs (same prefix, same ids) finishes', async () => {
  // store A runs to completion: its completed jobs (f-<source id>-<pipeline>) stay in Redis
  const a = await newStore();
  const wa = await workersFor(a.store, a.cfg);
  const ra = await ingest(a.store, a.queues, a.cfg, urls([101, 102, 103]));
  await finished(a.store, a.cfg, ra.batch);
  await wa.close();
  expect((await a.queues.fetch.getJobCounts('completed')).completed).toBe(3);

  // store B: a new store, the same Redis and prefix, source ids 1..3 again
  const b = await newStore();
  expect(b.store.id).not.toBe(a.store.id);
  expect(queuePrefix(b.cfg)).not.toBe(queuePrefix(a.cfg));
  const rb = await ingest(b.store, b.queues, b.cfg, urls([201, 202, 203]));
  expect(rb.queued).toBe(3);
  await workersFor(b.store, b.cfg);
  const c = await finished(b.store, b.cfg, rb.batch);
  expect(c.sources).toMatchObject({ total: 3, extracted: 3, failed: 0 });
  // A's store is untouched by B's workers
  expect((await a.store.counts(a.cfg.pipeline)).sources).toMatchObject({ total: 3, extracted: 3 });
});

test('two stores sharing one Redis at once: each store\'s workers take only its own jobs', async () => {
  const c = await newStore();
  const d = await newStore();
  await Promise.all([workersFor(c.store, c.cfg), workersFor(d.store, d.cfg)]);
  // the same source ids (1, 2, 3) in both stores, different reports
  const [rc, rd] = await Promise.all([ingest(c.store, c.queues, c.cfg, urls([801, 802, 803])), ingest(d.store, d.queues, d.cfg, urls([811, 812, 813]))]);
  await Promise.all([finished(c.store, c.cfg, rc.batch), finished(d.store, d.cfg, rd.batch)]);
  for (const [s, ids] of [[c.store, [801, 802, 803]], [d.store, [811, 812, 813]]] as const) {
    const rows = await s.listSources({});
    expect(rows.map((r) => r.status)).toEqual(['extracted', 'extracted', 'extracted']);
    // each source holds its own URL's bytes (a job of the other store would have written its report here)
    expect(rows.map((r) => r.sha256).sort()).toEqual(ids.map((i) => createHash('sha256').update(srv.genBytes(i)).digest('hex')).sort());
  }
});

test('Redis flushed under a store: sources queued or fetched with no job are re-queued once and finished', async () => {
  const s = await newStore();
  // ingested with no worker running; one more source is left `fetched` (its extract job lost)
  const r = await ingest(s.store, s.queues, s.cfg, urls([301, 302, 303, 304]));
  expect(r.queued).toBe(4);
  // reconciliation adds nothing while the jobs are there
  expect((await reconcile(s.store, s.queues, s.cfg)).requeued).toBe(0);
  const fetchedSrc = (await s.store.getSourceByUrl(`${srv.url}/gen/304.txt`))!;
  await s.store.recordFetched(fetchedSrc.id, srv.genBytes(304), { finalUrl: fetchedSrc.url, attachmentUrl: null, httpStatus: 200, contentType: 'text/plain' });
  // Redis loses everything of this store (restart without persistence, FLUSHALL)
  await dropRedisPrefix(queuePrefix(s.cfg));
  expect((await liveJobs(s.queues)).count).toBe(0);
  // the sources must be older than the reconciliation's grace period (700 ms here)
  await new Promise((res) => setTimeout(res, 900));
  const hitsBefore = srv.hits.get('/gen/301.txt') ?? 0;
  await workersFor(s.store, s.cfg); // reconciles when it starts
  const c = await finished(s.store, s.cfg, r.batch);
  expect(c.sources).toMatchObject({ total: 4, extracted: 4, failed: 0 });
  // nothing ran twice: one fetch per URL, one extraction per content, the fetched one not fetched again
  expect((srv.hits.get('/gen/301.txt') ?? 0) - hitsBefore).toBe(1);
  expect(srv.hits.get('/gen/304.txt') ?? 0).toBe(0);
  const ex = await s.store.query<{ n: number }>('SELECT count(*)::int AS n FROM extractions');
  expect(ex[0].n).toBe(4);
  const audit = await s.store.listAudit({ entity: 'system' });
  expect(audit.some((a) => a.action === 'requeue' && (a.detail as { requeued?: number }).requeued === 4)).toBe(true);
  // and done sources are never re-queued
  await new Promise((res) => setTimeout(res, 800));
  expect((await reconcile(s.store, s.queues, s.cfg)).requeued).toBe(0);
});

test('periodic reconciliation: jobs lost while the workers run are re-queued and finished', async () => {
  const s = await newStore();
  await workersFor(s.store, s.cfg);
  // pause the workers' queue so the jobs stay waiting, then lose them
  await s.queues.fetch.pause();
  const r = await ingest(s.store, s.queues, s.cfg, urls([401, 402]));
  await dropRedisPrefix(queuePrefix(s.cfg)); // (the pause flag goes too)
  const c = await finished(s.store, s.cfg, r.batch, 30000);
  expect(c.sources).toMatchObject({ total: 2, extracted: 2 });
});

test('a re-ingest follows the sources still pending from an earlier ingest (they join its batch)', async () => {
  const s = await newStore();
  const first = await ingest(s.store, s.queues, s.cfg, urls([701, 702]));
  const again = await ingest(s.store, s.queues, s.cfg, urls([701, 702, 703]));
  expect(again).toMatchObject({ total: 3, queued: 1, requeued: 2 });
  expect((await s.store.counts(s.cfg.pipeline, again.batch)).sources).toMatchObject({ total: 3, queued: 3 });
  expect((await s.store.counts(s.cfg.pipeline, first.batch)).sources.total).toBe(0);
  // the jobs are live: nothing is added twice
  expect((await liveJobs(s.queues)).count).toBe(3);
  await workersFor(s.store, s.cfg);
  expect((await finished(s.store, s.cfg, again.batch)).sources).toMatchObject({ total: 3, extracted: 3 });
});

test('diagnosis when nothing moves: lost jobs are re-queued, and no worker on the queue is named', async () => {
  const s = await newStore();
  const r = await ingest(s.store, s.queues, s.cfg, urls([501]));
  await dropRedisPrefix(queuePrefix(s.cfg));
  await new Promise((res) => setTimeout(res, 300));
  // (status counts them without queueing anything)
  expect((await reconcile(s.store, s.queues, s.cfg, { dryRun: true })).requeued).toBe(1);
  expect((await liveJobs(s.queues)).count).toBe(0);
  const why = await diagnoseStall(s.store, s.queues, s.cfg, 200);
  expect(why.join('\n')).toMatch(/1 sources pending in the store had no job: re-queued/);
  expect(why.join('\n')).toMatch(new RegExp(`no worker is consuming queue ${queuePrefix(s.cfg)}:fetch`));
  // the re-queued job is live now: asked again, nothing more is added
  expect((await diagnoseStall(s.store, s.queues, s.cfg, 0)).join('\n')).not.toMatch(/re-queued/);
  await workersFor(s.store, s.cfg);
  await finished(s.store, s.cfg, r.batch);
});

test('`ingest --wait` with no worker says so instead of spinning', async () => {
  requireBuild();
  const schema = uniqueName('nbtest_rec');
  schemas.push(schema);
  const child = spawn(process.execPath, [BIN, 'ingest', '--wait', `${srv.url}/gen/601.txt`], {
    env: { ...process.env, DATABASE_URL, NIANBAO_DB_SCHEMA: schema, NIANBAO_BLOBS: blobs.dir, REDIS_URL, NIANBAO_QUEUE_PREFIX: prefix, NIANBAO_STALL_MS: '1500' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    await until('the stall message', async () => /nothing has moved for \d+ s/.test(err), 20000, 100);
    expect(err).toMatch(/no worker is consuming queue nbtest_rec\S*:fetch/);
  } finally {
    child.kill('SIGKILL');
  }
});
