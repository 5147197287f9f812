/**
 * A streaming ZIP writer for the XLSX writer: entries are deflated as they are
 * written and go straight to the file, so memory stays bounded whatever the
 * size of the archive.
 *
 * Each entry's text is cut into chunks of about a megabyte, and each chunk is
 * deflated on its own (raw deflate ending in a sync flush, in node's thread
 * pool, several at once) and appended in order; a final empty block ends the
 * entry. The concatenation is one valid deflate stream (the way pigz writes
 * gzip in parallel); starting each chunk with an empty dictionary costs well
 * under 1% in size. The CRC-32 is taken on the main thread as chunks are cut.
 *
 * The local header of an entry is written with its CRC and sizes left at zero
 * and patched in place once the entry is complete (the file is ours and
 * seekable), so the archive needs no data descriptors. Entries are limited to
 * 4 GiB (the XLSX writer starts a new sheet well before); the archive itself
 * may exceed 4 GiB, and then gets ZIP64 end records and ZIP64 offsets in the
 * central directory.
 */
import { closeSync, openSync, write as fsWrite, fstatSync } from 'fs';
import { constants as Z, crc32, deflateRaw } from 'zlib';

const U32 = 0xffffffff;
/** The final empty block (BFINAL=1, fixed Huffman, end-of-block) that ends a deflate stream made of sync-flushed chunks. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

interface Entry {
  name: Buffer;
  offset: number;
  crc: number;
  usize: number;
  csize: number;
  deflated: boolean;
}

export interface ZipOptions {
  /** zlib level (default 1: XML compresses well even at the fastest level, and deflate is most of the cost). */
  level?: number;
  /** Bytes of text per deflated chunk (default 1 MiB). */
  chunkBytes?: number;
  /** Chunks being deflated at once before write() asks the caller to wait (default 3). */
  inFlight?: number;
  /** Write ZIP64 end records and offsets even when not needed (tests). */
  forceZip64?: boolean;
}

function writeAt(fd: number, buf: Buffer, pos: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const go = (off: number): void => {
      fsWrite(fd, buf, off, buf.length - off, pos + off, (err, n) => {
        if (err) reject(err);
        else if (off + n < buf.length) go(off + n);
        else resolve();
      });
    };
    go(0);
  });
}

function deflateChunk(buf: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(buf, { level, finishFlush: Z.Z_SYNC_FLUSH, chunkSize: 256 * 1024 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/** MS-DOS date and time of `d` (local time, 2-second resolution) as ZIP headers hold them. */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

export class ZipWriter {
  private readonly fd: number;
  private readonly level: number;
  private readonly chunkBytes: number;
  private readonly maxInFlight: number;
  private readonly forceZip64: boolean;
  private readonly time: number;
  private readonly date: number;
  private readonly entries: Entry[] = [];
  private cur: Entry | null = null;
  /** Text of the open entry not yet deflated, UTF-8 encoded as it comes. */
  private buf: Buffer;
  private used = 0;
  private pos = 0;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private tail: Promise<void> = Promise.resolve();
  private error: Error | null = null;
  private closed = false;

  constructor(readonly path: string, opts: ZipOptions = {}) {
    this.level = opts.level ?? 1;
    this.chunkBytes = Math.max(16, opts.chunkBytes ?? 1 << 20);
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
    this.maxInFlight = Math.max(1, opts.inFlight ?? 3);
    this.forceZip64 = opts.forceZip64 ?? false;
    const { time, date } = dosDateTime(new Date());
    this.time = time;
    this.date = date;
    this.fd = openSync(path, 'w');
  }

  /** Uncompressed bytes of the open entry so far. */
  get entryBytes(): number {
    return this.cur ? this.cur.usize + this.used : 0;
  }

  /** Start a deflated entry (ending the open one); text written until the next begin() or close() belongs to it. */
  begin(name: string): void {
    this.check();
    if (this.cur) this.end();
    const e: Entry = { name: Buffer.from(name, 'utf8'), offset: 0, crc: 0, usize: 0, csize: 0, deflated: true };
    this.entries.push(e);
    this.cur = e;
    this.schedule(async () => {
      e.offset = this.pos;
      await this.append(this.localHeader(e));
    });
  }

  /** Append text to the open entry. When it returns a promise, await it before writing more (back-pressure). */
  write(s: string): void | Promise<void> {
    this.check();
    if (!this.cur) throw new Error('zip: write() outside an entry');
    // A UTF-16 unit is at most 3 bytes of UTF-8: encode in place when it surely fits.
    if (this.used + s.length * 3 <= this.chunkBytes) {
      this.used += this.buf.write(s, this.used, 'utf8');
      return;
    }
    if (s.length * 3 <= this.chunkBytes) {
      const p = this.cut();
      this.used = this.buf.write(s, 0, 'utf8');
      return p;
    }
    // Longer than a chunk: a chunk of its own.
    const big = Buffer.from(s, 'utf8');
    let p = this.cut();
    for (let at = 0; at < big.length; at += this.chunkBytes) {
      big.copy(this.buf, 0, at, Math.min(big.length, at + this.chunkBytes));
      this.used = Math.min(big.length - at, this.chunkBytes);
      p = this.cut() ?? p;
    }
    return p;
  }

  /** A whole entry at once (small parts: workbook, styles…). */
  add(name: string, text: string): void {
    this.begin(name);
    void this.write(text);
    this.end();
  }

  /** End the open entry: its last chunk and the final block are queued, and its local header is patched once written. */
  end(): void {
    const e = this.cur;
    if (!e) return;
    this.cut(false);
    this.cur = null;
    const last = Promise.resolve(FINAL_BLOCK);
    this.inFlight++;
    this.queue(e, last);
    this.schedule(async () => {
      if (e.usize > U32 || e.csize > U32) throw new Error(`zip: entry ${e.name.toString()} is over 4 GiB`);
      const b = Buffer.alloc(12);
      b.writeUInt32LE(e.crc >>> 0, 0);
      b.writeUInt32LE(e.csize, 4);
      b.writeUInt32LE(e.usize, 8);
      await writeAt(this.fd, b, e.offset + 14);
    });
  }

  /** End the open entry, write the central directory, close the file; resolves to the file's size. */
  async close(): Promise<number> {
    if (this.closed) throw new Error('zip: closed twice');
    try {
      if (!this.error) {
        this.end();
        this.schedule(() => this.append(this.centralDirectory()));
      }
      await this.tail;
      if (this.error) throw this.error;
      return fstatSync(this.fd).size;
    } finally {
      this.closed = true;
      closeSync(this.fd);
    }
  }

  // ---------- internals ----------

  private check(): void {
    if (this.error) throw this.error;
    if (this.closed) throw new Error('zip: write after close');
  }

  /** Cut the pending text into a chunk and start deflating it; with `wait`, a promise when too many chunks are in flight. */
  private cut(wait = true): void | Promise<void> {
    const e = this.cur;
    if (!e || !this.used) return;
    const buf = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(this.chunkBytes); // the chunk is deflated meanwhile: a fresh buffer for the next
    this.used = 0;
    e.crc = crc32(buf, e.crc);
    e.usize += buf.length;
    this.inFlight++;
    this.queue(e, deflateChunk(buf, this.level));
    if (wait && this.inFlight >= this.maxInFlight) return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Append a chunk of `e`'s deflated data, in order, once it is ready. */
  private queue(e: Entry, data: Promise<Buffer>): void {
    data.catch(() => undefined); // handled below, in order; no unhandled rejection meanwhile
    this.schedule(async () => {
      const out = await data;
      e.csize += out.length;
      await this.append(out);
    }, () => {
      this.inFlight--;
      const w = this.waiters.shift();
      if (w) w();
    });
  }

  /** Run `fn` after everything queued before it; the first error stops what follows and is kept. */
  private schedule(fn: () => Promise<void>, after?: () => void): void {
    this.tail = this.tail
      .then(() => (this.error ? undefined : fn()))
      .catch((err: Error) => { this.error ??= err; })
      .finally(() => {
        after?.();
        // A failure releases every waiter: their next write() throws it.
        if (this.error) for (const w of this.waiters.splice(0)) w();
      });
  }

  private async append(buf: Buffer): Promise<void> {
    const at = this.pos;
    this.pos += buf.length;
    await writeAt(this.fd, buf, at);
  }

  private localHeader(e: Entry): Buffer {
    const h = Buffer.alloc(30 + e.name.length);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    h.writeUInt16LE(0, 6); // flags: none (crc and sizes are patched in, no data descriptor)
    h.writeUInt16LE(e.deflated ? 8 : 0, 8);
    h.writeUInt16LE(this.time, 10);
    h.writeUInt16LE(this.date, 12);
    // 14..25: crc-32, compressed and uncompressed size, patched by end()
    h.writeUInt16LE(e.name.length, 26);
    h.writeUInt16LE(0, 28);
    e.name.copy(h, 30);
    return h;
  }

  private centralDirectory(): Buffer {
    const parts: Buffer[] = [];
    const cdOffset = this.pos;
    let zip64 = this.forceZip64 || this.entries.length > 0xfffe;
    for (const e of this.entries) {
      const bigOffset = this.forceZip64 || e.offset >= U32;
      const extra = bigOffset ? Buffer.alloc(12) : Buffer.alloc(0);
      if (bigOffset) {
        zip64 = true;
        extra.writeUInt16LE(0x0001, 0); // ZIP64 extended information: only the offset is in it
        extra.writeUInt16LE(8, 2);
        extra.writeBigUInt64LE(BigInt(e.offset), 4);
      }
      const h = Buffer.alloc(46 + e.name.length);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(bigOffset ? 45 : 20, 4); // version made by (MS-DOS attributes)
      h.writeUInt16LE(bigOffset ? 45 : 20, 6); // version needed
      h.writeUInt16LE(0, 8);
      h.writeUInt16LE(e.deflated ? 8 : 0, 10);
      h.writeUInt16LE(this.time, 12);
      h.writeUInt16LE(this.date, 14);
      h.writeUInt32LE(e.crc >>> 0, 16);
      h.writeUInt32LE(e.csize, 20);
      h.writeUInt32LE(e.usize, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt16LE(extra.length, 30);
      h.writeUInt16LE(0, 32); // comment length
      h.writeUInt16LE(0, 34); // disk
      h.writeUInt16LE(0, 36); // internal attributes
      h.writeUInt32LE(0, 38); // external attributes
      h.writeUInt32LE(bigOffset ? U32 : e.offset, 42);
      e.name.copy(h, 46);
      parts.push(h, extra);
    }
    const cdSize = parts.reduce((n, b) => n + b.length, 0);
    if (cdOffset >= U32 || cdSize >= U32) zip64 = true;
    const n = this.entries.length;
    if (zip64) {
      const z = Buffer.alloc(56 + 20);
      z.writeUInt32LE(0x06064b50, 0); // ZIP64 end of central directory record
      z.writeBigUInt64LE(44n, 4);
      z.writeUInt16LE(45, 12);
      z.writeUInt16LE(45, 14);
      z.writeUInt32LE(0, 16);
      z.writeUInt32LE(0, 20);
      z.writeBigUInt64LE(BigInt(n), 24);
      z.writeBigUInt64LE(BigInt(n), 32);
      z.writeBigUInt64LE(BigInt(cdSize), 40);
      z.writeBigUInt64LE(BigInt(cdOffset), 48);
      z.writeUInt32LE(0x07064b50, 56); // ZIP64 end of central directory locator
      z.writeUInt32LE(0, 60);
      z.writeBigUInt64LE(BigInt(cdOffset + cdSize), 64);
      z.writeUInt32LE(1, 72);
      parts.push(z);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0, 4);
    end.writeUInt16LE(0, 6);
    end.writeUInt16LE(zip64 ? 0xffff : n, 8);
    end.writeUInt16LE(zip64 ? 0xffff : n, 10);
    end.writeUInt32LE(zip64 ? U32 : cdSize, 12);
    end.writeUInt32LE(zip64 ? U32 : cdOffset, 16);
    end.writeUInt16LE(0, 20);
    parts.push(end);
    return Buffer.concat(parts);
  }
}
