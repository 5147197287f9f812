/** nianbao ingest: queue crawled report URLs (or local files) for the fetch and extract workers. */
import { openStore, storeConfigFromEnv, type Store } from '../../store';
import { queueConfigFromEnv, forStore, queuePrefix, type QueueConfig } from '../../queue/config';
import { openQueues, queueCounts, redisTrouble, type Queues } from '../../queue/queues';
import { collectEntries, ingest, ingestLocal, type IngestEntry, type IngestResult } from '../../queue/ingest';
import { reconcile } from '../../queue/reconcile';
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
  --wait             wait until every queued source is extracted or failed (progress bar); says
                     when nothing has moved for a while, and why (NIANBAO_STALL_MS, default 20000);
                     needs PostgreSQL (DATABASE_URL): the embedded store is one process at a time
  --run              fetch and extract here, now, without Redis (one machine: the extraction
                     thread pool, NIANBAO_EXTRACT_CONCURRENCY threads) and store the results
  --allow-private    with --run: allow loopback/private targets (local testing only)
  --json             print the result as JSON

Environment: REDIS_URL (not used by --run), DATABASE_URL (else PGlite in NIANBAO_DATA), NIANBAO_QUEUE_PREFIX; see docs/queue.md.
Exit status: 0 done; 1 some sources failed (with --wait/--run); 2 bad usage, Redis unreachable, or
--wait on the embedded store; 3 the embedded store is open in another process; 130 --run stopped (Ctrl+C).`;

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
  const base = queueConfigFromEnv();
  if (flags.has('--allow-private')) base.fetch.allowPrivate = true;
  if (!flags.has('--run')) {
    // what cannot work is said before anything is recorded
    const refusal = flags.has('--wait') && !storeConfigFromEnv().databaseUrl ? WAIT_ON_EMBEDDED : await checkRedis(base);
    if (refusal) {
      process.stderr.write(`nianbao ingest: ${refusal}\n`);
      return 2;
    }
  }
  const store = await openStore();
  try {
    const cfg = forStore(base, store);
    const opts = { force: flags.has('--force'), json: flags.has('--json') };
    if (flags.has('--run')) return await runHere(store, cfg, entries, opts);
    return await queueForWorkers(store, cfg, entries, { ...opts, wait: flags.has('--wait') });
  } finally {
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
  const base = queueConfigFromEnv();
  if (flags.has('--allow-private')) base.fetch.allowPrivate = true;
  // discovery runs in the queue's discover stage, so it needs Redis even with --run
  const trouble = await checkRedis(base);
  if (trouble) {
    process.stderr.write(`nianbao ingest: --discover ${trouble}\n`);
    return 2;
  }
  if (flags.has('--wait') && !flags.has('--run') && !storeConfigFromEnv().databaseUrl) {
    process.stderr.write(`nianbao ingest: ${WAIT_ON_EMBEDDED}\n`);
    return 2;
  }
  const store = await openStore();
  const cfg = forStore(base, store);
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

function printIngested(res: IngestResult, json: boolean, final: boolean): void {
  if (json && final) process.stdout.write(JSON.stringify(res) + '\n');
  else if (!json) {
    const rec = res.reconciled ? `, ${res.reconciled} pending from earlier runs re-queued (their jobs were gone)` : '';
    process.stderr.write(`batch ${res.batch}: ${res.total} inputs, ${res.queued} new, ${res.requeued} re-queued, ${res.reextract} to re-extract, ${res.skipped} already done${rec}\n`);
  }
}

async function printDone(store: Store, cfg: QueueConfig, res: IngestResult, json: boolean): Promise<number> {
  const c = await store.counts(cfg.pipeline, res.batch);
  const summaryObj = { ...res, extracted: c.sources.extracted, failed: c.sources.failed, failures: c.failures };
  if (json) process.stdout.write(JSON.stringify(summaryObj) + '\n');
  else process.stderr.write(`done: ${c.sources.extracted} extracted, ${c.sources.failed} failed ${JSON.stringify(c.failures)}\n`);
  return c.sources.failed ? 1 : 0;
}

/** --run: no Redis; fetch, extract (thread pool) and store in this process (src/queue/local-run.ts). */
async function runHere(store: Store, cfg: QueueConfig, entries: IngestEntry[], opts: { force: boolean; json: boolean }): Promise<number> {
  const { runLocal } = require('../../queue/local-run') as typeof import('../../queue/local-run');
  const bar = new Progress('ingest');
  const { res, todo } = await ingestLocal(store, cfg, entries, { force: opts.force, onProgress: (d, t) => bar.update(d, t) });
  bar.done();
  printIngested(res, opts.json, false);
  const bar2 = new Progress('process');
  let done = 0;
  let failed = 0;
  // Ctrl+C (or SIGTERM): start nothing more, finish what is under way, close the store; twice: at once
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    process.stderr.write('\nnianbao ingest --run: stopping after the documents under way (again to stop at once); run the same ingest again to finish\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let out;
  try {
    out = await runLocal(store, cfg, todo, {
      force: opts.force,
      signal: stop.signal,
      log: (l) => process.stderr.write(l + '\n'),
      onDone: (_s, outcome) => {
        done++;
        if (outcome === 'failed') failed++;
        bar2.update(done, todo.length, `failed ${failed}`);
      },
      onStall: (quietMs, busy) => {
        const list = busy.slice(0, 5).map((b) => `${b.url} (${b.stage === 'fetch' ? 'fetching' : 'extracting'} for ${Math.round(b.ms / 1000)} s)`).join(', ');
        process.stderr.write(`\nnianbao ingest --run: no document finished for ${Math.round(quietMs / 1000)} s; under way: ${list || 'nothing'}` +
          `${busy.length > 5 ? ` and ${busy.length - 5} more` : ''} (limits: NIANBAO_FETCH_TIMEOUT_MS per request, NIANBAO_EXTRACT_TIMEOUT_MS per document)\n`);
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  bar2.done();
  // this run's own figures (sources re-queued from earlier batches count too)
  if (stop.signal.aborted) {
    process.stderr.write(`stopped: ${out.extracted} extracted, ${out.failed} failed, ${todo.length - out.extracted - out.failed} left to do\n`);
    return 130;
  }
  if (opts.json) process.stdout.write(JSON.stringify({ ...res, ...out }) + '\n');
  else process.stderr.write(`done: ${out.extracted} extracted, ${out.failed} failed ${JSON.stringify(out.failures)}\n`);
  return out.failed ? 1 : 0;
}

/** Waiting here would hold the embedded store, so no worker could open it to do the work. */
const WAIT_ON_EMBEDDED = '--wait cannot work on the embedded store: it is open in one process at a time, so no worker could store ' +
  'the results while this waits. Use --run (fetch and extract in this process, no Redis), or PostgreSQL (DATABASE_URL) for separate workers.';

/** Fail fast, with a hint, when Redis cannot be reached (ioredis would otherwise retry for ever). */
async function checkRedis(cfg: QueueConfig): Promise<string | null> {
  const trouble = await redisTrouble(cfg);
  return trouble && `cannot reach Redis at ${cfg.redisUrl} (${trouble}).\n` +
    'Start Redis (see docs/queue.md), or run on this machine without Redis: nianbao ingest --run ...';
}


/** Queue for the workers (`nianbao worker`); with --wait, follow the batch until done. */
async function queueForWorkers(store: Store, cfg: QueueConfig, entries: IngestEntry[], opts: { force: boolean; json: boolean; wait: boolean }): Promise<number> {
  const queues = openQueues(cfg);
  try {
    const bar = new Progress('ingest');
    const res = await ingest(store, queues, cfg, entries, { force: opts.force, onProgress: (d, t) => bar.update(d, t) });
    bar.done();
    printIngested(res, opts.json, !opts.wait);
    if (!opts.wait) return 0;
    await waitForBatch(store, queues, cfg, res.batch);
    return printDone(store, cfg, res, opts.json);
  } finally {
    await queues.close();
  }
}

/**
 * Follow a batch until every source is extracted or failed. When nothing has moved for NIANBAO_STALL_MS,
 * say why (diagnoseStall), so a run that cannot finish does not spin silently at the same percentage.
 */
export async function waitForBatch(store: Store, queues: Queues, cfg: QueueConfig, batch: string, stallMs = Number(process.env.NIANBAO_STALL_MS || 20000)): Promise<void> {
  const bar = new Progress('process');
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const c = await store.counts(cfg.pipeline, batch);
    const done = c.sources.extracted + c.sources.failed;
    // progress is a source finishing, or one moving from queued to fetched
    const mark = done * 2 + c.sources.fetched;
    if (mark !== last) { last = mark; movedAt = Date.now(); }
    bar.update(done, c.sources.total, `failed ${c.sources.failed}`);
    if (c.sources.queued + c.sources.fetched === 0) { bar.done(); return; }
    if (Date.now() - movedAt >= stallMs) {
      const why = await diagnoseStall(store, queues, cfg, stallMs).catch((e) => [`could not ask the queue why: ${(e as Error).message}`]);
      process.stderr.write(`\nnianbao ingest: nothing has moved for ${Math.round((Date.now() - movedAt) / 1000)} s (${c.sources.queued} queued, ${c.sources.fetched} fetched): ${why.join('; ')}\n`);
      movedAt = Date.now(); // say it again after another quiet period
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Why nothing moves: lost jobs (re-queued here), no worker on a queue that has work, retries waiting. */
export async function diagnoseStall(store: Store, queues: Queues, cfg: QueueConfig, minAgeMs: number): Promise<string[]> {
  const out: string[] = [];
  const r = await reconcile(store, queues, cfg, { minAgeMs });
  if (r.requeued) out.push(`${r.requeued} sources pending in the store had no job: re-queued`);
  const [q, fw, xw] = await Promise.all([queueCounts(queues), queues.fetch.getWorkersCount(), queues.extract.getWorkersCount()]);
  const prefix = queuePrefix(cfg);
  const hint = 'start `nianbao worker` with the same REDIS_URL, DATABASE_URL (or NIANBAO_DATA) and NIANBAO_QUEUE_PREFIX, or use --run';
  const waiting = (x: Record<string, number>) => (x.waiting ?? 0) + (x.prioritized ?? 0) + (x.delayed ?? 0);
  if (fw === 0 && (waiting(q.fetch) > 0 || r.requeued)) out.push(`no worker is consuming queue ${prefix}:fetch (${waiting(q.fetch)} jobs waiting): ${hint}`);
  if (xw === 0 && waiting(q.extract) > 0) out.push(`no worker is consuming queue ${prefix}:extract (${waiting(q.extract)} jobs waiting): ${hint}`);
  const delayed = (q.fetch.delayed ?? 0) + (q.extract.delayed ?? 0);
  if (delayed && (fw || xw)) out.push(`${delayed} jobs delayed (retries after network errors, host politeness, or waiting out a store outage)`);
  const active = (q.fetch.active ?? 0) + (q.extract.active ?? 0);
  if (active) out.push(`${active} jobs active (slow downloads or long extractions; the per-document limit is NIANBAO_EXTRACT_TIMEOUT_MS)`);
  if (!out.length) out.push(`${fw} fetch and ${xw} extract workers connected, no job waiting or running for this store`);
  return out;
}
