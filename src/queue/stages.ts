/**
 * The two job processors. Both are idempotent: they read the store first and do nothing twice
 * (a job retried after a crash, or a duplicate job, finds its work done and only fixes up statuses).
 * Every terminal failure is written to the store with its stage, code and message.
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
}

const step = <T>(ctx: StageContext, name: string, fn: () => Promise<T>): Promise<T> => (ctx.times ? ctx.times.time(name, fn) : fn());

export type FetchOutcome =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'fetched'; sha256: string; extract: 'queued' | 'exists' }
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
export async function waitingOutStoreOutages<T>(job: Job, token: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (token && !(e instanceof DelayedError) && isStoreUnavailable(e)) {
      await job.moveToDelayed(Date.now() + STORE_OUTAGE_WAIT_MS + Math.floor(Math.random() * 1000), token);
      throw new DelayedError();
    }
    throw e;
  }
}

function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** Queue the extraction of stored content unless it exists for this pipeline version. */
export async function ensureExtract(ctx: StageContext, sha256: string, data: Omit<ExtractJobData, 'sha256'>): Promise<'queued' | 'exists'> {
  if (!data.force) {
    // one statement: is it extracted already? then mark this content's fetched sources extracted
    if (await step(ctx, 'fetch.check', () => ctx.store.markIfExtracted(sha256, ctx.cfg.pipeline))) return 'exists';
  }
  const force = data.force ? `r${Date.now().toString(36)}` : null;
  await step(ctx, 'fetch.enqueue', () => ctx.queues.extract.add('extract', { sha256, ...data }, { ...extractJobOptions(ctx.cfg), jobId: extractJobId(ctx.cfg, sha256, force) }));
  return 'queued';
}

async function readLocal(url: string, maxBytes: number): Promise<{ bytes: Uint8Array; contentType: string | null }> {
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
  const { store, cfg } = ctx;
  // One statement: a queued source is claimed (attempts + 1); any other is returned as it is.
  const { source: src, claimed } = await step(ctx, 'fetch.claim', () => store.claimSource(job.data.sourceId));
  if (!src) return { outcome: 'skipped', reason: 'source not in the store' };
  if (!claimed) {
    // Done before (a duplicate job, or a retry after a crash that happened after the work was stored).
    // A forced re-run finds the source requeued by ingest, so it passes.
    if (src.status === 'extracted' || src.status === 'failed') return { outcome: 'skipped', reason: `source already ${src.status}` };
    if (src.status === 'fetched' && src.sha256) {
      const r = await ensureExtract(ctx, src.sha256, { sourceId: src.id, uri: src.finalUrl ?? src.url, contentType: src.contentType, force: job.data.force });
      return { outcome: 'fetched', sha256: src.sha256, extract: r };
    }
    return { outcome: 'skipped', reason: `source ${src.status}` };
  }
  try {
    let bytes: Uint8Array;
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
      }));
      bytes = r.bytes;
      contentType = r.contentType;
      finalUrl = r.finalUrl;
      attachmentUrl = r.attachmentUrl;
      httpStatus = r.status;
    }
    // blob + document + source status in one statement
    const doc = await step(ctx, 'fetch.store', () => store.recordFetched(src.id, bytes, { finalUrl, attachmentUrl, httpStatus, contentType }));
    ctx.recent?.put(doc.sha256, bytes);
    const r = await ensureExtract(ctx, doc.sha256, { sourceId: src.id, uri: finalUrl, contentType, force: job.data.force });
    return { outcome: 'fetched', sha256: doc.sha256, extract: r };
  } catch (e) {
    if (e instanceof HostBusyError && token) {
      // Politeness: give the slot back to other hosts and come back later (does not use up an attempt).
      await job.moveToDelayed(Date.now() + e.retryInMs + Math.floor(Math.random() * 500), token);
      throw new DelayedError();
    }
    if (e instanceof FetchError) {
      if (e.retryable && !isFinalAttempt(job)) throw e; // BullMQ retries with exponential backoff
      const msg = e.retryable ? `${e.message} (gave up after ${job.attemptsMade + 1} attempts)` : e.message;
      await store.markSourceFailed(src.id, { stage: 'fetch', code: e.code, message: msg }, e.httpStatus);
      return { outcome: 'failed', code: e.code };
    }
    throw e; // infrastructure trouble (store, Redis): retried; the final failure is recorded by the worker's 'failed' handler
  }
}

export type ExtractJobOutcome =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'stored'; id: number; status: string; ms: number; timedOut: boolean }
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
  let bytes = ctx.recent?.take(sha256);
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
  const out = await step(ctx, 'extract.thread', () => ctx.pool.runPrepared(bytes as Uint8Array, { uri: job.data.uri, contentType: job.data.contentType ?? undefined }, { transfer: true }));
  // extraction + audit + cross-checks in one transaction, then the sources' status
  const row = await step(ctx, 'extract.store', () => store.recordExtraction(out.prepared, { durationMs: out.ms, actor: 'worker' }));
  ctx.onExtracted?.({ sha256, ms: out.ms, status: row.status });
  return { outcome: 'stored', id: row.id, status: row.status, ms: out.ms, timedOut: out.timedOut };
}

export function newRobotsCache(): RobotsCache {
  return new RobotsCache(ROBOTS_AGENT);
}
