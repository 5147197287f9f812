/**
 * The discover stage: one job per column run. It crawls the column's listing pages (src/discover: the
 * same safe fetcher as the fetch stage, without wrapper resolution: robots.txt, per-host limits shared
 * through Redis, the private-address guard, size and time limits), then ingests every listed report as its
 * own source, tagged with the column and with the title's year as its year hint. Re-running a column
 * queues only reports not stored before (ingest is idempotent). Items that are not reports and off-site
 * items are recorded on the column (`skipped`), never stored as sources or fetched.
 */
import { Queue, Worker, DelayedError, type Job } from 'bullmq';
import { fetchDocument, FetchError, decodeHtml, looksLikeHtml } from '../fetch';
import { crawlColumn, type CrawlOptions, type FetchedPage } from '../discover/crawl';
import { finishColumnRun, markColumnDiscovering, tagListedSources, upsertColumns, checkYearHints, extractedShas, type ColumnRow, type ColumnRunResult, type SkippedItem } from '../store/columns';
import type { Store } from '../store/types';
import { safeId, redisOptions, queuePrefix, type QueueConfig } from './config';
import { HostBusyError } from './host-limiter';
import { ingest, type IngestEntry } from './ingest';
import { waitingOutStoreOutages, type StageContext, type ExtractJobOutcome, type FetchOutcome } from './stages';
import type { ExtractJobData, FetchJobData } from './queues';

export const DISCOVER_QUEUE = 'discover';

export interface DiscoverJobData {
  columnId: number;
  url: string;
  /** The ingest batch the column's new sources join. */
  batch: string;
}

/** Bounds of one column run (NIANBAO_DISCOVER_MAX_PAGES, NIANBAO_DISCOVER_MAX_DEPTH). */
export function discoverBounds(env: NodeJS.ProcessEnv = process.env): Required<CrawlOptions> {
  const n = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Math.floor(Number(v)) : d);
  return { maxPages: n(env.NIANBAO_DISCOVER_MAX_PAGES, 50), maxDepth: n(env.NIANBAO_DISCOVER_MAX_DEPTH, 50) };
}

export function openDiscoverQueue(cfg: QueueConfig): Queue<DiscoverJobData> {
  return new Queue<DiscoverJobData>(DISCOVER_QUEUE, { connection: redisOptions(cfg.redisUrl) as any, prefix: queuePrefix(cfg) });
}

export interface DiscoverEnqueued {
  batch: string;
  columns: ColumnRow[];
}

/** Store the columns and queue one discovery run of each (a new run per call: re-ingesting re-crawls). */
export async function enqueueColumns(store: Store, cfg: QueueConfig, urls: string[], opts: { batch?: string } = {}): Promise<DiscoverEnqueued> {
  const batch = opts.batch ?? `b${Date.now().toString(36)}`;
  urls = [...new Set(urls)];
  for (const u of urls) {
    const p = new URL(u);
    if (p.protocol !== 'http:' && p.protocol !== 'https:') throw new Error(`a column must be an http(s) URL: ${u}`);
  }
  const columns = await upsertColumns(store, urls, batch);
  const q = openDiscoverQueue(cfg);
  try {
    await q.addBulk(columns.map((c) => ({
      name: 'discover',
      data: { columnId: c.id, url: c.url, batch },
      opts: {
        jobId: safeId(`d-${c.id}-${batch}`),
        attempts: cfg.fetch.attempts,
        backoff: { type: 'exponential', delay: cfg.fetch.backoffMs },
        removeOnComplete: { age: 7 * 24 * 3600, count: 5000 },
        removeOnFail: { age: 30 * 24 * 3600, count: 5000 },
      },
    })));
  } finally {
    await q.close();
  }
  await store.audit({ actor: 'ingest', action: 'discover', entity: 'system', entityId: batch, detail: { columns: columns.map((c) => c.url) } });
  return { batch, columns };
}

/** Fetch one listing page (HTML only, no wrapper resolution), waiting out the per-host limit. */
function pageFetcher(ctx: StageContext, columnUrl: string): (url: string) => Promise<FetchedPage> {
  const { cfg } = ctx;
  return async (url) => {
    for (;;) {
      try {
        const r = await fetchDocument(url, {
          timeoutMs: cfg.fetch.timeoutMs, maxBytes: Math.min(cfg.fetch.maxBytes, 8 * 1024 * 1024), maxRedirects: cfg.fetch.maxRedirects,
          allowPrivate: cfg.fetch.allowPrivate, robots: cfg.fetch.robots, robotsCache: ctx.robots, limiter: ctx.limiter,
          userAgent: cfg.fetch.userAgent, followWrapper: false, sameSiteAs: columnUrl,
        });
        if (!looksLikeHtml(r.bytes, r.contentType)) {
          throw Object.assign(new Error(`${url}: not an HTML page (${r.contentType ?? 'no content type'}): a column must be a listing page`), { code: 'not_html' });
        }
        return { finalUrl: r.finalUrl, html: decodeHtml(r.bytes, r.contentType) };
      } catch (e) {
        if (e instanceof HostBusyError) {
          await new Promise((res) => setTimeout(res, e.retryInMs + Math.floor(Math.random() * 200)));
          continue;
        }
        throw e;
      }
    }
  };
}

export type DiscoverOutcome = { outcome: 'failed'; code: string } | ({ outcome: 'done' } & ColumnRunResult);

export async function processDiscover(ctx: StageContext, job: Job<DiscoverJobData>, bounds = discoverBounds()): Promise<DiscoverOutcome> {
  const { store, cfg, queues } = ctx;
  const { columnId, url, batch } = job.data;
  await markColumnDiscovering(store, columnId);
  let crawl;
  try {
    crawl = await crawlColumn(url, pageFetcher(ctx, url), bounds);
  } catch (e) {
    if (e instanceof FetchError && e.retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw e; // retried with backoff
    const err = e as { code?: unknown; message?: string };
    const code = typeof err.code === 'string' ? err.code : 'error';
    if (!(e instanceof FetchError) && code === 'error') throw e; // infrastructure trouble: retried
    await finishColumnRun(store, columnId, { status: 'failed', pages: 1, listed: 0, reports: 0, newReports: 0, skipped: [], pageErrors: [], error: { code, message: err.message ?? String(e) } });
    return { outcome: 'failed', code };
  }
  if (!crawl.listing) {
    await finishColumnRun(store, columnId, { status: 'failed', pages: crawl.pages.length, listed: 0, reports: 0, newReports: 0, skipped: [], pageErrors: [], error: { code: 'not_a_listing', message: `${url}: ${crawl.reason}` } });
    return { outcome: 'failed', code: 'not_a_listing' };
  }
  const reports = crawl.items.filter((i) => i.report && !i.offSite);
  const skipped: SkippedItem[] = crawl.items.filter((i) => !i.report || i.offSite).map((i) => ({ url: i.url, title: i.title, reason: i.offSite ? 'off_site' : 'not_report' }));
  const entries: IngestEntry[] = reports.map((i) => ({ url: i.url, yearHint: i.yearHint, site: url }));
  const res = await ingest(store, queues, cfg, entries, { batch });
  await tagListedSources(store, columnId, reports.map((i) => ({ url: i.url, title: i.title, date: i.date })));
  // reports extracted before (another column, a CSV) now carry this listing's year hint: check them too
  await checkYearHints(store, await extractedShas(store, reports.map((i) => i.url)), cfg.pipeline);
  const pageErrors = [...crawl.pageErrors, ...crawl.notFollowed.map((u) => ({ url: u, code: 'not_followed', message: `beyond the bounds (${bounds.maxPages} pages, depth ${bounds.maxDepth})` }))];
  const result: ColumnRunResult = {
    status: pageErrors.length ? 'partial' : 'done', pages: crawl.pages.length, listed: crawl.items.length, reports: reports.length,
    newReports: res.queued, skipped, pageErrors, error: null,
  };
  await finishColumnRun(store, columnId, result);
  return { outcome: 'done', ...result };
}

/** The discover worker of a process running the fetch stage (one column at a time per process by default). */
export function startDiscoverWorker(ctx: StageContext, common: Record<string, unknown>, log: (l: string) => void): Worker<DiscoverJobData> {
  const concurrency = Math.max(1, Number(process.env.NIANBAO_DISCOVER_CONCURRENCY ?? 2) || 2);
  const w = new Worker<DiscoverJobData>(DISCOVER_QUEUE, (job, token) => waitingOutStoreOutages(job, token, () => processDiscover(ctx, job), ctx.storeTrouble), { ...(common as any), concurrency });
  w.on('failed', (job, err) => {
    if (!job || err?.name === 'DelayedError' || err instanceof DelayedError) return;
    void (async () => {
      if ((await job.getState()) !== 'failed') return;
      await finishColumnRun(ctx.store, job.data.columnId, { status: 'failed', pages: 0, listed: 0, reports: 0, newReports: 0, skipped: [], pageErrors: [], error: { code: 'job_failed', message: `${err.message} (after ${job.attemptsMade} attempts)` } });
    })().catch((e) => log(`nianbao worker: could not record the failure of discover job ${job.id}: ${(e as Error).message}`));
  });
  w.on('error', (e) => log(`nianbao worker (discover): ${e.message}`));
  return w;
}

/**
 * After a fetch or extract job with a year hint (a listing title's year, a CSV's year column): check it
 * against the extracted year (see checkYearHints). Errors are the store's and retried like the job's.
 */
export async function checkYearHintAfter<T extends FetchOutcome | ExtractJobOutcome>(ctx: StageContext, data: FetchJobData | ExtractJobData, out: T): Promise<T> {
  if (data.yearHint == null) return out;
  let sha: string | null | undefined;
  if (out.outcome === 'fetched') sha = out.sha256;
  else if ('sha256' in data) sha = out.outcome === 'failed' ? null : data.sha256;
  // a fetch job run again (its first run's check met a store outage) finds its source done: check it too
  else if (out.outcome === 'skipped') sha = (await ctx.store.getSource(data.sourceId))?.sha256;
  if (!sha) return out;
  await checkYearHints(ctx.store, sha, ctx.cfg.pipeline);
  return out;
}

