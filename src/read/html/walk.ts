/**
 * Walk an HTML DOM (cheerio/domhandler nodes) into document blocks: paragraphs in document
 * order (block elements and <br> split them) and tables expanded into their true grid
 * (rowspan/colspan origin cell + `spanOf` copies). Shared by the HTML and DOCX readers.
 */
import type { Block, ImageBlock, Paragraph, Table, TableCell, TableOrigin } from '../../model/document';
import { superscriptDigits } from '../superscript';
import { BLOCK_TAGS, SKIP_TAGS, childElements, isElement, isHidden, normalizeInline, pathPart, resetPathCache, shortPath, textOf, visibleChars } from './dom';
import type { DomElement, DomNode } from './dom';

export interface WalkOptions {
  origin: TableOrigin;
  /** Limits against hostile markup. */
  maxColSpan?: number;
  maxRowSpan?: number;
  maxCells?: number;
}

const MAX_COLSPAN = 1000;
const MAX_ROWSPAN = 65534;
const MAX_CELLS = 200_000;

/** Walk `root` into blocks. Table block indices are set by `renumberTables` at the end. */
export function walkBlocks(root: DomNode, opts: WalkOptions): Block[] {
  resetPathCache();
  try {
    const w = new Walker(opts);
    w.visit(root);
    w.flush();
    return renumberTables(w.blocks);
  } finally {
    resetPathCache();
  }
}

/** Set `pos.table` on every table and cell to the table's index in `blocks`. */
export function renumberTables(blocks: Block[]): Block[] {
  blocks.forEach((b, i) => {
    if (b.kind !== 'table') return;
    b.pos.table = i;
    for (const row of b.rows) for (const c of row) c.pos.table = i;
  });
  return blocks;
}

/** True for a table used for page layout: it holds other tables, or is a single cell. */
export function isLayoutTable(table: DomElement): boolean {
  if (hasTableBelow(table)) return true;
  const rows = tableRows(table);
  if (rows.length === 0) return true;
  if (rows.length === 1 && rowCells(rows[0]).length === 1) return true;
  return false;
}

/** A <table> anywhere below `n` (through any node with children). */
function hasTableBelow(n: DomNode): boolean {
  const kids = n.children;
  if (!kids) return false;
  for (const c of kids) {
    if (isElement(c) && c.name.toLowerCase() === 'table') return true;
    if (c.children && c.children.length && hasTableBelow(c)) return true;
  }
  return false;
}

/** Rows of a table in document order (direct, or through thead/tbody/tfoot), not those of nested tables. */
export function tableRows(table: DomElement): DomElement[] {
  const rows: DomElement[] = [];
  for (const c of childElements(table)) {
    const t = c.name.toLowerCase();
    if (t === 'tr') rows.push(c);
    else if (t === 'thead' || t === 'tbody' || t === 'tfoot') for (const r of childElements(c)) if (r.name.toLowerCase() === 'tr') rows.push(r);
  }
  return rows;
}

function rowCells(tr: DomElement): DomElement[] {
  return childElements(tr).filter((c) => {
    const t = c.name.toLowerCase();
    return t === 'td' || t === 'th';
  });
}

function intAttr(el: DomElement, name: string): number | undefined {
  const v = el.attribs[name];
  if (v === undefined) return undefined;
  const n = parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

/** Text of a cell: its paragraphs (block elements, <br>) joined with '\n'; blank and &nbsp;-only cells give ''. */
export function cellText(cell: DomElement): string {
  const acc: CellAcc = { paras: '', buf: '' };
  for (const c of cell.children) cellVisit(c, acc);
  cellFlush(acc);
  return acc.paras;
}

interface CellAcc {
  /** Paragraphs so far, joined with '\n'. */
  paras: string;
  buf: string;
}

function cellFlush(acc: CellAcc): void {
  if (acc.buf === '') return;
  const t = normalizeInline(acc.buf);
  if (t) acc.paras = acc.paras === '' ? t : `${acc.paras}\n${t}`;
  acc.buf = '';
}

function cellVisit(n: DomNode, acc: CellAcc): void {
  if (n.type === 'text') { acc.buf += n.data ?? ''; return; }
  if (!isElement(n)) return;
  const t = n.name.toLowerCase();
  if (SKIP_TAGS.has(t) || isHidden(n)) return;
  if (t === 'br') { cellFlush(acc); return; }
  if (t === 'sup') {
    // a footnote mark: kept apart from the figure it follows (superscript digits)
    const before = acc.buf;
    acc.buf = '';
    for (const c of n.children) cellVisit(c, acc);
    acc.buf = before + superscriptDigits(acc.buf);
    return;
  }
  const block = BLOCK_TAGS.has(t);
  if (block) cellFlush(acc);
  for (const c of n.children) cellVisit(c, acc);
  if (block) cellFlush(acc);
}

/** Expand a <table> into its grid. Rows of zero height with no text (Word's column-width rows) are dropped. */
export function expandTable(table: DomElement, origin: TableOrigin, opts: WalkOptions = { origin }): Table {
  const maxCol = opts.maxColSpan ?? MAX_COLSPAN;
  const maxRow = opts.maxRowSpan ?? MAX_ROWSPAN;
  const maxCells = opts.maxCells ?? MAX_CELLS;
  const trs = tableRows(table).filter((tr) => {
    if (isHidden(tr)) return false;
    const h = tr.attribs.height ?? '';
    const zero = /^0*(px)?$/.test(h.trim()) && h !== '' || /(^|;)\s*height\s*:\s*0(px|pt)?\s*(;|$)/i.test(tr.attribs.style ?? '');
    if (zero && !textOf(tr).replace(/[\s\u00a0]/g, '')) return false;
    return true;
  });
  const nRows = trs.length;
  const grid: (TableCell | undefined)[][] = trs.map(() => []);
  let cells = 0;
  trs.forEach((tr, r) => {
    let c = 0;
    let trPath: string | undefined;
    for (const td of rowCells(tr)) {
      if (isHidden(td)) continue;
      while (grid[r][c]) c++;
      let rs = intAttr(td, 'rowspan') ?? 1;
      if (rs === 0) rs = nRows - r; // rowspan=0: to the end of the table
      rs = Math.max(1, Math.min(rs, maxRow, nRows - r));
      const cs = Math.max(1, Math.min(intAttr(td, 'colspan') ?? 1, maxCol));
      cells += rs * cs;
      if (cells > maxCells) break;
      const text = cellText(td);
      // shortPath(td, 2), the row's part computed once
      const path = td.attribs.id ? pathPart(td) : `${(trPath ??= pathPart(tr))}>${pathPart(td)}`;
      const originCell: TableCell = { text, pos: { row: r, col: c, path } };
      if (rs > 1) originCell.rowSpan = rs;
      if (cs > 1) originCell.colSpan = cs;
      for (let dr = 0; dr < rs; dr++) {
        for (let dc = 0; dc < cs; dc++) {
          if (dr === 0 && dc === 0) { put(grid[r], c, originCell); continue; }
          const rr = r + dr;
          const cc = c + dc;
          if (grid[rr][cc]) continue; // overlapping spans in broken markup: first cell wins
          put(grid[rr], cc, { text, pos: { row: rr, col: cc }, spanOf: [r, c] });
        }
      }
      c += cs;
    }
  });
  // Drop rows left with no slot at all (a <tr> without cells); no span crosses such a row.
  const kept: TableCell[][] = [];
  const newIndex: number[] = [];
  for (let r = 0; r < nRows; r++) {
    const row = grid[r];
    newIndex.push(row.length ? kept.length : -1);
    if (!row.length) continue;
    const out: TableCell[] = [];
    for (let c = 0; c < row.length; c++) out.push(row[c] ?? { text: '', pos: { row: r, col: c } });
    kept.push(out);
  }
  for (let r = 0; r < kept.length; r++) {
    for (const cell of kept[r]) {
      cell.pos.row = r;
      if (cell.spanOf) cell.spanOf = [newIndex[cell.spanOf[0]], cell.spanOf[1]];
    }
  }
  return { kind: 'table', rows: kept, pos: { path: shortPath(table, 3) }, origin };
}

/**
 * Store a cell, padding the row with `undefined` rather than leaving holes: rows of one array
 * kind keep `expandTable` optimised (a holey row among packed ones deoptimised it for rounds).
 */
function put(row: (TableCell | undefined)[], c: number, cell: TableCell): void {
  while (row.length < c) row.push(undefined);
  row[c] = cell;
}

/** Some character `trim` keeps. */
const NOT_SPACE = /\S/;

class Walker {
  blocks: Block[] = [];
  private buf = '';
  private owner: DomNode | null = null;
  /** Open <a href> elements around the current text, and the visible characters of link text in `buf`. */
  private links = 0;
  private linkChars = 0;

  constructor(private readonly opts: WalkOptions) {}

  flush(): void {
    const text = normalizeInline(this.buf);
    if (text) {
      const p: Paragraph = { kind: 'paragraph', text, pos: {} };
      const path = shortPath(this.owner);
      if (path) p.pos.path = path;
      if (this.linkChars > 0) p.linkChars = Math.min(this.linkChars, visibleChars(text));
      this.blocks.push(p);
    }
    this.buf = '';
    this.owner = null;
    this.linkChars = 0;
  }

  /** A picture in the flow: its own block, where it stands between paragraphs and tables. */
  private image(el: DomElement): void {
    const src = (el.attribs.src || el.attribs['data-src'] || el.attribs['data-original'] || '').trim();
    this.flush();
    const img: ImageBlock = { kind: 'image', pos: {}, ref: { source: 'html', src } };
    const path = shortPath(el);
    if (path) img.pos.path = path;
    const w = intAttr(el, 'width');
    const h = intAttr(el, 'height');
    if (w && w > 0) img.width = w;
    if (h && h > 0) img.height = h;
    this.blocks.push(img);
  }

  visit(n: DomNode, blockOwner: DomNode | null = null): void {
    if (n.type === 'text') {
      if (!this.owner && NOT_SPACE.test(n.data ?? '')) this.owner = blockOwner;
      this.buf += n.data ?? '';
      if (this.links > 0) this.linkChars += visibleChars(n.data ?? '');
      return;
    }
    if (n.type === 'root') { for (const c of n.children ?? []) this.visit(c, blockOwner); return; }
    if (!isElement(n)) return;
    const t = n.name.toLowerCase();
    if (SKIP_TAGS.has(t) || isHidden(n)) return;
    if (t === 'br') { this.flush(); return; }
    if (t === 'img') { this.image(n); return; }
    if (t === 'a' && n.attribs.href !== undefined) {
      this.links++;
      try {
        for (const c of n.children) this.visit(c, blockOwner);
      } finally {
        this.links--;
      }
      return;
    }
    if (t === 'table' && !isLayoutTable(n)) {
      this.flush();
      // a <caption> is the table's title: a paragraph just before it
      for (const cap of childElements(n).filter((c) => c.name.toLowerCase() === 'caption')) {
        const text = normalizeInline(cellText(cap).replace(/\n/g, ' '));
        if (text) this.blocks.push({ kind: 'paragraph', text, pos: { path: shortPath(cap) } });
      }
      const table = expandTable(n, this.opts.origin, this.opts);
      if (table.rows.length) this.blocks.push(table);
      return;
    }
    const block = BLOCK_TAGS.has(t);
    if (block) this.flush();
    const owner = block ? n : blockOwner;
    for (const c of n.children) this.visit(c, owner);
    if (block) this.flush();
  }
}
