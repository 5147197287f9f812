/**
 * HTML reader: a full government article page, a Word "save as HTML" export, or a bare
 * HTML fragment → document model. The bytes are decoded with the sniffed encoding;
 * the article body is located (navigation, footers, share/print blocks dropped); tables
 * are expanded into their true grid; text outside tables becomes paragraphs in order.
 */
import { parse as parseHtml } from 'parse5';
import { ExtractError } from '../errors';
import type { Block, DocumentModel, SourceFormat, TableOrigin } from '../model/document';
import { decode, detectEncoding } from '../sniff';
import type { Reader } from './types';
import { findContentRoot, removeFurniture } from './html/content';
import { SKIP_TAGS, isElement, normalizeInline, textOf, visibleChars } from './html/dom';
import type { DomElement, DomNode } from './html/dom';
import { renumberTables, walkBlocks } from './html/walk';
import { extractMhtml, isMhtml } from './html/mhtml';
import { leanAdapter } from './html/tree';
import { scanTags } from './html/scan';

export { nestingDepth, scanTags } from './html/scan';

/**
 * Largest HTML input read (bytes); larger pages are refused with `too_large` before they are
 * decoded. Report pages are 30 KB–2 MB (Word exports with inline images up to a few MB). The
 * DOM of a page costs 30–120 bytes of memory per byte of markup, so this also bounds memory.
 */
export const MAX_HTML_BYTES = 16 * 1024 * 1024;

/**
 * Most start tags read from one HTML page (counted by a linear scan before parsing); more is
 * refused with `too_large`. Memory and time grow with the number of elements (and of table
 * cells, each a cell of the output grid), not with the bytes: 200,000 tags of dense table
 * markup (about 2 MB) take about 2–4 s and 500 MB at most; a real report has under 50,000.
 */
export const MAX_HTML_TAGS = 200_000;

export interface HtmlToDocumentOptions {
  format: SourceFormat;
  origin: TableOrigin;
  encoding?: string;
  /** Look for the article body of a full web page (true for HTML inputs, false for mammoth output). */
  findContent: boolean;
  /** Refuse (`too_large`) markup with more start tags than this (default: no limit). */
  maxTags?: number;
}

export const readHtml: Reader = async ({ bytes, sniff }) => {
  if (bytes.length > MAX_HTML_BYTES) throw new ExtractError('too_large', `HTML input of ${bytes.length} bytes exceeds ${MAX_HTML_BYTES}`);
  let body: Uint8Array = bytes;
  let encoding = sniff.encoding;
  if (isMhtml(bytes)) {
    // Word "single file web page" (.mht, often named .doc): read its HTML part
    const part = extractMhtml(bytes);
    if (!part) throw new ExtractError('unreadable', 'MIME archive without an HTML part');
    body = part.html;
    encoding = detectEncoding(body, { contentType: part.charset ? `text/html; charset=${part.charset}` : undefined, html: true }).encoding;
  }
  encoding ??= detectEncoding(body, { html: true }).encoding;
  const html = decode(body, encoding);
  const doc = htmlToDocument(html, { format: 'html', origin: 'html', encoding, findContent: true, maxTags: MAX_HTML_TAGS });
  if (!doc.blocks.length) throw new ExtractError('unreadable', 'the HTML page has no text');
  return doc;
};

/** Parse HTML text into the document model (also used on mammoth's DOCX output). */
export function htmlToDocument(html: string, opts: HtmlToDocumentOptions): DocumentModel {
  const { depth, tags } = scanTags(html);
  if (depth > MAX_NESTING) throw new ExtractError('unreadable', `HTML nested ${depth} levels deep (limit ${MAX_NESTING})`);
  if (opts.maxTags !== undefined && tags > opts.maxTags) throw new ExtractError('too_large', `HTML page with ${tags} tags exceeds the limit of ${opts.maxTags}`);
  try {
    return parseToDocument(html, opts);
  } catch (e) {
    if (e instanceof RangeError) throw new ExtractError('unreadable', `HTML too deeply nested to read: ${e.message}`);
    throw e;
  }
}

/** Deeper markup than this is refused: the HTML parser slows down quadratically with depth. */
export const MAX_NESTING = 2000;

/**
 * Parse with parse5 into domhandler-shaped nodes: the same tree `cheerio.load(html)` builds
 * (cheerio 1.x uses exactly these options), without cheerio's per-document wrapper, which cost
 * twice the parse, nor domhandler's per-node extras (see html/tree.ts).
 */
export function parseDom(html: string): DomNode {
  return parseHtml(html, { treeAdapter: leanAdapter, scriptingEnabled: true });
}

function parseToDocument(html: string, opts: HtmlToDocumentOptions): DocumentModel {
  const root = parseDom(html);
  const scan = scanDocument(root);
  const bodyEl = scan.body ?? root;
  const lengths = new Map<DomNode, number>();
  let title = pickTitle(scan, bodyEl, lengths);
  let start: DomNode = bodyEl;
  // (an <h1> title leaves `lengths` empty: the furniture pass then measures the cleaned tree)
  if (opts.findContent && isElement(bodyEl)) start = findContentRoot(bodyEl, removeFurniture(bodyEl, lengths.size ? lengths : undefined));
  lengths.clear();
  let blocks: Block[] = walkBlocks(start, { origin: opts.origin });
  if (!title || !REPORT_TITLE.test(title)) title = leadingTitle(blocks) ?? title;
  if (opts.findContent && title && !titleInBlocks(title, blocks)) {
    // The page title (agency and year) often sits outside the article container.
    blocks = renumberTables([{ kind: 'paragraph', text: title, pos: { path: 'title' } }, ...blocks]);
  }
  const doc: DocumentModel = { format: opts.format, blocks };
  if (title) doc.title = title;
  if (opts.encoding) doc.encoding = opts.encoding;
  return doc;
}

function squash(s: string): string {
  return s.replace(/[\s\u00a0\u3000]/g, '');
}

function titleInBlocks(title: string, blocks: Block[]): boolean {
  const t = squash(title);
  for (const b of blocks.slice(0, 6)) {
    // the title itself, not a sentence that names the report (特向社会公布…年度报告。)
    if (b.kind === 'paragraph' && squash(b.text).length <= t.length + 20 && squash(b.text).includes(t.slice(0, Math.min(t.length, 12)))) return true;
  }
  return false;
}

const REPORT_TITLE = /(政府信息公开|政务公开|信息公开).{0,12}(年度报告|年报)|(年度报告|年报)$/;
/** A report title that also names the year (what a title element on a page looks like). */
const YEAR_TITLE = /((19|20)\d{2}|[二〇○零一二三四五六七八九]{4})\s*年.{0,30}(年度报告|年报)/;

interface DocScan {
  /** The first <body> in document order. */
  body?: DomElement;
  /** Every <h1>, in document order. */
  h1s: DomElement[];
  /** The first <title>. */
  title?: DomElement;
}

/**
 * One pre-order walk of the whole document for the first <body>, the <h1>s and the first <title>
 * (what `$('body')`, `$('h1')` and `$('title')` select: every node with children is searched,
 * template contents included).
 */
function scanDocument(root: DomNode): DocScan {
  const scan: DocScan = { h1s: [] };
  const stack: DomNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n !== root && isElement(n)) {
      const name = n.name;
      if (name === 'h1') scan.h1s.push(n);
      else if (name === 'body') scan.body ??= n;
      else if (name === 'title') scan.title ??= n;
    }
    const kids = n.children;
    // (text and comments have no children and are never looked for)
    if (kids) for (let i = kids.length - 1; i >= 0; i--) if (kids[i].children) stack.push(kids[i]);
  }
  return scan;
}

/** cheerio's `.text()`: all text below a node, comments excluded, nothing skipped. */
function textContent(n: DomNode): string {
  if (n.type === 'text') return n.data ?? '';
  if (n.type === 'comment' || !n.children) return '';
  let s = '';
  for (const c of n.children) s += textContent(c);
  return s;
}

/** Text of a node as `textOf` gives it and its visible length, for subtrees of at most 100 visible characters. */
interface Measured {
  len: number;
  /** Visible characters inside <a> elements. */
  linkLen: number;
  /** textOf(node) when len <= MEASURE_TEXT_MAX. */
  text: string;
}

const MEASURE_TEXT_MAX = 100;

/**
 * Title: an <h1> naming the report, else the smallest short element whose text reads like a
 * report title (old sites print it in <b>/<font> cells), else <title> (site-name suffix cut).
 *
 * Records in `lengths` the visible length (`visibleLength`) of every element below <body> as the
 * page was parsed: the furniture pass reads these original lengths.
 */
function pickTitle(scan: DocScan, body: DomNode, lengths: Map<DomNode, number>): string | undefined {
  const h1s: string[] = [];
  for (const el of scan.h1s) {
    const t = normalizeInline(textOf(el));
    if (t && t.length >= 4 && t.length <= 120) h1s.push(t);
  }
  const h1 = h1s.find((t) => REPORT_TITLE.test(t));
  if (h1) return h1;
  let pageTitle = scan.title ? normalizeInline(textContent(scan.title)) : '';
  if (pageTitle) {
    const parts = pageTitle.split(/\s*[_|｜]\s*|\s+-\s+|\s+—\s+/).filter(Boolean);
    const report = parts.find((p) => REPORT_TITLE.test(p));
    if (report) pageTitle = report;
  }
  // Every element below <body> (through element parents, as `body *` matches), in one post-order
  // pass: the shortest candidate wins, the first in document order among equals.
  let best: string | undefined;
  let bestOrder = Infinity;
  let order = 0;
  const measure = (el: DomElement, parentName: string): Measured => {
    const myOrder = order++;
    const skip = SKIP_TAGS.has(el.name.toLowerCase());
    const isLink = el.name === 'a';
    let len = 0;
    let linkLen = 0;
    let text = '';
    for (const c of el.children) {
      if (c.type === 'text') {
        const d = c.data ?? '';
        const k = visibleChars(d);
        len += k;
        if (isLink) linkLen += k;
        text += d;
      } else if (isElement(c)) {
        const m = measure(c, el.name);
        len += m.len;
        linkLen += isLink ? m.len : m.linkLen;
        if (m.len <= MEASURE_TEXT_MAX) text += m.text;
      }
    }
    if (skip) return { len: 0, text: '', linkLen: 0 };
    lengths.set(el, len);
    if (len < 8 || len > 100) return { len, linkLen, text: len <= MEASURE_TEXT_MAX ? text : '' };
    const t = normalizeInline(text);
    // (an element whose text is a link's is an entry of a list, not the page's title)
    if (t.length >= 8 && t.length <= 80 && YEAR_TITLE.test(t) && !/^(附件|相关|上一篇|下一篇)/.test(t) && !isLink && parentName !== 'a' && linkLen < 0.6 * len) {
      if (!best || t.length < best.length || (t.length === best.length && myOrder < bestOrder)) {
        best = t;
        bestOrder = myOrder;
      }
    }
    return { len, linkLen, text };
  };
  if (isElement(body)) for (const c of body.children) if (isElement(c)) measure(c, body.name);
  if (best && (!pageTitle || !REPORT_TITLE.test(pageTitle) || best.length >= pageTitle.length - 2)) return best;
  if (pageTitle && REPORT_TITLE.test(pageTitle)) return pageTitle;
  return best ?? h1s[0] ?? (pageTitle || undefined);
}

/** A title printed as the first short paragraphs (Word splits long titles over two lines). */
function leadingTitle(blocks: Block[]): string | undefined {
  let joined = '';
  for (const b of blocks.slice(0, 4)) {
    if (b.kind !== 'paragraph' || b.text.length > 40) break;
    joined += b.text;
    if (/报告|年报/.test(b.text)) return joined.length <= 80 ? joined : undefined;
  }
  return undefined;
}
