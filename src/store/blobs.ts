/**
 * Content-addressed blob directory: bytes live at `<root>/<aa>/<sha256>`, written once, atomically.
 * One level of 256 directories, as git's object store: a million reports are 4,000 files a directory,
 * which ext4's hashed directories handle well, and a new store makes 256 directories, not 65,536 (each
 * costs about as much as writing a blob; stores written before used `<aa>/<bb>/<sha256>`, still read).
 */
import { promises as fs, mkdirSync, writeFileSync, renameSync, statSync } from 'fs';
import { join, dirname } from 'path';
import { randomBytes } from 'crypto';

const SHA_RE = /^[0-9a-f]{64}$/;

export function blobRelPath(sha256: string): string {
  if (!SHA_RE.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return join(sha256.slice(0, 2), sha256);
}

/** Where stores written by earlier builds (two levels) keep a blob. */
function legacyRelPath(sha256: string): string {
  return join(sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

/** Directories known to exist (each of the 256 fan-out directories is created once). */
const madeDirs = new Set<string>();
/** Blobs up to this size are written with synchronous calls: a few µs each, against a thread-pool hop per call. */
const SYNC_MAX = 1024 * 1024;
/** Temporary names: unique per process (pid and a random tag: pids repeat across machines sharing the directory) and per write. */
const TMP_TAG = `${process.pid}.${randomBytes(4).toString('hex')}.`;
let tmpCount = 0;

/** Write a blob unless it is there already; `existed` says which. */
/**
 * Create the 256 fan-out directories of a blob root once per process: a directory made on first use costs
 * as much as writing a blob (on these machines about a millisecond), and a store soon has all 256 anyway.
 */
const fannedOut = new Set<string>();
function fanOut(root: string): void {
  if (fannedOut.has(root)) return;
  fannedOut.add(root);
  for (let i = 0; i < 256; i++) {
    const dir = join(root, i.toString(16).padStart(2, '0'));
    try {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    } catch {
      /* made on first use instead */
    }
  }
}

export async function writeBlob(root: string, sha256: string, bytes: Uint8Array): Promise<{ rel: string; existed: boolean }> {
  const rel = blobRelPath(sha256);
  const full = join(root, rel);
  fanOut(root);
  if (bytes.length <= SYNC_MAX) {
    try {
      if (statSync(full, { throwIfNoEntry: false })?.size === bytes.length) return { rel, existed: true };
    } catch {
      /* unreadable: write it */
    }
    const dir = dirname(full);
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const tmp = `${full}.${TMP_TAG}${++tmpCount}.tmp`;
    try {
      writeFileSync(tmp, bytes);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      madeDirs.delete(dir); // removed behind our back: make it again
      mkdirSync(dir, { recursive: true });
      writeFileSync(tmp, bytes);
    }
    renameSync(tmp, full);
    return { rel, existed: false };
  }
  try {
    const st = await fs.stat(full);
    if (st.size === bytes.length) return { rel, existed: true };
  } catch {
    /* absent: write it */
  }
  await fs.mkdir(dirname(full), { recursive: true });
  const tmp = `${full}.${TMP_TAG}${++tmpCount}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, full);
  return { rel, existed: false };
}

export async function readBlob(root: string, sha256: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(join(root, blobRelPath(sha256))));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    try {
      return new Uint8Array(await fs.readFile(join(root, legacyRelPath(sha256))));
    } catch {
      throw e; // report the current path as missing
    }
  }
}
