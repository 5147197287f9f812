/** The `nianbao extract` command as users run it (the built CLI in dist/, via bin/nianbao.js). */
import { spawnSync, spawn } from 'child_process';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, copyFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { heavyPdf } from './helpers/heavy-pdf';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'nianbao.js');
// (spawnSync kills the child if it outlives the timeout)
const run = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env });

test('extract writes one JSON line per input, and a bad input does not stop the batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-cli-'));
  const empty = join(dir, 'empty.txt');
  writeFileSync(empty, '');
  const out = join(dir, 'out.jsonl');
  const samples = readdirSync(join(root, 'samples')).map((f) => join('samples', f));
  const r = run(['extract', '--jsonl', out, samples[0], join(dir, 'missing.pdf'), empty, ...samples.slice(1)]);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('7 input(s): 3 ok, 2 flagged, 2 failed');
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(7);
  expect(lines.map((l) => l.status)).toEqual(['ok', 'failed', 'failed', 'ok', 'ok', 'flagged', 'flagged']);
  expect(lines[1].error.code).toBe('unreadable');
  expect(lines[2].error.code).toBe('empty_input');
  expect(lines[3].meta).toEqual({ agency: '同江市同江镇人民政府', year: 2020, template: '2019' });
});

test('a folder is walked; stdout is used without --jsonl', () => {
  const r = run(['extract', '--quiet', 'samples']);
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.map((l) => l.meta.template)).toEqual(['free', '2019', '2021', 'free', '2019']);
});

test('help and usage errors', () => {
  expect(run(['--help']).stdout).toContain('extract');
  const h = run(['extract', '--help']);
  expect(h.status).toBe(0);
  expect(h.stdout).toContain('--jsonl');
  const bad = run(['extract', '--nope', 'x']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('unknown option --nope');
  expect(run(['frobnicate']).status).toBe(2);
});

describe('URLs', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const body = readFileSync(join(root, 'samples', '002_c713da55fa8f498a.txt'));
    server = createServer((req, res) => {
      if (req.url === '/robots.txt') return void res.writeHead(404).end();
      if (req.url === '/report.txt') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  // async spawn: the test server lives in this process
  const runAsync = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const p = spawn(process.execPath, [bin, ...args], { cwd: root });
      let stdout = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.on('close', (status) => resolve({ status, stdout }));
    });

  test('a URL is fetched and extracted; private addresses are refused unless allowed', async () => {
    const ok = await runAsync(['extract', '--quiet', '--allow-private', `${base}/report.txt`, `${base}/gone.pdf`]);
    expect(ok.status).toBe(0);
    const [x, gone] = ok.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(x.source.uri).toBe(`${base}/report.txt`);
    expect(x.meta).toEqual({ agency: '隆德县城关镇人民政府', year: 2021, template: '2021' });
    expect(gone.status).toBe('failed');
    expect(gone.error.code).toBe('fetch_failed');
    const refused = await runAsync(['extract', '--quiet', `${base}/report.txt`]);
    const r = JSON.parse(refused.stdout);
    expect(r.status).toBe('failed');
    expect(r.error.code).toBe('fetch_failed');
    expect(r.error.message).toMatch(/private|loopback|not allowed|refus/i);
  });
});

describe('extract with a pool of threads', () => {
  jest.setTimeout(90_000);
  let dir: string;
  const sampleNames = readdirSync(join(root, 'samples')).sort();
  /** A folder: `first` (a costly PDF, sorted first), then the samples twice. */
  const folder = (name: string, first: Buffer) => {
    const d = join(dir, name);
    require('fs').mkdirSync(d);
    writeFileSync(join(d, '00-first.pdf'), first);
    for (const r of [1, 2]) for (const f of sampleNames) copyFileSync(join(root, 'samples', f), join(d, `${r}-${f}`));
    return d;
  };
  const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l));
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'nianbao-pool-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('output in input order with a slow document first, the same for any --jobs; --jobs is honoured', () => {
    const d = folder('slow', heavyPdf({ pages: 25, ops: 20_000, kind: 'state' }));
    const order = ['00-first.pdf', ...[1, 2].flatMap((r) => sampleNames.map((f) => `${r}-${f}`))].map((f) => join(d, f));
    const outs = [2, 1, 0].map((jobs) => {
      const r = run(['extract', '--jobs', String(jobs), d]);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(jobs ? `up to ${jobs} thread(s) at once` : 'in this thread');
      // documents read and not yet written: at most 2 per thread running, 32 waiting behind the slow one
      const held = Number(/peak (\d+) in flight/.exec(r.stderr)?.[1]);
      expect(held).toBeGreaterThanOrEqual(jobs ? jobs : 1);
      expect(held).toBeLessThanOrEqual(32);
      return r.stdout;
    });
    const got = lines(outs[0]);
    expect(got.map((l) => l.source.path)).toEqual(order);
    expect(got[0].error.code).toBe('pdf_no_text_layer'); // the slow one ran to its end
    expect(got.slice(1).map((l) => l.status)).toEqual(['ok', 'ok', 'ok', 'flagged', 'flagged', 'ok', 'ok', 'ok', 'flagged', 'flagged']);
    expect(outs[1]).toBe(outs[0]);
    expect(outs[2]).toBe(outs[0]);
    // no more threads than inputs
    expect(run(['extract', '--jobs', '4', join(root, 'samples', sampleNames[0])]).stderr).toContain('up to 1 thread(s) at once');
  });

  test('a document over --timeout ends failed: timeout and the batch goes on', () => {
    const d = folder('stuck', heavyPdf({ pages: 300, ops: 100_000, kind: 'state' })); // over a minute alone
    const t0 = Date.now();
    const r = run(['extract', '--jobs', '1', '--timeout', '1.5', d]);
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(40_000);
    const got = lines(r.stdout);
    expect(got).toHaveLength(11);
    expect(got[0].status).toBe('failed');
    expect(got[0].error).toEqual({ code: 'timeout', message: 'extraction took longer than 1500 ms' });
    expect(got.slice(1).map((l) => l.status)).toEqual(['ok', 'ok', 'ok', 'flagged', 'flagged', 'ok', 'ok', 'ok', 'flagged', 'flagged']);
    expect(r.stderr).toContain('11 input(s): 6 ok, 4 flagged, 1 failed');
  });

  test('a thread that runs out of its heap (--heap-mb) is replaced; only its document fails', () => {
    const d = folder('huge', heavyPdf({ pages: 300, ops: 20_000, kind: 'text' }));
    const r = run(['extract', '--jobs', '1', '--heap-mb', '64', d]);
    expect(r.status).toBe(0);
    const got = lines(r.stdout);
    expect(got[0].error.code).toBe('internal');
    expect(got[0].error.message).toMatch(/crashed.*memory/i);
    expect(got.slice(1).map((l) => l.status)).toEqual(['ok', 'ok', 'ok', 'flagged', 'flagged', 'ok', 'ok', 'ok', 'flagged', 'flagged']);
  });

  test('usage errors for the pool options', () => {
    for (const [args, msg] of [[['--jobs', 'x'], '--jobs needs'], [['--jobs', '-1'], '--jobs needs'], [['--timeout', '0'], '--timeout needs'], [['--heap-mb', '2'], '--heap-mb needs']] as const) {
      const r = run(['extract', ...args, 'samples']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });
});
