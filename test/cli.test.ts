/** The `nianbao extract` command as users run it (the built CLI in dist/, via bin/nianbao.js). */
import { spawnSync, spawn } from 'child_process';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'nianbao.js');
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

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
