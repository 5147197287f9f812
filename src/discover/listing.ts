/**
 * Recognise a column (栏目) listing page: the repeated rows of links whose titles look like annual-report
 * titles, usually with a date beside each, among site chrome (navigation, breadcrumbs, sidebars, footer).
 *
 * The listing is found by structure, not by one CMS's class names: every link is placed in its row (the
 * li/tr/dd around it, or the nearest ancestor repeated under its parent) and rows are grouped by the path of
 * tags and classes above them. The group that scores best (report titles with dates weigh most) is the
 * listing; every link of that group is a listed item, a report or not by its title. Links elsewhere on the
 * page are chrome and are ignored, report-like or not (a sidebar of another column's reports).
 */
import * as cheerio from 'cheerio';

/** The parts of cheerio's (domhandler's) nodes used here, so no extra type dependency (as src/read/html/dom.ts). */
interface Element {
  type: string;
  name?: string;
  attribs?: Record<string, string>;
  parent: Element | null;
  children?: Element[];
  next?: Element | null;
}
type AnyNode = Element;
import { isReportTitle, normalizeTitle, titleYear } from './titles';
import { sameSite } from './site';
import { declaredPageCount, findPagination } from './pagination';

export interface ListedItem {
  url: string;
  title: string;
  /** The date printed beside the link (YYYY-MM-DD), if any. */
  date: string | null;
  /** The year the title reports on (a hint, checked against the extracted year later). */
  yearHint: number | null;
  /** Looks like an annual report (by its title). Items that do not are recorded, not queued. */
  report: boolean;
  /** The item is on another site: never fetched. */
  offSite: boolean;
}

export interface Listing {
  /** The page is a listing (it has a group of rows with report titles). */
  listing: boolean;
  reason: string;
  /** The rows of the listing, in page order (one per distinct URL). */
  items: ListedItem[];
  /** Other pages of the same column (pagination), absolute URLs, in page order. */
  pages: string[];
  /** The listing's group (tag/class path of its rows): later pages of the column use the same one. */
  group: string | null;
  /** The number of pages the page says the column has (共3页), if it says. */
  declaredPages: number | null;
}

const DATE_RE = /((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?/;
const ROW_TAGS = new Set(['li', 'tr', 'dd', 'dt']);
/** Inline elements and cells: never a row by repetition (a td repeats within its tr). */
const NOT_ROW = new Set(['a', 'span', 'em', 'i', 'b', 'strong', 'font', 'td', 'th', 'small', 'label', 'u']);

function tagOf(el: AnyNode): string {
  return el.type === 'tag' || el.type === 'script' || el.type === 'style' ? (el.name ?? '').toLowerCase() : '';
}

function elementChildren(el: Element): Element[] {
  return (el.children ?? []).filter((c): c is Element => (c as Element).type === 'tag');
}

function classOf(el: Element): string {
  return (el.attribs?.class ?? '').trim();
}

/** Holds a link (or is one). */
function hasLink(el: Element): boolean {
  if (tagOf(el) === 'a') return true;
  for (const c of elementChildren(el)) if (hasLink(c)) return true;
  return false;
}

/**
 * The row around a link, and the container its rows repeat in: an li/tr/dd close above the link, else the
 * nearest ancestor (or the link itself) repeated among its parent's children: same tag and class, each
 * holding a link (a title cell and a date cell side by side are not two rows).
 */
function rowOf(a: Element): { row: Element; container: Element | null } {
  let p: Element | null = a.parent as Element | null;
  for (let d = 0; p && d < 5 && tagOf(p) !== 'body'; d++, p = p.parent as Element | null) {
    if (ROW_TAGS.has(tagOf(p))) return { row: p, container: p.parent as Element | null };
  }
  let cand: Element = a;
  for (let d = 0; d < 6; d++) {
    const parent = cand.parent as Element | null;
    if (!parent || parent.type !== 'tag' || tagOf(parent) === 'body' || tagOf(parent) === 'html') break;
    if (!NOT_ROW.has(tagOf(cand)) || cand === a) {
      const same = elementChildren(parent).filter((c) => tagOf(c) === tagOf(cand) && classOf(c) === classOf(cand) && hasLink(c)).length;
      if (same >= 2) return { row: cand, container: parent };
    }
    cand = parent;
  }
  return { row: a, container: a.parent as Element | null };
}

function signature(el: Element | null): string {
  const parts: string[] = [];
  for (let e: Element | null = el; e && e.type === 'tag' && tagOf(e) !== 'html'; e = e.parent as Element | null) {
    const cls = (e.attribs?.class ?? '').trim().split(/\s+/).filter((c) => c && !/\d/.test(c)).sort().join('.');
    parts.push(tagOf(e) + (cls ? '.' + cls : ''));
  }
  return parts.reverse().join('>');
}

/** Text of a row; a link that is its own row takes the text up to the next link (flat lists: a, span, br). */
function rowText($: cheerio.CheerioAPI, row: Element, a: Element): string {
  if (row !== a) return $(row as any).text();
  let s = $(a as any).text();
  for (let n = a.next; n; n = n.next) {
    if (tagOf(n) === 'a' || (n.type === 'tag' && $(n as any).find('a').length)) break;
    s += ' ' + $(n as any).text();
  }
  return s;
}

/** Links a listing's chrome is made of (navigation, breadcrumbs, footer), by their place or class. */
// (not left/right/side/top: the listing itself often sits in div.right beside a div.left of columns)
const CHROME_RE = /(^|[-_\s])(nav|navbar|menu|header|footer|foot|copyright|crumbs?|breadcrumbs?|bread|position|location|weizhi|dqwz|friend|yqlj|share|search)([-_\s]|$)/i;

function inChrome(el: Element): boolean {
  for (let e: Element | null = el; e && e.type === 'tag'; e = e.parent as Element | null) {
    const t = tagOf(e);
    if (t === 'nav' || t === 'header' || t === 'footer') return true;
    const names = `${e.attribs?.class ?? ''} ${e.attribs?.id ?? ''}`;
    if (names.trim() && CHROME_RE.test(names)) return true;
  }
  return false;
}

function isoDate(text: string): string | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * Hanweb (大汉) columns ship their rows inside <script type="text/xml"><datastore><recordset><record>
 * <![CDATA[<li>…</li>]]></record>… for the browser to page through: put the records' HTML in the page.
 */
function unpackDatastores($: cheerio.CheerioAPI): void {
  $('script').each((_, el) => {
    const type = ($(el).attr('type') ?? '').toLowerCase();
    const text = $(el).html() ?? '';
    if (!/xml/.test(type) && !/<record[\s>]/i.test(text)) return;
    const records = [...text.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((m) => m[1]);
    if (records.length) $(el).replaceWith(`<div class="datastore">${records.join('\n')}</div>`);
  });
}

interface Row {
  url: string;
  title: string;
  date: string | null;
  report: boolean;
  chrome: boolean;
  group: string;
  order: number;
}

export function recogniseListing(html: string, pageUrl: string, opts: { columnUrl?: string; group?: string | null } = {}): Listing {
  const $ = cheerio.load(html);
  const base = new URL($('base[href]').attr('href') ?? pageUrl, pageUrl);
  const column = new URL(opts.columnUrl ?? pageUrl);
  const pages = findPagination($, base, column);
  const declaredPages = declaredPageCount($);
  unpackDatastores($);
  $('script, style, noscript').remove();
  const rows: Row[] = [];
  $('a[href]').each((i, el) => {
    const href = ($(el).attr('href') ?? '').trim();
    if (!href || /^(javascript|mailto|tel):|^#/i.test(href)) return;
    let u: URL;
    try {
      u = new URL(href, base);
    } catch {
      return;
    }
    u.hash = '';
    const raw = ($(el).attr('title') ?? '').trim().length > normalizeTitle($(el).text()).length ? ($(el).attr('title') as string) : $(el).text();
    let title = raw.replace(/\s+/g, ' ').trim();
    const { row, container } = rowOf(el as unknown as Element);
    let date = isoDate(rowText($, row, el as unknown as Element).replace(title, ' '));
    // the date inside the link (<a><span>title</span><span>2023-01-20</span></a>) is not part of the title
    const inside = DATE_RE.exec(title);
    if (inside) {
      date ??= isoDate(inside[0]);
      title = title.replace(inside[0], ' ').replace(/[[\]()（）]\s*[[\]()（）]/g, ' ').replace(/\s+/g, ' ').trim();
    }
    if (!title) return;
    rows.push({
      url: u.toString(), title, date, report: isReportTitle(title), chrome: inChrome(el as unknown as Element),
      group: signature(container), order: i,
    });
  });

  // the listing: the group of rows (under one tag/class path) that scores best, chrome left out
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    if (r.chrome) continue;
    const g = groups.get(r.group) ?? [];
    g.push(r);
    groups.set(r.group, g);
  }
  // A listing is a dated list: a dated report row weighs most, a dated other row a little (a sidebar of
  // undated report links loses to a column's dated rows). A later page of the column keeps the first
  // page's group when it has it (one CMS template), whatever its rows are.
  let best: Row[] = (opts.group != null && groups.get(opts.group)) || [];
  let bestScore = 0;
  if (!best.length) {
    for (const g of groups.values()) {
      // (ties go to the longer list: a column's rows outnumber a sidebar's)
      const score = g.reduce((s, r) => s + (r.report ? (r.date ? 3 : 1) : r.date ? 0.5 : 0), 0) + g.length * 0.01;
      if (score > bestScore) {
        best = g;
        bestScore = score;
      }
    }
  }
  const reports = best.filter((r) => r.report).length;
  const dated = best.filter((r) => r.date).length;
  // A dated list with a dated report row (a column may hold a single report so far), or an undated list
  // with at least three report titles naming a year, a third of its rows or more. Two undated report links
  // are an article page's "related reports" box, not a column (unless the page has a pager of its own:
  // then it is a column's page); a menu's 政府信息公开年报 names no year.
  const datedReports = best.filter((r) => r.report && r.date).length;
  const yearReports = best.filter((r) => r.report && titleYear(r.title) != null).length;
  const listing = (datedReports >= 1 && dated * 2 >= best.length) || (yearReports >= 3 && yearReports * 3 >= best.length)
    || (yearReports >= 2 && pages.length > 0) || (opts.group != null && best.length > 0);
  if (!listing) {
    return { listing: false, reason: reports ? `one report link (${best.length} links in its group, ${dated} dated): not a listing` : 'no group of links with report titles', items: [], pages, group: null, declaredPages };
  }
  const seen = new Set<string>();
  const items: ListedItem[] = [];
  for (const r of best) {
    if (seen.has(r.url)) continue;
    seen.add(r.url);
    items.push({ url: r.url, title: r.title, date: r.date, yearHint: r.report ? titleYear(r.title) : null, report: r.report, offSite: !sameSite(column, new URL(r.url)) });
  }
  return { listing: true, reason: `${items.length} rows (${reports} report titles, ${dated} dated) under ${best[0].group || 'the page'}`, items, pages, group: best[0].group, declaredPages };
}
