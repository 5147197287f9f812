/**
 * The two job processors. Both are idempotent: they read the store first and do nothing twice
 * (a job retried after a crash, or a duplicate job, finds its work done and only fixes up statuses).
 * Every terminal failure is written to the store with its stage, code and message.
 * A fetch job usually extracts its document itself (one job per document); the extract queue takes
 * what it hands off (see extractHere), re-extractions queued by ingest, and retries.
 */
import { promises as fs } from 'fs';
import { extname } from 'path';
import { fileURLToPath } from 'url';
import { DelayedError, type Job } from 'bullmq';
import { fetchDocument, FetchError, RobotsCache, ROBOTS_AGENT, type HostLimiter } from '../fetch';
import type { Store } from '../store/types';
import type { QueueConfig } from './config';
import type { ExtractPool } from './extract-pool';
import type { BlobCache, StepTimes } from './blob-cache';
import type { StoreWriter } from './store-writer';
import type { ExtractionWrite, RecordedExtraction } from '../store/types';
import { HostBusyError } from './host-limiter';
import { extractJobId, extractJobOptions, type ExtractJobData, type FetchJobData, type Queues } from './queues';

export interface StageContext {
  store: Store;
  cfg: QueueConfig;
  queues: Queues;
  limiter: HostLimiter | null;
  robots: RobotsCache;
  pool: ExtractPool;
  /** Called after each stored extraction (bench/metrics). */
  onExtracted?: (info: { sha256: string; ms: number; status: string }) => void;
  /** Bytes just fetched by this process, for its own extract jobs (skips re-reading the blob). */
  recent?: BlobCache;
  /** Per-step timings (profiling). */
  times?: StepTimes;
  /**
   * Set when this process runs the extract stage too: a fetch job then extracts its document itself
   * (see extractHere) instead of handing it to the extract queue.
   */
  inline?: InlinePolicy;
  /** When the store was last found unreachable (processFetch asks it before fetching for a while after). */
  storeTrouble?: StoreTrouble;
  /** Stores this process's extraction writes, several to a transaction (group commit). */
  writer: StoreWriter;
}

/** The store was unreachable a short while ago (set by waitingOutStoreOutages). */
export class StoreTrouble {
  private at = 0;
  constructor(private readonly forMs = 60_000) {}
  seen(): void {
    this.at = Date.now();
  }
  recent(): boolean {
    return this.at > 0 && Date.now() - this.at < this.forMs;
  }
}

/** When a fetch job extracts its document itself rather than queueing an extract job (see extractHere). */
export interface InlinePolicy {
  /** Bytes of documents fetch jobs may hold while waiting for a thread (the blob cache's budget). */
  maxWaitingBytes: number;
  /** A fetch that took longer than this hands off whenever no thread is free (slow sites: free the slot). */
  slowFetchMs: number;
  /** Bytes held now by fetch jobs extracting their documents (waiting for a thread or in one). */
  heldBytes: number;
}

const step = <T>(ctx: StageContext, name: string, fn: () => Promise<T>): Promise<T> => (ctx.times ? ctx.times.time(name, fn) : fn());

export type FetchOutcome =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'fetched'; sha256: string; extract: 'queued' | 'exists' | 'stored' | 'failed'; id?: number; status?: string }
  | { outcome: 'failed'; code: string };

const FILE_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf', '.doc': 'application/msword', '.html': 'text/html', '.htm': 'text/html', '.txt': 'text/plain',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/**
 * The store cannot be reached (PostgreSQL restarting or shut down, connection dropped): nothing is
 * wrong with the job itself, so it must wait, not use up its attempts and end as a failure that
 * could not even be recorded.
 */
export function isStoreUnavailable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  if (/^08/.test(code)) return true; // SQLSTATE class 08: connection exception
  const msg = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|terminating connection|Client has encountered a connection error|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|Connection ended unexpectedly/i.test(msg);
}

/** How long a job waits before trying the store again (with jitter, so workers do not retry in step). */
export const STORE_OUTAGE_WAIT_MS = 3000;

/**
 * Run a stage's processor; if the store is unavailable, put the job back as delayed (its attempts
 * untouched) to be retried after a pause, for as long as the outage lasts.
 */
export async function waitingOutStoreOutages<T>(job: Job, token: string | undefined, fn: () => Promise<T>, trouble?: StoreTrouble): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (token && !(e instanceof DelayedError) && isStoreUnavailable(e)) {
      trouble?.seen();
      await job.moveToDelayed(Date.now() + STORE_OUTAGE_WAIT_MS + Math.floor(Math.random() * 1000), token);
      throw new DelayedError();
    }
    throw e;
  }
}

function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Extract in this fetch job, or hand off to the extract queue? The two queues exist so that slow sites
 * never hold up parsing and parsing never holds up fetching; a hand-off costs a second job (Redis, a
 * "done already?" query, often a blob read) for every document, so a fetch job extracts its own document
 * whenever that holds up nothing:
 * - this process must run the extract stage (`nianbao worker --stage fetch` always hands off);
 * - a thread is free: extract at once;
 * - no thread is free: wait for one if the fetch was quick (local files, a fast site: extraction is the
 *   bottleneck, and a backlog is better kept as unfetched jobs than as a second queue) and the documents
 *   held waiting stay within the memory budget; after a slow fetch, hand off, so the slot goes back to
 *   fetching (when the network is the bottleneck, threads are usually free anyway).
 * Extract-only workers on other machines take what is handed off.
 */
export function extractHere(ctx: StageContext, bytes: number, fetchMs: number): boolean {
  const p = ctx.inline;
  if (!p) return false;
  if (ctx.pool.idleThreads > 0 && p.heldBytes + bytes <= Math.max(p.maxWaitingBytes, bytes)) return true;
  return fetchMs <= p.slowFetchMs && p.heldBytes + bytes <= p.maxWaitingBytes;
}

type ExtractData = Omit<ExtractJobData, 'sha256'>;

/**
 * A fetch job extracts its own document (extractHere said so), holding its bytes against the memory budget
 * meanwhile. With `fetched` (content new to the blob directory), the download is recorded in the
 * extraction's own statement, and an extraction of the same content stored meanwhile by another job is kept.
 */
async function extractHereAndStore(ctx: StageContext, sha256: string, bytes: Uint8Array | null, ref: { uri?: string; contentType?: string | null }, fetched?: ExtractionWrite['fetched']): Promise<FetchOutcome & { outcome: 'fetched' }> {
  const p = ctx.inline as InlinePolicy;
  const size = bytes?.length ?? 0;
  p.heldBytes += size;
  let r: ExtractJobOutcome;
  try {
    r = await extractAndStore(ctx, sha256, bytes, ref, fetched);
  } finally {
    p.heldBytes -= size;
  }
  if (r.outcome === 'stored') return { outcome: 'fetched', sha256, extract: r.kept ? 'exists' : 'stored', id: r.id, status: r.status };
  return { outcome: 'fetched', sha256, extract: 'failed' };
}

/**
 * Stored content whose extraction is due: extract it here (`here`, decided by extractHere) or queue
 * the extract job. `bytes`, when given, are the fetched bytes (they may move to the extraction thread).
 */
async function extractOrHandOff(ctx: StageContext, sha256: string, data: ExtractData, bytes: Uint8Array | null, here: boolean): Promise<FetchOutcome & { outcome: 'fetched' }> {
  if (here) return extractHereAndStore(ctx, sha256, bytes, { uri: data.uri, contentType: data.contentType });
  if (bytes) ctx.recent?.put(sha256, bytes);
  const force = data.force ? `r${Date.now().toString(36)}` : null;
  await step(ctx, 'fetch.enqueue', () => ctx.queues.extract.add('extract', { sha256, ...data }, { ...extractJobOptions(ctx.cfg), jobId: extractJobId(ctx.cfg, sha256, force) }));
  return { outcome: 'fetched', sha256, extract: 'queued' };
}

/** Extraction of stored content (a fetch job retried after its fetch was stored): unless it exists for this pipeline version. */
export async function ensureExtract(ctx: StageContext, sha256: string, data: ExtractData): Promise<FetchOutcome & { outcome: 'fetched' }> {
  if (!data.force) {
    // one statement: is it extracted already? then mark this content's fetched sources extracted
    if (await step(ctx, 'fetch.check', () => ctx.store.markIfExtracted(sha256, ctx.cfg.pipeline))) return { outcome: 'fetched', sha256, extract: 'exists' };
  }
  return extractOrHandOff(ctx, sha256, data, null, extractHere(ctx, 0, 0));
}

export async function readLocal(url: string, maxBytes: number): Promise<{ bytes: Uint8Array; contentType: string | null }> {
  const path = fileURLToPath(url);
  let st;
  try {
    st = await fs.stat(path);
  } catch (e) {
    throw new FetchError('http_error', `${path}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}`, false, 404);
  }
  if (st.size > maxBytes) throw new FetchError('too_large', `${path}: ${st.size} bytes exceeds the limit of ${maxBytes}`);
  return { bytes: new Uint8Array(await fs.readFile(path)), contentType: FILE_TYPES[extname(path).toLowerCase()] ?? null };
}

export async function processFetch(ctx: StageContext, job: Job<FetchJobData>, token?: string): Promise<FetchOutcome> {
  const { store } = ctx;
  const attempt = job.attemptsMade + 1;
  let src: { id: number; url: string } = { id: job.data.sourceId, url: job.data.url };
  // A job's first run is for a `queued` source (ingest queues nothing else): it fetches at once, and the
  // statement that records the fetch checks the status and counts the attempt. A retry, a job taken over
  // from a crashed worker, or any job shortly after store trouble asks the store first (one statement):
  // the work may be done, or half done (fetched: extracted from the stored blob, not fetched again), and
  // while the store is down nothing is fetched. A job queued by reconciliation asks too.
  if (attempt > 1 || (job.stalledCounter ?? 0) > 0 || job.data.recheck || ctx.storeTrouble?.recent()) {
    const { source, claimed } = await step(ctx, 'fetch.claim', () => store.claimSource(job.data.sourceId));
    if (!source) return { outcome: 'skipped', reason: 'source not in the store' };
    if (!claimed) {
      // Done before (a duplicate job, or a retry after a crash that happened after the work was stored).
      // A forced re-run finds the source requeued by ingest, so it passes.
      if (source.status === 'extracted' || source.status === 'failed') return { outcome: 'skipped', reason: `source already ${source.status}` };
      if (source.status === 'fetched' && source.sha256) {
        return ensureExtract(ctx, source.sha256, { sourceId: source.id, uri: source.finalUrl ?? source.url, contentType: source.contentType, force: job.data.force });
      }
      return { outcome: 'skipped', reason: `source ${source.status}` };
    }
    src = source;
  }
  return fetchAndStore(ctx, job, token, src, attempt);
}

async function fetchAndStore(ctx: StageContext, job: Job<FetchJobData>, token: string | undefined, src: { id: number; url: string }, attempt: number): Promise<FetchOutcome> {
  const { store, cfg } = ctx;
  try {
    const t0 = Date.now();
    let bytes: Uint8Array;
    let sha: string | undefined;
    let contentType: string | null;
    let finalUrl = src.url;
    let attachmentUrl: string | null = null;
    let httpStatus: number | null = null;
    if (src.url.startsWith('file:')) {
      ({ bytes, contentType } = await readLocal(src.url, cfg.fetch.maxBytes));
      if (bytes.length === 0) throw new FetchError('empty_body', `${src.url}: empty file`);
    } else {
      const r = await step(ctx, 'fetch.http', () => fetchDocument(src.url, {
        timeoutMs: cfg.fetch.timeoutMs,
        maxBytes: cfg.fetch.maxBytes,
        maxRedirects: cfg.fetch.maxRedirects,
        allowPrivate: cfg.fetch.allowPrivate,
        robots: cfg.fetch.robots,
        robotsCache: ctx.robots,
        limiter: ctx.limiter,
        userAgent: cfg.fetch.userAgent,
        sameSiteAs: job.data.site,
      }));
      bytes = r.bytes;
      sha = r.sha256;
      contentType = r.contentType;
      finalUrl = r.finalUrl;
      attachmentUrl = r.attachmentUrl;
      httpStatus = r.status;
    }
    const here = extractHere(ctx, bytes.length, Date.now() - t0);
    if (here && !job.data.force) {
      // Content new to the blob directory has never been fetched, so no extraction of it exists: extract at
      // once and record the download with the extraction, in one statement (the extraction's). Content seen
      // before asks the store first (below): it is usually extracted already.
      const blob = await step(ctx, 'fetch.blob', () => store.putBlob(bytes, sha));
      if (!blob.existed) {
        const fetched = { sourceId: src.id, info: { finalUrl, attachmentUrl, httpStatus, contentType }, bytes: bytes.length, blobPath: blob.blobPath, attempt };
        return await extractHereAndStore(ctx, blob.sha256, bytes, { uri: finalUrl, contentType }, fetched);
      }
      sha = blob.sha256;
    }
    // blob + document + source status + "extracted already?" in one statement (not asked when forced).
    // Extracting here, its commit need not wait for the WAL flush: the extraction's commit flushes it.
    // Handing off, it must be durable before the extract job exists.
    const doc = await step(ctx, 'fetch.store', () =>
      store.recordFetched(src.id, bytes, { finalUrl, attachmentUrl, httpStatus, contentType }, { sha256: sha, pipeline: job.data.force ? undefined : cfg.pipeline, asyncCommit: here, attempt }));
    if (doc.skipped) return { outcome: 'skipped', reason: doc.skipped === 'missing' ? 'source not in the store' : `source already ${doc.skipped}` };
    if (doc.extracted != null) return { outcome: 'fetched', sha256: doc.sha256, extract: 'exists' };
    return await extractOrHandOff(ctx, doc.sha256, { sourceId: src.id, uri: finalUrl, contentType, force: job.data.force, yearHint: job.data.yearHint }, bytes, here);
  } catch (e) {
    if (e instanceof HostBusyError && token) {
      // Politeness: give the slot back to other hosts and come back later (does not use up an attempt).
      await job.moveToDelayed(Date.now() + e.retryInMs + Math.floor(Math.random() * 500), token);
      throw new DelayedError();
    }
    if (e instanceof FetchError) {
      if (e.retryable && !isFinalAttempt(job)) throw e; // BullMQ retries with exponential backoff
      const msg = e.retryable ? `${e.message} (gave up after ${attempt} attempts)` : e.message;
      await store.markSourceFailed(src.id, { stage: 'fetch', code: e.code, message: msg }, e.httpStatus, { attempt, onlyIfPending: true });
      return { outcome: 'failed', code: e.code };
    }
    throw e; // infrastructure trouble (store, Redis): retried; the final failure is recorded by the worker's 'failed' handler
  }
}

export type ExtractJobOutcome =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'stored'; id: number; status: string; ms: number; timedOut: boolean; kept?: boolean }
  | { outcome: 'failed'; code: string };

export async function processExtract(ctx: StageContext, job: Job<ExtractJobData>): Promise<ExtractJobOutcome> {
  const { store, cfg } = ctx;
  const { sha256 } = job.data;
  if (!job.data.force || job.attemptsMade > 0) {
    // Done before (a duplicate job, or a re-run after a crash)? One statement checks and fixes up statuses.
    const since = job.data.force ? new Date(job.timestamp) : undefined;
    const have = await step(ctx, 'extract.check', () => store.markIfExtracted(sha256, cfg.pipeline, { since }));
    if (have) return { outcome: 'skipped', reason: `extraction ${have.id} exists` };
  }
  return extractAndStore(ctx, sha256, null, { uri: job.data.uri, contentType: job.data.contentType });
}

/**
 * Extract stored content (the bytes given, else from this process's recent fetches, else from the blob
 * directory) in a thread and store the result: extraction + audit + cross-checks + the sources' status in
 * one transaction (with `fetched`, the download too), shared with other jobs' writes by the StoreWriter.
 */
async function extractAndStore(ctx: StageContext, sha256: string, given: Uint8Array | null, ref: { uri?: string; contentType?: string | null }, fetched?: ExtractionWrite['fetched']): Promise<ExtractJobOutcome> {
  const { store } = ctx;
  // this job's write is on its way: a batch being gathered may wait for it (see StoreWriter)
  const expected = ctx.writer.expect();
  try {
    let bytes = given ?? ctx.recent?.take(sha256);
    if (!bytes) {
      try {
        bytes = await step(ctx, 'extract.read', () => store.readBlob(sha256));
      } catch (e) {
        const message = `blob ${sha256} unreadable: ${(e as Error).message}`;
        for (const s of await store.listSources({ sha256, status: 'fetched' })) {
          await store.markSourceFailed(s.id, { stage: 'extract', code: 'blob_missing', message });
        }
        return { outcome: 'failed', code: 'blob_missing' };
      }
    }
    // The thread extracts and serialises for the store; the bytes move to it (not copied).
    const out = await step(ctx, 'extract.thread', () => ctx.pool.runPrepared(bytes as Uint8Array, { uri: ref.uri, contentType: ref.contentType ?? undefined }, { transfer: true, sha256 }));
    const write: ExtractionWrite = { prepared: out.prepared, durationMs: out.ms, actor: 'worker', ...(fetched ? { fetched, keepExisting: true } : {}) };
    const written = ctx.writer.write(write);
    expected(); // queued: a batch that waited only for this write goes now, with it
    const row: RecordedExtraction = await step(ctx, 'extract.store', () => written);
    ctx.onExtracted?.({ sha256, ms: out.ms, status: row.status });
    return { outcome: 'stored', id: row.id, status: row.status, ms: out.ms, timedOut: out.timedOut, kept: row.kept };
  } finally {
    expected();
  }
}

export function newRobotsCache(): RobotsCache {
  return new RobotsCache(ROBOTS_AGENT);
}
