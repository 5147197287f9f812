/**
 * A column served locally (three listing pages with a pagination loop, direct PDF/DOCX/DOC/HTML reports,
 * wrapper pages, non-report items, chrome, an off-site item, an item robots.txt refuses) goes through the
 * real discover, fetch and extract workers against the real Redis and PostgreSQL: every report reached and
 * extracted, nothing else stored or fetched, a wrong title year flagged; a re-run adds only the new report.
 */
import { createServer, type Server } from 'http';
import { spawn } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import type { AddressInfo } from 'net';
import { openStore, type Store } from '../src/store';
import { queueConfigFromEnv, forStore, type QueueConfig } from '../src/queue/config';
import { enqueueColumns } from '../src/queue/discover';
import { openQueues } from '../src/queue/queues';
import { ingest } from '../src/queue/ingest';
import { checkYearHints, columnCounts, getColumn } from '../src/store/columns';
import { startWorkers, type RunningWorkers } from '../workers';
import { DATABASE_URL, REDIS_URL, dropRedisPrefix, dropSchema, tempDir, uniqueName } from './helpers/services';

jest.setTimeout(90000);

const FILES = join(__dirname, 'fixtures', 'files');
const file = (p: string) => readFileSync(join(FILES, p));
const TYPES: Record<string, string> = { pdf: 'application/pdf', doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', html: 'text/html; charset=utf-8' };

interface Site { server: Server; url: string; hits: Map<string, number>; close(): Promise<void> }

async function serve(routes: (path: string) => { type: string; body: Buffer | string } | null): Promise<Site> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/');
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const r = routes(path);
    if (!r) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); return; }
    const b = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    res.writeHead(200, { 'content-type': r.type, 'content-length': b.length });
    res.end(b);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url, hits, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

const CHROME = `<div class="header"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwgk/xxgkzn/">政府信息公开指南</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 年度报告</div>
<div class="left"><h3>相关报告</h3><p><a href="/other/art_1.html">某某市2022年政府信息公开工作年度报告</a></p><p><a href="/other/art_2.html">某某市2021年政府信息公开工作年度报告</a></p></div>`;
const FOOTER = `<div class="footer"><a href="/about/">关于我们</a> <a href="https://beian.miit.gov.cn/">某ICP备12345678号</a> 政府网站标识码 1234000001</div>`;

function listing(rows: Array<[string, string, string]>, pager: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>${CHROME}
<div class="right"><ul class="list">${rows.map(([h, t, d]) => `<li><a href="${h}" title="${t}">${t}</a><span class="date">${d}</span></li>`).join('\n')}</ul>
<div class="page">${pager}</div></div>${FOOTER}</body></html>`;
}

function wrapper(title: string, att: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${CHROME}<div class="article"><h1>${title}</h1>
<p>发布日期：2023-01-20</p><p>现将报告予以公布，详见附件。</p><p>附件：<a href="${att}">${title}.${att.split('.').pop()}</a></p></div>${FOOTER}</body></html>`;
}

let site: Site;
let other: Site;
let store: Store;
let cfg: QueueConfig;
let workers: RunningWorkers;
let addNew = false;
const schema = uniqueName('nbtest_disc');
const prefix = uniqueName('nbtestd');
const blobs = tempDir('nb-dblobs-');

/** Report URLs (path → title year, extracted year). */
const REPORTS: Record<string, [number, number]> = {
  '/uploadfiles/2023/ruled-2021.pdf': [2022, 2022],
  '/zwgk/ndbg/202201/t20220120_2.html': [2021, 2021], // wrapper → borderless-2021.pdf
  '/uploadfiles/2023/lo-2021.docx': [2022, 2022],
  '/uploadfiles/2021/lo-2019.doc': [2020, 2020],
  '/zwgk/ndbg/202001/t20200120_6.html': [2019, 2019], // the HTML report itself
  '/zwgk/ndbg/201901/t20190120_8.html': [2018, 2019], // wrapper → lo-2019.docx; the title's year is wrong
};
const NOT_FETCHED = ['/zwgk/ndbg/t_guide.html', '/zwgk/ndbg/t_news.html', '/zwgk/ndbg/t_notice.html', '/other/art_1.html', '/other/art_2.html', '/', '/zwgk/', '/zwgk/xxgkzn/', '/about/'];

beforeAll(async () => {
  other = await serve((p) => (p === '/r/lo-2021.pdf' ? { type: TYPES.pdf, body: file('pdf/lo-2021.pdf') } : p === '/robots.txt' ? { type: 'text/plain', body: '' } : null));
  site = await serve((p) => {
    if (p === '/robots.txt') return { type: 'text/plain', body: 'User-agent: *\nDisallow: /private/\n' };
    const pager = (i: number) => `<a href="index.html">首页</a> ${[0, 1, 2].map((k) => (k === i ? `<span>${k + 1}</span>` : `<a href="${k ? `index_${k}.html` : 'index.html'}">${k + 1}</a>`)).join(' ')} <a href="${i === 2 ? 'index.html' : `index_${i + 1}.html`}">下一页</a>`;
    if (p === '/zwgk/ndbg/' || p === '/zwgk/ndbg/index.html') {
      const rows: Array<[string, string, string]> = [
        // on the second run the listing gives this (already extracted) report another year
        ['/uploadfiles/2023/ruled-2021.pdf', `某某县人民政府${addNew ? 2021 : 2022}年政府信息公开工作年度报告`, '2023-01-18'],
        ['202201/t20220120_2.html', '某某县人民政府2021年度政府信息公开工作年度报告', '2022-01-20'],
        ['t_guide.html', '某某县人民政府政府信息公开指南', '2021-06-01'],
        ['/uploadfiles/2023/lo-2021.docx', '某某县教育局2022年政府信息公开工作年度报告', '2023-01-25'],
      ];
      if (addNew) rows.unshift(['/uploadfiles/2024/lo-2021.pdf', '某某县人民政府2022年度政府信息公开工作年度报告', '2024-01-20']);
      return { type: TYPES.html, body: listing(rows, pager(0)) };
    }
    if (p === '/zwgk/ndbg/index_1.html') {
      return { type: TYPES.html, body: listing([
        ['/uploadfiles/2021/lo-2019.doc', '某某县卫生健康局2020年政府信息公开工作年度报告', '2021-01-15'],
        ['202001/t20200120_6.html', '某某县2019年政府信息公开工作年度报告', '2020-01-20'],
        ['t_news.html', '某某县召开2022年政务公开工作推进会', '2022-03-01'],
        ['201901/t20190120_8.html', '某某县2018年政府信息公开工作年度报告', '2019-01-20'],
      ], pager(1)) };
    }
    if (p === '/zwgk/ndbg/index_2.html') {
      return { type: TYPES.html, body: listing([
        [`${other.url}/r/lo-2021.pdf`, '某某县2017年政府信息公开工作年度报告', '2018-01-20'],
        ['/private/2016.pdf', '某某县2016年政府信息公开工作年度报告', '2017-01-20'],
        ['201601/t20160120_9.html', '某某县2015年政府信息公开工作年度报告', '2016-01-20'], // its attachment is off-site
        ['t_notice.html', '关于做好2022年政府信息公开工作年度报告编制工作的通知', '2022-12-01'],
      ], pager(2)) };
    }
    if (p === '/uploadfiles/2023/ruled-2021.pdf') return { type: TYPES.pdf, body: file('pdf/ruled-2021.pdf') };
    if (p === '/uploadfiles/2024/lo-2021.pdf') return { type: TYPES.pdf, body: file('pdf/lo-2021.pdf') };
    if (p === '/uploadfiles/2023/lo-2021.docx') return { type: TYPES.docx, body: file('docx/lo-2021.docx') };
    if (p === '/uploadfiles/2021/lo-2019.doc') return { type: TYPES.doc, body: file('doc/lo-2019.doc') };
    if (p === '/uploadfiles/2022/borderless-2021.pdf') return { type: TYPES.pdf, body: file('pdf/borderless-2021.pdf') };
    if (p === '/uploadfiles/2019/lo-2019.docx') return { type: TYPES.docx, body: file('docx/lo-2019.docx') };
    if (p === '/zwgk/ndbg/202201/t20220120_2.html') return { type: TYPES.html, body: wrapper('某某县人民政府2021年度政府信息公开工作年度报告', '/uploadfiles/2022/borderless-2021.pdf') };
    if (p === '/zwgk/ndbg/201901/t20190120_8.html') return { type: TYPES.html, body: wrapper('某某县2018年政府信息公开工作年度报告', '../../../uploadfiles/2019/lo-2019.docx') };
    if (p === '/zwgk/ndbg/201601/t20160120_9.html') return { type: TYPES.html, body: wrapper('某某县2015年政府信息公开工作年度报告', `${other.url}/r/lo-2021.pdf`) };
    if (p === '/zwgk/ndbg/202001/t20200120_6.html') return { type: TYPES.html, body: file('html/plain-2019.html') };
    if (p.startsWith('/private/')) return { type: TYPES.pdf, body: file('pdf/lo-2021.pdf') };
    return { type: TYPES.html, body: `<html><body>${CHROME}<p>其他页面</p>${FOOTER}</body></html>` };
  });
  store = await openStore({ databaseUrl: DATABASE_URL, schema, blobDir: blobs.dir });
  cfg = forStore(queueConfigFromEnv({ REDIS_URL, NIANBAO_QUEUE_PREFIX: prefix } as NodeJS.ProcessEnv), store);
  cfg.fetch = { ...cfg.fetch, allowPrivate: true, attempts: 2, backoffMs: 150, timeoutMs: 5000, hostConcurrency: 4, hostIntervalMs: 0, concurrency: 4 };
  cfg.extract = { ...cfg.extract, concurrency: 2, timeoutMs: 60000 };
  workers = await startWorkers({ cfg, store, log: () => undefined });
});

afterAll(async () => {
  await workers?.close();
  await store?.close();
  await site?.close();
  await other?.close();
  await dropRedisPrefix(prefix);
  await dropSchema(schema);
  blobs.remove();
});

async function untilDone(columnId: number, timeoutMs = 60000) {
  const t0 = Date.now();
  for (;;) {
    const c = (await columnCounts(store, cfg.pipeline)).find((x) => x.id === columnId);
    if (c && c.status !== 'queued' && c.status !== 'discovering' && c.queued === 0) return c;
    if (Date.now() - t0 > timeoutMs) throw new Error(`column ${columnId} not done: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('ingest --discover through the real workers', () => {
  let columnId = 0;

  it('reaches and extracts every listed report, and nothing else', async () => {
    const { columns } = await enqueueColumns(store, cfg, [`${site.url}/zwgk/ndbg/`]);
    columnId = columns[0].id;
    const c = await untilDone(columnId);
    expect(c).toMatchObject({ status: 'done', pages: 3, found: 8, extracted: 6, failed: 2, queued: 0, newReports: 8, yearMismatches: 1 });

    const sources = await store.query<any>('SELECT url, status, year_hint, column_id, listed_title, listed_date, error_code, sha256 FROM sources ORDER BY id');
    const paths = sources.map((s) => new URL(s.url).pathname);
    expect(new Set(paths)).toEqual(new Set([...Object.keys(REPORTS), '/private/2016.pdf', '/zwgk/ndbg/201601/t20160120_9.html']));
    for (const s of sources) {
      expect(Number(s.column_id)).toBe(columnId);
      expect(s.listed_title).toMatch(/年度报告$/);
      expect(s.listed_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const priv = sources.find((s) => s.url.endsWith('/private/2016.pdf'));
    expect(priv).toMatchObject({ status: 'failed', error_code: 'robots_disallowed' });
    expect(site.hits.get('/private/2016.pdf')).toBeUndefined();
    // a listed wrapper page whose attachment is on another site: the page is read, the attachment is not fetched
    const off = sources.find((s) => s.url.endsWith('/t20160120_9.html'));
    expect(off).toMatchObject({ status: 'failed', error_code: 'off_site' });
    expect(site.hits.get('/zwgk/ndbg/201601/t20160120_9.html')).toBe(1);

    // every report extracted with the year it reports on; the one whose title names another year is flagged
    for (const [path, [hint, year]] of Object.entries(REPORTS)) {
      const s = sources.find((x) => new URL(x.url).pathname === path);
      expect(s).toMatchObject({ status: 'extracted', year_hint: hint });
      const ex = await store.findExtraction(s.sha256, cfg.pipeline);
      expect(ex?.year).toBe(year);
      const mism = (ex?.extraction.flags ?? []).filter((f) => f.code === 'year_hint_mismatch');
      expect(mism.length).toBe(hint === year ? 0 : 1);
      if (hint !== year) {
        expect(ex?.status).toBe('flagged');
        expect(mism[0].message).toContain(`${hint}`);
        // checked again (a job run twice): no second flag
        expect(await checkYearHints(store, s.sha256, cfg.pipeline)).toBe(0);
        const again = await store.findExtraction(s.sha256, cfg.pipeline);
        expect(again?.extraction.flags.filter((f) => f.code === 'year_hint_mismatch')).toHaveLength(1);
      }
    }

    // listing pages fetched once each (the pager loops back to page 1); wrappers' attachments fetched
    expect(site.hits.get('/zwgk/ndbg/')).toBe(1);
    expect(site.hits.get('/zwgk/ndbg/index.html')).toBeUndefined();
    expect(site.hits.get('/zwgk/ndbg/index_1.html')).toBe(1);
    expect(site.hits.get('/zwgk/ndbg/index_2.html')).toBe(1);
    expect(site.hits.get('/uploadfiles/2022/borderless-2021.pdf')).toBe(1);
    expect(site.hits.get('/uploadfiles/2019/lo-2019.docx')).toBe(1);
    for (const p of NOT_FETCHED) expect([p, site.hits.get(p)]).toEqual([p, undefined]);
    expect([...other.hits.keys()]).toEqual([]); // nothing off-site

    const col = await getColumn(store, columnId);
    expect(col?.skipped.map((s) => s.reason).sort()).toEqual(['not_report', 'not_report', 'not_report', 'off_site']);
  });

  it('re-ingesting the column adds only the report new since the last time', async () => {
    const before = new Map(site.hits);
    addNew = true;
    await enqueueColumns(store, cfg, [`${site.url}/zwgk/ndbg/`]);
    const c = await untilDone(columnId);
    expect(c).toMatchObject({ status: 'done', found: 9, extracted: 7, failed: 2, newReports: 1, runs: 2, yearMismatches: 2 });
    // the report extracted in the first run now has a listing year that disagrees: checked and flagged
    const ruled = await store.getSourceByUrl(`${site.url}/uploadfiles/2023/ruled-2021.pdf`);
    expect(ruled?.yearHint).toBe(2021);
    const ex = await store.findExtraction(ruled?.sha256 as string, cfg.pipeline);
    expect(ex?.year).toBe(2022);
    expect(ex?.extraction.flags.filter((f) => f.code === 'year_hint_mismatch')).toHaveLength(1);
    expect(site.hits.get('/uploadfiles/2024/lo-2021.pdf')).toBe(1);
    for (const p of Object.keys(REPORTS)) expect([p, site.hits.get(p)]).toEqual([p, before.get(p)]);
    expect(site.hits.get('/zwgk/ndbg/')).toBe(2);
    const n = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM sources');
    expect(Number(n[0].n)).toBe(9);
  });

  it('a page that is not a listing fails its column with the reason, storing nothing', async () => {
    const { columns } = await enqueueColumns(store, cfg, [`${site.url}/zwgk/ndbg/202201/t20220120_2.html`]);
    const c = await untilDone(columns[0].id);
    expect(c).toMatchObject({ status: 'failed', found: 0 });
    expect(c.error?.code).toBe('not_a_listing');
    const n = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM sources');
    expect(Number(n[0].n)).toBe(9);
  });

  it('a column robots.txt refuses is not read, and fails with the reason', async () => {
    const { columns } = await enqueueColumns(store, cfg, [`${site.url}/private/ndbg/`]);
    const c = await untilDone(columns[0].id);
    expect(c).toMatchObject({ status: 'failed', found: 0, error: { code: 'robots_disallowed' } });
    expect(site.hits.get('/private/ndbg/')).toBeUndefined();
  });

  it('a column ingested without --discover fails as a listing, instead of yielding one of its reports', async () => {
    const queues = openQueues(cfg);
    try {
      const url = `${site.url}/zwgk/ndbg/index.html`;
      await ingest(store, queues, cfg, [{ url }], { batch: 'plain' });
      const t0 = Date.now();
      let s = await store.getSourceByUrl(url);
      while (s && (s.status === 'queued' || s.status === 'fetched') && Date.now() - t0 < 20000) {
        await new Promise((r) => setTimeout(r, 150));
        s = await store.getSourceByUrl(url);
      }
      expect(s).toMatchObject({ status: 'failed', error: { stage: 'fetch', code: 'listing_page' } });
      expect(s?.error?.message).toMatch(/--discover/);
      expect(s?.sha256).toBeNull();
    } finally {
      await queues.close();
    }
  });
});

describe('nianbao ingest --discover (the built CLI, real PostgreSQL and Redis)', () => {
  const data = tempDir('nb-dcli-');
  const cliPrefix = uniqueName('nbtestdc');
  const cliSchema = uniqueName('nbtest_dcli');
  afterAll(async () => {
    await dropRedisPrefix(cliPrefix);
    await dropSchema(cliSchema);
    data.remove();
  });
  const cli = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const env = {
        ...process.env, NIANBAO_DATA: data.dir, DATABASE_URL, NIANBAO_DB_SCHEMA: cliSchema, REDIS_URL, NIANBAO_QUEUE_PREFIX: cliPrefix,
        NIANBAO_HOST_INTERVAL_MS: '0', NIANBAO_HOST_CONCURRENCY: '8', NIANBAO_EXTRACT_CONCURRENCY: '1',
      };
      const p = spawn(process.execPath, [join(__dirname, '..', 'bin', 'nianbao.js'), ...args], { env });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('bad usage exits 2', async () => {
    expect((await cli(['ingest', '--discover', '--force', 'http://x.gov.cn/'])).status).toBe(2);
    expect((await cli(['ingest', '--discover', __filename])).status).toBe(2);
  });

  it('--run discovers, extracts and reports per column; status shows the column', async () => {
    const r = await cli(['ingest', '--discover', '--run', '--allow-private', '--json', `${site.url}/zwgk/ndbg/`]);
    expect(r.status).toBe(1); // the report robots.txt refuses and the off-site attachment failed
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out.columns).toHaveLength(1);
    expect(out.columns[0]).toMatchObject({ status: 'done', found: 9, extracted: 7, failed: 2, queued: 0, yearMismatches: 2 });
    const st = await cli(['status', '--no-queue']);
    expect(st.status).toBe(0);
    expect(st.stdout).toMatch(/column 1 done .*: 9 found \(9 new in the last run\), 7 extracted, 2 failed, 0 pending, 2 year ≠ title; 3 page\(s\), 4 not reports\/off-site/);
  });
});
