/**
 * Fault test: Redis restarted mid-run (issue 6, item 4). Two real worker processes (`nianbao worker` from
 * dist/) on a private redis-server of this test's own (never the shared one on 6379), the shared PostgreSQL
 * with a fresh schema, reports served by the local fixture server.
 *
 * 1. Persistent Redis (append-only file, as docker-compose.yml runs it): stopped (SIGTERM) in the middle of
 *    a 30-URL run, kept down a few seconds, started again on the same port and directory. The workers
 *    reconnect and finish; every URL ends stored or failed with its reason, one extraction per content.
 * 2. Non-persistent Redis (`--appendonly no`): the restart loses every job. The store still knows which
 *    sources are not done; re-ingesting the same list re-queues exactly those, and the run completes.
 */
import type { ChildProcess } from 'child_process';
import { openStore, type Store } from '../src/store';
import { queueConfigFromEnv, forStore, type QueueConfig } from '../src/queue/config';
import { openQueues, type Queues } from '../src/queue/queues';
import { ingest } from '../src/queue/ingest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server';
import { DATABASE_URL, dropSchema, tempDir, uniqueName } from './helpers/services';
import {
  auditRun, doneButNotStored, hostLeases, killAll, requireBuild, sha256hex, sleep, stamp, startPrivateRedis, startWorkerProcess, statusCounts, until,
  type Expected, type PrivateRedis, type WorkerProc,
} from './helpers/faults';

jest.setTimeout(120000);

const schema = uniqueName('nbtest_fredis');
const blobs = tempDir('nb-fr-blobs-');
const children: ChildProcess[] = [];
const redises: PrivateRedis[] = [];
const openedQueues: Queues[] = [];
let srv: FixtureServer;
let store: Store;

/** 30 URLs: 23 distinct slow reports, 3 duplicates of their content under other URLs, a wrapper page, a flaky host, two 404s. */
function entries(base: number): Expected[] {
  const u = (p: string) => srv.url + p;
  const gen = (i: number) => sha256hex(srv.genBytes(i));
  const out: Expected[] = [];
  for (let i = base; i < base + 23; i++) out.push({ url: u(`/slow/700/gen/${i}.txt`), status: 'extracted', sha256: gen(i) });
  // the same bytes as three of the reports above, reached through a redirect (another URL, same content)
  for (const k of [base + 1, base + 2, base + 3]) out.push({ url: u(`/redir/1/slow/700/gen/${k}.txt`), status: 'extracted', sha256: gen(k) });
  out.push({ url: u(`/wrap/${base + 50}.html`), status: 'extracted', sha256: gen(base + 50) });
  out.push({ url: u(`/flaky/k${base}/1/gen/${base + 51}.txt`), status: 'extracted', sha256: gen(base + 51) });
  out.push({ url: u(`/slow/300/status/404?${base}a`), status: 'failed', failure: 'fetch:http_error' });
  out.push({ url: u(`/status/404?${base}b`), status: 'failed', failure: 'fetch:http_error' });
  return out;
}

function workerEnv(redis: PrivateRedis, prefix: string): Record<string, string> {
  return {
    DATABASE_URL, NIANBAO_DB_SCHEMA: schema, NIANBAO_BLOBS: blobs.dir, REDIS_URL: redis.url, NIANBAO_QUEUE_PREFIX: prefix,
    NIANBAO_ALLOW_PRIVATE: '1', NIANBAO_HOST_INTERVAL_MS: '0', NIANBAO_HOST_CONCURRENCY: '4', NIANBAO_FETCH_CONCURRENCY: '4',
    NIANBAO_EXTRACT_CONCURRENCY: '1', NIANBAO_FETCH_TIMEOUT_MS: '5000', NIANBAO_BACKOFF_MS: '1000',
    NIANBAO_LOCK_MS: '3000', NIANBAO_STALLED_MS: '1000',
  };
}

function cfgFor(redis: PrivateRedis, prefix: string): QueueConfig {
  // the store's own queues, as the worker processes open them (same schema: same store id)
  return forStore(queueConfigFromEnv({ REDIS_URL: redis.url, NIANBAO_QUEUE_PREFIX: prefix } as NodeJS.ProcessEnv), store);
}

function queuesFor(cfg: QueueConfig): Queues {
  const q = openQueues(cfg);
  // the test's own connections see the outage too; BullMQ reports it as 'error' events
  q.fetch.on('error', () => undefined);
  q.extract.on('error', () => undefined);
  openedQueues.push(q);
  return q;
}

/** Requests for the batch's reports beyond one per URL (a job run again after a lost completion or lock). */
function extraFetches(base: number): number {
  let n = 0;
  for (let i = base; i < base + 23; i++) n += srv.hits.get(`/slow/700/gen/${i}.txt`) ?? 0;
  return n - 26; // 23 reports + 3 redirected duplicates
}

const errorLines = (ws: WorkerProc[]) => ws.reduce((n, w) => n + (w.log().match(/nianbao worker \((fetch|extract)\):/g)?.length ?? 0), 0);

beforeAll(async () => {
  requireBuild();
  srv = await startFixtureServer();
  store = await openStore({ databaseUrl: DATABASE_URL, schema, blobDir: blobs.dir });
});

afterAll(async () => {
  await killAll(children);
  for (const q of openedQueues) await q.close().catch(() => undefined);
  for (const r of redises) await r.destroy().catch(() => undefined);
  await store?.close();
  await srv?.close();
  await dropSchema(schema);
  blobs.remove();
});

/**
 * A run under way: a private Redis, 30 URLs ingested, two worker processes, and the moment when some
 * are done and fetches are in flight (when the outage is to strike).
 */
async function startRun(persistent: boolean, firstUrl: number) {
  const t0 = Date.now();
  const redis = await startPrivateRedis({ persistent });
  redises.push(redis);
  const prefix = uniqueName('nbfr');
  const cfg = cfgFor(redis, prefix);
  const queues = queuesFor(cfg);
  const exp = entries(firstUrl);
  const urls = exp.map((e) => e.url);
  const workers = [await startWorkerProcess(workerEnv(redis, prefix), children), await startWorkerProcess(workerEnv(redis, prefix), children)];
  const res = await ingest(store, queues, cfg, exp.map((e) => ({ url: e.url })));
  expect(res).toMatchObject({ total: 30, queued: 30 });
  const before = await until('the run to be under way', async () => {
    const c = await statusCounts(store, urls);
    return c.done >= 6 && srv.inFlight > 0 ? c : null;
  }, 40000, 50);
  return { t0, redis, prefix, cfg, queues, exp, urls, workers, before };
}

test('persistent Redis restarted mid-run: workers reconnect and finish, nothing lost, one extraction per content', async () => {
  const { t0, redis, prefix, cfg, queues, exp, urls, workers, before } = await startRun(true, 0);
  const errorsBefore = errorLines(workers);
  const tStop = Date.now();
  const atStop = stamp(t0);
  await redis.stop('SIGTERM');
  await sleep(4000); // longer than the job lock (3 s): locks run out while Redis is away
  const during = await statusCounts(store, urls);
  expect(workers.every((w) => w.alive())).toBe(true); // an outage is not a crash
  await redis.start();
  const tStart = Date.now();
  expect(redis.log()).toMatch(/DB loaded from append only file|Reading RDB base file on AOF loading|Done loading RDB/);
  expect(await redis.dbsize()).toBeGreaterThan(0); // the queue survived the restart
  const leases = await hostLeases(redis.url, prefix);
  const inFlightAtRestart = srv.inFlight;

  // progress after the restart, then the end
  await until('progress after the restart', async () => (await statusCounts(store, urls)).done > during.done, 30000);
  const timeline: string[] = [];
  let lastDone = -1;
  const after = await until('every URL to be stored or failed', async () => {
    const c = await statusCounts(store, urls);
    if (c.done !== lastDone) timeline.push(`${((Date.now() - tStart) / 1000).toFixed(1)}s:${(lastDone = c.done)}`);
    return c.done === urls.length ? c : null;
  }, 60000);
  const tDone = Date.now();
  expect(after).toMatchObject({ extracted: 28, failed: 2, queued: 0, fetched: 0, missing: 0 });
  // let the last job completions reach Redis before auditing the queues
  await until('the queues to drain', async () => {
    const k = await queues.fetch.getJobCounts('waiting', 'active', 'delayed');
    const x = await queues.extract.getJobCounts('waiting', 'active', 'delayed');
    return k.waiting + k.active + k.delayed + x.waiting + x.active + x.delayed === 0;
  }, 20000);
  const audit = await auditRun(store, cfg, queues, exp);
  expect(audit.problems).toEqual([]);
  expect(audit.contents).toBe(25); // 23 reports + wrapper attachment + flaky; the 3 duplicates share content
  expect(workers.every((w) => w.alive())).toBe(true);
  const errorsDuring = errorLines(workers) - errorsBefore;
  expect(errorsDuring).toBeGreaterThan(0); // the workers did see the outage

  const refetched = extraFetches(0);
  for (const w of workers) expect(await w.stop()).toBe(0);
  if (process.env.NIANBAO_FAULTS_LOG) for (const w of workers) process.stdout.write(w.log() + '\n');
  process.stdout.write(
    `[faults-redis] persistent: restart after ${before.done}/30 done (${atStop}); down ${((tStart - tStop) / 1000).toFixed(1)} s ` +
      `(${during.done}/30 done when it came back); all 30 done ${((tDone - tStart) / 1000).toFixed(1)} s after the restart (done by time: ${timeline.join(' ')}); ` +
      `worker error lines during the outage ${errorsDuring}; ` +
      `host leases held in Redis at the restart ${leases.count} (longest ${(leases.maxRemainingMs / 1000).toFixed(1)} s to run) with ${inFlightAtRestart} requests in flight; ` +
      `report fetches beyond one per URL ${refetched}; extractions replaced ${audit.replaced}; ` +
      `jobs ${JSON.stringify(audit.jobs)}; failed jobs ${JSON.stringify(audit.failedJobs)}; total ${stamp(t0)}\n`,
  );
});

test('non-persistent Redis restarted mid-run: the jobs are lost, re-ingest re-queues exactly what is not done', async () => {
  const { t0, redis, prefix, cfg, queues, exp, urls, workers, before } = await startRun(false, 1400);
  const atStop = stamp(t0);
  await redis.stop('SIGTERM');
  await sleep(2000);
  await redis.start();
  const tStart = Date.now();

  // With no persistence the queue is gone. Jobs in flight at the restart may still finish (their work is
  // in the store; an extraction they queue lands in the new, empty Redis); everything else waits for ever.
  let settled = await statusCounts(store, urls);
  let stableSince = Date.now();
  await until('the run to settle', async () => {
    const c = await statusCounts(store, urls);
    if (JSON.stringify(c) !== JSON.stringify(settled)) {
      settled = c;
      stableSince = Date.now();
    }
    return Date.now() - stableSince > 4000;
  }, 40000, 200);
  const open = async () => {
    const k = await queues.fetch.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const x = await queues.extract.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(k).reduce((a, b) => a + b, 0) + Object.values(x).reduce((a, b) => a + b, 0);
  };
  expect(await open()).toBe(0); // nothing left in Redis...
  const notDone = settled.queued + settled.fetched;
  expect(notDone).toBeGreaterThan(0); // ...while the store knows these are not done: lost jobs, not lost data
  expect(await doneButNotStored(store, cfg, urls)).toEqual([]);

  // recovery: the same list again
  const tRe = Date.now();
  const again = await ingest(store, queues, cfg, exp.map((e) => ({ url: e.url })));
  expect(again.queued).toBe(0);
  expect(again.requeued + again.reextract).toBe(notDone);
  expect(again.skipped).toBe(settled.extracted + settled.failed);
  const after = await until('every URL to be stored or failed after re-ingest', async () => {
    const c = await statusCounts(store, urls);
    return c.done === urls.length ? c : null;
  }, 60000);
  const tDone = Date.now();
  expect(after).toMatchObject({ extracted: 28, failed: 2, queued: 0, fetched: 0, missing: 0 });
  await until('the queues to drain', async () => (await open()) === 0, 20000);
  const audit = await auditRun(store, cfg, queues, exp);
  expect(audit.problems).toEqual([]);
  expect(audit.contents).toBe(25);
  expect(workers.every((w) => w.alive())).toBe(true);
  for (const w of workers) expect(await w.stop()).toBe(0);
  process.stdout.write(
    `[faults-redis] non-persistent: restart after ${before.done}/30 done (${atStop}); settled ${((stableSince - tStart) / 1000).toFixed(1)} s after the restart ` +
      `with ${JSON.stringify(settled)}; re-ingest: ${JSON.stringify(again)}; all 30 done ${((tDone - tRe) / 1000).toFixed(1)} s after it; ` +
      `report fetches beyond one per URL ${extraFetches(1400)}; extractions replaced ${audit.replaced}; total ${stamp(t0)}\n`,
  );
});
