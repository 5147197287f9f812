/**
 * Ingest + both worker stages in this process, against the real Redis and PostgreSQL on 127.0.0.1
 * and the local fixture server. Each run uses its own queue prefix and PostgreSQL schema.
 */
import IORedis from 'ioredis';
import { openStore, type Store } from '../src/store';
import { defaultExtractThreads, queueConfigFromEnv, forStore, type QueueConfig } from '../src/queue/config';
import { openQueues, type Queues } from '../src/queue/queues';
import { ingest, collectEntries, parseCsv } from '../src/queue/ingest';
import { RedisHostLimiter } from '../src/queue/host-limiter';
import { ExtractPool } from '../src/queue/extract-pool';
import { startWorkers, type RunningWorkers } from '../workers';
import { sha256 } from '../src/pipeline/extract';
import { startFixtureServer, type FixtureServer } from './helpers/fixture-server';
import { DATABASE_URL, REDIS_URL, dropRedisPrefix, dropSchema, tempDir, uniqueName } from './helpers/services';

jest.setTimeout(60000);

let srv: FixtureServer;
let store: Store;
let cfg: QueueConfig;
let queues: Queues;
let workers: RunningWorkers;
const schema = uniqueName('nbtest_queue');
const prefix = uniqueName('nbtestq');
const blobs = tempDir('nb-qblobs-');

async function waitBatch(batch: string, timeoutMs = 30000) {
  const t0 = Date.now();
  for (;;) {
    const c = await store.counts(cfg.pipeline, batch);
    if (c.sources.queued + c.sources.fetched === 0) return c;
    if (Date.now() - t0 > timeoutMs) throw new Error(`batch ${batch} not done: ${JSON.stringify(c.sources)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  srv = await startFixtureServer();
  store = await openStore({ databaseUrl: DATABASE_URL, schema, blobDir: blobs.dir });
  cfg = forStore(queueConfigFromEnv({ REDIS_URL, NIANBAO_QUEUE_PREFIX: prefix } as NodeJS.ProcessEnv), store);
  cfg.fetch = { ...cfg.fetch, allowPrivate: true, attempts: 3, backoffMs: 150, timeoutMs: 1500, maxBytes: 1_000_000, hostConcurrency: 8, hostIntervalMs: 0, concurrency: 8 };
  cfg.extract = { ...cfg.extract, concurrency: 2, timeoutMs: 30000 };
  queues = openQueues(cfg);
  workers = await startWorkers({ cfg, store, log: () => undefined });
});

afterAll(async () => {
  await workers?.close();
  await queues?.close();
  await store?.close();
  await srv?.close();
  await dropRedisPrefix(prefix);
  await dropSchema(schema);
  blobs.remove();
});

describe('ingest → fetch → extract → store', () => {
  const paths: Record<string, string> = {};
  let batch = '';

  test('every URL ends stored or failed with its reason', async () => {
    const u = (p: string) => `${srv.url}${p}`;
    Object.assign(paths, {
      plain1: u('/gen/1.txt'), plain2: u('/gen/2.txt'), plain3: u('/gen/3.txt'),
      wrapper: u('/wrap/40.html'), redirect: u('/redir/2/gen/41.txt'), dup: u('/dup/1.txt'),
      notFound: u('/status/404'), serverError: u('/status/503'), flaky: u('/flaky/k1/2/gen/42.txt'),
      slow: u('/slow/4000/gen/43.txt'), robots: u('/private/a.txt'), tooBig: u('/big/2000000'),
      tooManyRedirects: u('/redir/9/gen/44.txt'), refused: 'http://127.0.0.1:1/x.pdf',
    });
    const res = await ingest(store, queues, cfg, Object.values(paths).map((url) => ({ url })));
    batch = res.batch;
    expect(res).toMatchObject({ total: 14, queued: 14, skipped: 0 });
    const c = await waitBatch(batch, 45000);
    expect(c.sources).toMatchObject({ total: 14, queued: 0, fetched: 0, extracted: 7, failed: 7 });
    const get = async (k: string) => (await store.getSourceByUrl(paths[k]))!;
    for (const k of ['plain1', 'plain2', 'plain3', 'wrapper', 'redirect', 'dup', 'flaky']) expect([k, (await get(k)).status]).toEqual([k, 'extracted']);
    const expectFail = async (k: string, code: string, stage = 'fetch') => expect([k, (await get(k)).error]).toEqual([k, expect.objectContaining({ stage, code })]);
    await expectFail('notFound', 'http_error');
    await expectFail('serverError', 'http_error');
    await expectFail('slow', 'timeout');
    await expectFail('robots', 'robots_disallowed');
    await expectFail('tooBig', 'too_large');
    await expectFail('tooManyRedirects', 'too_many_redirects');
    await expectFail('refused', 'network');
    // retries: network-level errors only, with the attempt count recorded
    expect((await get('notFound')).attempts).toBe(1);
    expect((await get('serverError')).attempts).toBe(3);
    expect((await get('serverError')).error!.message).toMatch(/gave up after 3 attempts/);
    expect((await get('flaky')).attempts).toBe(3);
    expect(srv.hits.get('/status/404')).toBe(1);
    expect(srv.hits.get('/status/503')).toBe(3);
    // wrapper: the attachment's bytes were stored
    const w = await get('wrapper');
    expect(w.attachmentUrl).toBe(u('/att/40.pdf'));
    expect(w.sha256).toBe(sha256(srv.genBytes(40)));
    expect((await get('redirect')).finalUrl).toBe(u('/gen/41.txt'));
    // same content from two URLs: one document, one extraction
    expect((await get('dup')).sha256).toBe((await get('plain1')).sha256);
    const ex = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM extractions');
    expect(Number(ex[0].n)).toBe(6);
    const perSha = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM extractions GROUP BY sha256, pipeline HAVING count(*) > 1');
    expect(perSha).toHaveLength(0);
    const stored = await store.findExtraction(w.sha256!, cfg.pipeline);
    expect(stored?.extraction.source.sha256).toBe(w.sha256);
    expect(stored?.extraction.source.uri).toBe(u('/att/40.pdf'));
    expect(Buffer.from(await store.readBlob(w.sha256!)).equals(srv.genBytes(40))).toBe(true);
  });

  test('re-ingesting the same list adds nothing', async () => {
    const hitsBefore = [...srv.hits.values()].reduce((a, b) => a + b, 0);
    const jobsBefore = await queues.fetch.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed');
    const res = await ingest(store, queues, cfg, Object.values(paths).map((url) => ({ url })));
    expect(res).toMatchObject({ total: 14, queued: 0, requeued: 0, reextract: 0, skipped: 14 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await queues.fetch.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed')).toBe(jobsBefore);
    expect([...srv.hits.values()].reduce((a, b) => a + b, 0)).toBe(hitsBefore);
    expect((await store.counts(cfg.pipeline, res.batch)).sources.total).toBe(0);
  });

  test('a new pipeline version re-extracts from stored blobs without refetching', async () => {
    const src = (await store.getSourceByUrl(paths.plain2))!;
    await store.query(`UPDATE extractions SET pipeline = '0.0.0-old' WHERE sha256 = $1`, [src.sha256]);
    const hits = srv.hits.get('/gen/2.txt');
    const res = await ingest(store, queues, cfg, [{ url: paths.plain2 }, { url: paths.plain3 }]);
    expect(res).toMatchObject({ reextract: 1, skipped: 1, queued: 0 });
    await waitBatch(res.batch);
    expect(srv.hits.get('/gen/2.txt')).toBe(hits);
    expect(await store.findExtraction(src.sha256!, cfg.pipeline)).not.toBeNull();
    expect(await store.findExtraction(src.sha256!, '0.0.0-old')).not.toBeNull();
  });

  test('--force refetches and re-extracts, still one extraction per content and version', async () => {
    const before = (await store.findExtraction(sha256(srv.genBytes(3)), cfg.pipeline))!;
    const hits = srv.hits.get('/gen/3.txt')!;
    const res = await ingest(store, queues, cfg, [{ url: paths.plain3 }, { url: paths.notFound }], { force: true });
    expect(res).toMatchObject({ requeued: 2 });
    const c = await waitBatch(res.batch);
    expect(c.sources).toMatchObject({ extracted: 1, failed: 1 });
    expect(srv.hits.get('/gen/3.txt')).toBe(hits + 1);
    const after = (await store.findExtraction(before.sha256, cfg.pipeline))!;
    expect(after.id).toBe(before.id);
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    const n = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM extractions WHERE sha256 = $1', [before.sha256]);
    expect(Number(n[0].n)).toBe(1);
  });

  test('local files and directories are ingested too', async () => {
    const entries = await collectEntries([require('path').join(__dirname, '..', 'samples')]);
    expect(entries.length).toBeGreaterThanOrEqual(5);
    const res = await ingest(store, queues, cfg, entries);
    const c = await waitBatch(res.batch);
    expect(c.sources.extracted).toBe(entries.length);
  });
});

describe('parts', () => {
  test('CSV with URL, agency and year columns', () => {
    const rows = parseCsv('机关名称,年度,url\n"甲县人民政府",2021年,https://a.gov.cn/1.pdf\n乙县,2022,https://b.gov.cn/2.html\n,,not-a-url\n');
    expect(rows).toEqual([
      { url: 'https://a.gov.cn/1.pdf', agencyHint: '甲县人民政府', yearHint: 2021 },
      { url: 'https://b.gov.cn/2.html', agencyHint: '乙县', yearHint: 2022 },
    ]);
  });

  test('extraction threads default to one per core, at most one per GiB of memory, and the variable overrides', () => {
    const GiB = 2 ** 30;
    expect(defaultExtractThreads(8, 64 * GiB)).toBe(8);
    expect(defaultExtractThreads(8, 3.5 * GiB)).toBe(3);
    expect(defaultExtractThreads(1, 64 * GiB)).toBe(1);
    expect(defaultExtractThreads(4, 0.5 * GiB)).toBe(1);
    expect(queueConfigFromEnv({}).extract.concurrency).toBe(defaultExtractThreads());
    expect(queueConfigFromEnv({ NIANBAO_EXTRACT_CONCURRENCY: '3' }).extract.concurrency).toBe(3);
  });

  test('Redis host limiter: shared concurrency and spacing per host', async () => {
    const R = ((IORedis as any).default ?? IORedis) as new (u: string) => any;
    const r1 = new R(REDIS_URL);
    const r2 = new R(REDIS_URL);
    try {
      const lim = (r: any) => new RedisHostLimiter(r, prefix, { concurrency: 2, intervalMs: 100, leaseMs: 5000, maxWaitMs: 10000 });
      const [a, b] = [lim(r1), lim(r2)];
      let inFlight = 0;
      let max = 0;
      const starts: number[] = [];
      await Promise.all(Array.from({ length: 6 }, async (_, i) => {
        const release = await (i % 2 ? a : b).acquire('example.gov.cn');
        starts.push(Date.now());
        max = Math.max(max, ++inFlight);
        await new Promise((res) => setTimeout(res, 150));
        inFlight--;
        release();
      }));
      starts.sort((x, y) => x - y);
      expect(max).toBeLessThanOrEqual(2);
      for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(90);
      // a short wait budget gives up with HostBusyError instead of holding a worker slot
      const held = await a.acquire('busy.gov.cn');
      const held2 = await a.acquire('busy.gov.cn').catch(() => null);
      const tight = new RedisHostLimiter(r1, prefix, { concurrency: 1, intervalMs: 0, leaseMs: 5000, maxWaitMs: 50 });
      await expect(tight.acquire('busy.gov.cn')).rejects.toThrow(/busy/);
      held();
      held2?.();
    } finally {
      r1.disconnect();
      r2.disconnect();
    }
  });

  test('Redis host limiter: a finished lease goes back with the next request to its host, or on its own soon after', async () => {
    const R = ((IORedis as any).default ?? IORedis) as new (u: string) => any;
    const r = new R(REDIS_URL);
    try {
      const lim = new RedisHostLimiter(r, prefix, { concurrency: 1, intervalMs: 0, leaseMs: 60000, maxWaitMs: 2000, releaseDelayMs: 200 });
      const sem = `${prefix}:host:lease.gov.cn:inflight`;
      const first = await lim.acquire('lease.gov.cn');
      first();
      expect(await r.zcard(sem)).toBe(1); // not given back yet...
      const second = await lim.acquire('lease.gov.cn'); // ...but the next request takes the only slot at once, giving it back
      expect(await r.zcard(sem)).toBe(1);
      second();
      await new Promise((res) => setTimeout(res, 400));
      expect(await r.zcard(sem)).toBe(0); // given back on its own
      const third = await lim.acquire('lease.gov.cn');
      third();
      lim.flush();
      await new Promise((res) => setTimeout(res, 50));
      expect(await r.zcard(sem)).toBe(0);
    } finally {
      r.disconnect();
    }
  });

  test('extraction over its time limit is recorded as timeout (thread terminated)', async () => {
    const pool = new ExtractPool({ size: 1, timeoutMs: 1, mode: 'auto', recycleAfter: 100 });
    try {
      const big = Buffer.concat(Array.from({ length: 200 }, () => srv.samples[3]));
      const out = await pool.run(new Uint8Array(big), { uri: 'x.txt' });
      expect(out.timedOut).toBe(true);
      expect(out.ext.status).toBe('failed');
      expect(out.ext.error?.code).toBe('timeout');
    } finally {
      await pool.close();
    }
  });
});
