/**
 * `nianbao extract <file|dir|url>... [--jsonl OUT]`: the core on this machine, no Redis, no database.
 * One JSON object per input, in input order; a bad input gives a `failed` line and the batch goes on.
 * Documents are extracted by a pool of worker threads (src/pool): inputs are read a few ahead of the
 * threads and results wait for earlier, slower ones within a bounded window (src/pool/ordered.ts).
 */
import { createWriteStream, promises as fs, type WriteStream } from 'fs';
import { dirname, join, resolve, sep } from 'path';
import type { Extraction, Status } from '../../model/extraction';
import { createExtractPool, defaultExtractThreads, type ExtractPool } from '../../pool/extract-pool';
import { mapOrdered } from '../../pool/ordered';
import { Progress } from '../../util/progress';
import { extractLocalAttachment } from '../../read/local-attachment';

export const summary = 'extract reports (files, folders, URLs) to JSON Lines, in-process';

export const help = `Usage: nianbao extract <file|dir|url>... [options]

Reads each input (text, HTML, PDF, DOCX, DOC; folders are walked, URLs fetched), maps its
statistics onto the canonical grid, checks them and writes one JSON object per input.

Documents are extracted by worker threads, several at once; the output is always in input
order (folders: their files sorted by name), whatever order they finish in.

Options:
  --jsonl OUT      write JSON Lines to OUT (default: stdout)
  --jobs N         extraction threads (default: one per core, at most one per GiB of memory;
                   0: in this thread, where the time limit can only stop a document between steps)
  --timeout S      time limit per document in seconds (default 120, or NIANBAO_EXTRACT_TIMEOUT_MS):
                   a document over it is stopped and written as failed with error code "timeout"
  --heap-mb N      heap limit of each thread in MB (default: Node's): a document that needs more
                   is written as failed ("internal", out of memory); its thread is replaced
  --pretty         indent the JSON (one object per input, not JSON Lines)
  --max-bytes N    refuse inputs larger than N bytes (default 104857600)
  --allow-private  let URLs resolve to loopback/private addresses (local testing)
  --quiet          no summary on stderr
  -h, --help       this help

Exit status: 0 when every input was processed (even if some are 'failed' — see their
"error"), 2 on a usage error.
`;

interface Options {
  out?: string;
  jobs: number;
  timeoutMs: number;
  heapMb?: number;
  pretty: boolean;
  quiet: boolean;
  maxBytes: number;
  allowPrivate: boolean;
  inputs: string[];
}

function parse(argv: string[]): Options | string {
  const envTimeout = Number(process.env.NIANBAO_EXTRACT_TIMEOUT_MS);
  const o: Options = {
    pretty: false, quiet: false, maxBytes: 100 * 1024 * 1024, allowPrivate: false, inputs: [],
    jobs: defaultExtractThreads(), timeoutMs: envTimeout > 0 ? envTimeout : 120_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jsonl' || a === '-o') {
      if (!argv[i + 1]) return `${a} needs a file name`;
      o.out = argv[++i];
    } else if (a === '--jobs' || a === '-j') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) return `${a} needs a whole number of threads (0: in this thread)`;
      o.jobs = n;
    } else if (a === '--timeout') {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) return '--timeout needs a positive number of seconds';
      o.timeoutMs = Math.max(1, Math.round(n * 1000));
    } else if (a === '--heap-mb') {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n < 16) return '--heap-mb needs a number of megabytes (at least 16)';
      o.heapMb = n;
    } else if (a === '--pretty') o.pretty = true;
    else if (a === '--quiet' || a === '-q') o.quiet = true;
    else if (a === '--allow-private') o.allowPrivate = true;
    else if (a === '--max-bytes') {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) return '--max-bytes needs a positive number';
      o.maxBytes = n;
    } else if (a.startsWith('-') && a !== '-') return `unknown option ${a}`;
    else o.inputs.push(a);
  }
  if (!o.inputs.length) return 'no input given';
  return o;
}

/** A failure record without loading the readers in this thread (the pool's threads have them). */
const failedExtraction: typeof import('../../pipeline/extract').failedExtraction = (...a) =>
  (require('../../pipeline/extract') as typeof import('../../pipeline/extract')).failedExtraction(...a);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Expand folders into their files (sorted, hidden files skipped). */
async function expand(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      out.push(p); // reported as failed below, with the reason
      return;
    }
    if (!st.isDirectory()) {
      out.push(p);
      return;
    }
    const entries = (await fs.readdir(p)).filter((e) => !e.startsWith('.')).sort();
    for (const e of entries) await walk(join(p, e));
  };
  for (const i of inputs) {
    if (isUrl(i)) out.push(i);
    else await walk(i);
  }
  return out;
}

/**
 * The directory tree a local page's attachment links may reach: the folder given on the command
 * line that holds the page (a mirrored site), else the page's own folder.
 */
async function crawlRoot(path: string, inputs: string[]): Promise<string> {
  let best = dirname(path);
  for (const i of inputs) {
    if (isUrl(i)) continue;
    const dir = resolve(i);
    if (dir.length >= best.length || !(path.startsWith(dir + sep))) continue;
    const st = await fs.stat(dir).catch(() => null);
    if (st?.isDirectory()) best = dir;
  }
  return best;
}

/** One input's JSON text (as the output shows it) and status. */
interface Done {
  json: string;
  status: Status;
}

const done = (x: Extraction, indent: number): Done => ({ json: JSON.stringify(x, null, indent || undefined), status: x.status });

/** Read (or fetch) one input and extract it in the pool; never rejects (a bad input is a failed extraction). */
async function extractOne(input: string, o: Options, pool: ExtractPool): Promise<Done> {
  const indent = o.pretty ? 2 : 0;
  if (isUrl(input)) {
    let fetched;
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { fetchDocument } = require('../../fetch') as typeof import('../../fetch');
      fetched = await fetchDocument(input, { maxBytes: o.maxBytes, allowPrivate: o.allowPrivate });
    } catch (e) {
      return done(failedExtraction({ uri: input, sha256: '', format: 'unknown' }, 'fetch_failed', (e as Error).message), indent);
    }
    return pool.runJson(fetched.bytes, { uri: fetched.finalUrl ?? input, contentType: fetched.contentType ?? undefined }, { indent, transfer: true });
  }
  const path = resolve(input);
  let bytes: Buffer;
  try {
    const st = await fs.stat(path);
    if (st.size > o.maxBytes) {
      return done(failedExtraction({ path: input, sha256: '', format: 'unknown', bytes: st.size }, 'too_large', `${st.size} bytes exceeds the limit of ${o.maxBytes}`), indent);
    }
    bytes = await fs.readFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return done(failedExtraction({ path: input, sha256: EMPTY_SHA256, format: 'unknown' }, 'unreadable', `cannot read ${input}: ${err.code ?? err.message}`), indent);
  }
  // a saved crawl: an article page whose report is an attachment saved beside it (read in the pool too)
  const followed = await extractLocalAttachment(input, bytes, {
    root: await crawlRoot(path, o.inputs),
    maxBytes: o.maxBytes,
    extract: (b, ref) => pool.extract(b, ref, { transfer: true }),
  }).catch(() => null);
  if (followed) return done(followed, indent);
  // (the buffer moves to the thread: nothing here uses it afterwards)
  return pool.runJson(bytes, { path: input }, { indent, transfer: true });
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((res, rej) => {
    if (stream.write(text)) return res();
    const drained = () => (stream.off('error', failed), res());
    const failed = (e: Error) => (stream.off('drain', drained), rej(e));
    stream.once('drain', drained).once('error', failed);
  });
}

export async function run(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (typeof o === 'string') {
    process.stderr.write(`nianbao extract: ${o}\n\n${help}`);
    return 2;
  }
  const t0 = Date.now();
  const inputs = await expand(o.inputs);
  const out: NodeJS.WritableStream | WriteStream = o.out ? createWriteStream(o.out) : process.stdout;
  // `nianbao extract dir | head`: the reader has gone, so stop as a pipeline's writer would (no error)
  if (!o.out) {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  const progress = new Progress(inputs.length, 'extract');
  const counts = { ok: 0, flagged: 0, failed: 0 };
  // no more threads than inputs (a thread costs a few hundred ms to load the readers)
  const threads = o.jobs === 0 ? 0 : Math.min(o.jobs, Math.max(1, inputs.length));
  const pool = createExtractPool({ threads, timeoutMs: o.timeoutMs, heapLimitMb: o.heapMb });
  let stats;
  try {
    // Each thread has one document read ahead; later results wait at most `window` deep behind a slow one.
    const slots = Math.max(1, threads);
    stats = await mapOrdered(
      inputs,
      async (input) => {
        const x = await extractOne(input, o, pool);
        progress.tick(input.length > 40 ? '…' + input.slice(-39) : input);
        return x;
      },
      async (x) => {
        counts[x.status]++;
        await write(out, x.json + '\n');
      },
      { concurrency: 2 * slots, window: Math.max(32, 8 * slots) },
    );
  } finally {
    await pool.close();
  }
  progress.finish();
  if (o.out) await new Promise<void>((res, rej) => (out as WriteStream).end((e?: Error | null) => (e ? rej(e) : res())));
  if (!o.quiet) {
    const how = pool.mode === 'thread' ? `up to ${pool.peakBusy} thread(s) at once` : 'in this thread';
    process.stderr.write(
      `nianbao extract: ${inputs.length} input(s): ${counts.ok} ok, ${counts.flagged} flagged, ${counts.failed} failed${o.out ? ` → ${o.out}` : ''}` +
        ` (${((Date.now() - t0) / 1000).toFixed(1)} s, ${how}; peak ${stats.peakHeld} in flight)\n`,
    );
  }
  return 0;
}
