/**
 * HTML reader: a full government article page, a Word "save as HTML" export, or a bare
 * HTML fragment → document model. The bytes are decoded with the sniffed encoding;
 * the article body is located (navigation, footers, share/print blocks dropped); tables
 * are expanded into their true grid; text outside tables becomes paragraphs in order.
 */
import * as cheerio from 'cheerio';
import { ExtractError } from '../errors';
import type { Block, DocumentModel, SourceFormat, TableOrigin } from '../model/document';
import { decode, detectEncoding } from '../sniff';
import type { Reader } from './types';
import { findContentRoot, removeFurniture } from './html/content';
import { isElement, normalizeInline, textOf, visibleLength } from './html/dom';
import type { DomElement, DomNode } from './html/dom';
import { renumberTables, walkBlocks } from './html/walk';
import { extractMhtml, isMhtml } from './html/mhtml';

/** Largest HTML input read (bytes). */
export const MAX_HTML_BYTES = 40 * 1024 * 1024;

export interface HtmlToDocumentOptions {
  format: SourceFormat;
  origin: TableOrigin;
  encoding?: string;
  /** Look for the article body of a full web page (true for HTML inputs, false for mammoth output). */
  findContent: boolean;
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
  const doc = htmlToDocument(html, { format: 'html', origin: 'html', encoding, findContent: true });
  if (!doc.blocks.length) throw new ExtractError('unreadable', 'the HTML page has no text');
  return doc;
};

/** Parse HTML text into the document model (also used on mammoth's DOCX output). */
export function htmlToDocument(html: string, opts: HtmlToDocumentOptions): DocumentModel {
  const depth = nestingDepth(html);
  if (depth > MAX_NESTING) throw new ExtractError('unreadable', `HTML nested ${depth} levels deep (limit ${MAX_NESTING})`);
  try {
    return parseToDocument(html, opts);
  } catch (e) {
    if (e instanceof RangeError) throw new ExtractError('unreadable', `HTML too deeply nested to read: ${e.message}`);
    throw e;
  }
}

/** Deeper markup than this is refused: the HTML parser slows down quadratically with depth. */
export const MAX_NESTING = 2000;

const VOID_OR_AUTOCLOSED = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr',
  'param', 'keygen', 'p', 'li', 'td', 'th', 'tr', 'dt', 'dd', 'option', 'optgroup', 'thead', 'tbody', 'tfoot', 'colgroup', 'rt', 'rp', 'o:p']);

/** Rough maximum nesting depth from a linear scan of the tags (no parse). */
export function nestingDepth(html: string): number {
  const re = /<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g;
  let depth = 0;
  let max = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(html))) {
    const name = m[2].toLowerCase();
    if (VOID_OR_AUTOCLOSED.has(name) || m[3]) continue;
    if (name === 'script' || name === 'style') {
      const end = html.indexOf(`</${name}`, re.lastIndex);
      if (end > 0) re.lastIndex = end;
      continue;
    }
    if (m[1]) depth = Math.max(0, depth - 1);
    else if (++depth > max) max = depth;
  }
  return max;
}

function parseToDocument(html: string, opts: HtmlToDocumentOptions): DocumentModel {
  const $ = cheerio.load(html);
  let title = pickTitle($);
  const bodyEl = ($('body').get(0) ?? $.root().get(0)) as unknown as DomElement;
  let root: DomNode = bodyEl;
  if (opts.findContent && isElement(bodyEl)) {
    removeFurniture(bodyEl);
    root = findContentRoot(bodyEl);
  }
  let blocks: Block[] = walkBlocks(root, { origin: opts.origin });
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
    if (b.kind === 'paragraph' && squash(b.text).includes(t.slice(0, Math.min(t.length, 12)))) return true;
  }
  return false;
}

const REPORT_TITLE = /(政府信息公开|政务公开|信息公开).{0,12}(年度报告|年报)|(年度报告|年报)$/;
/** A report title that also names the year (what a title element on a page looks like). */
const YEAR_TITLE = /((19|20)\d{2}|[二〇○零一二三四五六七八九]{4})\s*年.{0,30}(年度报告|年报)/;

/**
 * Title: an <h1> naming the report, else the smallest short element whose text reads like a
 * report title (old sites print it in <b>/<font> cells), else <title> (site-name suffix cut).
 */
function pickTitle($: cheerio.CheerioAPI): string | undefined {
  const h1s: string[] = [];
  $('h1').each((_, el) => {
    const t = normalizeInline(textOf(el as unknown as DomNode));
    if (t && t.length >= 4 && t.length <= 120) h1s.push(t);
  });
  const h1 = h1s.find((t) => REPORT_TITLE.test(t));
  if (h1) return h1;
  let pageTitle = normalizeInline($('title').first().text());
  if (pageTitle) {
    const parts = pageTitle.split(/\s*[_|｜]\s*|\s+-\s+|\s+—\s+/).filter(Boolean);
    const report = parts.find((p) => REPORT_TITLE.test(p));
    if (report) pageTitle = report;
  }
  let best: string | undefined;
  $('body *').each((_, el) => {
    const node = el as unknown as DomNode;
    const len = visibleLength(node);
    if (len < 8 || len > 100) return;
    const t = normalizeInline(textOf(node));
    if (t.length < 8 || t.length > 80 || !YEAR_TITLE.test(t) || /^(附件|相关|上一篇|下一篇)/.test(t)) return;
    if ((node as DomElement).name === 'a' || (node.parent as DomElement | null)?.name === 'a') return; // links to other reports
    if (!best || t.length < best.length) best = t;
  });
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
