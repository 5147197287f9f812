/**
 * DOC reader (legacy Word 97-2003 binary) on top of word-extractor.
 *
 * Tables are recovered as `origin: 'doc'` Table blocks. With the paragraph properties read
 * (see doc-word97.ts) the grid is exact: cell and row marks delimit cells and rows, and each
 * row's cell boundaries (sprmTDefTable) give column spans and vertical merges. If that pass
 * fails, word-extractor's flat text is used: a run of lines with tabs is a table, one line a row.
 * A corrupt file gives ExtractError('doc_corrupt').
 */
import { ExtractError } from '../errors';
import type { Block, DocumentModel, Table, TableCell } from '../model/document';
import type { Reader } from './types';
import { CELL_END, CELL_PARA, ROW_END, readWord97 } from './doc-word97';
import type { RowDef, Word97Text } from './doc-word97';
import { normalizeInline } from './html/dom';
import { renumberTables } from './html/walk';

/** Largest .doc read. */
export const MAX_DOC_BYTES = 60 * 1024 * 1024;
/** Limit on the time word-extractor may take (it runs on the event loop; this bounds async stalls). */
const DOC_TIMEOUT_MS = 30_000;

export const readDoc: Reader = async ({ bytes }) => {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > MAX_DOC_BYTES) throw new ExtractError('too_large', `DOC of ${buf.length} bytes exceeds ${MAX_DOC_BYTES}`);
  if (isEncryptedPackage(buf)) throw new ExtractError('doc_corrupt', 'password-protected Office document (EncryptedPackage): cannot be read');
  let text: Word97Text;
  try {
    text = await withTimeout(readWord97(buf), DOC_TIMEOUT_MS);
  } catch (e) {
    if (e instanceof ExtractError) throw e;
    throw new ExtractError('doc_corrupt', `cannot read the Word 97 document: ${(e as Error)?.message ?? String(e)}`);
  }
  const blocks = text.structured ? structuredBlocks(text) : flatBlocks(text.body);
  if (!blocks.some((b) => b.kind === 'table' || (b.kind === 'paragraph' && b.text.trim()))) throw new ExtractError('unreadable', 'the DOC has no text');
  const doc: DocumentModel = { format: 'doc', blocks: renumberTables(blocks) };
  const first = blocks.find((b) => b.kind === 'paragraph');
  if (first && first.kind === 'paragraph' && /报告|年报/.test(first.text) && first.text.length <= 80) doc.title = first.text;
  return doc;
};

function isEncryptedPackage(buf: Buffer): boolean {
  return buf.indexOf(Buffer.from('EncryptedPackage', 'utf16le')) >= 0 && buf.indexOf(Buffer.from('WordDocument', 'utf16le')) < 0;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ExtractError('timeout', `reading the DOC took more than ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

interface RawRow { cells: string[]; def: RowDef | null; line: number }

/** Blocks from the marked raw text. */
export function structuredBlocks(text: Word97Text): Block[] {
  const blocks: Block[] = [];
  let para = '';
  let cellParas: string[] = [];
  let row: string[] = [];
  let rows: RawRow[] = [];
  let rowIndex = 0;
  let line = 1; // paragraph ordinal, 1-based
  let tableLine = 0;
  const flushTable = () => {
    if (row.length) { rows.push({ cells: row, def: null, line }); row = []; }
    if (rows.length) blocks.push(buildTable(rows, tableLine));
    rows = [];
  };
  const cellText = () => [...cellParas, para].flatMap((p) => p.split(/[\n\x0b]/)).map(normalizeInline).filter(Boolean).join('\n');
  for (const ch of text.raw) {
    if (ch === CELL_PARA) { cellParas.push(para); para = ''; line++; continue; }
    if (ch === CELL_END) {
      if (!rows.length && !row.length) tableLine = line;
      row.push(cellText());
      cellParas = [];
      para = '';
      line++;
      continue;
    }
    if (ch === ROW_END) {
      rows.push({ cells: row, def: text.rows[rowIndex] ?? null, line });
      rowIndex++;
      row = [];
      cellParas = [];
      para = '';
      line++;
      continue;
    }
    if (ch === '\r') {
      if (rows.length || row.length) {
        if (cellParas.length || row.length) {
          // a stray paragraph mark inside a row: keep it with the cell
          cellParas.push(para);
          para = '';
          line++;
          continue;
        }
        flushTable();
      }
      for (const part of para.split('\x0b')) {
        const t = normalizeInline(part);
        if (t) blocks.push({ kind: 'paragraph', text: t, pos: { line } });
      }
      para = '';
      line++;
      continue;
    }
    para += ch;
  }
  flushTable();
  const t = normalizeInline(para);
  if (t) blocks.push({ kind: 'paragraph', text: t, pos: { line } });
  return blocks;
}

/** Build the grid of a table from its rows and their cell boundaries. */
function buildTable(rows: RawRow[], line: number): Table {
  // Column boundaries: union of all rows' cell boundaries (close values merged).
  const all: number[] = [];
  for (const r of rows) if (r.def && r.def.centers.length === r.cells.length + 1) all.push(...r.def.centers);
  all.sort((a, b) => a - b);
  const bounds: number[] = [];
  for (const x of all) if (!bounds.length || x - bounds[bounds.length - 1] > 30) bounds.push(x);
  const colOf = (x: number) => {
    let best = 0;
    for (let i = 1; i < bounds.length; i++) if (Math.abs(bounds[i] - x) < Math.abs(bounds[best] - x)) best = i;
    return best;
  };
  type Origin = { cell: TableCell; r: number; c: number; cs: number };
  const grid: (TableCell | undefined)[][] = rows.map(() => []);
  let above: (Origin | undefined)[] = [];
  rows.forEach((raw, r) => {
    const current: (Origin | undefined)[] = [];
    const def = raw.def && raw.def.centers.length === raw.cells.length + 1 && bounds.length > 1 ? raw.def : null;
    let col = def ? colOf(def.centers[0]) : 0;
    let last: Origin | undefined;
    raw.cells.forEach((text, i) => {
      let cs = 1;
      if (def) {
        const a = colOf(def.centers[i]);
        const b = colOf(def.centers[i + 1]);
        col = a;
        cs = Math.max(1, b - a);
      }
      while (!def && grid[r][col]) col++;
      if (def && def.hMerged[i] && last && i > 0) {
        // old-style horizontal merge: this cell continues the one on its left
        last.cell.colSpan = (last.cell.colSpan ?? 1) + cs;
        for (let k = 0; k < cs; k++) {
          grid[r][col + k] = { text: last.cell.text, pos: { row: r, col: col + k }, spanOf: [last.r, last.c] };
          current[col + k] = last;
        }
        last.cs += cs;
        col += cs;
        return;
      }
      const prev = above[col];
      if (def && def.vMergeCont[i] && prev && prev.c === col) {
        prev.cell.rowSpan = (prev.cell.rowSpan ?? 1) + 1;
        for (let k = 0; k < prev.cs; k++) {
          grid[r][col + k] = { text: prev.cell.text, pos: { row: r, col: col + k }, spanOf: [prev.r, prev.c] };
          current[col + k] = prev;
        }
        col += Math.max(cs, prev.cs);
        return;
      }
      const cell: TableCell = { text, pos: { row: r, col, line: raw.line } };
      if (cs > 1) cell.colSpan = cs;
      const o: Origin = { cell, r, c: col, cs };
      for (let k = 0; k < cs; k++) {
        grid[r][col + k] = k === 0 ? cell : { text, pos: { row: r, col: col + k }, spanOf: [r, col] };
        current[col + k] = o;
      }
      last = o;
      col += cs;
    });
    above = current;
  });
  const out = grid.map((row, r) => {
    const cells: TableCell[] = [];
    for (let c = 0; c < row.length; c++) cells.push(row[c] ?? { text: '', pos: { row: r, col: c } });
    return cells;
  });
  return { kind: 'table', rows: out, pos: { line }, origin: 'doc' };
}

/** Fallback on word-extractor's flat text: runs of lines with tabs are tables (cell = tab-terminated field). */
export function flatBlocks(body: string): Block[] {
  const blocks: Block[] = [];
  const lines = body.split('\n');
  let rows: { cells: string[]; line: number }[] = [];
  const flush = () => {
    if (!rows.length) return;
    const table: Table = {
      kind: 'table',
      origin: 'doc',
      pos: { line: rows[0].line },
      rows: rows.map((r, ri) => r.cells.map((t, ci) => ({ text: t, pos: { row: ri, col: ci, line: r.line } }))),
    };
    blocks.push(table);
    rows = [];
  };
  lines.forEach((l, i) => {
    if (l.includes('\t')) {
      const parts = l.split('\t');
      if (parts[parts.length - 1] === '') parts.pop();
      rows.push({ cells: parts.map(normalizeInline), line: i + 1 });
      return;
    }
    flush();
    const t = normalizeInline(l);
    if (t) blocks.push({ kind: 'paragraph', text: t, pos: { line: i + 1 } });
  });
  flush();
  return blocks;
}
