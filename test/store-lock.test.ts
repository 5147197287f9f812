/**
 * The embedded store's one-process lock (src/store/lock.ts): who may take it, who is refused, and what
 * the refusal says. The whole CLI round (serve + ingest + status + export) is in embedded-store.test.ts.
 */
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { hostname } from 'os';
import { join } from 'path';
import { lockStore, StoreLockedError, type LockOwner } from '../src/store/lock';
import { openStore } from '../src/store';
import { tempDir } from './helpers/services';

const dir = tempDir('nb-lock-');
afterAll(() => dir.remove());

const lockPath = (name: string) => join(dir.dir, name + '.lock');
const writeOwner = (path: string, o: Partial<LockOwner>) =>
  writeFileSync(path, JSON.stringify({ pid: 1, command: 'nianbao serve', host: hostname(), since: '2026-01-01T00:00:00.000Z', start: null, ...o }));
const startOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout.trim();

test('a live owner refuses the lock, named with its command and pid, pointing to DATABASE_URL', async () => {
  const p = lockPath('live');
  writeOwner(p, { pid: process.ppid, command: 'nianbao serve --port 8080', start: startOf(process.ppid) });
  const err = await lockStore(p, '/data/pg').then(() => null, (e) => e);
  expect(err).toBeInstanceOf(StoreLockedError);
  expect(err.message).toMatch(new RegExp(`/data/pg is open in another process: \`nianbao serve --port 8080\` \\(pid ${process.ppid}, since 2026-01-01`));
  expect(err.message).toMatch(/DATABASE_URL=postgres:/);
  // the owner's lock is left as it was
  expect(JSON.parse(readFileSync(p, 'utf8')).pid).toBe(process.ppid);
});

test('a dead owner\'s lock, or a reused pid (other start time), is taken over; release removes only our own', async () => {
  const p = lockPath('dead');
  writeOwner(p, { pid: Number(deadPid()) });
  const release = await lockStore(p, '/data/pg');
  expect(JSON.parse(readFileSync(p, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
  // this process again (a second PGlite on the same directory would lose data just as well)
  await expect(lockStore(p, '/data/pg')).rejects.toThrow(/open in another process: .* \(pid \d+/);
  release();
  expect(existsSync(p)).toBe(false);

  const q = lockPath('reused');
  writeOwner(q, { pid: process.ppid, start: '1' }); // the pid lives, but it is not the process that locked
  const r2 = await lockStore(q, '/data/pg');
  // someone took it over after us (we were thought dead): our release leaves their lock alone
  writeOwner(q, { pid: process.ppid, start: startOf(process.ppid) });
  r2();
  expect(existsSync(q)).toBe(true);
});

test('a lock from another machine is never taken over', async () => {
  const p = lockPath('remote');
  writeOwner(p, { pid: Number(deadPid()), host: 'some-other-host' });
  await expect(lockStore(p, '/data/pg')).rejects.toThrow(/on some-other-host/);
});

test('openStore on a PGlite directory: one open at a time, the lock released on close, the data kept', async () => {
  const data = join(dir.dir, 'store');
  const a = await openStore({ dataDir: data });
  await a.upsertSource({ url: 'file:///x.txt' });
  await expect(openStore({ dataDir: data })).rejects.toBeInstanceOf(StoreLockedError);
  await a.close();
  expect(existsSync(join(data, 'pg.lock'))).toBe(false);
  const b = await openStore({ dataDir: data });
  try {
    expect((await b.getSourceByUrl('file:///x.txt'))?.url).toBe('file:///x.txt');
    expect(b.id).toMatch(/^[0-9a-f]{12}$/);
    expect(b.id).toBe(a.id); // the store's identity is kept with it
  } finally {
    await b.close();
  }
});
