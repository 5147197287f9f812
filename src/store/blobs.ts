/** Content-addressed blob directory: bytes live at `<root>/<aa>/<bb>/<sha256>`, written once, atomically. */
import { promises as fs, existsSync, mkdirSync, writeFileSync, renameSync, statSync } from 'fs';
import { join, dirname } from 'path';
import { randomBytes } from 'crypto';

const SHA_RE = /^[0-9a-f]{64}$/;

export function blobRelPath(sha256: string): string {
  if (!SHA_RE.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return join(sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

/** Directories known to exist (each of the 65,536 fan-out directories is created once). */
const madeDirs = new Set<string>();
/** Blobs up to this size are written with synchronous calls: a few µs each, against a thread-pool hop per call. */
const SYNC_MAX = 1024 * 1024;

export async function writeBlob(root: string, sha256: string, bytes: Uint8Array): Promise<string> {
  const rel = blobRelPath(sha256);
  const full = join(root, rel);
  if (bytes.length <= SYNC_MAX) {
    try {
      if (existsSync(full) && statSync(full).size === bytes.length) return rel;
    } catch {
      /* absent: write it */
    }
    const dir = dirname(full);
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const tmp = `${full}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, bytes);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      madeDirs.delete(dir); // removed behind our back: make it again
      mkdirSync(dir, { recursive: true });
      writeFileSync(tmp, bytes);
    }
    renameSync(tmp, full);
    return rel;
  }
  try {
    const st = await fs.stat(full);
    if (st.size === bytes.length) return rel;
  } catch {
    /* absent: write it */
  }
  await fs.mkdir(dirname(full), { recursive: true });
  const tmp = `${full}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, full);
  return rel;
}

export async function readBlob(root: string, sha256: string): Promise<Uint8Array> {
  return new Uint8Array(await fs.readFile(join(root, blobRelPath(sha256))));
}
