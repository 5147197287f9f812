/**
 * One process at a time on an embedded (PGlite) store. PGlite keeps the database in its own process's
 * memory and writes it back to the directory; two processes on one directory do not see each other's
 * writes, and whichever closes last overwrites the other's (a report stored by `ingest` while `serve`
 * had the store open was gone once serve stopped). So the directory gets a lock file naming its owner
 * (pid, command, host, start time); a second process is refused with an error that names the owner and
 * points to PostgreSQL for concurrent use. A lock whose owner is dead (killed, crashed) is taken over.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'fs';
import { hostname } from 'os';

export interface LockOwner {
  pid: number;
  command: string;
  host: string;
  since: string;
  /** Linux: the owner's start time (clock ticks since boot), so a reused pid is not taken for the owner. */
  start?: string | null;
}

export class StoreLockedError extends Error {
  constructor(readonly dir: string, readonly owner: LockOwner) {
    super(
      `the embedded store ${dir} is open in another process: \`${owner.command}\` (pid ${owner.pid}${owner.host !== hostname() ? ' on ' + owner.host : ''}, since ${owner.since}). ` +
        'The embedded store can be opened by one process at a time: stop that process first, ' +
        'or use PostgreSQL for concurrent use (set DATABASE_URL=postgres://user@host:5432/db for every nianbao command).',
    );
    this.name = 'StoreLockedError';
  }
}

/** /proc/<pid>/stat field 22 (start time), or null off Linux or for no such process. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // cannot tell: never take another machine's lock
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // the pid lives: the same process, unless the pid was reused since (its start time differs)
  const now = startTime(owner.pid);
  return !(owner.start && now && now !== owner.start);
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof o?.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function describeSelf(): string {
  const args = process.argv.slice(2).join(' ');
  const bin = /nianbao|main\.js|cli/.test(process.argv[1] ?? '') ? 'nianbao' : (process.argv[1] ?? 'node');
  return `${bin} ${args}`.trim().slice(0, 200);
}

/**
 * Take the lock file `path` for this process; throws StoreLockedError if a live process holds it.
 * Returns the release function (idempotent; also run at process exit).
 */
export async function lockStore(path: string, dir: string): Promise<() => void> {
  const me: LockOwner = { pid: process.pid, command: describeSelf(), host: hostname(), since: new Date().toISOString(), start: startTime(process.pid) };
  const text = JSON.stringify(me);
  for (let tries = 0; ; tries++) {
    try {
      const fd = openSync(path, 'wx'); // atomic: exactly one process creates it
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 5) throw e;
      const owner = readOwner(path);
      if (owner && owner.pid === process.pid && owner.host === me.host) {
        // this very process has the store open already: a second PGlite instance would lose data just as well
        throw new StoreLockedError(dir, owner);
      }
      if (owner && alive(owner)) throw new StoreLockedError(dir, owner);
      if (!owner && Date.now() - mtimeMs(path) < 2000 && tries < 5) {
        // empty or cut short: perhaps its owner is writing it this very moment; look again shortly
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      // dead owner (or a file cut short as it was written, by a crash): take it over
      try {
        unlinkSync(path);
      } catch (u) {
        if ((u as NodeJS.ErrnoException).code !== 'ENOENT') throw u;
      }
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // only our own lock (never one a later owner took over)
    if (readOwner(path)?.pid === process.pid) {
      try {
        unlinkSync(path);
      } catch {
        /* gone already */
      }
    }
  };
  process.on('exit', release);
  return release;
}
