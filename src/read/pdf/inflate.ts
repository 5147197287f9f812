/**
 * A DecompressionStream that inflates in one synchronous zlib call, for pdf.js.
 *
 * pdf.js 5 inflates every Flate stream it needs (page contents, fonts, cMaps) through the Web
 * `DecompressionStream`. In Node that is zlib on libuv's thread pool behind Web streams: each
 * stream costs several promise turns and a thread hop, and the reader sat idle for a fifth of its
 * time waiting on them (`npm run bench -- formats`: 65 → 45 ms per report with this class).
 * pdf.js reads the whole output before it goes on anyway, so buffering the input and inflating
 * it in one call loses nothing.
 *
 * It is a real TransformStream with the same formats and the same errors as Node's own (a
 * truncated stream fails with "unexpected end of file", and pdf.js then falls back to its own
 * inflater exactly as it does with the native class); formats zlib cannot do synchronously here
 * are handed to the native class, which rejects or handles them as before.
 */
import * as zlib from 'zlib';

type Inflate = (buf: Buffer) => Buffer;

const INFLATE: Record<string, Inflate> = {
  deflate: (b) => zlib.inflateSync(b),
  'deflate-raw': (b) => zlib.inflateRawSync(b),
  gzip: (b) => zlib.gunzipSync(b),
};

const toBuffer = (c: unknown): Buffer => {
  if (ArrayBuffer.isView(c)) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  if (c instanceof ArrayBuffer) return Buffer.from(c);
  throw new TypeError('DecompressionStream: chunk is not a BufferSource');
};

/**
 * Inflate `bytes` in one call, for pdf.js's patched asyncGetBytesFromDecompressionStream (see
 * ./pdfjs INFLATE_PATCH): the output in a buffer of its own (pdf.js may transfer it), null when
 * zlib fails (pdf.js then falls back to its own inflater, as after a failed stream), undefined for a
 * format this does not inflate (pdf.js then uses the stream as before).
 */
export function inflateForPdfjs(format: string, bytes: Uint8Array): Uint8Array | null | undefined {
  const inflate = INFLATE[format];
  if (!inflate) return undefined;
  try {
    const out = inflate(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const own = new Uint8Array(out.byteLength);
    own.set(out);
    return own;
  } catch {
    return null;
  }
}

let installed = false;

/** Puts the synchronous class in place of the global DecompressionStream (once per process). */
export function installSyncDecompressionStream(): void {
  if (installed) return;
  installed = true;
  const Native = globalThis.DecompressionStream;

  class SyncDecompressionStream extends TransformStream<ArrayBufferView | ArrayBuffer, Uint8Array> {
    constructor(format: string) {
      const inflate = INFLATE[format];
      if (!inflate) return new (Native as unknown as new (f: string) => object)(format) as unknown as SyncDecompressionStream;
      const chunks: Buffer[] = [];
      super({
        transform: (chunk) => void chunks.push(toBuffer(chunk)),
        flush: (ctl) => {
          const out = inflate(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
          chunks.length = 0;
          if (out.byteLength > 0) ctl.enqueue(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
        },
      });
    }
  }
  globalThis.DecompressionStream = SyncDecompressionStream as unknown as typeof DecompressionStream;
  (globalThis as { __nianbaoInflateSync?: typeof inflateForPdfjs }).__nianbaoInflateSync = inflateForPdfjs;
}
