/**
 * The listing recogniser and the column crawl on randomised columns (test/discover/column-gen.ts): every
 * listed report found with its title's year, nothing from the chrome, non-reports listed but not taken as
 * reports, off-site items never fetched, each listing page fetched once and nothing else.
 * Tuning seeds 1..N; DISCOVER_SEED (e.g. 7919) runs N columns from a held-out base instead.
 */
import { crawlColumn } from '../src/discover/crawl';
import { recogniseListing } from '../src/discover/listing';
import { isReportTitle, titleYear } from '../src/discover/titles';
import { inColumn, pageKey, sameSite, siteOf } from '../src/discover/site';
import { makeColumn, type ColumnSite } from './discover/column-gen';

const N = Number(process.env.DISCOVER_N ?? 120);
const BASE = Number(process.env.DISCOVER_SEED ?? 1);

async function crawlSite(site: ColumnSite) {
  const fetched: string[] = [];
  const byKey = new Map([...site.pages].map(([u, h]) => [pageKey(new URL(u)), h]));
  const res = await crawlColumn(site.columnUrl, async (url) => {
    fetched.push(url);
    const html = byKey.get(pageKey(new URL(url)));
    if (html == null) throw Object.assign(new Error(`404 ${url}`), { code: 'http_error' });
    return { finalUrl: url, html };
  });
  return { res, fetched };
}

describe('report titles', () => {
  it.each([
    ['某某县人民政府2022年政府信息公开工作年度报告', true, 2022],
    ['2021年度某某市教育局政府信息公开工作年度报告', true, 2021],
    ['某某镇政府信息公开年报（2020年）', true, 2020],
    ['二〇二三年政府信息公开工作年度报告', true, 2023],
    ['某 某 县 2 0 2 2 年 政 府 信 息 公 开 工 作 年 度 报 告', true, 2022],
    ['某某县人民政府2022年政府信息公开工作年...', true, 2022],
    ['某某局关于2021年度政府信息公开工作情况的报告', true, 2021],
    ['政府信息公开工作年度报告（2020年度）', true, 2020],
    ['2021年度报告', true, 2021],
    ['某某县卫生和计划生育委员会2017年政府信息公开工作年度报告', true, 2017],
    ['某某出入境边防检查站2020年政府信息公开工作年度报告', true, 2020],
    ['关于公布某某县2021年政府信息公开工作年度报告的公告', true, 2021],
    ['某某县2022年度法治政府建设年度报告', false, 2022],
    ['某某县政府信息公开指南', false, null],
    ['关于做好2022年政府信息公开工作年度报告编制工作的通知', false, 2022],
    ['2021年政府信息公开工作年度报告解读', false, 2021],
    ['某某县2022年政务公开工作要点', false, 2022],
  ])('%s', (t, report, year) => {
    expect(isReportTitle(t)).toBe(report);
    expect(titleYear(t)).toBe(year);
  });

  it('a year printed twice differently is no hint', () => {
    expect(titleYear('某某县2021年政府信息公开工作年度报告（2022年修订）')).toBeNull();
  });
});

describe('site and column scope', () => {
  it('sibling hosts of one government domain are one site; addresses are per port', () => {
    expect(siteOf('www.mouxian.gov.cn')).toBe('mouxian.gov.cn');
    expect(sameSite(new URL('http://www.mouxian.gov.cn/a/'), new URL('http://xxgk.mouxian.gov.cn/f.pdf'))).toBe(true);
    expect(sameSite(new URL('http://www.mouxian.gov.cn/a/'), new URL('http://www.gov.cn/'))).toBe(false);
    expect(sameSite(new URL('http://127.0.0.1:8080/a/'), new URL('http://127.0.0.1:8081/a/'))).toBe(false);
  });
  it('pages of a column are files in its directory or the same path with another query', () => {
    const c = new URL('http://x.gov.cn/zwgk/ndbg/index.html');
    expect(inColumn(c, new URL('http://x.gov.cn/zwgk/ndbg/index_2.html'))).toBe(true);
    expect(inColumn(c, new URL('http://x.gov.cn/zwgk/ndbg/index.html?page=3'))).toBe(true);
    expect(inColumn(c, new URL('http://x.gov.cn/zwgk/other/index_2.html'))).toBe(false);
    expect(inColumn(c, new URL('http://x.gov.cn/zwgk/ndbg/2023/index_2.html'))).toBe(false);
    expect(pageKey(c)).toBe('http://x.gov.cn/zwgk/ndbg/');
  });
});

describe('pagination', () => {
  it('a numbered file of another column in the same directory is not a page of this one', () => {
    const rows = [2022, 2021, 2020].map((y) => `<li><a href="/art/${y}.html">某某县${y}年政府信息公开工作年度报告</a><span>${y + 1}-01-20</span></li>`).join('');
    const html = `<html><body><div class="lm"><a href="list_13.html">其他栏目</a><a href="index_3.html">栏目首页</a></div>
      <ul class="list">${rows}</ul><div class="pg"><a href="list_12_2.html">下一页</a> <a href="list_12_3.html">3</a></div></body></html>`;
    const l = recogniseListing(html, 'http://x.gov.cn/col/list_12.html');
    expect(l.pages).toEqual(['http://x.gov.cn/col/list_12_2.html', 'http://x.gov.cn/col/list_12_3.html']);
  });
  it('pages a pager script writes, and a directory index as the first page', () => {
    const rows = [2022, 2021].map((y) => `<li><a href="./${y}/t1.html">${y}年政府信息公开工作年度报告</a><span>${y + 1}-01-20</span></li>`).join('');
    const html = `<html><body><ul>${rows}</ul><script>createPageHTML('page_div', 3, 0, "index", "shtml");</script></body></html>`;
    const l = recogniseListing(html, 'http://x.gov.cn/zwgk/ndbg/');
    expect(l.pages).toEqual(['http://x.gov.cn/zwgk/ndbg/index_1.shtml', 'http://x.gov.cn/zwgk/ndbg/index_2.shtml']);
    expect(l.declaredPages).toBe(3);
  });
});

describe('a page that is not a listing', () => {
  it('a wrapper page (one report link, no dated rows) and a report page are not listings', () => {
    const wrapper = `<html><body><div class="nav"><a href="/">首页</a></div><h1>某某县2022年政府信息公开工作年度报告</h1><p>发布日期：2023-01-20</p>
      <p>附件：<a href="/f/1.pdf">某某县2022年政府信息公开工作年度报告.pdf</a></p><p><a href="/g.doc">政府信息公开指南.doc</a></p></body></html>`;
    expect(recogniseListing(wrapper, 'http://x.gov.cn/art/1.html').listing).toBe(false);
    const report = `<html><body><h1>某某县2022年政府信息公开工作年度报告</h1><p>一、总体情况</p><table><tr><td>行政许可</td><td>3</td></tr></table></body></html>`;
    expect(recogniseListing(report, 'http://x.gov.cn/art/2.html').listing).toBe(false);
  });
});

describe(`randomised columns (seeds ${BASE}..${BASE + N - 1})`, () => {
  it('every report found, nothing else taken, each page fetched once', async () => {
    const problems: string[] = [];
    let reports = 0;
    let found = 0;
    let wrongYear = 0;
    const byLayout: Record<string, [number, number]> = {};
    for (let seed = BASE; seed < BASE + N; seed++) {
      const site = makeColumn(seed);
      const { res, fetched } = await crawlSite(site);
      const tag = `seed ${seed} (${site.layout}/${site.pager}${site.undated ? '/undated' : ''}, ${site.listingPages.length} pages)`;
      const got = new Map(res.items.filter((i) => i.report && !i.offSite).map((i) => [i.url, i.yearHint]));
      const stat = (byLayout[`${site.layout}/${site.pager}`] ??= [0, 0]);
      stat[0]++;
      let ok = res.listing;
      for (const [u, y] of site.reports) {
        if (!site.reachable.has(u)) {
          if (got.has(u)) { problems.push(`${tag}: found ${u} behind a script pager?`); ok = false; }
          continue;
        }
        reports++;
        if (!got.has(u)) { problems.push(`${tag}: missed ${u}`); ok = false; continue; }
        found++;
        if (got.get(u) !== y) { wrongYear++; problems.push(`${tag}: ${u} year ${got.get(u)} ≠ ${y}`); ok = false; }
      }
      for (const u of got.keys()) if (!site.reports.has(u)) { problems.push(`${tag}: took ${u} as a report`); ok = false; }
      for (const it of res.items) {
        if (!site.undated && it.report && !it.date) { problems.push(`${tag}: no date for ${it.url}`); ok = false; }
        if (it.date && !/^20\d{2}-\d{2}-\d{2}$/.test(it.date)) { problems.push(`${tag}: date ${it.date}`); ok = false; }
        if (site.chrome.has(it.url)) { problems.push(`${tag}: chrome item ${it.url}`); ok = false; }
        if (site.offSite.has(it.url) && !it.offSite) { problems.push(`${tag}: off-site ${it.url} not marked`); ok = false; }
      }
      const keys = fetched.map((u) => pageKey(new URL(u)));
      if (new Set(keys).size !== keys.length) { problems.push(`${tag}: a page fetched twice`); ok = false; }
      const listing = new Set(site.listingPages.map((u) => pageKey(new URL(u))));
      for (const k of keys) if (!listing.has(k)) { problems.push(`${tag}: fetched ${k}, not a page of the column`); ok = false; }
      const unreached = res.pageErrors.some((e) => e.code === 'pages_unreached');
      if (site.pager === 'js' && site.listingPages.length > 1) {
        // a script-only pager: the first page is read, and the crawl says the rest could not be
        if (!unreached) { problems.push(`${tag}: script-only pager not reported`); ok = false; }
      } else {
        if (unreached) { problems.push(`${tag}: pages_unreached reported wrongly: ${JSON.stringify(res.pageErrors)}`); ok = false; }
        for (const k of listing) if (!keys.includes(k)) { problems.push(`${tag}: page ${k} not reached`); ok = false; }
      }
      if (ok) stat[1]++;
    }
    // eslint-disable-next-line no-console
    if (process.env.DISCOVER_REPORT) console.log(JSON.stringify({ base: BASE, n: N, reports, found, wrongYear, columnsOk: Object.values(byLayout).reduce((s, v) => s + v[1], 0), byLayout, problems: problems.slice(0, 30) }, null, 1));
    expect(problems).toEqual([]);
  });
});

describe('crawl bounds and broken pages', () => {
  // a column of four pages, each linking every other (numbers pager) or the next (next pager)
  const four = (pager: 'numbers' | 'next') => {
    for (let seed = 1; ; seed++) {
      const s = makeColumn(seed, undefined, { nPages: 4, perPage: 5 });
      if (s.pager === pager) return s;
    }
  };
  const fetcher = (site: ColumnSite, fail: Set<string> = new Set()) => {
    const byKey = new Map([...site.pages].map(([u, h]) => [pageKey(new URL(u)), h]));
    const fetched: string[] = [];
    return {
      fetched,
      fetch: async (url: string) => {
        fetched.push(url);
        const k = pageKey(new URL(url));
        if (fail.has(k) || !byKey.has(k)) throw Object.assign(new Error(`HTTP 500 ${url}`), { code: 'http_error' });
        return { finalUrl: url, html: byKey.get(k) as string };
      },
    };
  };

  it('stops at maxPages and says which pages it left out', async () => {
    const site = four('numbers');
    const f = fetcher(site);
    const res = await crawlColumn(site.columnUrl, f.fetch, { maxPages: 2 });
    expect(f.fetched).toHaveLength(2);
    expect(res.notFollowed).toHaveLength(2);
  });

  it('stops at maxDepth along a 下一页 chain', async () => {
    const site = four('next');
    const f = fetcher(site);
    const res = await crawlColumn(site.columnUrl, f.fetch, { maxDepth: 1 });
    // page 1, then what it links (next and last page), not what they link
    expect(f.fetched.length).toBeLessThan(4);
    expect(res.notFollowed.length).toBeGreaterThan(0);
  });

  it('a later page that fails is recorded and the rest still crawled; a first page that fails throws', async () => {
    const site = four('numbers');
    const bad = pageKey(new URL(site.listingPages[1]));
    const f = fetcher(site, new Set([bad]));
    const res = await crawlColumn(site.columnUrl, f.fetch);
    expect(res.pageErrors.map((e) => pageKey(new URL(e.url)))).toEqual([bad]);
    expect(f.fetched).toHaveLength(4);
    const g = fetcher(site, new Set([pageKey(new URL(site.columnUrl))]));
    await expect(crawlColumn(site.columnUrl, g.fetch)).rejects.toThrow(/HTTP 500/);
  });

  it('a GBK listing page decodes by its meta charset', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const iconv = require('iconv-lite');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { decodeHtml } = require('../src/fetch/wrapper');
    const site = makeColumn(3);
    const html = (site.pages.get(site.columnUrl) as string).replace('charset="utf-8"', 'charset="gb2312"');
    const bytes = new Uint8Array(iconv.encode(html, 'gbk'));
    const l = recogniseListing(decodeHtml(bytes, 'text/html'), site.columnUrl);
    expect(l.listing).toBe(true);
    expect(l.items.filter((i) => i.report).length).toBeGreaterThan(0);
  });
});
