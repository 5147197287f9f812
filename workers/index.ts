/**
 * Queue workers: `startWorkers()` runs the fetch and/or extract stage in this process.
 * Started by `nianbao worker`; several processes on several machines share one Redis and one PostgreSQL.
 */
import { Worker, type Job } from 'bullmq';
import IORedis from 'ioredis';
import { openStore, storeConfigFromEnv } from '../src/store';
import type { Store } from '../src/store/types';
import { closeFetchAgents } from '../src/fetch';
import { queueConfigFromEnv, redisOptions, extractJobs, forStore, queuePrefix, type QueueConfig } from '../src/queue/config';
import { dbStats } from '../src/store/db';
import { BlobCache, StepTimes } from '../src/queue/blob-cache';
import { openQueues, FETCH_QUEUE, EXTRACT_QUEUE, type Queues, type FetchJobData, type ExtractJobData } from '../src/queue/queues';
import { ExtractPool } from '../src/queue/extract-pool';
import { RedisHostLimiter } from '../src/queue/host-limiter';
import { processFetch, processExtract, newRobotsCache, waitingOutStoreOutages, isStoreUnavailable, StoreTrouble, type StageContext } from '../src/queue/stages';
import { StoreWriter } from '../src/queue/store-writer';
import { startDiscoverWorker, checkYearHintAfter } from '../src/queue/discover';
import { startReconciling } from '../src/queue/reconcile';

export interface WorkerOptions {
  stages?: Array<'fetch' | 'extract'>;
  cfg?: QueueConfig;
  store?: Store;
  log?: (line: string) => void;
  onExtracted?: StageContext['onExtracted'];
}

export interface RunningWorkers {
  cfg: QueueConfig;
  store: Store;
  queues: Queues;
  pool: ExtractPool;
  workers: Worker[];
  /** Graceful: stop taking jobs, let active jobs finish, close connections. */
  close(): Promise<void>;
}

export async function startWorkers(opts: WorkerOptions = {}): Promise<RunningWorkers> {
  const baseCfg = opts.cfg ?? queueConfigFromEnv();
  const stages = opts.stages ?? ['fetch', 'extract'];
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const ownStore = !opts.store;
  // A job holds a connection only for its statements (about a millisecond each; an extraction's transaction
  // a few), so a few connections serve many jobs; each extra backend costs PostgreSQL memory and a warm-up
  // (catalog caches, prepared statements) of ~10 ms CPU. NIANBAO_DB_POOL overrides.
  const poolSize = Math.min(24, Math.max(4, (stages.includes('extract') ? extractJobs(baseCfg) : 0) + 2));
  const store = opts.store ?? (await openStore({ poolSize, ...storeConfigFromEnv() }));
  // this store's own queues (their keys carry the store's id)
  const cfg = forStore(baseCfg, store);
  const queues = openQueues(cfg);
  const connection = redisOptions(cfg.redisUrl) as any;
  const RedisCtor = ((IORedis as any).default ?? IORedis) as new (o: unknown) => any;
  const limiterRedis = stages.includes('fetch') ? new RedisCtor({ ...connection, maxRetriesPerRequest: 3 }) : null;
  // ioredis reconnects by itself; without a listener an outage would also print "Unhandled error event".
  limiterRedis?.on('error', (e: Error) => log(`nianbao worker (host limiter): ${e.message}`));
  const limiter = limiterRedis
    ? new RedisHostLimiter(limiterRedis, cfg.prefix, {
        concurrency: cfg.fetch.hostConcurrency,
        intervalMs: cfg.fetch.hostIntervalMs,
        leaseMs: cfg.fetch.timeoutMs * 2 + 5000,
        maxWaitMs: 5000,
      })
    : null;
  const pool = new ExtractPool({
    size: cfg.extract.concurrency, timeoutMs: cfg.extract.timeoutMs, mode: cfg.extract.mode,
    recycleAfter: cfg.extract.recycleAfter, recycleHeapMb: cfg.extract.recycleHeapMb,
  });
  // threads load the readers before the first job, not while it waits
  if (stages.includes('extract')) await pool.start();
  const profile = /^(1|true|yes)$/i.test(process.env.NIANBAO_PROFILE ?? '');
  const both = stages.includes('fetch') && stages.includes('extract');
  const cacheBytes = Number(process.env.NIANBAO_BLOB_CACHE_MB ?? 64) * 1048576;
  const ctx: StageContext = {
    store, cfg, queues, limiter, robots: newRobotsCache(), pool, onExtracted: opts.onExtracted,
    // fetched bytes handed off stay in memory for this process's own extract jobs
    recent: both ? new BlobCache(cacheBytes) : undefined,
    times: profile ? new StepTimes() : undefined,
    // fetch jobs extract their own documents (one job per document), within the same memory budget
    inline: both && cfg.extract.inline ? { maxWaitingBytes: cacheBytes, slowFetchMs: cfg.extract.slowFetchMs, heldBytes: 0 } : undefined,
    storeTrouble: new StoreTrouble(),
    // extraction writes of this process's jobs share transactions (group commit)
    writer: new StoreWriter(store, { maxBatch: cfg.store.batch, lingerMs: cfg.store.lingerMs, isUnavailable: isStoreUnavailable }),
  };
  const common = {
    connection,
    prefix: queuePrefix(cfg),
    lockDuration: cfg.lockMs,
    stalledInterval: cfg.stalledMs,
    maxStalledCount: cfg.maxStalledCount,
  };
  const workers: Worker[] = [];

  /** Safety net: a job that failed for good without the processor recording it (crashes, stalls, store outages). */
  const recordFinal = async (stage: 'fetch' | 'extract', job: Job | undefined, err: Error) => {
    if (!job || err?.name === 'DelayedError') return;
    try {
      const state = await job.getState();
      if (state !== 'failed') return; // will be retried
      const code = /stalled/i.test(err.message) ? 'stalled' : 'job_failed';
      const message = `${err.message} (after ${job.attemptsMade} attempts)`;
      if (stage === 'fetch') {
        const src = await store.getSource((job.data as FetchJobData).sourceId);
        if (src && src.status !== 'extracted' && src.status !== 'failed') await store.markSourceFailed(src.id, { stage: 'queue', code, message });
      } else {
        for (const s of await store.listSources({ sha256: (job.data as ExtractJobData).sha256, status: 'fetched' })) {
          await store.markSourceFailed(s.id, { stage: 'extract', code, message });
        }
      }
    } catch (e) {
      log(`nianbao worker: could not record the failure of ${stage} job ${job.id}: ${(e as Error).message}`);
    }
  };

  if (stages.includes('fetch')) {
    const w = new Worker<FetchJobData>(FETCH_QUEUE, (job, token) => waitingOutStoreOutages(job, token, () => processFetch(ctx, job, token).then((o) => checkYearHintAfter(ctx, job.data, o)), ctx.storeTrouble), { ...common, concurrency: cfg.fetch.concurrency });
    w.on('failed', (job, err) => void recordFinal('fetch', job, err));
    w.on('error', (e) => log(`nianbao worker (fetch): ${e.message}`));
    workers.push(w);
    // column discovery runs where fetching does (it is network work under the same politeness limits)
    workers.push(startDiscoverWorker(ctx, common, log));
  }
  if (stages.includes('extract')) {
    const w = new Worker<ExtractJobData>(EXTRACT_QUEUE, (job, token) => waitingOutStoreOutages(job, token, () => processExtract(ctx, job).then((o) => checkYearHintAfter(ctx, job.data, o)), ctx.storeTrouble), { ...common, concurrency: extractJobs(cfg) });
    w.on('failed', (job, err) => void recordFinal('extract', job, err));
    w.on('error', (e) => log(`nianbao worker (extract): ${e.message}`));
    workers.push(w);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  // sources the store has pending but no job is left for (Redis flushed or restarted without persistence):
  // queued again now and every cfg.reconcileMs
  const reconciling = startReconciling(store, queues, cfg, log);

  let closing: Promise<void> | null = null;
  return {
    cfg, store, queues, pool, workers,
    close() {
      closing ??= (async () => {
        await reconciling.stop();
        await Promise.all(workers.map((w) => w.close()));
        await ctx.writer.drain();
        await pool.close();
        await queues.close();
        // finished requests' leases go back to Redis before the connection closes (else they hold their
        // host's slots until they expire)
        limiter?.flush();
        if (limiterRedis) await Promise.race([limiterRedis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
        limiterRedis?.disconnect();
        await closeFetchAgents();
        ctx.recent?.clear();
        if (ctx.times) {
          const cpu = process.cpuUsage();
          log(`nianbao worker ${process.pid} profile: ${ctx.times.report()}; db round trips ${dbStats.roundTrips}; ` +
            `blob cache ${ctx.recent?.hits ?? 0} hits ${ctx.recent?.misses ?? 0} misses; ` +
            `store ${ctx.writer.writes} writes in ${ctx.writer.batches} transactions; cpu user ${(cpu.user / 1000).toFixed(0)} ms sys ${(cpu.system / 1000).toFixed(0)} ms`);
        }
        if (ownStore) await store.close();
      })();
      return closing;
    },
  };
}
