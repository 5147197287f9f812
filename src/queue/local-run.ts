/**
 * `ingest --run`: one machine, no Redis. The sources an ingest left to do are fetched (local files read,
 * URLs through the safe fetcher of src/fetch with per-host politeness in memory), extracted in the
 * extraction thread pool and stored, in a loop over them with bounded concurrency: no queue. The store
 * writes are the workers' own (recordFetched, then the extraction with the sources' status in one
 * transaction), so a run stopped half way leaves every source `queued`, `fetched` or done, and running
 * again (or `nianbao worker`) finishes it.
 */
import { fetchDocument, FetchError, MemoryHostLimiter, RobotsCache, ROBOTS_AGENT } from '../fetch';
import type { Store, SourceRow } from '../store/types';
import type { QueueConfig } from './config';
import { extractJobs } from './config';
import { ExtractPool } from './extract-pool';
import { readLocal, isStoreUnavailable } from './stages';
import { StoreWriter } from './store-writer';

export interface LocalRunOptions {
  /** Re-extract even when an extraction of this pipeline version exists (ingest --force). */
  force?: boolean;
  /** Called after each source is done (extracted or failed). */
  onDone?: (source: SourceRow, outcome: 'extracted' | 'failed') => void;
  log?: (line: string) => void;
  /** Once aborted, no further source is started; those under way finish (Ctrl+C). */
  signal?: AbortSignal;
  /**
   * Called when no source has finished for `stallMs` (default NIANBAO_STALL_MS or 20 s), with what is
   * under way and for how long (a slow site, a long extraction), and again after each further quiet period.
   */
  onStall?: (quietMs: number, busy: Array<{ url: string; stage: 'fetch' | 'extract'; ms: number }>) => void;
  stallMs?: number;
}

export interface LocalRunResult {
  /** Sources of this run stored with an extraction (or found extracted already). */
  extracted: number;
  failed: number;
  /** This run's failures by stage:code. */
  failures: Record<string, number>;
}

/** The extraction pool of a local run (the only place this module makes one). */
function openPool(cfg: QueueConfig, documents: number): ExtractPool {
  return new ExtractPool({
    // no more threads than documents (each costs about a second of CPU to start)
    size: Math.max(1, Math.min(cfg.extract.concurrency, documents)), timeoutMs: cfg.extract.timeoutMs, mode: cfg.extract.mode,
    recycleAfter: cfg.extract.recycleAfter, recycleHeapMb: cfg.extract.recycleHeapMb,
  });
}

/**
 * Run `fn` over `items`, at most `limit` at a time. The first error stops the lanes taking more; it is
 * thrown once every call under way has ended (nothing is left running behind the caller's back).
 */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < items.length && !failed) {
      try {
        await fn(items[next++]);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const ends = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  const err = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected');
  if (err) throw err.reason;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runLocal(store: Store, cfg: QueueConfig, sources: SourceRow[], opts: LocalRunOptions = {}): Promise<LocalRunResult> {
  const log = opts.log ?? (() => undefined);
  if (!sources.length) return { extracted: 0, failed: 0, failures: {} };
  const pool = openPool(cfg, sources.length);
  const writer = new StoreWriter(store, { maxBatch: cfg.store.batch, lingerMs: cfg.store.lingerMs, isUnavailable: isStoreUnavailable });
  const limiter = new MemoryHostLimiter({ concurrency: cfg.fetch.hostConcurrency, intervalMs: cfg.fetch.hostIntervalMs });
  const robots = new RobotsCache(ROBOTS_AGENT);
  const res: LocalRunResult = { extracted: 0, failed: 0, failures: {} };
  const pipeline = opts.force ? undefined : cfg.pipeline;
  // what is under way (for the stall report) and when a source last finished
  const busy = new Map<number, { url: string; stage: 'fetch' | 'extract'; at: number }>();
  let finishedAt = Date.now();
  const onDone = (s: SourceRow, outcome: 'extracted' | 'failed') => {
    finishedAt = Date.now();
    opts.onDone?.(s, outcome);
  };

  const fail = async (s: SourceRow, stage: 'fetch' | 'extract', code: string, message: string, httpStatus?: number | null, attempt?: number) => {
    await store.markSourceFailed(s.id, { stage, code, message }, httpStatus ?? null, { attempt, onlyIfPending: true });
    res.failed++;
    res.failures[`${stage}:${code}`] = (res.failures[`${stage}:${code}`] ?? 0) + 1;
    onDone(s, 'failed');
  };

  /** Network-level errors are retried with exponential backoff, as the fetch queue does; the rest are final. */
  const download = async (s: SourceRow) => {
    for (let attempt = 1; ; attempt++) {
      try {
        if (s.url.startsWith('file:')) {
          const r = await readLocal(s.url, cfg.fetch.maxBytes);
          if (r.bytes.length === 0) throw new FetchError('empty_body', `${s.url}: empty file`);
          return { bytes: r.bytes, sha: undefined as string | undefined, info: { finalUrl: s.url, attachmentUrl: null, httpStatus: null, contentType: r.contentType }, attempt };
        }
        const r = await fetchDocument(s.url, {
          timeoutMs: cfg.fetch.timeoutMs, maxBytes: cfg.fetch.maxBytes, maxRedirects: cfg.fetch.maxRedirects,
          allowPrivate: cfg.fetch.allowPrivate, robots: cfg.fetch.robots, robotsCache: robots, limiter, userAgent: cfg.fetch.userAgent,
        });
        return { bytes: r.bytes, sha: r.sha256, info: { finalUrl: r.finalUrl, attachmentUrl: r.attachmentUrl, httpStatus: r.status, contentType: r.contentType }, attempt };
      } catch (e) {
        if (e instanceof FetchError && e.retryable && attempt < cfg.fetch.attempts) {
          await sleep(cfg.fetch.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        if (e instanceof FetchError) {
          (e as FetchError & { attempt?: number }).attempt = attempt;
          if (e.retryable) e.message = `${e.message} (gave up after ${attempt} attempts)`;
        }
        throw e;
      }
    }
  };

  const extractAndStore = async (s: SourceRow, sha: string, bytes: Uint8Array, uri: string, contentType: string | null) => {
    busy.set(s.id, { url: s.url, stage: 'extract', at: Date.now() });
    const expected = writer.expect();
    try {
      const out = await pool.runPrepared(bytes, { uri, contentType: contentType ?? undefined }, { transfer: true, sha256: sha });
      const written = writer.write({ prepared: out.prepared, durationMs: out.ms, actor: 'ingest --run', ...(opts.force ? {} : { keepExisting: true }) });
      expected();
      await written;
    } finally {
      expected();
    }
    res.extracted++;
    onDone(s, 'extracted');
  };

  const one = async (s: SourceRow) => {
    if (opts.signal?.aborted) return;
    busy.set(s.id, { url: s.url, stage: 'fetch', at: Date.now() });
    try {
      if (s.status === 'fetched' && s.sha256) {
        // fetched before (a re-extraction for a new pipeline version, or a run stopped half way)
        if (!opts.force && (await store.markIfExtracted(s.sha256, cfg.pipeline))) { res.extracted++; onDone(s, 'extracted'); return; }
        let bytes: Uint8Array;
        try {
          bytes = await store.readBlob(s.sha256);
        } catch (e) {
          await fail(s, 'extract', 'blob_missing', `blob ${s.sha256} unreadable: ${(e as Error).message}`);
          return;
        }
        await extractAndStore(s, s.sha256, bytes, s.finalUrl ?? s.url, s.contentType);
        return;
      }
      let got;
      try {
        got = await download(s);
      } catch (e) {
        if (!(e instanceof FetchError)) throw e;
        await fail(s, 'fetch', e.code, e.message, e.httpStatus, (e as FetchError & { attempt?: number }).attempt);
        return;
      }
      const doc = await store.recordFetched(s.id, got.bytes, got.info, { sha256: got.sha, pipeline, attempt: got.attempt });
      if (doc.skipped) return; // done meanwhile by another process (a worker on PostgreSQL)
      if (doc.extracted != null) { res.extracted++; onDone(s, 'extracted'); return; }
      await extractAndStore(s, doc.sha256, got.bytes, got.info.finalUrl, got.info.contentType);
    } catch (e) {
      if (isStoreUnavailable(e)) throw e; // nothing can be recorded: stop the run (what is done stays done)
      // anything else is this source's own trouble: recorded, and the run goes on
      log(`nianbao ingest --run: ${s.url}: ${(e as Error).message}`);
      await fail(s, 'extract', 'internal', String((e as Error).message ?? e));
    } finally {
      busy.delete(s.id);
    }
  };

  const stallMs = opts.stallMs ?? Number(process.env.NIANBAO_STALL_MS || 20000);
  const watch = setInterval(() => {
    const quiet = Date.now() - finishedAt;
    if (quiet < stallMs || !opts.onStall) return;
    opts.onStall(quiet, [...busy.values()].map((b) => ({ url: b.url, stage: b.stage, ms: Date.now() - b.at })));
    finishedAt = Date.now(); // again after another quiet period
  }, Math.min(1000, stallMs));
  watch.unref();

  try {
    await pool.start();
    // enough in flight that the threads never wait on the store or on reading a file; more for URLs
    // (network-bound, each host held to its politeness limits)
    const urls = sources.filter((s) => !s.url.startsWith('file:') && s.status === 'queued').length;
    const limit = urls > sources.length / 2 ? Math.max(extractJobs(cfg), cfg.fetch.concurrency) : extractJobs(cfg);
    await eachLimited(sources, limit, one);
    await writer.drain();
  } finally {
    clearInterval(watch);
    await pool.close();
  }
  return res;
}
