/**
 * Real worker processes (`nianbao worker`, from the build in dist/) against the real Redis and PostgreSQL:
 * a worker killed with SIGKILL mid-job leaves the job to be picked up again, and it completes once with
 * exactly one stored extraction; SIGTERM finishes the active job before exiting.
 */
import type { ChildProcess } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { openStore, type Store } from '../src/store';
import { queueConfigFromEnv, forStore, type QueueConfig } from '../src/queue/config';
import { openQueues, fetchJobId, type Queues } from '../src/queue/queues';
import { ingest } from '../src/queue/ingest';
import { sha256 } from '../src/pipeline/extract';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server';
import { DATABASE_URL, REDIS_URL, dropRedisPrefix, dropSchema, tempDir, uniqueName } from './helpers/services';
import { ROOT, exited, startWorkerProcess, until } from './helpers/faults';

jest.setTimeout(90000);

const schema = uniqueName('nbtest_crash');
const prefix = uniqueName('nbtestc');
const blobs = tempDir('nb-cblobs-');
let srv: FixtureServer;
let store: Store;
let cfg: QueueConfig;
let queues: Queues;
const children: ChildProcess[] = [];

/** A `nianbao worker` on this test's schema and queue prefix, with short lock and stall times. */
const startWorker = () =>
  startWorkerProcess({
    DATABASE_URL, NIANBAO_DB_SCHEMA: schema, NIANBAO_BLOBS: blobs.dir, REDIS_URL, NIANBAO_QUEUE_PREFIX: prefix,
    NIANBAO_ALLOW_PRIVATE: '1', NIANBAO_HOST_INTERVAL_MS: '0', NIANBAO_LOCK_MS: '3000', NIANBAO_STALLED_MS: '1000',
    NIANBAO_FETCH_TIMEOUT_MS: '15000', NIANBAO_FETCH_CONCURRENCY: '4',
  }, children);

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'commands', 'worker.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
  srv = await startFixtureServer();
  store = await openStore({ databaseUrl: DATABASE_URL, schema, blobDir: blobs.dir });
  cfg = forStore(queueConfigFromEnv({ REDIS_URL, NIANBAO_QUEUE_PREFIX: prefix } as NodeJS.ProcessEnv), store);
  queues = openQueues(cfg);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
  await queues?.close();
  await store?.close();
  await srv?.close();
  await dropRedisPrefix(prefix);
  await dropSchema(schema);
  blobs.remove();
});

test('SIGKILL mid-job: the job is picked up again and completes once, with exactly one extraction', async () => {
  const a = await startWorker();
  const path = '/slow/2500/gen/700.txt';
  const res = await ingest(store, queues, cfg, [{ url: srv.url + path }]);
  const src = (await store.getSourceByUrl(srv.url + path))!;
  await until('the fetch to be in flight', async () => (srv.hits.get(path) ?? 0) >= 1);
  const job = (await queues.fetch.getJob(fetchJobId(cfg, src.id)))!;
  expect(await job.getState()).toBe('active');
  a.child.kill('SIGKILL');
  await exited(a.child);
  expect((await store.getSource(src.id))!.status).toBe('queued'); // nothing was stored by the killed worker

  const b = await startWorker();
  const c = await until('the batch to finish', async () => {
    const k = await store.counts(cfg.pipeline, res.batch);
    return k.sources.queued + k.sources.fetched === 0 ? k : null;
  }, 40000);
  expect(c.sources).toMatchObject({ total: 1, extracted: 1, failed: 0 });
  expect(srv.hits.get(path)).toBe(2); // fetched again after the crash
  const sha = sha256(srv.genBytes(700));
  const rows = await store.query<{ id: number }>('SELECT id FROM extractions WHERE sha256 = $1', [sha]);
  expect(rows).toHaveLength(1);
  const audit = await store.listAudit({ entity: 'extraction', entityId: Number(rows[0].id) });
  expect(audit.map((x) => x.action)).toEqual(['extraction.create']);
  const done = (await queues.fetch.getJob(fetchJobId(cfg, src.id)))!;
  expect(await done.getState()).toBe('completed');
  expect(done.returnvalue).toMatchObject({ outcome: 'fetched', sha256: sha });
  const stalled = (done as unknown as { stalledCounter?: number }).stalledCounter;
  if (stalled !== undefined) expect(stalled).toBeGreaterThanOrEqual(1);

  // SIGTERM: the active job is finished before the process exits; nothing is fetched twice
  const path2 = '/slow/1500/gen/701.txt';
  const res2 = await ingest(store, queues, cfg, [{ url: srv.url + path2 }]);
  await until('the second fetch to be in flight', async () => (srv.hits.get(path2) ?? 0) >= 1);
  b.child.kill('SIGTERM');
  expect(await exited(b.child)).toBe(0);
  expect(b.log()).toMatch(/SIGTERM, finishing active jobs/);
  const s2 = (await store.getSourceByUrl(srv.url + path2))!;
  expect(['fetched', 'extracted']).toContain(s2.status);
  const c2 = await startWorker();
  await until('the second batch to finish', async () => {
    const k = await store.counts(cfg.pipeline, res2.batch);
    return k.sources.extracted === 1 ? k : null;
  }, 30000);
  expect(srv.hits.get(path2)).toBe(1);
  c2.child.kill('SIGTERM');
  expect(await exited(c2.child)).toBe(0);
});
