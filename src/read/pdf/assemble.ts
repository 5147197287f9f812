/**
 * Page pieces → document blocks: paragraphs from lines, reading order, tables and paragraphs that
 * continue over a page break joined, tables expanded into the document model's grid.
 */
import type { ImageBlock, Paragraph, Table, TableCell } from '../../model/document';
import type { PImage } from './images';
import { type BBox, cluster, round, union } from './geom';
import type { LCell, PTable } from './lattice';
import { type Line, isCjk, median } from './text';

export interface PPara {
  kind: 'paragraph';
  page: number;
  bbox: BBox;
  text: string;
  /** First line starts indented (a new paragraph); last line runs to the right margin (may continue). */
  indented: boolean;
  full: boolean;
  size: number;
}

export interface PTableBlock {
  kind: 'table';
  table: PTable;
}

export interface PImageBlock {
  kind: 'image';
  page: number;
  bbox: BBox;
  image: PImage;
}

export type PBlock = PPara | PTableBlock | PImageBlock;

const top = (b: PBlock): number => (b.kind === 'table' ? b.table.bbox[3] : b.bbox[3]);

function joinText(a: string, b: string): string {
  if (!a) return b;
  if (!b) return a;
  return isCjk(a[a.length - 1]) || isCjk(b[0]) ? a + b : `${a} ${b}`;
}

/** Lines of one page (top to bottom, furniture removed) → paragraphs. */
export function toParagraphs(lines: Line[], page: number, margins: { left: number; right: number }): PPara[] {
  const out: PPara[] = [];
  let cur: PPara | null = null;
  let prev: Line | null = null;
  for (const l of lines) {
    const indented = l.x0 > margins.left + 0.9 * l.size;
    const full = l.x1 >= margins.right - 1.5 * l.size;
    const continues = cur !== null && prev !== null
      && Math.abs(prev.size - l.size) <= 0.2 * Math.max(prev.size, l.size)
      && prev.y0 - l.y1 < 1.0 * l.size
      && cur.full && !indented;
    if (continues && cur) {
      cur.text = joinText(cur.text, l.text);
      cur.bbox = union(cur.bbox, [l.x0, l.y0, l.x1, l.y1]);
      cur.full = full;
    } else {
      cur = { kind: 'paragraph', page, bbox: [l.x0, l.y0, l.x1, l.y1], text: l.text, indented, full, size: l.size };
      out.push(cur);
    }
    prev = l;
  }
  return out;
}

/** Text margins of the body: robust left and right edges of a document's lines. */
export function bodyMargins(lines: Line[]): { left: number; right: number } {
  if (lines.length === 0) return { left: 0, right: 0 };
  const lefts = lines.map((l) => l.x0).sort((a, b) => a - b);
  const rights = lines.map((l) => l.x1).sort((a, b) => a - b);
  return { left: lefts[Math.floor(lefts.length * 0.1)], right: rights[Math.floor(rights.length * 0.9)] };
}

/** Blocks of a page in reading order (top to bottom). */
export function order(blocks: PBlock[]): PBlock[] {
  return [...blocks].sort((a, b) => top(b) - top(a));
}

// ------------------------------------------------------------------ joins over page breaks

const norm = (s: string) => s.replace(/\s+/g, '');

/** Text of each grid row of a table, for comparing header rows. */
function rowTexts(t: PTable, ncols: number, colMap: (c: number) => number): string[][] {
  const rows: string[][] = Array.from({ length: t.nrows }, () => new Array(ncols).fill(''));
  for (const cell of t.cells) {
    for (let r = cell.r0; r < cell.r1; r++) for (let c = colMap(cell.c0); c < colMap(cell.c1); c++) rows[r][c] = norm(cell.text);
  }
  return rows;
}

/** Column boundary mapping onto a shared set of boundaries, or null when the tables do not line up. */
function alignColumns(a: PTable, b: PTable): { xs: number[]; mapA: (c: number) => number; mapB: (c: number) => number } | null {
  const edgeTol = a.origin === 'pdf-lattice' ? 4 : 25;
  if (Math.abs(a.xs[0] - b.xs[0]) > edgeTol || Math.abs(a.xs[a.xs.length - 1] - b.xs[b.xs.length - 1]) > edgeTol) return null;
  if (a.origin === 'pdf-stream') {
    if (a.xs.length !== b.xs.length) return null;
    for (let k = 1; k + 1 < a.xs.length; k++) if (Math.abs(a.xs[k] - b.xs[k]) > 25) return null;
    return { xs: a.xs, mapA: (c) => c, mapB: (c) => c };
  }
  const tol = 3;
  const shared = (xs: number[], ys: number[]) => xs.filter((x) => ys.some((y) => Math.abs(x - y) <= tol)).length / xs.length;
  if (Math.max(shared(a.xs, b.xs), shared(b.xs, a.xs)) < 0.8) return null;
  const xs = cluster([...a.xs, ...b.xs], tol);
  const idx = (x: number) => {
    let best = 0;
    for (let k = 1; k < xs.length; k++) if (Math.abs(xs[k] - x) < Math.abs(xs[best] - x)) best = k;
    return best;
  };
  const ma = a.xs.map(idx);
  const mb = b.xs.map(idx);
  return { xs, mapA: (c) => ma[c], mapB: (c) => mb[c] };
}

/** Join table b (top of the next page) onto table a (end of a page), or return null. */
export function joinTables(a: PTable, b: PTable): PTable | null {
  if (a.origin !== b.origin) return null;
  const al = alignColumns(a, b);
  if (!al) return null;
  const ncols = al.xs.length - 1;
  const ra = rowTexts(a, ncols, al.mapA);
  const rb = rowTexts(b, ncols, al.mapB);
  // repeated header rows: the longest run of b's first rows equal to a's first rows
  let k = 0;
  while (k < Math.min(6, rb.length - 1, ra.length - 1) && rb[k].join('|') === ra[k].join('|') && rb[k].some((x) => x)) k++;
  const cells: LCell[] = a.cells.map((c) => ({ ...c, c0: al.mapA(c.c0), c1: al.mapA(c.c1) }));
  const bcells: LCell[] = b.cells.filter((c) => c.r1 > k).map((c) => ({ ...c, r0: Math.max(c.r0, k), c0: al.mapB(c.c0), c1: al.mapB(c.c1) }));
  const last = a.nrows - 1;
  const lastRow = cells.filter((c) => c.r0 <= last && c.r1 > last);
  const firstRow = bcells.filter((c) => c.r0 === k);
  const same = (x: LCell, y: LCell) => x.c0 === y.c0 && x.c1 === y.c1;
  // a row cut by the page break (Word and LibreOffice let rows break): the top row of b only
  // continues texts of a's last row, and the numbers of that row are all on the first page
  const numeric = (t: string) => /^[-+]?[\d,]+(\.\d+)?$/.test(t);
  const rowCut = firstRow.length > 0
    && firstRow.every((u) => !u.text || lastRow.some((t) => same(t, u) && t.text))
    && firstRow.every((u) => !numeric(u.text))
    && lastRow.some((t) => numeric(t.text) && !firstRow.some((u) => same(t, u) && u.text));
  const off = a.nrows - k - (rowCut ? 1 : 0);
  for (const c of bcells) {
    const moved: LCell = { ...c, r0: c.r0 + off, r1: c.r1 + off };
    if (c.r0 === k) {
      // continuation of a's cell over the break: an empty part of a merged cell, or the rest of a cut row
      const above = lastRow.find((t) => same(t, c) && t.text && (rowCut || t.r1 - t.r0 >= 2));
      if (above && (rowCut || !c.text)) {
        above.text = joinText(above.text, c.text);
        above.r1 = Math.max(above.r1, moved.r1);
        continue;
      }
      if (rowCut) {
        // a cell of the cut row with nothing above it: keep its text in the row above
        moved.r0 = Math.min(moved.r0, a.nrows - 1);
      }
    }
    cells.push(moved);
  }
  return { origin: a.origin, page: a.page, bbox: a.bbox, xs: al.xs, nrows: a.nrows + b.nrows - k - (rowCut ? 1 : 0), cells };
}

/** Join blocks over page breaks: pages is the ordered blocks of each page. */
export function joinPages(pages: PBlock[][]): PBlock[] {
  const out: PBlock[] = [];
  for (const blocks of pages) {
    blocks.forEach((b, i) => {
      const last = out[out.length - 1];
      if (i === 0 && last) {
        if (last.kind === 'table' && b.kind === 'table') {
          const j = joinTables(last.table, b.table);
          if (j) {
            last.table = j;
            return;
          }
        }
        if (last.kind === 'paragraph' && b.kind === 'paragraph' && last.full && !b.indented
          && Math.abs(last.size - b.size) <= 0.2 * last.size && !/[。！？：；]$/.test(last.text)) {
          last.text = joinText(last.text, b.text);
          last.full = b.full;
          return;
        }
      }
      out.push(b);
    });
  }
  return out;
}

// ------------------------------------------------------------------ model

export function toModelParagraph(p: PPara): Paragraph {
  return { kind: 'paragraph', text: p.text, pos: { page: p.page, bbox: round(p.bbox) } };
}

export function toModelImage(b: PImageBlock): ImageBlock {
  const out: ImageBlock = { kind: 'image', pos: { page: b.page, bbox: round(b.bbox) }, ref: { source: 'pdf', page: b.page } };
  if (b.image.object) out.ref = { source: 'pdf', page: b.page, object: b.image.object };
  if (b.image.width) out.width = b.image.width;
  if (b.image.height) out.height = b.image.height;
  return out;
}

export function toModelTable(t: PTable, index: number): Table {
  const ncols = t.xs.length - 1;
  const rows: (TableCell | null)[][] = Array.from({ length: t.nrows }, () => new Array(ncols).fill(null));
  for (const c of t.cells) {
    for (let r = c.r0; r < c.r1; r++) {
      for (let col = c.c0; col < c.c1; col++) {
        if (rows[r][col]) continue;
        const origin = r === c.r0 && col === c.c0;
        const cell: TableCell = { text: c.text, pos: { page: c.page, bbox: round(c.bbox), table: index, row: r, col } };
        if (origin) {
          if (c.r1 - c.r0 > 1) cell.rowSpan = c.r1 - c.r0;
          if (c.c1 - c.c0 > 1) cell.colSpan = c.c1 - c.c0;
        } else cell.spanOf = [c.r0, c.c0];
        rows[r][col] = cell;
      }
    }
  }
  const grid: TableCell[][] = rows.map((row, r) => row.map((cell, col) => cell ?? {
    text: '',
    pos: { page: t.page, table: index, row: r, col },
  }));
  return { kind: 'table', rows: grid, pos: { page: t.page, bbox: round(t.bbox), table: index }, origin: t.origin };
}

export { median };
