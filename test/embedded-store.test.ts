/**
 * The embedded (PGlite) store, as a new user runs it (issue 14, parts 3 and 4): the real built CLI
 * (bin/nianbao.js → dist/), started from a directory outside the checkout with its default data
 * directory (./.nianbao), and REDIS_URL pointing at a closed port.
 * - `ingest --run` needs no Redis: files and URLs are fetched, extracted and stored in this one process;
 * - one process at a time: with `serve` open, `ingest`, `status` and `export` are refused with an error
 *   naming serve and its pid and pointing to DATABASE_URL; once serve stops they run, and no order of
 *   starting and stopping loses a report; a killed owner's lock is taken over.
 */
import { spawn, type ChildProcess } from 'child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server';
import { tempDir } from './helpers/services';
import { BIN, ROOT, exited, freePort, requireBuild, until } from './helpers/faults';

jest.setTimeout(120000);

const work = tempDir('nb-embedded-');
const children: ChildProcess[] = [];
let srv: FixtureServer;
let env: NodeJS.ProcessEnv;

/** Run the CLI to its end from the work directory. */
function cli(args: string[], timeoutMs = 60000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { cwd: work.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    let out = '';
    let err = '';
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (err += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** `nianbao serve` on the embedded store, once it listens. */
async function serve(): Promise<{ child: ChildProcess; port: number; stop(): Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], { cwd: work.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await until('serve to listen', async () => {
    if (child.exitCode !== null) throw new Error(`serve exited: ${out}`);
    return /review UI at/.test(out);
  }, 30000, 100);
  return { child, port, stop: async () => (child.kill('SIGTERM'), exited(child)) };
}

async function sources(): Promise<Record<string, number>> {
  const r = await cli(['status', '--no-queue', '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.out).sources;
}

beforeAll(async () => {
  requireBuild();
  srv = await startFixtureServer();
  const closed = await freePort(); // nothing listens there: no Redis
  env = { ...process.env, REDIS_URL: `redis://127.0.0.1:${closed}`, NIANBAO_EXTRACT_CONCURRENCY: '1', NIANBAO_HOST_INTERVAL_MS: '0' };
  for (const k of ['DATABASE_URL', 'NIANBAO_DATA', 'NIANBAO_DB_SCHEMA', 'NIANBAO_BLOBS', 'NIANBAO_PGLITE_DIR']) delete env[k];
  copyFileSync(join(ROOT, 'samples', '000_1720ab7064fbf180.txt'), join(work.dir, 'a.txt'));
  copyFileSync(join(ROOT, 'samples', '001_912acdde48cc9857.txt'), join(work.dir, 'b.txt'));
  copyFileSync(join(ROOT, 'samples', '002_c713da55fa8f498a.txt'), join(work.dir, 'c.txt'));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
  await srv?.close();
  work.remove();
});

test('`ingest --run` extracts files and URLs with no Redis at all, from outside the checkout', async () => {
  const list = [`${srv.url}/gen/7.txt`, `${srv.url}/wrap/8.html`, `${srv.url}/status/404`, 'a.txt'].join('\n');
  writeFileSync(join(work.dir, 'list.txt'), list + '\n');
  const r = await cli(['ingest', '--run', '--allow-private', '--json', 'list.txt']);
  // one failure (the 404) makes the exit status 1; everything else is stored
  expect(r.code).toBe(1);
  const res = JSON.parse(r.out.trim().split('\n').pop()!);
  expect(res).toMatchObject({ total: 4, queued: 4, extracted: 3, failed: 1, failures: { 'fetch:http_error': 1 } });
  expect(existsSync(join(work.dir, '.nianbao', 'pg'))).toBe(true);
  // the wrapper page's attachment was fetched and stored, by the one process
  expect(srv.hits.get('/att/8.pdf')).toBe(1);
  expect(await sources()).toMatchObject({ total: 4, extracted: 3, failed: 1, queued: 0, fetched: 0 });
  // idempotent: again, nothing is fetched or extracted twice
  const again = await cli(['ingest', '--run', '--allow-private', '--json', 'list.txt']);
  expect(JSON.parse(again.out.trim().split('\n').pop()!)).toMatchObject({ total: 4, queued: 0, skipped: 4 });
  expect(srv.hits.get('/gen/7.txt')).toBe(1);
});

test('without --run: a clear error at once instead of waiting (no Redis; --wait on the embedded store)', async () => {
  const noRedis = await cli(['ingest', 'a.txt']);
  expect(noRedis.code).toBe(2);
  expect(noRedis.err).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)[\s\S]*--run/);
  const wait = await cli(['ingest', '--wait', 'a.txt']);
  expect(wait.code).toBe(2);
  expect(wait.err).toMatch(/--wait cannot work on the embedded store[\s\S]*--run[\s\S]*DATABASE_URL/);
});

test('`ingest --run` says what it is waiting for, and Ctrl+C stops it cleanly; running it again finishes', async () => {
  const list = [21, 22, 23].map((i) => `${srv.url}/slow/2500/gen/${i}.txt`).join('\n');
  writeFileSync(join(work.dir, 'slow.txt'), list + '\n');
  const c = spawn(process.execPath, [BIN, 'ingest', '--run', '--allow-private', 'slow.txt'], {
    cwd: work.dir, env: { ...env, NIANBAO_STALL_MS: '1000', NIANBAO_FETCH_CONCURRENCY: '1', NIANBAO_EXTRACT_JOBS: '1' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(c);
  let err = '';
  c.stderr!.on('data', (d) => (err += d));
  await until('the stall report', async () => /no document finished for \d+ s; under way: \S+\/slow\/2500\/gen\/2[123]\.txt \(fetching/.test(err), 20000, 100);
  // while it runs, serve is refused, naming it
  const refused = await cli(['serve', '--port', String(await freePort())]);
  expect(refused.code).toBe(3);
  expect(refused.err).toMatch(new RegExp(`open in another process: \`nianbao ingest --run --allow-private slow.txt\` \\(pid ${c.pid}`));
  c.kill('SIGINT');
  expect(await exited(c)).toBe(130);
  // the documents under way were finished, the rest left queued
  const m = /stopped: (\d) extracted, 0 failed, (\d) left to do/.exec(err);
  expect(m).not.toBeNull();
  const [doneN, left] = [Number(m![1]), Number(m![2])];
  expect(doneN + left).toBe(3);
  expect(left).toBeGreaterThan(0);
  expect(existsSync(join(work.dir, '.nianbao', 'pg.lock'))).toBe(false);
  const again = await cli(['ingest', '--run', '--allow-private', 'slow.txt']);
  expect(again.code).toBe(0);
  // those left to do are done now; the finished ones are not fetched again
  expect(again.err).toMatch(new RegExp(`3 inputs, 0 new, ${left} re-queued, 0 to re-extract, ${doneN} already done`));
  expect(again.err).toMatch(new RegExp(`done: ${left} extracted, 0 failed`));
  expect(srv.hits.get('/slow/2500/gen/21.txt')).toBe(1);
});

test('one process at a time on the embedded store: refused with the owner named, and no report lost', async () => {
  const before = (await sources()).extracted;
  const s1 = await serve();
  const pid = s1.child.pid;
  // while serve has the store: ingest, status and export are refused, naming serve, its pid and DATABASE_URL
  for (const args of [['ingest', '--run', 'b.txt'], ['status', '--no-queue'], ['export', '--db', '--out', 'out']]) {
    const r = await cli(args);
    // (export reports its own errors, with status 1)
    expect([args[0], r.code]).toEqual([args[0], args[0] === 'export' ? 1 : 3]);
    expect(r.err).toMatch(new RegExp(`open in another process: \`nianbao serve --port ${s1.port}\` \\(pid ${pid}`));
    expect(r.err).toMatch(/DATABASE_URL/);
  }
  expect(await s1.stop()).toBe(0);
  // serve stopped: the ingest runs, and its report survives serve starting and stopping again
  const ing = await cli(['ingest', '--run', 'b.txt']);
  expect(ing.code).toBe(0);
  expect(ing.err).toMatch(/done: 1 extracted, 0 failed/);
  const s2 = await serve();
  const page = await fetch(`http://127.0.0.1:${s2.port}/queue`).then((x) => x.text());
  expect(page.length).toBeGreaterThan(0);
  expect(await s2.stop()).toBe(0);
  expect((await sources()).extracted).toBe(before + 1);
  // a serve killed outright leaves its lock behind: the next process takes it over (its owner is dead)
  const s3 = await serve();
  s3.child.kill('SIGKILL');
  await exited(s3.child);
  expect(existsSync(join(work.dir, '.nianbao', 'pg.lock'))).toBe(true);
  const ing2 = await cli(['ingest', '--run', 'c.txt']);
  expect(ing2.code).toBe(0);
  const exp = await cli(['export', '--db', '--out', 'out', '--format', 'jsonl', '--status', 'ok,flagged,failed']);
  expect(exp.code).toBe(0);
  const rows = readFileSync(join(work.dir, 'out', 'reports_wide.jsonl'), 'utf8').trim().split('\n');
  expect(rows.length).toBe(before + 2);
  // every process released its lock on the way out
  expect(existsSync(join(work.dir, '.nianbao', 'pg.lock'))).toBe(false);
});
