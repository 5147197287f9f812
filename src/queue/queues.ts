/**
 * The two BullMQ queues: `fetch` (network-bound, many in flight) and `extract` (CPU-bound, few in flight),
 * so slow sites never block parsing. Job ids are derived from the store's identities, which makes
 * enqueueing idempotent: the same source or the same content is one job per pipeline version.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { safeId, redisOptions, queuePrefix, type QueueConfig } from './config';

export const FETCH_QUEUE = 'fetch';
export const EXTRACT_QUEUE = 'extract';

export interface FetchJobData {
  sourceId: number;
  url: string;
  force?: boolean;
  /** The source's year hint (listing title, CSV): checked against the extracted year (src/queue/discover.ts). */
  yearHint?: number;
  /** Stay on this URL's site (a discovered report stays on its column's site: redirects, attachments). */
  site?: string;
  /** Queued by reconciliation: ask the store before fetching (the work may be done or under way). */
  recheck?: boolean;
}

export interface ExtractJobData {
  sha256: string;
  sourceId?: number;
  uri?: string;
  contentType?: string | null;
  force?: boolean;
  /** As FetchJobData.yearHint, carried when a fetch job hands its document off. */
  yearHint?: number;
}

export function fetchJobId(cfg: QueueConfig, sourceId: number, force?: string | null): string {
  return safeId(`f-${sourceId}-${cfg.pipeline}${force ? '-' + force : ''}`);
}

export function extractJobId(cfg: QueueConfig, sha256: string, force?: string | null): string {
  return safeId(`x-${sha256}-${cfg.pipeline}${force ? '-' + force : ''}`);
}

export function fetchJobOptions(cfg: QueueConfig): JobsOptions {
  return {
    attempts: cfg.fetch.attempts,
    backoff: { type: 'exponential', delay: cfg.fetch.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600, count: 20000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 50000 },
  };
}

export function extractJobOptions(cfg: QueueConfig): JobsOptions {
  return {
    // Extraction itself never throws for bad input; retries only cover infrastructure trouble (DB, blob store).
    attempts: 3,
    backoff: { type: 'exponential', delay: Math.max(500, cfg.fetch.backoffMs) },
    removeOnComplete: { age: 7 * 24 * 3600, count: 20000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 50000 },
  };
}

export interface Queues {
  fetch: Queue<FetchJobData>;
  extract: Queue<ExtractJobData>;
  close(): Promise<void>;
}

export function openQueues(cfg: QueueConfig): Queues {
  const connection = redisOptions(cfg.redisUrl) as any;
  const prefix = queuePrefix(cfg);
  const fetch = new Queue<FetchJobData>(FETCH_QUEUE, { connection, prefix });
  const extract = new Queue<ExtractJobData>(EXTRACT_QUEUE, { connection, prefix });
  return {
    fetch,
    extract,
    async close() {
      await Promise.all([fetch.close(), extract.close()]);
    },
  };
}

export async function queueCounts(q: Queues): Promise<{ fetch: Record<string, number>; extract: Record<string, number> }> {
  const kinds = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
  const [f, x] = await Promise.all([q.fetch.getJobCounts(...kinds), q.extract.getJobCounts(...kinds)]);
  return { fetch: f, extract: x };
}

/** Why Redis cannot be reached right now (a short reason), or null if it answers (fails fast: no retries). */
export async function redisTrouble(cfg: QueueConfig): Promise<string | null> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const IORedis = require('ioredis');
  const R = IORedis.default ?? IORedis.Redis ?? IORedis;
  const r = new R({ ...redisOptions(cfg.redisUrl), maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 3000, lazyConnect: true });
  let first: string | null = null;
  r.on('error', (e: Error) => void (first ??= (e as NodeJS.ErrnoException).code ?? e.message));
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (e) {
    return first ?? ((e as Error).message || String(e));
  } finally {
    r.disconnect();
  }
}
