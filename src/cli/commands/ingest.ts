/** nianbao ingest: queue crawled report URLs (or local files) for the fetch and extract workers. */
import { openStore, storeConfigFromEnv, type Store } from '../../store';
import { queueConfigFromEnv, forStore, queuePrefix, type QueueConfig } from '../../queue/config';
import { openQueues, queueCounts, redisTrouble, type Queues } from '../../queue/queues';
import { collectEntries, ingest, ingestLocal, type IngestEntry, type IngestResult } from '../../queue/ingest';
import { reconcile } from '../../queue/reconcile';
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
