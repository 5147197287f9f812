/**
 * Other pages of the same column: pager links (下一页, 尾页, page numbers, ›, »), files named like pages
 * (index_1.html, list_2.shtml), and the page counts CMS scripts write pagers from (TRS WCM's
 * createPageHTML(count, current, "index", "html") and its variants). Only pages of the column itself are
 * kept (see inColumn): a pager never leads to another column or site.
 */
import type * as cheerio from 'cheerio';
import { inColumn, pageKey } from './site';

const PAGER_TEXT = /^(下一页|下页|后一页|后页|下一頁|上一页|上页|前一页|前页|首页|第一页|尾页|末页|最后一页|next|prev(ious)?|first|last|[>»›＞]{1,2}|[<«‹＜]{1,2})$/i;
const PAGE_FILE = /^(index|list|default|more|page)[_-]?\d+\.(s?html?|jsp|php|aspx?)$/i;
const PAGE_PARAM = /[?&](page|pageno|pagenum|pageindex|pn|p|curpage|currpage|cpage|start|offset|pageNo|page_no)=\d+/i;

/** Is `file` (index_2.html) a numbered page of the column's own page (index.html, or a directory's index)? */
function sameStem(file: string, column: URL): boolean {
  const own = column.pathname.replace(/^.*\//, '').replace(/\.[\w]+$/, '') || 'index';
  return new RegExp(`^${own.replace(/[^\w]/g, '\\$&')}[_-]?\\d+\\.`, 'i').test(file);
}

function cleanText(s: string): string {
  return s.replace(/[\s\u3000\u00a0[\]【】()（）]+/g, '');
}

/** Page URLs written by a pager script: createPageHTML(5, 0, "index", "html") and the like. */
function scriptPages(script: string, base: URL): string[] {
  const out: string[] = [];
  // (count, current, "prefix", "ext") with optional leading arguments (an element id)
  const call = /\(\s*(?:["'][\w-]*["']\s*,\s*)?(\d{1,4})\s*,\s*(\d{1,4})\s*,\s*["']([\w-]+)["']\s*,\s*["'](s?html?|jsp|php)["']/g;
  let m: RegExpExecArray | null;
  while ((m = call.exec(script))) {
    const count = Math.min(Number(m[1]), 1000);
    for (let i = 0; i < count; i++) out.push(new URL(`${m[3]}${i === 0 ? '' : '_' + i}.${m[4]}`, base).toString());
  }
  // var countPage = 5 (with the page name and extension of the current page)
  const cnt = /\b(?:countPage|pageCount|totalPage|totalPages|page_count)\s*[=:]\s*["']?(\d{1,4})/i.exec(script);
  if (cnt && !out.length) {
    const file = /([\w-]+?)(?:_\d+)?\.(s?html?)$/i.exec(base.pathname);
    const name = /\b(?:prefix|pageName|fileName)\s*[=:]\s*["']([\w-]+)["']/i.exec(script)?.[1] ?? file?.[1] ?? 'index';
    const ext = file?.[2] ?? 'html';
    for (let i = 0; i < Math.min(Number(cnt[1]), 1000); i++) out.push(new URL(`${name}${i === 0 ? '' : '_' + i}.${ext}`, base).toString());
  }
  return out;
}

export function findPagination($: cheerio.CheerioAPI, base: URL, column: URL): string[] {
  const found: string[] = [];
  $('script').each((_, el) => {
    const s = $(el).html() ?? '';
    if (s.length < 20000) found.push(...scriptPages(s, base));
  });
  $('a[href]').each((_, el) => {
    const href = ($(el).attr('href') ?? '').trim();
    if (!href || /^(javascript|mailto):|^#/i.test(href)) return;
    let u: URL;
    try {
      u = new URL(href, base);
    } catch {
      return;
    }
    const text = cleanText($(el).text()) || cleanText($(el).attr('title') ?? '');
    const file = u.pathname.replace(/^.*\//, '');
    // a file named like a page counts on its own only as a page of this page's own name (index_2 of index;
    // list_13.html beside list_12.html is another column)
    const pagerLike = PAGER_TEXT.test(text) || /^\d{1,4}$/.test(text) || (PAGE_FILE.test(file) && sameStem(file, column)) || (u.pathname === base.pathname && PAGE_PARAM.test(u.search));
    if (pagerLike) found.push(u.toString());
  });
  const here = pageKey(base);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of found) {
    const u = new URL(f);
    const k = pageKey(u);
    if (k === here || seen.has(k) || !inColumn(column, u)) continue;
    seen.add(k);
    out.push(k);
  }
  return out;
}

/**
 * How many pages the page says the column has (共3页, 第1页/共3页, 1/3页, a pager script's count), or null.
 * The crawl compares it with the pages it could read: a pager it cannot follow (script-only, a form) must
 * not pass for a short column.
 */
export function declaredPageCount($: cheerio.CheerioAPI): number | null {
  let n = 0;
  const text = $('body').text().replace(/\s+/g, '');
  for (const m of text.matchAll(/共(\d{1,4})页|第?\d{1,4}\/(\d{1,4})页/g)) n = Math.max(n, Number(m[1] ?? m[2]));
  $('script').each((_, el) => {
    const s = $(el).html() ?? '';
    const call = /\(\s*(?:["'][\w-]*["']\s*,\s*)?(\d{1,4})\s*,\s*(\d{1,4})\s*,\s*["']([\w-]+)["']\s*,\s*["'](s?html?|jsp|php)["']/.exec(s);
    if (call) n = Math.max(n, Number(call[1]));
  });
  return n > 0 ? n : null;
}
