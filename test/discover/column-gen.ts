/**
 * Randomised report columns (栏目), as government CMSs render them: a listing of report titles with dates
 * over several pages, among site chrome (navigation, breadcrumbs, a sidebar of other columns, a footer with
 * filing numbers), with items that are not reports (the 指南, notices, news, a reading of the report).
 * Layouts: ul/li with a date span, table rows, div rows, dl/dd, flat a + span + br. Dates in five formats.
 * Pagination: 下一页 links, page numbers, a ?page= parameter, a createPageHTML script; some loop back.
 * Titles: wording, year forms (2022年度, 二〇二二年, （2022年）), letter spacing, truncation with a title attribute.
 */
import { Rng } from '../fixtures/prng';

export interface ColumnSite {
  seed: number;
  /** The column's first page. */
  columnUrl: string;
  /** Every page the site serves, by URL (absolute, no fragment). */
  pages: Map<string, string>;
  /** The column's own listing pages. */
  listingPages: string[];
  /** Listed reports: URL → the year the title names (null: none). */
  reports: Map<string, number | null>;
  /** Reports on pages a crawl can reach (all but a script-only pager's later pages). */
  reachable: Set<string>;
  /** Listed items that are not reports. */
  nonReports: Set<string>;
  /** Links of the chrome (must never be taken as items), incl. report-like ones in a sidebar. */
  chrome: Set<string>;
  /** Off-site report links listed in the column (listed, never to be fetched). */
  offSite: Set<string>;
  layout: string;
  pager: string;
  undated?: boolean;
}

const AGENCIES = ['某某县人民政府', '某某市教育局', '某某区卫生健康委员会', '某某镇人民政府', '某某县自然资源局', '某某市人民政府办公室', '某某街道办事处', '某某县财政局', '某某县卫生和计划生育委员会', '某某出入境边防检查站', '某某市统计局'];
const CN = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const cnYear = (y: number) => [...String(y)].map((d) => CN[Number(d)]).join('');

function reportTitle(r: Rng, agency: string, year: number): { title: string; year: number | null } {
  const y = r.pick([`${year}年`, `${year}年度`, `${cnYear(year)}年`]);
  const forms = [
    `${agency}${y}政府信息公开工作年度报告`,
    `${y}${agency}政府信息公开工作年度报告`,
    `${agency}${y}政务公开工作年度报告`,
    `${agency}政府信息公开工作年度报告（${year}年）`,
    `${agency}${y}政府信息公开年报`,
    `${y}政府信息公开工作年度报告`,
    `${agency}关于${y}政府信息公开工作的年度报告`,
    `${agency}${y}政府信息公开工作报告`,
    `${agency}关于${y}政府信息公开工作情况的报告`,
    `政府信息公开工作年度报告（${year}年度）`,
    `${agency}${y}政府信息公开工作年度报告（更正版）`,
    `${year}年度报告`,
    `${agency}${year}年年报`,
    `关于公布${agency}${y}政府信息公开工作年度报告的公告`,
  ];
  return { title: r.pick(forms), year };
}

function nonReportTitle(r: Rng, agency: string, year: number): string {
  return r.pick([
    `${agency}政府信息公开指南`,
    `${agency}政府信息公开指南（${year}年修订）`,
    `关于做好${year}年政府信息公开工作年度报告编制和发布工作的通知`,
    `${agency}${year}年政务公开工作要点`,
    `${agency}政府信息公开制度`,
    `${agency}召开${year}年政务公开工作推进会`,
    `依申请公开政府信息流程图`,
    `${year}年政府信息公开工作年度报告解读`,
    `${agency}${year}年度政府信息公开工作年度报告图解`,
    `${agency}${year}年度法治政府建设年度报告`,
    `${agency}${year}年国民经济和社会发展统计公报`,
    `关于${agency}${year}年度政府信息公开工作年度报告的情况说明`,
    `${agency}机构职能`,
    `${agency}政府信息公开工作年度报告发布会`,
    `政府信息公开申请表`,
    `${agency}${year}年度政府信息公开工作考核结果`,
  ]);
}

function date(r: Rng, year: number): string {
  const m = r.int(1, 3);
  const d = r.int(1, 28);
  const p = (n: number) => String(n).padStart(2, '0');
  return r.pick([
    `${year + 1}-${p(m)}-${p(d)}`, `${year + 1}/${p(m)}/${p(d)}`, `${year + 1}年${m}月${d}日`, `[${year + 1}-${p(m)}-${p(d)}]`, `(${year + 1}.${p(m)}.${p(d)})`,
  ]);
}

function spaced(r: Rng, t: string): string {
  return r.chance(0.1) ? [...t].join(' ') : t;
}

interface Row { href: string; title: string; date: string }

function renderRows(r: Rng, t: Rng, layout: string, rows: Row[]): string {
  const a = (x: Row) => {
    const cut = r.chance(0.25) && x.title.length > 18;
    const text = cut ? x.title.slice(0, 16) + r.pick(['...', '…']) : spaced(r, x.title);
    return `<a href="${x.href}"${cut || r.chance(0.3) ? ` title="${x.title}"` : ''} target="_blank">${text}</a>`;
  };
  switch (layout) {
    case 'ul':
      return `<ul class="${t.pick(['list', 'news_list', 'xxgk-list clearfix', 'lb'])}">${rows.map((x) => `<li>${r.chance(0.5) ? '<i class="dot"></i>' : ''}${a(x)}<span class="${t.pick(['date', 'time', 'fr'])}">${x.date}</span></li>`).join('\n')}</ul>`;
    case 'ul-inside':
      // the date inside the link
      return `<ul class="${t.pick(['list', 'news-list'])}">${rows.map((x) => `<li><a href="${x.href}" target="_blank"><span class="${t.pick(['tit', 'l'])}">${spaced(r, x.title)}</span><span class="${t.pick(['time', 'r'])}">${x.date}</span></a></li>`).join('\n')}</ul>`;
    case 'ul-split':
      // TRS-style: rows in several lists of five, one per block
      return rows.reduce((acc, _x, i) => (i % 5 === 0 ? [...acc, rows.slice(i, i + 5)] : acc), [] as Row[][])
        .map((chunk) => `<ul class="list">${chunk.map((x) => `<li><span>${x.date}</span>${a(x)}</li>`).join('')}</ul><div class="line"></div>`).join('\n');
    case 'table':
      return `<table class="${t.pick(['tb', 'list-table', ''])}" width="100%"><tr><th>标题</th><th>发布日期</th></tr>${rows.map((x, i) => `<tr class="${i % 2 ? 'odd' : 'even'}"><td>${i + 1}</td><td>${a(x)}</td><td>${x.date}</td></tr>`).join('\n')}</table>`;
    case 'div': {
      const item = t.pick(['item', 'row', 'list-item', '']);
      const [tit, rq] = t.pick([['tit', 'rq'], ['', ''], ['title', 'date']]);
      const cls = (c: string) => (c ? ` class="${c}"` : '');
      return `<div class="${t.pick(['list-box', 'con_list', 'main-list'])}">${rows.map((x) => `<div${cls(item)}><div${cls(tit)}>${a(x)}</div><div${cls(rq)}>${x.date}</div></div>`).join('\n')}</div>`;
    }
    case 'dl':
      return `<dl class="list">${rows.map((x) => `<dd>${a(x)} <em>${x.date}</em></dd>`).join('\n')}</dl>`;
    case 'datastore': {
      // Hanweb: the rows as CDATA records in an XML script block, paged in the browser
      const recs = rows.map((x) => `<record><![CDATA[\n<li><a href="${x.href}" title="${x.title}" target="_blank">${x.title}</a><span class="bt-data-time">${x.date}</span></li>\n]]></record>`).join('\n');
      return `<div id="${t.pick(['237', '4521', '9013'])}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1&unitid=2&webname=x&permissiontype=0"></a>]]></nextgroup><recordset>${recs}</recordset></datastore></script></div>`;
    }
    default: // flat: links and dates in one block, separated by <br>
      return `<div class="content">${rows.map((x) => `${a(x)}<span>${x.date}</span><br>`).join('\n')}</div>`;
  }
}

function chrome(r: Rng, t: Rng, origin: string, agency: string, year: number, site: ColumnSite, where: 'top' | 'side' | 'foot'): string {
  const link = (href: string, text: string) => {
    site.chrome.add(new URL(href, origin).toString());
    return `<a href="${href}">${text}</a>`;
  };
  if (where === 'top') {
    return `<div class="${t.pick(['header', 'top'])}"><img src="/logo.png"><div class="search"><form action="/search"><input name="q"></form></div></div>
<div class="${t.pick(['nav', 'menu', 'mainNav'])}">${link('/', '首页')}${link('/zwgk/', '政务公开')}${link('/zwgk/xxgkzn/', '政府信息公开指南')}${link('/zwgk/xxgkzd/', '政府信息公开制度')}${link('/zwgk/ndbg/', '政府信息公开年报')}${link('/hdjl/', '互动交流')}</div>
<div class="${t.pick(['position', 'crumb', 'breadcrumb', 'location'])}">当前位置：${link('/', '首页')} &gt; ${link('/zwgk/', '政务公开')} &gt; 政府信息公开年度报告</div>`;
  }
  if (where === 'side') {
    // a sidebar of other columns, and other agencies' reports (report-like titles outside the listing)
    const others = [0, 1].map((k) => link(`/other${k}/art_${r.int(100, 999)}.html`, `${r.pick(AGENCIES)}${year - k}年政府信息公开工作年度报告`));
    return `<div class="${t.pick(['left', 'side', 'sidebar'])}"><h3>政务公开</h3><ul>${['政府信息公开指南', '政府信息公开制度', '法定主动公开内容', '政府信息公开年报'].map((t, i) => `<li>${link(`/zwgk/c${i}/`, t)}</li>`).join('')}</ul>
<div class="${t.pick(['links', 'related', 'hot'])}"><h4>相关报告</h4><p>${others.join('</p><p>')}</p></div></div>`;
  }
  return `<div class="${t.pick(['footer', 'foot', 'bottom'])}"><p>${link('/about/', '关于我们')} | ${link('/sitemap/', '网站地图')} | ${link('http://www.gov.cn/', '中国政府网')}</p>
<p>主办：${agency} ${link('https://beian.miit.gov.cn/', '某ICP备12345678号-1')} 政府网站标识码：1234567890 ${link('http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11', '某公网安备 11010502030000号')}</p></div>`;
}

const LAYOUTS = ['ul', 'ul-inside', 'ul-split', 'table', 'div', 'dl', 'flat', 'datastore'];
const PAGERS = ['next', 'numbers', 'query', 'script', 'next-loop', 'js'];

/** A column of `nPages` listing pages on `origin` (e.g. http://www.x.gov.cn or a local server's URL). */
export function makeColumn(seed: number, origin = 'http://www.mouxian.gov.cn', opts: { nPages?: number; perPage?: number } = {}): ColumnSite {
  const r = new Rng(seed * 7919 + 17);
  const agency = r.pick(AGENCIES);
  const layout = r.pick(LAYOUTS);
  const pager = r.pick(PAGERS);
  const nPages = opts.nPages ?? r.int(1, 4);
  // some CMSs print no dates at all
  const undated = r.chance(0.12);
  const sidebar = r.chance(0.7);
  const perPage = opts.perPage ?? r.int(4, 12);
  const dir = r.pick(['/zwgk/ndbg/', '/xxgk/zfxxgknb/', '/col/col12345/', '/zfxxgk/fdzdgknr/ndbg/']);
  // page files: index.html, index_1.html… (TRS) or column-index-1.shtml, column-index-2.shtml… (linked by the pager only)
  const dashed = (pager === 'next' || pager === 'numbers' || pager === 'next-loop') && r.chance(0.25);
  const first = dashed ? 'column-index-1.shtml' : r.pick(['index.html', 'index.shtml', '']);
  const ext = first.endsWith('shtml') ? 'shtml' : 'html';
  const columnUrl = new URL(dir + first, origin).toString();
  const pageUrl = (i: number) => {
    if (dashed) return new URL(`${dir}column-index-${i + 1}.shtml`, origin).toString();
    if (i === 0) return columnUrl;
    if (pager === 'query') return new URL(`${dir}${first}?page=${i + 1}`, origin).toString();
    return new URL(`${dir}index_${i}.${ext}`, origin).toString();
  };
  const site: ColumnSite = {
    seed, columnUrl, pages: new Map(), listingPages: [], reports: new Map(), reachable: new Set(), nonReports: new Set(), chrome: new Set(), offSite: new Set(), layout, pager, undated,
  };
  let year = 2025;
  let artId = r.int(1000, 9000);
  for (let p = 0; p < nPages; p++) {
    const rows: Row[] = [];
    for (let k = 0; k < perPage; k++) {
      const roll = r.next();
      const y = year;
      if (roll < 0.7 || (p === 0 && k === 0)) {
        if (year > 2008) year -= r.chance(0.8) ? 1 : 0;
        const t = reportTitle(r, r.chance(0.8) ? agency : r.pick(AGENCIES), y);
        const kind = r.pick(['art', 'pdf', 'doc', 'docx', 'art']);
        const path = kind === 'art' ? `${dir}${y + 1}0${r.int(1, 3)}/t${y + 1}0120_${artId++}.${ext}` : `/uploadfiles/${y + 1}/${artId++}.${kind}`;
        const offSite = r.chance(0.05);
        const href = offSite ? `http://www.elsewhere-${seed}.gov.cn${path}` : r.chance(0.5) ? path : new URL(path, origin).toString();
        const abs = new URL(href, origin).toString();
        if (offSite) site.offSite.add(abs);
        else {
          site.reports.set(abs, t.year);
          if (p === 0 || pager !== 'js') site.reachable.add(abs);
        }
        rows.push({ href, title: t.title, date: date(r, y) });
      } else {
        const href = `${dir}${y}12/t${y}1201_${artId++}.${ext}`;
        site.nonReports.add(new URL(href, origin).toString());
        rows.push({ href, title: nonReportTitle(r, agency, y), date: date(r, y) });
      }
    }
    if (undated) for (const x of rows) x.date = '';
    // one CMS template for every page of the column: its class names come from a generator restarted per page
    const t = new Rng(seed * 31 + 5);
    const pagerHtml = renderPager(r, t, pager, p, nPages, pageUrl, ext);
    const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年度报告_${agency}</title>
<script>var _hmt = _hmt || []; function createPageHTML(){}</script></head><body>
${chrome(r, t, origin, agency, year, site, 'top')}
<div class="${t.pick(['main', 'container', 'w1200 clearfix'])}">
${sidebar ? chrome(r, t, origin, agency, 2024, site, 'side') : ''}
<div class="${t.pick(['right', 'list-right', 'main-content', 'con'])}"><div class="${t.pick(['title', 'lm-title', 'bt'])}"><span>政府信息公开年度报告</span></div>
${renderRows(r, t, layout, rows)}
${pagerHtml}
</div></div>
${chrome(r, t, origin, agency, year, site, 'foot')}
</body></html>`;
    const u = pageUrl(p);
    site.pages.set(u, html);
    site.listingPages.push(u);
  }
  return site;
}

function renderPager(r: Rng, t: Rng, pager: string, p: number, n: number, pageUrl: (i: number) => string, ext: string): string {
  const rel = (i: number) => (r.chance(0.5) ? pageUrl(i) : new URL(pageUrl(i)).pathname.replace(/^.*\//, '') + new URL(pageUrl(i)).search);
  const wrap = (inner: string) => `<div class="${t.pick(['page', 'pages', 'pagination', 'fy', 'page_div'])}">${inner}</div>`;
  if (n === 1 && pager !== 'script') return wrap(`共1页 <span>首页</span> <span>上一页</span> <span>下一页</span> <span>尾页</span>`);
  switch (pager) {
    case 'next':
    case 'next-loop': {
      const next = p + 1 < n ? `<a href="${rel(p + 1)}">下一页</a>` : pager === 'next-loop' ? `<a href="${rel(0)}">下一页</a>` : '<span>下一页</span>';
      const prev = p > 0 ? `<a href="${rel(p - 1)}">上一页</a>` : '<span>上一页</span>';
      return wrap(`<a href="${rel(0)}">首页</a> ${prev} ${next} <a href="${rel(n - 1)}">尾页</a> 第${p + 1}页/共${n}页`);
    }
    case 'numbers':
      return wrap(Array.from({ length: n }, (_, i) => (i === p ? `<span class="cur">${i + 1}</span>` : `<a href="${rel(i)}">${r.chance(0.3) ? `[${i + 1}]` : i + 1}</a>`)).join(' ') + (p + 1 < n ? ` <a href="${rel(p + 1)}">&gt;</a>` : ''));
    case 'query':
      return wrap(`${p > 0 ? `<a href="${rel(p - 1)}">上一页</a>` : ''} 第 ${p + 1} 页 ${p + 1 < n ? `<a href="${rel(p + 1)}">下一页</a>` : ''} 共${n}页`);
    case 'js': // links that only run a script: the crawl cannot follow them, and must say so
      return wrap(`<a href="javascript:void(0)" onclick="goPage(1)">首页</a> <a href="javascript:void(0)" onclick="goPage(${p + 2})">下一页</a> 共${n}页 当前第${p + 1}页`);
    default: // script: the CMS writes the pager in the browser from the page count
      return `<div id="page_div"></div><script type="text/javascript">createPageHTML(${r.chance(0.5) ? `'page_div', ` : ''}${n}, ${p}, "index", "${ext}");</script>`;
  }
}
