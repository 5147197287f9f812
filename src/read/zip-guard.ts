/**
 * A bounded look into a zip container before any library inflates it: reads the central
 * directory, refuses entries whose declared size is too large, and inflates the XML parts
 * with a hard output limit (a lying header cannot blow up memory).
 */
import * as zlib from 'zlib';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export class ZipError extends Error {
  constructor(public readonly kind: 'corrupt' | 'too_large', message: string) {
    super(message);
  }
}

/** Parse the central directory. Throws ZipError('corrupt') if it cannot be found or read. */
export function listZip(buf: Buffer): ZipEntry[] {
  const min = Math.max(0, buf.length - 22 - 65535);
  let eocd = -1;
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new ZipError('corrupt', 'zip end-of-central-directory record not found (truncated file?)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) throw new ZipError('too_large', 'zip64 container: far larger than any report');
  if (cdOffset + cdSize > buf.length) throw new ZipError('corrupt', 'zip central directory lies beyond the end of the file (truncated file?)');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new ZipError('corrupt', `bad zip central directory entry ${i}`);
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const uncompressedSize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localHeaderOffset = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Inflate one entry, never producing more than `limit` bytes. */
export function readEntry(buf: Buffer, e: ZipEntry, limit: number): Buffer {
  if (e.uncompressedSize > limit) throw new ZipError('too_large', `${e.name} declares ${e.uncompressedSize} bytes uncompressed (limit ${limit})`);
  const h = e.localHeaderOffset;
  if (h + 30 > buf.length || buf.readUInt32LE(h) !== 0x04034b50) throw new ZipError('corrupt', `bad zip local header for ${e.name}`);
  const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
  const end = start + e.compressedSize;
  if (end > buf.length) throw new ZipError('corrupt', `${e.name} is cut off (truncated file?)`);
  const data = buf.subarray(start, end);
  if (e.method === 0) return Buffer.from(data);
  if (e.method !== 8) throw new ZipError('corrupt', `${e.name} uses unsupported zip compression method ${e.method}`);
  try {
    return zlib.inflateRawSync(data, { maxOutputLength: limit });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test(String((err as Error).message))) {
      throw new ZipError('too_large', `${e.name} inflates beyond ${limit} bytes (zip bomb?)`);
    }
    throw new ZipError('corrupt', `${e.name} does not inflate: ${(err as Error).message}`);
  }
}
