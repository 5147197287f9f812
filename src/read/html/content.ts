/**
 * Find the article body of a full government web page: drop navigation, headers, footers,
 * share/print/QR blocks and breadcrumbs, then choose the element that holds the report.
 */
import { SKIP_TAGS, childElements, isElement, isSpace } from './dom';
import type { DomElement, DomNode } from './dom';

/** id/class tokens of page furniture. */
const JUNK_TOKEN = /^(nav|navs|navbar|nav-?bar|menu|menus|mainnav|subnav|topbar|top-?nav|header|head|top|footer|foot|bottom|breadcrumbs?|crumbs?|bread|position|location|curpos|dqwz|share|bdshare|bdsharebuttonbox|jiathis|print|prints|qr|qrcode|qr-?code|erweima|ewm|sidebar|side|sidenav|aside|toolbar|tools|banner|copyright|links|friendlinks?|yqlj|login|search|searchbox|fenxiang|dayin|skip|backtop|gotop|go-?top)$/i;
const JUNK_PART = /(^|[-_])(nav|navbar|menu|header|footer|breadcrumbs?|crumbs?|share|qrcode|erweima|sidebar|toolbar|copyright|friendlink|bdshare|fenxiang|dayin|gotop|backtop)([-_]|\d|$)/i;

/** Short blocks of page furniture recognised by their text. */
const JUNK_TEXT = /扫一扫|分享到|分享：|【打印】|打印本页|打印此页|\[打印\]|关闭窗口|【关闭】|\[关闭\]|字号[:：]|【大\s*中\s*小】|\[大\s*中\s*小\]|当前位置|您现在的位置|您的位置|现在位置|首页\s*[>＞»]|返回顶部|浏览次数|访问次数|阅读次数|微信扫|手机扫|用手机|收藏本页|加入收藏|设为首页|网站地图|上一篇|下一篇|相关链接|相关文章|相关阅读/;

const CONTENT_ID = /^(zoom|fontzoom|ucap-content|content_zoom|wzzw|article_content|articlecontent|zwnr|xxgk_content|news_content|text_content|art_con|pages_content|textbox|main-?txt|maintext|detail-?content|con_text|contentText|ContentRegion|trs_editor|view)$/i;
const CONTENT_CLASS = /^(trs_editor|trs_ueditor|zoom|article-content|article_content|articlecontent|pages_content|xxgk_content|news_content|news-content|text_content|wzxq|zwnr|art_con|detail-content|detail_content|content-text|main-txt|wordsection1|wordsection\d|view|article-body|bt-article|ueditor)$/i;

/**
 * Answers per attribute value (class strings repeat on every element of a page: MsoNormal…);
 * emptied when large so hostile pages cannot grow it without bound.
 */
class ValueCache {
  private readonly m = new Map<string, boolean>();
  constructor(private readonly f: (v: string) => boolean) {}
  test(v: string): boolean {
    let r = this.m.get(v);
    if (r === undefined) {
      if (this.m.size > 4096) this.m.clear();
      r = this.f(v);
      this.m.set(v, r);
    }
    return r;
  }
}

const junkToken = (c: string) => JUNK_TOKEN.test(c) || JUNK_PART.test(c);
const junkClass = new ValueCache((v) => v.split(/\s+/).some((c) => c !== '' && junkToken(c)));
const contentClass = new ValueCache((v) => v.split(/\s+/).some((c) => CONTENT_CLASS.test(c)));

/** Containers that government CMSs use for the article body, best first. */
const CONTENT_HINTS: Array<(el: DomElement) => boolean> = [
  (el) => CONTENT_ID.test(el.attribs.id ?? ''),
  (el) => {
    const cls = el.attribs.class;
    return cls !== undefined && cls !== '' && contentClass.test(cls);
  },
];

function isJunkByName(el: DomElement, t: string): boolean {
  if (t === 'nav' || t === 'footer' || t === 'aside') return true;
  if (t === 'header') return true;
  const a = el.attribs;
  if (a.role !== undefined && a.role.toLowerCase() === 'navigation') return true;
  if (a.id && junkToken(a.id)) return true;
  return a.class !== undefined && a.class !== '' && junkClass.test(a.class);
}

/** Some character every JUNK_TEXT match starts with (whitespace does not count, so the raw text can be tested). */
const JUNK_START = /[扫分【打\[关字当您现首返浏访阅微手用收加设网上下相]/;

/** Text is carried up the furniture pass for subtrees with at most this many visible characters. */
const TEXT_KEPT = 100;

function detach(el: DomNode): void {
  const p = el.parent;
  if (!p || !p.children) return;
  const i = p.children.indexOf(el);
  if (i >= 0) p.children.splice(i, 1);
  el.parent = null;
}

/** Counts of the cleaned tree that the content search reads (final: a subtree is never changed after its visit). */
export interface FurnitureResult {
  /** Visible text length (no whitespace) outside links, of every element left below <body>. */
  nonLink: Map<DomNode, number>;
  /** Elements left below <body> with a <table> somewhere below them. */
  hasTable: Set<DomNode>;
}

/**
 * Remove page furniture in place. Elements that hold a sizeable table are never removed.
 * `lengths`: the visible length of each element below `root` as parsed (before any removal), if
 * recorded while the title was picked; furniture recognised by its text is judged on those, else
 * on the length of what is left of the element.
 * One post-order pass; it also yields the counts the content search needs.
 */
export function removeFurniture(root: DomNode, lengths: Map<DomNode, number> | undefined): FurnitureResult {
  const res: FurnitureResult = { nonLink: new Map(), hasTable: new Set() };
  // results of the last visit: td/th below (self included), non-link text length, a table below, visible length, text
  let cells = 0;
  let nonLink = 0;
  let hasTable = false;
  let visible = 0;
  let text = '';
  const visit = (n: DomElement): void => {
    let myCells = 0;
    let myNonLink = 0;
    let myTable = false;
    let myVisible = 0;
    let myText = '';
    const t = n.name.toLowerCase();
    const kids = n.children;
    for (let i = 0; i < kids.length; ) {
      const c = kids[i];
      if (c.type === 'text') {
        const d = c.data ?? '';
        // nonSpaceLength and visibleChars in one pass
        for (let k = 0; k < d.length; k++) {
          const ch = d.charCodeAt(k);
          if (!isSpace(ch)) myNonLink++;
          if (ch > 0x20 && ch !== 0xa0 && ch !== 0x3000) myVisible++;
        }
        // (past TEXT_KEPT the text is dropped: visible lengths only grow)
        if (myVisible <= TEXT_KEPT) myText += d;
        i++;
        continue;
      }
      if (!isElement(c)) { i++; continue; }
      visit(c);
      if (kids[i] !== c) continue; // c was removed
      myCells += cells;
      myNonLink += nonLink;
      if (hasTable || c.name.toLowerCase() === 'table') myTable = true;
      myVisible += visible;
      if (myVisible <= TEXT_KEPT) myText += text;
      i++;
    }
    if (t === 'a' || t === 'script' || t === 'style' || t === 'noscript') myNonLink = 0;
    if (t === 'td' || t === 'th') myCells++;
    if (SKIP_TAGS.has(t)) {
      myVisible = 0;
      myText = '';
    }
    cells = myCells;
    nonLink = myNonLink;
    hasTable = myTable;
    visible = myVisible;
    text = myVisible <= TEXT_KEPT ? myText : '';
    if (t === 'body' || t === 'html') { record(n); return; }
    if (isJunkByName(n, t) && myCells < 12 && myNonLink < 1500) { detach(n); return; }
    if (t === 'td' || t === 'th' || t === 'tr' || t === 'table') { record(n); return; }
    const len = lengths ? lengths.get(n) ?? 0 : myVisible;
    if (len === 0 || len > 80) { record(n); return; }
    // (`text` is textOf(n): what is left of it now, as its visible length is at most `len`)
    if (myCells === 0 && JUNK_START.test(text) && JUNK_TEXT.test(text.replace(/[\s\u00a0]/g, ''))) { detach(n); return; }
    record(n);
  };
  const record = (n: DomElement) => {
    res.nonLink.set(n, nonLink);
    if (hasTable) res.hasTable.add(n);
  };
  if (isElement(root)) visit(root);
  return res;
}

/**
 * The element holding the article: a known CMS content container if it holds a fair share of the
 * text, else the deepest element holding at least 80% of the page's non-link text.
 */
export function findContentRoot(body: DomElement, counts: FurnitureResult): DomElement {
  const nonLinkTextLength = (el: DomElement) => counts.nonLink.get(el) ?? 0;
  const hasNestedTable = (el: DomElement) => counts.hasTable.has(el);
  const total = nonLinkTextLength(body);
  if (total === 0) return body;
  const hits: DomElement[][] = CONTENT_HINTS.map(() => []);
  const collect = (n: DomElement) => {
    for (let h = 0; h < CONTENT_HINTS.length; h++) if (CONTENT_HINTS[h](n)) hits[h].push(n);
    for (const c of n.children) if (isElement(c)) collect(c);
  };
  collect(body);
  for (const found of hits) {
    const ok = found.map((el) => ({ el, len: nonLinkTextLength(el) })).filter((h) => h.len >= Math.min(200, total * 0.3));
    if (ok.length) {
      // Outermost hit with the most text (nested hints: keep the container that has everything).
      ok.sort((a, b) => b.len - a.len);
      if (ok[0].len >= total * 0.5) return ok[0].el;
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
      const cell = layoutCells(cur, hasNestedTable).find((c) => nonLinkTextLength(c) >= total * 0.8);
      if (cell) next = cell;
    }
    if (!next) return cur;
    cur = next;
  }
}

function layoutCells(el: DomElement, hasNestedTable: (el: DomElement) => boolean): DomElement[] {
  const out: DomElement[] = [];
  const t = el.name.toLowerCase();
  if (t !== 'table' && t !== 'tbody' && t !== 'tr' && t !== 'thead' && t !== 'tfoot') return out;
  if (t === 'table' && !hasNestedTable(el)) return out;
  for (const c of childElements(el)) {
    const ct = c.name.toLowerCase();
    if (ct === 'td' || ct === 'th') out.push(c);
    else if (ct === 'tbody' || ct === 'tr' || ct === 'thead' || ct === 'tfoot') out.push(...layoutCells(c, hasNestedTable));
  }
  return out;
}
