/**
 * Fault-injection helpers for test/faults-*.test.ts: private Redis and PostgreSQL servers that a test
 * may stop and start at will (never the shared services on 6379/5432), worker processes from dist/,
 * and the end-of-run audit of the store and the queues ("every URL stored or failed with a reason,
 * one extraction per content, nothing marked done that was not stored").
 */
import { spawn, type ChildProcess } from 'child_process';
import { createHash } from 'crypto';
import { chownSync, chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { createServer, connect } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Store } from '../../src/store';
import type { QueueConfig } from '../../src/queue/config';
import type { Queues } from '../../src/queue/queues';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'nianbao.js');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function sha256hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'commands', 'worker.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30000, everyMs = 150): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

export const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) => (c.exitCode !== null || c.signalCode ? r(c.exitCode) : c.once('exit', (code) => r(code))));

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    child.on('error', (e) => {
      clearTimeout(t);
      resolve({ code: -1, out: out + String(e) });
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

/** Does something answer PING with +PONG on this port (not -LOADING)? */
function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

// ---------------------------------------------------------------- Redis

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  persistent: boolean;
  /** Server log (stdout) over every start. */
  log(): string;
  running(): boolean;
  /** SIGTERM (Redis shuts down cleanly: with appendonly the AOF is flushed), wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same port and directory; resolves when it answers PING (after loading the AOF). */
  start(): Promise<void>;
  /** Keys in the server right now (DBSIZE). */
  dbsize(): Promise<number>;
  /** Stop for good and remove the directory. */
  destroy(): Promise<void>;
}

/**
 * redis-server on a free loopback port with its own directory. `persistent` is how docker-compose.yml runs
 * it (append-only file, noeviction); without it every key is lost when it stops.
 */
export async function startPrivateRedis(opts: { persistent: boolean }): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'nb-fault-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let log = '';
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no',
    '--appendonly', opts.persistent ? 'yes' : 'no', '--maxmemory-policy', 'noeviction', '--protected-mode', 'no',
  ];
  const r: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    persistent: opts.persistent,
    log: () => log,
    running: () => !!child && child.exitCode === null && !child.signalCode,
    async start() {
      if (r.running()) throw new Error('redis already running');
      const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (d) => (log += d));
      c.stderr!.on('data', (d) => (log += d));
      const failed = new Promise<never>((_, reject) => {
        c.once('error', (e) => reject(new Error(`redis-server could not start: ${e.message}`)));
        c.once('exit', (code) => reject(new Error(`redis-server exited (${code}) on start:\n${log.slice(-2000)}`)));
      });
      failed.catch(() => undefined);
      await Promise.race([until('redis to answer PING', () => redisPing(port), 20000, 50), failed]);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!child || !r.running()) return;
      const c = child;
      c.kill(signal);
      await exited(c);
    },
    async dbsize() {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const IORedis = require('ioredis');
      const R = IORedis.default ?? IORedis.Redis ?? IORedis;
      const c = new R(r.url, { maxRetriesPerRequest: 1, lazyConnect: true });
      try {
        await c.connect();
        return Number(await c.dbsize());
      } finally {
        c.disconnect();
      }
    },
    async destroy() {
      if (child && r.running()) {
        child.kill('SIGKILL');
        await exited(child);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await r.start();
  } catch (e) {
    await r.destroy();
    throw e;
  }
  return r;
}

/**
 * Per-host politeness leases held in Redis under this prefix right now (src/queue/host-limiter.ts), and the
 * longest time one of them still has to run: a lease whose release did not reach Redis holds its slot until then.
 */
export async function hostLeases(redisUrl: string, prefix: string): Promise<{ count: number; maxRemainingMs: number }> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const IORedis = require('ioredis');
  const R = IORedis.default ?? IORedis.Redis ?? IORedis;
  const c = new R(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const [sec, usec] = (await c.time()) as [string, string];
    const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    let count = 0;
    let maxRemainingMs = 0;
    const keys: string[] = await c.keys(`${prefix}:host:*:inflight`);
    for (const k of keys) {
      const z: string[] = await c.zrangebyscore(k, now, '+inf', 'WITHSCORES');
      for (let i = 1; i < z.length; i += 2) {
        count++;
        maxRemainingMs = Math.max(maxRemainingMs, Number(z[i]) - now);
      }
    }
    return { count, maxRemainingMs };
  } finally {
    c.disconnect();
  }
}

// ---------------------------------------------------------------- PostgreSQL

export interface PrivatePostgres {
  url: string;
  port: number;
  dir: string;
  /** How it was run: the OS user and the binaries' directory. */
  info: string;
  running(): Promise<boolean>;
  /** `pg_ctl stop -m fast`: sessions are terminated, open transactions rolled back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  log(): string;
  destroy(): Promise<void>;
}

function pgBinDir(): string | null {
  const fromEnv = process.env.NIANBAO_TEST_PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(base, versions[0], 'bin');
  }
  for (const d of ['/usr/local/pgsql/bin', '/usr/local/bin', '/usr/bin']) if (existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) return d;
  return null;
}

/**
 * A throw-away PostgreSQL cluster (initdb + pg_ctl, trust auth, fsync off) on a free loopback port.
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` OS user (runuser).
 * Throws with the exact reason when no cluster can be made.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBinDir();
  if (!bin) throw new Error('cannot create a temporary PostgreSQL cluster: no initdb/pg_ctl found (set NIANBAO_TEST_PG_BIN)');
  const isRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (isRoot) {
    const pw = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
    if (!pw) throw new Error('cannot create a temporary PostgreSQL cluster: running as root (initdb refuses) and there is no `postgres` user to run it as');
    const f = pw.split(':');
    uid = Number(f[2]);
    gid = Number(f[3]);
  }
  const dir = mkdtempSync(join(tmpdir(), 'nb-fault-pg-'));
  if (isRoot) chownSync(dir, uid!, gid!);
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const as = (cmd: string, args: string[]) => (isRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  const remove = () => rmSync(dir, { recursive: true, force: true });

  const init = await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  if (init.code !== 0) {
    remove();
    throw new Error(`cannot create a temporary PostgreSQL cluster: initdb exited ${init.code}:\n${init.out}`);
  }
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off -c max_connections=100`;
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    info: `${bin} as ${isRoot ? 'postgres (runuser)' : 'the current user'}`,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async running() {
      return (await as('pg_ctl', ['-D', data, 'status'])).code === 0;
    },
    async start() {
      const r = await as('pg_ctl', ['-D', data, '-o', opts, '-l', logFile, '-w', '-t', '30', 'start']);
      if (r.code !== 0) throw new Error(`pg_ctl start exited ${r.code}: ${r.out}\n${pg.log().slice(-2000)}`);
    },
    async stop() {
      const r = await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      if (r.code !== 0) throw new Error(`pg_ctl stop exited ${r.code}: ${r.out}`);
    },
    async destroy() {
      if (existsSync(join(data, 'postmaster.pid'))) {
        const r = await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop']);
        if (r.code !== 0 && existsSync(join(data, 'postmaster.pid'))) {
          // last resort: the postmaster's own pid (first line of postmaster.pid), nothing broader
          const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
          if (pid > 1) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        }
      }
      remove();
    },
  };
  try {
    await pg.start();
  } catch (e) {
    await pg.destroy();
    throw new Error(`cannot create a temporary PostgreSQL cluster: ${(e as Error).message}`);
  }
  return pg;
}

// ---------------------------------------------------------------- worker processes

export interface WorkerProc {
  child: ChildProcess;
  log(): string;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after graceMs. Resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

/** `nianbao worker` from dist/ (bin/nianbao.js), resolved when it reports its stages. */
export function startWorkerProcess(env: Record<string, string>, started: ChildProcess[]): Promise<WorkerProc> {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  child.stdout!.on('data', (d) => (out += d));
  const alive = () => child.exitCode === null && !child.signalCode;
  const w: WorkerProc = {
    child,
    log: () => out,
    alive,
    async stop(graceMs = 15000) {
      if (!alive()) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
      const code = await exited(child);
      clearTimeout(t);
      return code;
    },
  };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('worker did not start: ' + out)), 30000);
    const check = () => {
      if (/stages fetch\+extract/.test(out)) {
        clearTimeout(t);
        child.stderr!.off('data', check);
        resolve(w);
      }
    };
    child.stderr!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(t);
      if (!/stages/.test(out)) reject(new Error(`worker exited ${code}: ${out}`));
    });
  });
}

export async function killAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode === null && !c.signalCode) {
        c.kill('SIGKILL');
        await exited(c);
      }
    }),
  );
}

// ---------------------------------------------------------------- the audit

export interface Expected {
  url: string;
  status: 'extracted' | 'failed';
  /** sha256 of the bytes that must be stored (extracted sources). */
  sha256?: string;
  /** `stage:code` of the recorded failure (failed sources). */
  failure?: string;
}

export interface AuditResult {
  problems: string[];
  sources: { extracted: number; failed: number; other: number };
  contents: number;
  /** extraction.replace audit entries: an extraction written twice (wasted work, not a loss). */
  replaced: number;
  jobs: { fetch: Record<string, number>; extract: Record<string, number> };
  /** Jobs that failed for good (id: reason, attempts), for the report. */
  failedJobs: string[];
}

/** Statuses of these URLs' sources (a source not in the store counts as `missing`). */
export async function statusCounts(store: Store, urls: string[]): Promise<Record<string, number>> {
  const rows = await store.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM sources WHERE url = ANY($1::text[]) GROUP BY status', [urls]);
  const out: Record<string, number> = { queued: 0, fetched: 0, extracted: 0, failed: 0 };
  let seen = 0;
  for (const r of rows) {
    out[r.status] = Number(r.n);
    seen += Number(r.n);
  }
  out.missing = urls.length - seen;
  out.done = out.extracted + out.failed;
  return out;
}

/** Sources that are done (terminal) but not backed by what was stored: extracted without an extraction, failed without a reason. */
export async function doneButNotStored(store: Store, cfg: QueueConfig, urls: string[]): Promise<string[]> {
  const rows = await store.query<{ url: string; status: string; sha256: string | null; ext: number | null; doc: string | null; error_code: string | null; error_stage: string | null; error_message: string | null }>(
    `SELECT s.url, s.status, s.sha256, s.error_code, s.error_stage, s.error_message,
            (SELECT e.id FROM extractions e WHERE e.sha256 = s.sha256 AND e.pipeline = $2) AS ext,
            (SELECT d.sha256 FROM documents d WHERE d.sha256 = s.sha256) AS doc
     FROM sources s WHERE s.url = ANY($1::text[])`,
    [urls, cfg.pipeline],
  );
  const bad: string[] = [];
  for (const r of rows) {
    if (r.status === 'extracted' && (r.ext == null || r.doc == null)) bad.push(`${r.url}: extracted but ${r.ext == null ? 'no extraction' : 'no document'} for ${r.sha256}`);
    if (r.status === 'fetched' && (r.doc == null || !r.sha256)) bad.push(`${r.url}: fetched but no document ${r.sha256}`);
    if (r.status === 'failed' && (!r.error_stage || !r.error_code || !r.error_message)) bad.push(`${r.url}: failed without a reason`);
  }
  return bad;
}

/**
 * The end-of-run audit. Store: every expected URL in its expected terminal state with the expected bytes,
 * failures with stage, code and message, one extraction (created once) per content, blobs readable and
 * intact. Queues: nothing left waiting/active/delayed; every completed job's result is in the store;
 * every failed job's source is recorded as failed.
 */
export async function auditRun(store: Store, cfg: QueueConfig, queues: Queues, expected: Expected[]): Promise<AuditResult> {
  const problems: string[] = [];
  const urls = expected.map((e) => e.url);
  const rows = await store.query<any>('SELECT * FROM sources WHERE url = ANY($1::text[])', [urls]);
  const byUrl = new Map<string, any>(rows.map((r) => [r.url, r]));
  const sources = { extracted: 0, failed: 0, other: 0 };
  const shas = new Set<string>();
  for (const e of expected) {
    const s = byUrl.get(e.url);
    if (!s) {
      problems.push(`${e.url}: no source row`);
      continue;
    }
    if (s.status === 'extracted') sources.extracted++;
    else if (s.status === 'failed') sources.failed++;
    else sources.other++;
    if (s.status !== e.status) {
      problems.push(`${e.url}: status ${s.status}${s.error_code ? ` (${s.error_stage}:${s.error_code} ${s.error_message})` : ''}, expected ${e.status}`);
      continue;
    }
    if (s.status === 'failed') {
      if (!s.error_stage || !s.error_code || !s.error_message) problems.push(`${e.url}: failed without a reason`);
      if (e.failure && `${s.error_stage}:${s.error_code}` !== e.failure) problems.push(`${e.url}: failed ${s.error_stage}:${s.error_code}, expected ${e.failure}`);
    } else {
      if (e.sha256 && s.sha256 !== e.sha256) problems.push(`${e.url}: stored sha256 ${s.sha256}, expected ${e.sha256}`);
      shas.add(s.sha256);
    }
  }
  let replaced = 0;
  for (const sha of shas) {
    const ext = await store.query<{ id: number }>('SELECT id FROM extractions WHERE sha256 = $1 AND pipeline = $2', [sha, cfg.pipeline]);
    if (ext.length !== 1) {
      problems.push(`content ${sha}: ${ext.length} extractions`);
      continue;
    }
    const audit = await store.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM audit_log WHERE entity = 'extraction' AND entity_id = $1 GROUP BY action`,
      [String(ext[0].id)],
    );
    const created = Number(audit.find((a) => a.action === 'extraction.create')?.n ?? 0);
    replaced += Number(audit.find((a) => a.action === 'extraction.replace')?.n ?? 0);
    if (created !== 1) problems.push(`content ${sha}: created ${created} times`);
    try {
      const bytes = await store.readBlob(sha);
      if (sha256hex(bytes) !== sha) problems.push(`content ${sha}: blob does not hash to its name`);
    } catch (e) {
      problems.push(`content ${sha}: blob unreadable: ${(e as Error).message}`);
    }
  }
  problems.push(...(await doneButNotStored(store, cfg, urls)));

  // queues
  const kinds = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
  const jobs = { fetch: await queues.fetch.getJobCounts(...kinds), extract: await queues.extract.getJobCounts(...kinds) };
  for (const q of ['fetch', 'extract'] as const) {
    const open = jobs[q].waiting + jobs[q].active + jobs[q].delayed + jobs[q].prioritized;
    if (open) problems.push(`${q} queue: ${open} jobs not finished ${JSON.stringify(jobs[q])}`);
  }
  const sourceIds = new Set(rows.map((r) => Number(r.id)));
  for (const job of await queues.fetch.getJobs(['completed'], 0, -1)) {
    if (!job || !sourceIds.has(Number(job.data.sourceId))) continue;
    const rv = job.returnvalue as { outcome?: string; sha256?: string } | null;
    const s = rows.find((r) => Number(r.id) === Number(job.data.sourceId));
    if (rv?.outcome === 'fetched' && (!s.sha256 || s.status === 'queued')) problems.push(`fetch job ${job.id} completed (fetched ${rv.sha256}) but source ${s.url} is ${s.status}`);
    if (rv?.outcome === 'failed' && s.status !== 'failed') problems.push(`fetch job ${job.id} completed as failed but source ${s.url} is ${s.status}`);
  }
  const failedJobs: string[] = [];
  for (const job of await queues.fetch.getJobs(['failed'], 0, -1)) {
    if (!job || !sourceIds.has(Number(job.data.sourceId))) continue;
    const s = rows.find((r) => Number(r.id) === Number(job.data.sourceId));
    failedJobs.push(`${job.id}: ${job.failedReason} (attempts ${job.attemptsMade}; source ${s.status}${s.error_code ? ` ${s.error_stage}:${s.error_code}` : ''})`);
    if (s.status !== 'failed' && s.status !== 'extracted') problems.push(`fetch job ${job.id} failed (${job.failedReason}) but source ${s.url} is ${s.status}`);
  }
  const ourShas = new Set(rows.map((r) => r.sha256).filter(Boolean));
  for (const job of await queues.extract.getJobs(['completed'], 0, -1)) {
    if (!job || !ourShas.has(job.data.sha256)) continue;
    const rv = job.returnvalue as { outcome?: string; id?: number } | null;
    if (rv?.outcome === 'stored') {
      const ext = await store.query('SELECT id FROM extractions WHERE id = $1 AND sha256 = $2', [rv.id, job.data.sha256]);
      if (ext.length !== 1) problems.push(`extract job ${job.id} completed (stored ${rv.id}) but extraction ${rv.id} is not in the store`);
    } else if (rv?.outcome === 'skipped') {
      const ext = await store.query('SELECT id FROM extractions WHERE sha256 = $1 AND pipeline = $2', [job.data.sha256, cfg.pipeline]);
      if (ext.length !== 1) problems.push(`extract job ${job.id} completed (skipped) but no extraction of ${job.data.sha256}`);
    }
  }
  for (const job of await queues.extract.getJobs(['failed'], 0, -1)) {
    if (!job || !ourShas.has(job.data.sha256)) continue;
    failedJobs.push(`${job.id}: ${job.failedReason} (attempts ${job.attemptsMade})`);
    const left = rows.filter((r) => r.sha256 === job.data.sha256 && r.status !== 'failed' && r.status !== 'extracted');
    if (left.length) problems.push(`extract job ${job.id} failed (${job.failedReason}) but ${left.map((r) => r.url).join(', ')} still ${left[0].status}`);
  }
  return { problems, sources, contents: shas.size, replaced, jobs, failedJobs };
}

/** One line of timings for the test output and docs/robustness.md. */
export function stamp(t0: number): string {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}
