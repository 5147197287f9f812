/** nianbao ingest: queue crawled report URLs (or local files) for the fetch and extract workers. */
import { openStore } from '../../store';
import { queueConfigFromEnv } from '../../queue/config';
import { openQueues } from '../../queue/queues';
import { collectEntries, ingest } from '../../queue/ingest';
import { Progress } from '../../queue/progress';
import { enqueueColumns } from '../../queue/discover';
import { columnCounts } from '../../store/columns';

export const summary = 'queue report URLs, URL lists, CSVs, files or directories for the workers';

export const help = `Usage: nianbao ingest <urls.txt|list.csv|file|dir|URL|->... [options]

Queues every URL (or local report file) for the fetch → extract workers. Inputs:
  urls.txt     one URL or local path a line (# comments allowed)
  list.csv     a CSV with a URL column (url/link/网址) and optional agency and year hint columns
  dir/         every .pdf/.doc/.docx/.html/.txt file under it
  report.pdf   a report file itself;  -  reads a list from standard input
With --discover, each URL (or each URL of a list) is an agency's annual-report column (栏目): its
listing pages are crawled (pagination followed within the column, on its site) and every listed
report is queued as its own source, tagged with the column. Re-running it queues only new reports.

Idempotent: a URL already stored or failed is not queued again, and content (sha256) already
extracted by this pipeline version is not extracted again. A new pipeline version re-extracts
from the stored bytes without refetching.

Options:
  --discover         the inputs are report columns (listing pages): discover their reports
  --force            process everything again (refetch and re-extract)
  --wait             wait until every queued source is extracted or failed (progress bar)
  --run              also run the workers in this process until done (single machine; the only
                     way to use the embedded PGlite store, which one process at a time can open)
  --allow-private    with --run: allow loopback/private targets (local testing only)
  --json             print the result as JSON

Environment: REDIS_URL, DATABASE_URL (else PGlite in NIANBAO_DATA), NIANBAO_QUEUE_PREFIX; see docs/queue.md.
Exit status: 0 done; 1 some sources failed (with --wait/--run); 2 bad usage.`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function run(argv: string[]): Promise<number> {
  const inputs: string[] = [];
  const flags = new Set<string>();
  for (const a of argv) {
    if (a.startsWith('--')) flags.add(a);
    else inputs.push(a);
  }
  const known = ['--force', '--wait', '--run', '--json', '--allow-private', '--discover'];
  const bad = [...flags].filter((f) => !known.includes(f));
  if (bad.length || !inputs.length) {
    process.stderr.write(`nianbao ingest: ${bad.length ? 'unknown option ' + bad.join(' ') : 'nothing to ingest'}\n\n${help}\n`);
    return 2;
  }
  if (flags.has('--discover')) return discover(inputs, flags);
  let entries;
  try {
    entries = await collectEntries(inputs, readStdin);
  } catch (e) {
    process.stderr.write(`nianbao ingest: ${(e as Error).message}\n`);
    return 2;
  }
  const cfg = queueConfigFromEnv();
  if (flags.has('--allow-private')) cfg.fetch.allowPrivate = true;
  const store = await openStore();
  const queues = openQueues(cfg);
  let running: { close(): Promise<void> } | null = null;
  try {
    const bar = new Progress('ingest');
    const res = await ingest(store, queues, cfg, entries, { force: flags.has('--force'), onProgress: (d, t) => bar.update(d, t) });
    bar.done();
    if (flags.has('--json') && !flags.has('--wait') && !flags.has('--run')) process.stdout.write(JSON.stringify(res) + '\n');
    else if (!flags.has('--json')) {
      process.stderr.write(`batch ${res.batch}: ${res.total} inputs, ${res.queued} new, ${res.requeued} re-queued, ${res.reextract} to re-extract, ${res.skipped} already done\n`);
    }
    if (!flags.has('--wait') && !flags.has('--run')) return 0;
    if (flags.has('--run')) {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { startWorkers } = require('../../../workers') as typeof import('../../../workers');
      running = await startWorkers({ cfg, store });
    }
    const bar2 = new Progress('process');
    for (;;) {
      const c = await store.counts(cfg.pipeline, res.batch);
      const done = c.sources.extracted + c.sources.failed;
      bar2.update(done, c.sources.total, `failed ${c.sources.failed}`);
      if (c.sources.queued + c.sources.fetched === 0) {
        bar2.done();
        const summaryObj = { ...res, extracted: c.sources.extracted, failed: c.sources.failed, failures: c.failures };
        if (flags.has('--json')) process.stdout.write(JSON.stringify(summaryObj) + '\n');
        else process.stderr.write(`done: ${c.sources.extracted} extracted, ${c.sources.failed} failed ${JSON.stringify(c.failures)}\n`);
        return c.sources.failed ? 1 : 0;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await running?.close();
    await queues.close();
    await store.close();
  }
}

/**
 * ingest --discover: store the columns, queue one discovery run of each, and (--wait/--run) wait until
 * every column is crawled and every report it listed is extracted or failed.
 */
async function discover(inputs: string[], flags: Set<string>): Promise<number> {
  if (flags.has('--force')) {
    process.stderr.write('nianbao ingest: --force does not apply to --discover (a column run always re-reads the listing; known reports are not fetched again)\n');
    return 2;
  }
  let urls: string[];
  try {
    urls = (await collectEntries(inputs, readStdin)).map((e) => e.url);
    const bad = urls.filter((u) => !/^https?:/i.test(u));
    if (bad.length) throw new Error(`a column must be an http(s) URL: ${bad[0]}`);
  } catch (e) {
    process.stderr.write(`nianbao ingest: ${(e as Error).message}\n`);
    return 2;
  }
  const cfg = queueConfigFromEnv();
  if (flags.has('--allow-private')) cfg.fetch.allowPrivate = true;
  const store = await openStore();
  let running: { close(): Promise<void> } | null = null;
  try {
    const { batch, columns } = await enqueueColumns(store, cfg, urls);
    if (!flags.has('--json')) process.stderr.write(`batch ${batch}: ${columns.length} column(s) queued for discovery\n`);
    else if (!flags.has('--wait') && !flags.has('--run')) process.stdout.write(JSON.stringify({ batch, columns: columns.map((c) => ({ id: c.id, url: c.url })) }) + '\n');
    if (!flags.has('--wait') && !flags.has('--run')) return 0;
    if (flags.has('--run')) {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { startWorkers } = require('../../../workers') as typeof import('../../../workers');
      running = await startWorkers({ cfg, store });
    }
    const ids = new Set(columns.map((c) => c.id));
    const bar = new Progress('discover');
    for (;;) {
      const cols = (await columnCounts(store, cfg.pipeline)).filter((c) => ids.has(c.id));
      const crawling = cols.filter((c) => c.status === 'queued' || c.status === 'discovering').length;
      const found = cols.reduce((s, c) => s + c.found, 0);
      const done = cols.reduce((s, c) => s + c.extracted + c.failed, 0);
      bar.update(done, found, `${crawling} column(s) crawling`);
      if (!crawling && cols.every((c) => c.queued === 0)) {
        bar.done();
        if (flags.has('--json')) process.stdout.write(JSON.stringify({ batch, columns: cols }) + '\n');
        else for (const c of cols) process.stderr.write(columnLine(c) + '\n');
        return cols.some((c) => c.failed || c.status === 'failed') ? 1 : 0;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await running?.close();
    await store.close();
  }
}

/** One column's line in ingest and status output. */
export function columnLine(c: Awaited<ReturnType<typeof columnCounts>>[number]): string {
  const err = c.error ? ` · ${c.error.code}: ${c.error.message}` : '';
  const mism = c.yearMismatches ? `, ${c.yearMismatches} year ≠ title` : '';
  return `column ${c.id} ${c.status} ${c.url}: ${c.found} found (${c.newReports} new in the last run), ${c.extracted} extracted, ${c.failed} failed, ${c.queued} pending${mism}; ${c.pages} page(s), ${c.skipped} not reports/off-site${err}`;
}
