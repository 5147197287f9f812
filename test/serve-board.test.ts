/** `nianbao serve --board`: the queue dashboard mounted in the review server, as users start it. */
import { spawn, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { request } from 'http';

/** fetch() will not send a custom Host header; http.request does. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const root = join(__dirname, '..');
let proc: ChildProcess;
let base: string;
const dir = mkdtempSync(join(tmpdir(), 'nianbao-board-'));

beforeAll(async () => {
  proc = spawn(process.execPath, [join(root, 'bin', 'nianbao.js'), 'serve', '--board', '--port', '0', '--db', dir], {
    env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:6379', NIANBAO_QUEUE_PREFIX: `board-test-${process.pid}` },
  });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /review UI at (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]).origin);
      }
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}, 40_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('the dashboard lists the fetch and extract queues beside the review UI', async () => {
  const page = await fetch(`${base}/queues`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('__UI_CONFIG__');
  const api = await fetch(`${base}/queues/api/queues`);
  expect(api.status).toBe(200);
  const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
  expect(names).toEqual(['extract', 'fetch']);
  // the review UI is still there, and the same access control applies to the board
  expect((await fetch(`${base}/queue`)).status).toBe(200);
  expect(await statusWithHost(`${base}/queues/api/queues`, 'evil.example')).toBe(403);
  expect(await statusWithHost(`${base}/queues/api/queues`, 'localhost')).toBe(200);
});
