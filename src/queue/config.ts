/**
 * Queue and worker configuration, from the environment (see docs/queue.md for the full list).
 */
import { defaultExtractThreads } from '../pool/extract-pool';
import { PIPELINE_VERSION } from '../pipeline/extract';

export interface QueueConfig {
  redisUrl: string;
  /** BullMQ key prefix: several deployments (or test runs) can share one Redis. */
  prefix: string;
  /**
   * The store's id (Store.id), set by forStore: the queues' keys are `<prefix>:<storeId>:…` (see
   * queuePrefix), so jobs never outlive or cross their store.
   */
  storeId?: string;
  /** How often a worker reconciles the store with the queues (ms; see reconcile.ts). */
  reconcileMs: number;
  pipeline: string;
  fetch: {
    concurrency: number;
    attempts: number;
    backoffMs: number;
    timeoutMs: number;
    maxBytes: number;
    maxRedirects: number;
    allowPrivate: boolean;
    robots: boolean;
    hostConcurrency: number;
    hostIntervalMs: number;
    userAgent?: string;
  };
  extract: {
    /** Extraction threads per worker process (default: defaultExtractThreads). */
    concurrency: number;
    /**
     * Extract jobs in flight per worker process (≥ concurrency): the extra ones store their result or
     * read their input while the threads extract, so no thread waits on the database. Default 2 × threads.
     */
    jobs?: number;
    timeoutMs: number;
    /** 'thread': each extraction runs in a worker thread with a hard time limit; 'inline': in the worker's own thread. */
    mode: 'thread' | 'inline' | 'auto';
    /**
     * Recycle a thread after this many documents, or after a document that leaves its heap above
     * recycleHeapMb (bounds memory growth; a new thread costs about a second of CPU to load and warm up).
     */
    recycleAfter: number;
    recycleHeapMb: number;
    /**
     * A process running both stages lets a fetch job extract its own document (one job per document)
     * instead of queueing an extract job, unless that would hold up fetching (see extractHere in stages.ts).
     */
    inline: boolean;
    /** A fetch slower than this (ms) hands its document off whenever no thread is free. */
    slowFetchMs: number;
  };
  /**
   * Group commit of a process's extraction writes (see StoreWriter): up to `batch` writes in one
   * transaction, waiting at most `lingerMs` for more while an extraction that could join is running.
   * `batch` 1 stores each write alone.
   */
  store: { batch: number; lingerMs: number };
  /** BullMQ lock duration and stalled-check interval (ms): a crashed worker's job is retried after about this long. */
  lockMs: number;
  stalledMs: number;
  maxStalledCount: number;
}

const int = (v: string | undefined, d: number) => (v != null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
const bool = (v: string | undefined, d: boolean) => (v == null || v === '' ? d : /^(1|true|yes|on)$/i.test(v));

export { defaultExtractThreads } from '../pool/extract-pool';

/** Extract jobs a worker process runs at once (see QueueConfig.extract.jobs). */
export function extractJobs(cfg: QueueConfig): number {
  return Math.max(cfg.extract.concurrency, cfg.extract.jobs ?? cfg.extract.concurrency * 2);
}

export function queueConfigFromEnv(env: NodeJS.ProcessEnv = process.env): QueueConfig {
  const lockMs = int(env.NIANBAO_LOCK_MS, 30000);
  return {
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: env.NIANBAO_QUEUE_PREFIX ?? 'nianbao',
    reconcileMs: Math.max(200, int(env.NIANBAO_RECONCILE_MS, 60000)),
    pipeline: PIPELINE_VERSION,
    fetch: {
      concurrency: int(env.NIANBAO_FETCH_CONCURRENCY, 16),
      attempts: Math.max(1, int(env.NIANBAO_FETCH_ATTEMPTS, 5)),
      backoffMs: int(env.NIANBAO_BACKOFF_MS, 2000),
      timeoutMs: int(env.NIANBAO_FETCH_TIMEOUT_MS, 30000),
      maxBytes: int(env.NIANBAO_MAX_BYTES, 50 * 1024 * 1024),
      maxRedirects: int(env.NIANBAO_MAX_REDIRECTS, 5),
      allowPrivate: bool(env.NIANBAO_ALLOW_PRIVATE, false),
      robots: bool(env.NIANBAO_ROBOTS, true),
      hostConcurrency: Math.max(1, int(env.NIANBAO_HOST_CONCURRENCY, 2)),
      hostIntervalMs: int(env.NIANBAO_HOST_INTERVAL_MS, 500),
      userAgent: env.NIANBAO_USER_AGENT || undefined,
    },
    extract: {
      concurrency: Math.max(1, int(env.NIANBAO_EXTRACT_CONCURRENCY, defaultExtractThreads())),
      ...(env.NIANBAO_EXTRACT_JOBS ? { jobs: Math.max(1, int(env.NIANBAO_EXTRACT_JOBS, 2)) } : {}),
      timeoutMs: int(env.NIANBAO_EXTRACT_TIMEOUT_MS, 120000),
      mode: (env.NIANBAO_EXTRACT_MODE as 'thread' | 'inline' | 'auto') || 'auto',
      recycleAfter: int(env.NIANBAO_EXTRACT_RECYCLE, 5000),
      recycleHeapMb: int(env.NIANBAO_EXTRACT_RECYCLE_MB, 768),
      inline: bool(env.NIANBAO_EXTRACT_INLINE, true),
      slowFetchMs: int(env.NIANBAO_SLOW_FETCH_MS, 1000),
    },
    store: {
      batch: Math.max(1, int(env.NIANBAO_STORE_BATCH, 8)),
      lingerMs: Math.max(0, int(env.NIANBAO_STORE_LINGER_MS, 50)),
    },
    lockMs,
    stalledMs: int(env.NIANBAO_STALLED_MS, lockMs),
    maxStalledCount: int(env.NIANBAO_MAX_STALLED, 2),
  };
}

/** ioredis options from a redis:// URL (BullMQ workers need maxRetriesPerRequest: null). */
export function redisOptions(url: string): Record<string, unknown> {
  const u = new URL(url);
  const o: Record<string, unknown> = {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    maxRetriesPerRequest: null,
  };
  if (u.password) o.password = decodeURIComponent(u.password);
  if (u.username) o.username = decodeURIComponent(u.username);
  const db = u.pathname.replace(/^\//, '');
  if (db) o.db = Number(db);
  if (u.protocol === 'rediss:') o.tls = {};
  return o;
}

/** BullMQ job ids may not contain ':'; keep them short and readable. */
export function safeId(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** The config bound to a store: its queues are that store's own (see queuePrefix). */
export function forStore(cfg: QueueConfig, store: { id: string }): QueueConfig {
  return { ...cfg, storeId: store.id };
}

/**
 * The BullMQ prefix of a store's queues: NIANBAO_QUEUE_PREFIX and the store's id. A fresh store beside a
 * Redis that still holds an earlier store's jobs, or two stores sharing one Redis, get different keys, so
 * job ids (derived from source ids and hashes, which repeat across stores) cannot collide.
 */
export function queuePrefix(cfg: QueueConfig): string {
  if (!cfg.storeId) throw new Error('queue config not bound to a store: use forStore(cfg, store) before opening queues');
  return `${cfg.prefix}:${cfg.storeId}`;
}
