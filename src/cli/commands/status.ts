/** nianbao status: counts by stage and status, failures by reason, throughput. */
import { openStore } from '../../store';
import { queueConfigFromEnv, forStore, queuePrefix } from '../../queue/config';
import { openQueues, queueCounts, redisTrouble } from '../../queue/queues';
import { reconcile } from '../../queue/reconcile';
import { columnCounts } from '../../store/columns';
import { openDiscoverQueue } from '../../queue/discover';
import { columnLine } from './ingest';

export const summary = 'show sources, extractions and queue jobs by stage and status, and throughput';

export const help = `Usage: nianbao status [--json] [--batch ID] [--watch] [--no-queue]

Sources by status (queued, fetched, extracted, failed), failures by stage:code, extractions of this
pipeline version by status, jobs in the fetch and extract queues, documents finished per minute, and
per report column (ingest --discover) the reports found, extracted and failed.
  --batch ID    only the sources of one ingest batch
  --watch       refresh every 2 s until interrupted
  --no-queue    do not connect to Redis (store counts only)`;

export async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const watch = argv.includes('--watch');
  const noQueue = argv.includes('--no-queue');
  const bi = argv.indexOf('--batch');
  const batch = bi >= 0 ? argv[bi + 1] : undefined;
  const store = await openStore();
  // this store's own queues (their keys carry the store's id)
  const cfg = forStore(queueConfigFromEnv(), store);
  // Redis down: the store's counts are still worth showing (the queue would wait for it for ever)
  const redisDown = noQueue ? null : await redisTrouble(cfg);
  const queues = noQueue || redisDown ? null : openQueues(cfg);
  const discoverQueue = queues ? openDiscoverQueue(cfg) : null;
  try {
    for (;;) {
      const c = await store.counts(cfg.pipeline, batch);
      const q = queues && discoverQueue ? { ...(await queueCounts(queues)), discover: await discoverQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed') } : null;
      // pending in the store with no live job (Redis lost them): a worker or ingest re-queues them
      const orphans = queues && c.sources.queued + c.sources.fetched > 0 ? (await reconcile(store, queues, cfg, { minAgeMs: 10_000, dryRun: true })).requeued : 0;
      const columns = await columnCounts(store, cfg.pipeline, { batch });
      if (json) process.stdout.write(JSON.stringify({ pipeline: cfg.pipeline, store: store.kind, storeId: store.id, ...c, queues: q, ...(queues ? { withoutJob: orphans } : {}), ...(redisDown ? { redis: redisDown } : {}), columns }) + '\n');
      else {
        const s = c.sources;
        const lines = [
          `pipeline ${cfg.pipeline} · store ${store.kind}${batch ? ' · batch ' + batch : ''}`,
          `sources      ${s.total} total: ${s.queued} queued, ${s.fetched} fetched, ${s.extracted} extracted, ${s.failed} failed`,
          `extractions  ${c.extractions.total}: ${c.extractions.ok} ok, ${c.extractions.flagged} flagged, ${c.extractions.failed} failed · ${c.documents} documents`,
          `throughput   ${c.done60s}/min (last minute), ${(c.done600s / 10).toFixed(1)}/min (last 10 min)`,
        ];
        const f = Object.entries(c.failures).sort((a, b) => b[1] - a[1]);
        if (f.length) lines.push(`failures     ${f.map(([k, n]) => `${k} ${n}`).join(', ')}`);
        if (redisDown) lines.push(`queue         Redis at ${cfg.redisUrl} unreachable (${redisDown}); store counts only`);
        if (q) {
          const fmt = (x: Record<string, number>) => `${x.waiting + (x.prioritized ?? 0)} waiting, ${x.active} active, ${x.delayed} delayed, ${x.failed} failed`;
          lines.push(`queue fetch   ${fmt(q.fetch)}`, `queue extract ${fmt(q.extract)}`, `queue discover ${fmt(q.discover)}`, `queue prefix  ${queuePrefix(cfg)}`);
          if (orphans) lines.push(`no job        ${orphans} sources pending in the store have no job in the queue (lost: a worker re-queues them within NIANBAO_RECONCILE_MS, or re-ingest)`);
        }
        const shown = columns.slice(0, 30);
        lines.push(...shown.map(columnLine));
        if (columns.length > shown.length) lines.push(`… ${columns.length - shown.length} more column(s) (--json lists all)`);
        process.stdout.write((watch ? '\x1b[2J\x1b[H' : '') + lines.join('\n') + '\n');
      }
      if (!watch) return 0;
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    await queues?.close();
    await discoverQueue?.close();
    await store.close();
  }
}
