/** nianbao ingest: queue crawled report URLs (or local files) for the fetch and extract workers. */
import { openStore } from '../../store';
import { queueConfigFromEnv } from '../../queue/config';
import { openQueues } from '../../queue/queues';
import { collectEntries, ingest } from '../../queue/ingest';
import { Progress } from '../../queue/progress';

export const summary = 'queue report URLs, URL lists, CSVs, files or directories for the workers';

export const help = `Usage: nianbao ingest <urls.txt|list.csv|file|dir|URL|->... [options]

Queues every URL (or local report file) for the fetch → extract workers. Inputs:
  urls.txt     one URL or local path a line (# comments allowed)
  list.csv     a CSV with a URL column (url/link/网址) and optional agency and year hint columns
  dir/         every .pdf/.doc/.docx/.html/.txt file under it
  report.pdf   a report file itself;  -  reads a list from standard input

Idempotent: a URL already stored or failed is not queued again, and content (sha256) already
extracted by this pipeline version is not extracted again. A new pipeline version re-extracts
from the stored bytes without refetching.

Options:
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
  const known = ['--force', '--wait', '--run', '--json', '--allow-private'];
  const bad = [...flags].filter((f) => !known.includes(f));
  if (bad.length || !inputs.length) {
    process.stderr.write(`nianbao ingest: ${bad.length ? 'unknown option ' + bad.join(' ') : 'nothing to ingest'}\n\n${help}\n`);
    return 2;
  }
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
