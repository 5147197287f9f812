/**
 * The source beside the grid. A PDF is rendered in the browser by pdf.js (the raw bytes are
 * served as an opaque download); every other format is shown as what nianbao recovered from it:
 * paragraphs and tables (HTML, DOCX, DOC) or numbered lines (text), built here from the
 * document model with every text escaped. No source markup ever reaches the page.
 */
import type { DocumentModel, TableCell } from '../model/document';
import type { Store } from '../store/types';
import { sniff } from '../sniff';
import { readDocument } from '../read';
import { decodeBytes } from '../read/decode';
import { esc } from './html';
import { unifyIdeographs } from '../normalize/radicals';

const MAX_BLOCKS = 4000;
const MAX_LINES = 20000;
const MAX_CELL = 2000;

interface Cached { at: number; html: string }
const cache = new Map<string, Cached>();
const CACHE_SIZE = 32;

function remember(key: string, html: string): string {
  cache.set(key, { at: Date.now(), html });
  if (cache.size > CACHE_SIZE) {
    const oldest = [...cache.entries()].sort((a, b) => a[1].at - b[1].at)[0];
    cache.delete(oldest[0]);
  }
  return html;
}

function clip(s: string): string {
  return s.length > MAX_CELL ? s.slice(0, MAX_CELL) + '…' : s;
}

function cellHtml(c: TableCell, r: number, col: number): string {
  const cls = c.spanOf ? ' class="span"' : '';
  return `<td data-r="${r}" data-c="${col}"${cls}>${esc(clip(c.text))}</td>`;
}

/** The recovered document: paragraphs and tables, escaped, with the positions the evidence refers to. */
export function documentHtml(doc: DocumentModel): string {
  const out: string[] = [`<div class="doc" data-format="${esc(doc.format)}">`];
  const blocks = doc.blocks.slice(0, MAX_BLOCKS);
  blocks.forEach((b, i) => {
    if (b.kind === 'paragraph') {
      if (!b.text.trim()) return;
      const attrs = [`data-b="${i}"`];
      if (b.pos.line) attrs.push(`data-line="${b.pos.line}"`);
      if (b.pos.page) attrs.push(`data-page="${b.pos.page}"`);
      out.push(`<p class="para" ${attrs.join(' ')}>${esc(clip(b.text))}</p>`);
    } else if (b.kind === 'image') {
      const page = b.pos.page ? ` · 第 ${b.pos.page} 页` : '';
      out.push(`<p class="note" data-b="${i}">（图片 ${i}${esc(page)}，未识别文字）</p>`);
    } else {
      const page = b.pos.page ? ` · 第 ${b.pos.page} 页` : '';
      out.push(`<div class="tblwrap"><div class="tblcap">表 ${i}${esc(page)} · ${esc(b.origin)}</div><table class="src" data-table="${i}">`);
      b.rows.forEach((row, r) => {
        out.push(`<tr>${row.map((c, col) => cellHtml(c, r, col)).join('')}</tr>`);
      });
      out.push('</table></div>');
    }
  });
  if (doc.blocks.length > MAX_BLOCKS) out.push(`<p class="note">（只显示前 ${MAX_BLOCKS} 块，共 ${doc.blocks.length} 块）</p>`);
  out.push('</div>');
  return out.join('\n');
}

/** A text source as numbered lines. */
export function linesHtml(text: string): string {
  // the same spelling as the extraction's evidence (the readers unify look-alike ideographs)
  const lines = unifyIdeographs(text).replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = ['<div class="doc lines">'];
  lines.slice(0, MAX_LINES).forEach((l, i) => {
    out.push(`<div class="ln" data-line="${i + 1}"><span class="no">${i + 1}</span><span class="tx">${esc(clip(l))}</span></div>`);
  });
  if (lines.length > MAX_LINES) out.push(`<p class="note">（只显示前 ${MAX_LINES} 行，共 ${lines.length} 行）</p>`);
  out.push('</div>');
  return out.join('\n');
}

/** Render the stored source of `sha256` for the review view (cached per document). */
export async function recoveredSource(store: Store, sha256: string, name?: string): Promise<string> {
  const hit = cache.get(sha256);
  if (hit) { hit.at = Date.now(); return hit.html; }
  let bytes: Uint8Array;
  try {
    bytes = await store.readBlob(sha256);
  } catch {
    return '<p class="note">源文件不在存储中（只有提取结果）。</p>';
  }
  const sn = sniff(bytes, { name });
  try {
    if (sn.format === 'text') return remember(sha256, linesHtml(decodeBytes(bytes, sn.encoding).text));
    if (sn.format === 'unknown') return remember(sha256, `<p class="note">无法显示：${esc(sn.reason)}</p>`);
    const doc = await readDocument({ bytes, sniff: sn, name });
    return remember(sha256, documentHtml(doc));
  } catch (e) {
    return `<p class="note">无法读取源文件：${esc((e as Error).message)}</p>`;
  }
}
