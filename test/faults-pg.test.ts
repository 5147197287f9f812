/**
 * Fault test: PostgreSQL unavailable for a while (issue 6, item 4). A throw-away PostgreSQL cluster of this
 * test's own (initdb + pg_ctl on a free loopback port; never the shared server on 5432) is stopped with
 * `pg_ctl stop -m fast` in the middle of a 30-URL run by two real worker processes (`nianbao worker` from
 * dist/), kept down, and started again. Redis is the shared one, under a key prefix of this run's own.
 *
 * While it is down the jobs must wait and retry, and nothing may be marked done (source `extracted`, job
 * completed) that was not stored. Afterwards every URL is stored or failed with its reason, one extraction
 * per content. Retry settings are the defaults (NIANBAO_FETCH_ATTEMPTS 5, NIANBAO_BACKOFF_MS 2000; extract
 * jobs have 3 attempts), so the outage lengths below are measured against what production would do.
 */
import type { ChildProcess } from 'child_process';
import { openStore, type Store } from '../src/store';
import { queueConfigFromEnv, forStore, type QueueConfig } from '../src/queue/config';
import { openQueues, type Queues } from '../src/queue/queues';
import { ingest } from '../src/queue/ingest';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server';
import { REDIS_URL, dropRedisPrefix, tempDir, uniqueName } from './helpers/services';
import {
  auditRun, doneButNotStored, killAll, requireBuild, sha256hex, sleep, stamp, startPrivatePostgres, startWorkerProcess, statusCounts, until,
  type Expected, type PrivatePostgres, type WorkerProc,
} from './helpers/faults';

jest.setTimeout(120000);

const schema = uniqueName('nbtest_fpg');
const prefixes: string[] = [];
const blobs = tempDir('nb-fpg-blobs-');
const children: ChildProcess[] = [];
let pg: PrivatePostgres;
let srv: FixtureServer;
let store: Store;

function entries(base: number): Expected[] {
  const u = (p: string) => srv.url + p;
  const gen = (i: number) => sha256hex(srv.genBytes(i));
  const out: Expected[] = [];
  for (let i = base; i < base + 25; i++) out.push({ url: u(`/slow/500/gen/${i}.txt`), status: 'extracted', sha256: gen(i) });
  for (const k of [base + 1, base + 2]) out.push({ url: u(`/redir/1/slow/500/gen/${k}.txt`), status: 'extracted', sha256: gen(k) });
  out.push({ url: u(`/wrap/${base + 50}.html`), status: 'extracted', sha256: gen(base + 50) });
  out.push({ url: u(`/slow/300/status/404?${base}a`), status: 'failed', failure: 'fetch:http_error' });
  out.push({ url: u(`/status/404?${base}b`), status: 'failed', failure: 'fetch:http_error' });
  return out;
}

function workerEnv(prefix: string): Record<string, string> {
  return {
    DATABASE_URL: pg.url, NIANBAO_DB_SCHEMA: schema, NIANBAO_BLOBS: blobs.dir, REDIS_URL, NIANBAO_QUEUE_PREFIX: prefix,
    NIANBAO_ALLOW_PRIVATE: '1', NIANBAO_HOST_INTERVAL_MS: '0', NIANBAO_HOST_CONCURRENCY: '4', NIANBAO_FETCH_CONCURRENCY: '4',
    NIANBAO_EXTRACT_CONCURRENCY: '1', NIANBAO_FETCH_TIMEOUT_MS: '10000', NIANBAO_LOCK_MS: '5000', NIANBAO_STALLED_MS: '2000',
    // retry settings: the defaults, stated so the test does not depend on the environment
    NIANBAO_FETCH_ATTEMPTS: '5', NIANBAO_BACKOFF_MS: '2000',
  };
}

/**
 * Watch the run while PostgreSQL is down and after: every 200 ms, when the store answers, no source may be
 * done without being stored, and no completed job may lack its result in the store.
 */
function watch(cfg: QueueConfig, queues: Queues, urls: string[]) {
  const violations: string[] = [];
  let checks = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const v of await doneButNotStored(store, cfg, urls)) if (!violations.includes(v)) violations.push(v);
        checks++;
      } catch {
        /* the store is down: nothing to check */
      }
      await sleep(200);
    }
  })();
  return { violations, checks: () => checks, stop: async () => ((stopped = true), await loop) };
}

interface OutageOptions {
  downMs: number;
  /**
   * Stop PostgreSQL while a worker is inside a store transaction: the test locks the extractions table
   * (EXCLUSIVE: reads go on, inserts wait) and stops the server once a worker's INSERT is waiting on it.
   */
  midTransaction?: boolean;
  /** Restart a worker process that exited, as a process supervisor would (crashes are counted and reported). */
  supervise?: boolean;
}

/** Hold an EXCLUSIVE lock on the extractions table from a connection of the test's own. */
async function lockExtractions(): Promise<{ release(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Client } = require('pg');
  const c = new Client({ connectionString: pg.url });
  c.on('error', () => undefined); // terminated by the shutdown: expected
  await c.connect();
  await c.query(`BEGIN; LOCK TABLE ${schema}.extractions IN EXCLUSIVE MODE`);
  return { release: async () => void (await c.end().catch(() => undefined)) };
}

async function runOutage(label: string, base: number, o: OutageOptions): Promise<{ line: string }> {
  const { downMs } = o;
  const t0 = Date.now();
  const prefix = uniqueName('nbfpg');
  prefixes.push(prefix);
  const cfg = forStore(queueConfigFromEnv({ REDIS_URL, NIANBAO_QUEUE_PREFIX: prefix } as NodeJS.ProcessEnv), store);
  const queues = openQueues(cfg);
  const exp = entries(base);
  const urls = exp.map((e) => e.url);
  const workers: WorkerProc[] = [];
  const w = watch(cfg, queues, urls);
  const crashes: string[] = [];
  let supervising = !!o.supervise;
  const supervisor = (async () => {
    while (supervising) {
      await sleep(250);
      for (let i = 0; i < workers.length && supervising; i++) {
        if (workers[i].alive()) continue;
        if (!crashes.includes(workers[i].log())) crashes.push(workers[i].log());
        try {
          workers[i] = await startWorkerProcess(workerEnv(prefix), children); // fails while PostgreSQL is down
        } catch {
          await sleep(750);
        }
      }
    }
  })();
  let lock: { release(): Promise<void> } | null = null;
  try {
    workers.push(await startWorkerProcess(workerEnv(prefix), children), await startWorkerProcess(workerEnv(prefix), children));
    const res = await ingest(store, queues, cfg, exp.map((e) => ({ url: e.url })));
    expect(res).toMatchObject({ total: 30, queued: 30 });
    const before = await until('the run to be under way', async () => {
      const c = await statusCounts(store, urls);
      return c.done >= 5 && srv.inFlight > 0 ? c : null;
    }, 40000, 50);
    if (o.midTransaction) {
      lock = await lockExtractions();
      await until('a worker to wait inside its transaction', async () => {
        const r = await store.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO extractions%'`,
        );
        return Number(r[0].n) > 0;
      }, 20000, 50);
    }
    const atStop = stamp(t0);
    const logAt = workers.map((x) => x.log().length);
    const tStop = Date.now();
    await pg.stop();
    const hitsAtStop = srv.starts.length;
    // while it is down: the workers stay up; jobs are retried (delayed), not completed as done
    const samples: string[] = [];
    while (Date.now() - tStop < downMs) {
      await sleep(Math.min(2000, downMs - (Date.now() - tStop)));
      const f = await queues.fetch.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
      const x = await queues.extract.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
      samples.push(`${((Date.now() - tStop) / 1000).toFixed(0)}s fetch ${JSON.stringify(f)} extract ${JSON.stringify(x)}`);
    }
    const died = workers.filter((x) => !x.alive());
    if (died.length) process.stdout.write(`[faults-pg] ${label}: ${died.length} worker(s) exited while PostgreSQL was down:\n${died.map((x) => x.log().slice(-3000)).join('\n---\n')}\n`);
    if (!o.supervise) expect(died.map((x) => x.child.exitCode)).toEqual([]); // an outage is not a crash
    const requestsWhileDown = srv.starts.length - hitsAtStop;
    const failedWhileDown = (await queues.fetch.getJobCounts('failed')).failed + (await queues.extract.getJobCounts('failed')).failed;
    await pg.start();
    const tStart = Date.now();
    const downFor = ((tStart - tStop) / 1000).toFixed(1);

    let last: Record<string, number> = {};
    let after: Record<string, number> | null = null;
    let waitError: Error | null = null;
    try {
      after = await until('every URL to be stored or failed', async () => {
        last = await statusCounts(store, urls);
        return last.done === urls.length ? last : null;
      }, 45000, 200);
    } catch (e) {
      waitError = e as Error;
    }
    const tDone = Date.now();
    await w.stop();
    supervising = false;
    await supervisor;
    for (const x of workers) if (!x.alive() && !crashes.includes(x.log())) crashes.push(x.log());
    const crashLines = crashes.map((l) => /^(Error: .*|.*Unhandled.*)$/m.exec(l.replace(/^\s*throw er;.*$/m, ''))?.[1] ?? l.slice(-200));
    const audit = await auditRun(store, cfg, queues, exp);
    const errLines = workers.map((x, i) => x.log().slice(logAt[i])).join('').split('\n').filter((l) => /nianbao worker/.test(l) && !/stages|SIGTERM|stopped/.test(l));
    const kinds = [...new Set(errLines.map((l) => l.replace(/job [\w.-]+/g, 'job …').replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'host:port').slice(0, 160)))];
    const line =
      `[faults-pg] ${label}: PostgreSQL stopped after ${before.done}/30 done (${atStop}), down ${downFor} s; ` +
      `${requestsWhileDown} report requests while down; jobs failed for good by the time it came back: ${failedWhileDown}; ` +
      (after ? `all 30 done ${((tDone - tStart) / 1000).toFixed(1)} s after it came back` : `NOT all done 45 s after it came back: ${JSON.stringify(last)}`) +
      `; store checks while running ${w.checks()}, violations ${w.violations.length}; extractions replaced ${audit.replaced}; ` +
      `jobs ${JSON.stringify(audit.jobs)}; failed jobs ${JSON.stringify(audit.failedJobs)}; problems ${JSON.stringify(audit.problems)}; ` +
      `worker crashes ${crashes.length}${crashes.length ? ` ${JSON.stringify(crashLines)}` : ''}; while down: ${samples.join(' | ')}; worker messages: ${JSON.stringify(kinds)}; total ${stamp(t0)}\n`;
    process.stdout.write(line);

    // nothing marked done that was not stored, at any time we could look
    expect(w.violations).toEqual([]);
    expect(w.checks()).toBeGreaterThan(5);
    // every URL stored or failed with its reason; one extraction per content; the queues agree with the store
    expect(audit.problems).toEqual([]);
    expect(waitError).toBeNull();
    expect(after).toMatchObject({ extracted: 28, failed: 2, queued: 0, fetched: 0, missing: 0 });
    expect(audit.contents).toBe(26);
    // the outage was retried, never recorded as a failure of the documents
    expect(audit.failedJobs).toEqual([]);
    if (!o.supervise) expect(crashes).toEqual([]);
    expect(workers.every((x) => x.alive())).toBe(true);
    for (const x of workers) expect(await x.stop()).toBe(0);
    return { line };
  } finally {
    supervising = false;
    await supervisor;
    if (!(await pg.running())) await pg.start();
    await lock?.release();
    await w.stop();
    for (const x of workers) await x.stop(5000);
    await queues.close();
  }
}

beforeAll(async () => {
  requireBuild();
  pg = await startPrivatePostgres();
  srv = await startFixtureServer();
  store = await openStore({ databaseUrl: pg.url, schema, blobDir: blobs.dir });
});

afterAll(async () => {
  await killAll(children);
  await store?.close().catch(() => undefined);
  await srv?.close();
  await pg?.destroy();
  for (const p of prefixes) await dropRedisPrefix(p);
  blobs.remove();
});

// The outages below strike at a random point of the workers' work. No supervisor: a worker that exits
// during an outage fails the test (an outage is not a crash).
test('PostgreSQL down for 4 s mid-run: jobs wait and retry, nothing marked done that was not stored, nothing lost', async () => {
  await runOutage('4 s outage', 0, { downMs: 4000 });
});

test('PostgreSQL down for 12 s mid-run: jobs wait and retry, nothing marked done that was not stored, nothing lost', async () => {
  await runOutage('12 s outage', 1000, { downMs: 12000 });
});

test('PostgreSQL stopped while a worker is inside a store transaction: it is rolled back and retried, nothing lost', async () => {
  await runOutage('mid-transaction outage', 2000, { downMs: 4000, midTransaction: true });
});

/**
 * Regression: a pooled `pg` client checked out by `Db.session()` / `Db.tx()` had no 'error' listener (pg-pool
 * removes its idle listener on checkout), so when PostgreSQL went away while a session held its connection the
 * whole worker exited with an unhandled 'error' event. src/store/db.ts now listens while the client is out.
 * This test makes the situation certain: a process holds a session (the store's own Db from dist/) while
 * PostgreSQL is stopped.
 */
test('a store session open when PostgreSQL stops fails its work and does not crash the process', async () => {
  const script = `
    const { openPg } = require(${JSON.stringify(require('path').join(__dirname, '..', 'dist', 'src', 'store', 'db.js'))});
    (async () => {
      const db = await openPg(process.env.URL, 'public', 2);
      const r = db.session(async (s) => {
        await s.query('SELECT 1');
        process.stdout.write('SESSION-INSIDE\\n');
        await new Promise((res) => setTimeout(res, 4000)); // the connection is checked out, between statements
        await s.query('SELECT 2');
      });
      r.then(() => process.stdout.write('session ok\\n'), (e) => process.stdout.write('session failed: ' + e.message + '\\n'));
      await r.catch(() => undefined);
      await db.close().catch(() => undefined);
      process.stdout.write('survived\\n');
    })();`;
  const { spawn } = require('child_process') as typeof import('child_process');
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, URL: pg.url }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  try {
    await until('the session to be open', async () => /^SESSION-INSIDE$/m.test(out), 15000, 50);
    await pg.stop();
    const exit = await code;
    process.stdout.write(`[faults-pg] session open when PostgreSQL stops: exit ${exit}; output ${JSON.stringify(out)}\n`);
    expect(out).toMatch(/session failed: /);
    expect(out).toMatch(/survived/);
    expect(exit).toBe(0);
  } finally {
    if (!(await pg.running())) await pg.start();
  }
});
