/** The `nianbao extract` command as users run it (the built CLI in dist/, via bin/nianbao.js). */
import { spawnSync } from 'child_process';
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
