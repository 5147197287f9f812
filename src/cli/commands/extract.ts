/**
 * `nianbao extract <file|dir|url>... [--jsonl OUT]`: the core in-process, no Redis, no database.
 * One JSON object per input; a bad input gives a `failed` line and the batch goes on.
 */
import { createWriteStream, promises as fs, type WriteStream } from 'fs';
import { dirname, join, resolve, sep } from 'path';
import { extractBytes, failedExtraction, sha256 } from '../../pipeline/extract';
import type { Extraction } from '../../model/extraction';
import { Progress } from '../../util/progress';
import { extractLocalAttachment } from '../../read/local-attachment';

export const summary = 'extract reports (files, folders, URLs) to JSON Lines, in-process';

export const help = `Usage: nianbao extract <file|dir|url>... [options]

Reads each input (text, HTML, PDF, DOCX, DOC; folders are walked, URLs fetched), maps its
statistics onto the canonical grid, checks them and writes one JSON object per input.

Options:
  --jsonl OUT      write JSON Lines to OUT (default: stdout)
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
  pretty: boolean;
  quiet: boolean;
  maxBytes: number;
  allowPrivate: boolean;
  inputs: string[];
}

function parse(argv: string[]): Options | string {
  const o: Options = { pretty: false, quiet: false, maxBytes: 100 * 1024 * 1024, allowPrivate: false, inputs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jsonl' || a === '-o') {
      if (!argv[i + 1]) return `${a} needs a file name`;
      o.out = argv[++i];
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

async function extractOne(input: string, o: Options): Promise<Extraction> {
  if (isUrl(input)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { fetchDocument } = require('../../fetch') as typeof import('../../fetch');
      const r = await fetchDocument(input, { maxBytes: o.maxBytes, allowPrivate: o.allowPrivate });
      return await extractBytes(r.bytes, { uri: r.finalUrl ?? input, contentType: r.contentType ?? undefined });
    } catch (e) {
      return failedExtraction({ uri: input, sha256: '', format: 'unknown' }, 'fetch_failed', (e as Error).message);
    }
  }
  const path = resolve(input);
  try {
    const st = await fs.stat(path);
    if (st.size > o.maxBytes) {
      return failedExtraction({ path: input, sha256: '', format: 'unknown', bytes: st.size }, 'too_large', `${st.size} bytes exceeds the limit of ${o.maxBytes}`);
    }
    const bytes = await fs.readFile(path);
    // a saved crawl: an article page whose report is an attachment saved beside it
    const followed = await extractLocalAttachment(input, bytes, { root: await crawlRoot(path, o.inputs), maxBytes: o.maxBytes });
    return followed ?? (await extractBytes(bytes, { path: input }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return failedExtraction({ path: input, sha256: sha256(Buffer.alloc(0)), format: 'unknown' }, 'unreadable', `cannot read ${input}: ${err.code ?? err.message}`);
  }
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((res, rej) => {
    if (stream.write(text)) res();
    else stream.once('drain', res).once('error', rej);
  });
}

export async function run(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (typeof o === 'string') {
    process.stderr.write(`nianbao extract: ${o}\n\n${help}`);
    return 2;
  }
  const inputs = await expand(o.inputs);
  const out: NodeJS.WritableStream | WriteStream = o.out ? createWriteStream(o.out) : process.stdout;
  const progress = new Progress(inputs.length, 'extract');
  const counts = { ok: 0, flagged: 0, failed: 0 };
  for (const input of inputs) {
    const x = await extractOne(input, o);
    counts[x.status]++;
    await write(out, o.pretty ? JSON.stringify(x, null, 2) + '\n' : JSON.stringify(x) + '\n');
    progress.tick(input.length > 40 ? '…' + input.slice(-39) : input);
  }
  progress.finish();
  if (o.out) await new Promise<void>((res, rej) => (out as WriteStream).end((e?: Error | null) => (e ? rej(e) : res())));
  if (!o.quiet) {
    process.stderr.write(`nianbao extract: ${inputs.length} input(s): ${counts.ok} ok, ${counts.flagged} flagged, ${counts.failed} failed${o.out ? ` → ${o.out}` : ''}\n`);
  }
  return 0;
}
