/**
 * Store ↔ queue reconciliation. The store is the truth about what is left to do; Redis may lose jobs
 * (restarted without persistence, flushed, evicted) or hold jobs that will never run again for a source
 * (a completed job with the same id makes BullMQ ignore a new one). A source `queued` or `fetched` in the
 * store with no live job (waiting, active, delayed, prioritized) is queued again, with a job that asks the
 * store before doing anything (so work under way or just finished is not done twice).
 * Run by ingest, when a worker starts, periodically by workers, and by `ingest --wait` when nothing moves.
 */
import type { Store, SourceRow } from '../store/types';
import { queuePrefix, type QueueConfig } from './config';
import { fetchJobId, fetchJobOptions, extractJobId, extractJobOptions, type Queues } from './queues';

/** The job states in which a job will still run (or is running). */
export const LIVE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

export interface LiveJobs {
  /** Source ids with a live fetch job. */
  sources: Set<number>;
  /** Content hashes with a live extract job. */
  contents: Set<string>;
  count: number;
}

/** What the live jobs are for, read from their ids (`f-<source id>-…`, `x-<sha256>-…`: see queues.ts). */
export async function liveJobs(queues: Queues): Promise<LiveJobs> {
  const [f, x] = await Promise.all([
    queues.fetch.getRanges([...LIVE_STATES], 0, -1),
    queues.extract.getRanges([...LIVE_STATES], 0, -1),
  ]);
  const sources = new Set<number>();
  const contents = new Set<string>();
  for (const id of f) {
    const m = /^f-(\d+)-/.exec(id);
    if (m) sources.add(Number(m[1]));
  }
  for (const id of x) {
    const m = /^x-([0-9a-f]{64})-/.exec(id);
    if (m) contents.add(m[1]);
  }
  return { sources, contents, count: f.length + x.length };
}

export interface ReconcileResult {
  /** Sources left to do in the store (not touched within minAgeMs). */
  pending: number;
  /** Of those, sources that had no live job and were queued again. */
  requeued: number;
  requeuedIds: number[];
}

/**
 * Queue again every pending source (untouched for `minAgeMs`: work on it is not just starting) that has
 * no live job. The new job's id names the source's last update, so reconcilers running at once in
 * several processes add one job, not one each; it carries `recheck` (processFetch asks the store first).
 */
export async function reconcile(store: Store, queues: Queues, cfg: QueueConfig, opts: { minAgeMs?: number; dryRun?: boolean } = {}): Promise<ReconcileResult> {
  const cutoff = new Date(Date.now() - (opts.minAgeMs ?? 0));
  // Store first, then the queue: a job that finishes in between left its source done (the new job finds
  // that out and stops); a source ingested in between is newer than the cutoff.
  const pending: SourceRow[] = [];
  for (let after = 0; ;) {
    const page = await store.listPending({ updatedBefore: cutoff, afterId: after, limit: 1000 });
    pending.push(...page);
    if (page.length < 1000) break;
    after = page[page.length - 1].id;
  }
  const res: ReconcileResult = { pending: pending.length, requeued: 0, requeuedIds: [] };
  if (!pending.length) return res;
  const live = await liveJobs(queues);
  const fetchJobs: Parameters<Queues['fetch']['addBulk']>[0] = [];
  const extractJobs: Parameters<Queues['extract']['addBulk']>[0] = [];
  const seenContent = new Set<string>();
  for (const s of pending) {
    if (live.sources.has(s.id)) continue;
    const tag = `q${s.updatedAt.getTime().toString(36)}`;
    if (s.status === 'fetched' && s.sha256) {
      if (live.contents.has(s.sha256)) continue;
      if (!seenContent.has(s.sha256)) {
        seenContent.add(s.sha256);
        extractJobs.push({
          name: 'extract',
          data: { sha256: s.sha256, sourceId: s.id, uri: s.finalUrl ?? s.url, contentType: s.contentType },
          opts: { ...extractJobOptions(cfg), jobId: extractJobId(cfg, s.sha256, tag) },
        });
      }
    } else {
      fetchJobs.push({
        name: 'fetch',
        data: { sourceId: s.id, url: s.url, recheck: true },
        opts: { ...fetchJobOptions(cfg), jobId: fetchJobId(cfg, s.id, tag) },
      });
    }
    res.requeued++;
    res.requeuedIds.push(s.id);
  }
  if (opts.dryRun) return res; // (status: only count them)
  if (fetchJobs.length) await queues.fetch.addBulk(fetchJobs);
  if (extractJobs.length) await queues.extract.addBulk(extractJobs);
  if (res.requeued) {
    await store.audit({ actor: 'reconcile', action: 'requeue', entity: 'system', entityId: queuePrefix(cfg), detail: { pending: res.pending, requeued: res.requeued, sources: res.requeuedIds.slice(0, 100) } });
  }
  return res;
}

/**
 * One worker of a store reconciles per period, not every one (each round reads every pending source):
 * a Redis key that expires a little before the period ends.
 */
async function takeTurn(queues: Queues, cfg: QueueConfig, everyMs: number): Promise<boolean> {
  const client = (await queues.fetch.getBackend().client) as unknown as { set(...args: Array<string | number>): Promise<string | null> };
  const got = await client.set(`${queuePrefix(cfg)}:reconcile-turn`, String(process.pid), 'PX', Math.max(100, Math.floor(everyMs * 0.9)), 'NX');
  return got === 'OK';
}

/**
 * Reconcile now and every `everyMs` until stopped (a worker's loop). Errors are logged, never thrown:
 * a Redis or store outage is ridden out elsewhere, and the next round tries again.
 */
export function startReconciling(store: Store, queues: Queues, cfg: QueueConfig, log: (line: string) => void, everyMs = cfg.reconcileMs): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const round = () => {
    running = takeTurn(queues, cfg, everyMs)
      .then(async (mine) => {
        if (!mine) return; // another worker of this store reconciled within the period
        const r = await reconcile(store, queues, cfg, { minAgeMs: everyMs });
        if (r.requeued) log(`nianbao worker: ${r.requeued} of ${r.pending} sources pending in the store had no job: re-queued`);
      })
      .catch((e) => log(`nianbao worker: reconciliation failed: ${(e as Error).message}`))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(round, everyMs);
      });
  };
  round();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
