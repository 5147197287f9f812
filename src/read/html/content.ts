/**
 * Find the article body of a full government web page: drop navigation, headers, footers,
 * share/print/QR blocks and breadcrumbs, then choose the element that holds the report.
 */
import { childElements, isElement, textOf, visibleLength } from './dom';
import type { DomElement, DomNode } from './dom';

/** id/class tokens of page furniture. */
const JUNK_TOKEN = /^(nav|navs|navbar|nav-?bar|menu|menus|mainnav|subnav|topbar|top-?nav|header|head|top|footer|foot|bottom|breadcrumbs?|crumbs?|bread|position|location|curpos|dqwz|share|bdshare|bdsharebuttonbox|jiathis|print|prints|qr|qrcode|qr-?code|erweima|ewm|sidebar|side|sidenav|aside|toolbar|tools|banner|copyright|links|friendlinks?|yqlj|login|search|searchbox|fenxiang|dayin|skip|backtop|gotop|go-?top)$/i;
const JUNK_PART = /(^|[-_])(nav|navbar|menu|header|footer|breadcrumbs?|crumbs?|share|qrcode|erweima|sidebar|toolbar|copyright|friendlink|bdshare|fenxiang|dayin|gotop|backtop)([-_]|\d|$)/i;

/** Short blocks of page furniture recognised by their text. */
const JUNK_TEXT = /扫一扫|分享到|分享：|【打印】|打印本页|打印此页|\[打印\]|关闭窗口|【关闭】|\[关闭\]|字号[:：]|【大\s*中\s*小】|\[大\s*中\s*小\]|当前位置|您现在的位置|您的位置|现在位置|首页\s*[>＞»]|返回顶部|浏览次数|访问次数|阅读次数|微信扫|手机扫|用手机|收藏本页|加入收藏|设为首页|网站地图|上一篇|下一篇|相关链接|相关文章|相关阅读/;

/** Containers that government CMSs use for the article body, best first. */
const CONTENT_HINTS: Array<(el: DomElement) => boolean> = [
  (el) => /^(zoom|fontzoom|ucap-content|content_zoom|wzzw|article_content|articlecontent|zwnr|xxgk_content|news_content|text_content|art_con|pages_content|textbox|main-?txt|maintext|detail-?content|con_text|contentText|ContentRegion|trs_editor|view)$/i.test(el.attribs.id ?? ''),
  (el) => (el.attribs.class ?? '').split(/\s+/).some((c) => /^(trs_editor|trs_ueditor|zoom|article-content|article_content|articlecontent|pages_content|xxgk_content|news_content|news-content|text_content|wzxq|zwnr|art_con|detail-content|detail_content|content-text|main-txt|wordsection1|wordsection\d|view|article-body|bt-article|ueditor)$/i.test(c)),
];

function classTokens(el: DomElement): string[] {
  return [el.attribs.id ?? '', ...(el.attribs.class ?? '').split(/\s+/)].filter(Boolean);
}

function isJunkByName(el: DomElement): boolean {
  const t = el.name.toLowerCase();
  if (t === 'nav' || t === 'footer' || t === 'aside') return true;
  if (t === 'header') return true;
  if ((el.attribs.role ?? '').toLowerCase() === 'navigation') return true;
  return classTokens(el).some((c) => JUNK_TOKEN.test(c) || JUNK_PART.test(c));
}

function countTableCells(el: DomNode): number {
  let n = 0;
  const visit = (x: DomNode) => {
    if (isElement(x)) {
      const t = x.name.toLowerCase();
      if (t === 'td' || t === 'th') n++;
      for (const c of x.children) visit(c);
    }
  };
  visit(el);
  return n;
}

function detach(el: DomNode): void {
  const p = el.parent;
  if (!p || !p.children) return;
  const i = p.children.indexOf(el);
  if (i >= 0) p.children.splice(i, 1);
  el.parent = null;
}

let lengthCache = new WeakMap<DomNode, number>();

/** Visible text length (no whitespace) outside links (cached per content search). */
function nonLinkTextLength(n: DomNode): number {
  if (n.type === 'text') return (n.data ?? '').replace(/[\s\u00a0]/g, '').length;
  if (!isElement(n)) return 0;
  const cached = lengthCache.get(n);
  if (cached !== undefined) return cached;
  const t = n.name.toLowerCase();
  let s = 0;
  if (t !== 'a' && t !== 'script' && t !== 'style' && t !== 'noscript') for (const c of n.children) s += nonLinkTextLength(c);
  lengthCache.set(n, s);
  return s;
}

/** Remove page furniture in place. Elements that hold a sizeable table are never removed. */
export function removeFurniture(root: DomNode): void {
  lengthCache = new WeakMap();
  const visit = (n: DomNode) => {
    if (!isElement(n)) return;
    for (const c of [...n.children]) visit(c);
    const t = n.name.toLowerCase();
    if (t === 'body' || t === 'html') return;
    if (isJunkByName(n) && countTableCells(n) < 12 && nonLinkTextLength(n) < 1500) { detach(n); return; }
    if (t === 'td' || t === 'th' || t === 'tr' || t === 'table') return;
    const len = visibleLength(n);
    if (len === 0 || len > 80) return;
    const text = textOf(n).replace(/[\s\u00a0]/g, '');
    if (JUNK_TEXT.test(text) && countTableCells(n) === 0) detach(n);
  };
  visit(root);
}

/**
 * The element holding the article: a known CMS content container if it holds a fair share of the
 * text, else the deepest element holding at least 80% of the page's non-link text.
 */
export function findContentRoot(body: DomElement): DomElement {
  lengthCache = new WeakMap();
  const total = nonLinkTextLength(body);
  if (total === 0) return body;
  const all: DomElement[] = [];
  const collect = (n: DomNode) => {
    if (!isElement(n)) return;
    all.push(n);
    for (const c of n.children) collect(c);
  };
  collect(body);
  for (const hint of CONTENT_HINTS) {
    const hits = all.filter(hint).map((el) => ({ el, len: nonLinkTextLength(el) })).filter((h) => h.len >= Math.min(200, total * 0.3));
    if (hits.length) {
      // Outermost hit with the most text (nested hints: keep the container that has everything).
      hits.sort((a, b) => b.len - a.len);
      if (hits[0].len >= total * 0.5) return hits[0].el;
    }
  }
  let cur: DomElement = body;
  for (;;) {
    let next: DomElement | undefined;
    for (const c of childElements(cur)) {
      const t = c.name.toLowerCase();
      if (t === 'tr' || t === 'tbody' || t === 'thead' || t === 'tfoot' || t === 'td' || t === 'th' || t === 'p' || t === 'span') continue;
      if (t === 'table' && !hasNestedTable(c)) continue; // a data table is content, not a container
      if (nonLinkTextLength(c) >= total * 0.8) { next = c; break; }
    }
    if (!next) {
      // layout tables: descend through rows into the cell that holds the text
      const cell = layoutCells(cur).find((c) => nonLinkTextLength(c) >= total * 0.8);
      if (cell) next = cell;
    }
    if (!next) return cur;
    cur = next;
  }
}

function hasNestedTable(table: DomElement): boolean {
  let found = false;
  const visit = (n: DomNode) => {
    if (found || !isElement(n)) return;
    for (const c of n.children) {
      if (isElement(c) && c.name.toLowerCase() === 'table') { found = true; return; }
      visit(c);
    }
  };
  visit(table);
  return found;
}

function layoutCells(el: DomElement): DomElement[] {
  const out: DomElement[] = [];
  const t = el.name.toLowerCase();
  if (t !== 'table' && t !== 'tbody' && t !== 'tr' && t !== 'thead' && t !== 'tfoot') return out;
  if (t === 'table' && !hasNestedTable(el)) return out;
  for (const c of childElements(el)) {
    const ct = c.name.toLowerCase();
    if (ct === 'td' || ct === 'th') out.push(c);
    else if (ct === 'tbody' || ct === 'tr' || ct === 'thead' || ct === 'tfoot') out.push(...layoutCells(c));
  }
  return out;
}
