/**
 * Stream tables (no ruling lines): runs of lines that split into several chunks at wide gaps are a
 * table candidate; column bands come from the alignment of the chunks of the rows with the most
 * common chunk count; every item (not chunk) then goes to the band holding its centre, so a number
 * printed as several runs joins one cell, and runs close enough to look like one chunk still part.
 */
import { type BBox, type TItem, cx, itemsBox } from './geom';
import type { LCell, PTable } from './lattice';
import { type GlyphBox, type Line, cellText, glyphBoxes, median, splitAt } from './text';

const NUM_END = /[\d%]$/;
const NUM_START = /^[-+]?\d/;

/**
 * Chunks of a line: items separated by gaps wider than about a character, or by any visible gap
 * between two numbers. Chunks only find candidate rows and bands; cells come from the bands.
 */
function chunks(line: Line): { x0: number; x1: number }[] {
  const out: { x0: number; x1: number; last: string }[] = [];
  for (const it of line.items) {
    const last = out[out.length - 1];
    const gap = last ? it.x0 - last.x1 : Infinity;
    const numbers = last && NUM_END.test(last.last) && NUM_START.test(it.str);
    if (last && gap < (numbers ? 0.3 : 1.2) * line.size) {
      last.x1 = Math.max(last.x1, it.x1);
      last.last = it.str;
    } else out.push({ x0: it.x0, x1: it.x1, last: it.str });
  }
  return out;
}

export interface StreamResult {
  tables: { table: PTable; lines: Line[] }[];
  rest: Line[];
}

/** Find borderless tables among a page's lines (top to bottom). */
export function findStreamTables(lines: Line[], page: number): StreamResult {
  const n = lines.length;
  const counts = lines.map((l) => chunks(l).length);
  const multi = counts.map((c) => c >= 2);
  const tables: StreamResult['tables'] = [];
  const inTable = new Array(n).fill(false);
  let i = 0;
  while (i < n) {
    if (!multi[i]) { i++; continue; }
    // extend the run: multi-chunk lines, plus single lines closely sandwiched between them
    let j = i;
    const pitches: number[] = [];
    while (j + 1 < n) {
      if (multi[j + 1]) {
        pitches.push(lines[j].y0 - lines[j + 1].y1);
        j++;
        continue;
      }
      // look ahead over single lines to the next multi line
      let k = j + 1;
      while (k < n && !multi[k] && k - j <= 5) k++;
      if (k >= n || !multi[k]) break;
      const typical = Math.max(median(pitches.length ? pitches : [lines[j].size * 0.8]), lines[j].size * 0.5);
      let ok = true;
      for (let q = j; q < k; q++) {
        const gap = lines[q].y0 - lines[q + 1].y1;
        if (gap > 1.6 * typical + 2) ok = false;
      }
      if (!ok) break;
      j = k;
    }
    const run = lines.slice(i, j + 1);
    const nMulti = run.filter((_, q) => multi[i + q]).length;
    const t = nMulti >= 3 ? build(run, page) : null;
    if (t) {
      tables.push({ table: t, lines: run });
      for (let q = i; q <= j; q++) inTable[q] = true;
    }
    i = j + 1;
  }
  return { tables, rest: lines.filter((_, q) => !inTable[q]) };
}

function build(run: Line[], page: number): PTable | null {
  const ch = run.map(chunks);
  // most common chunk count among multi-chunk rows (ties: the larger)
  const freq = new Map<number, number>();
  for (const c of ch) if (c.length >= 2) freq.set(c.length, (freq.get(c.length) ?? 0) + 1);
  let best = 0;
  let bestF = 0;
  for (const [k, f] of freq) if (f > bestF || (f === bestF && k > best)) { best = k; bestF = f; }
  // bands: union of chunk extents of the rows with that count (and of rows with more chunks)
  const ivs = ch.filter((c) => c.length >= best).flat().sort((a, b) => a.x0 - b.x0);
  let bands: { x0: number; x1: number }[] = [];
  for (const iv of ivs) {
    const last = bands[bands.length - 1];
    if (last && iv.x0 <= last.x1) last.x1 = Math.max(last.x1, iv.x1);
    else bands.push({ ...iv });
  }
  // where the rows of numbers show more columns than the chunks (headers wrapped into narrow
  // columns, numbers that nearly touch), their glyphs decide
  const glyphBands = numberBands(run);
  if (glyphBands && glyphBands.length > bands.length) bands = glyphBands;
  if (bands.length < 2) return null;
  const bx0 = Math.min(...run.map((l) => l.x0));
  const bx1 = Math.max(...run.map((l) => l.x1));
  const xs = [bx0];
  for (let k = 0; k + 1 < bands.length; k++) xs.push((bands[k].x1 + bands[k + 1].x0) / 2);
  xs.push(bx1);
  const inner = xs.slice(1, -1);
  const cells: LCell[] = [];
  run.forEach((line, r) => {
    const per: TItem[][] = bands.map(() => []);
    for (const it of line.items) {
      for (const part of splitAt(it, inner)) {
        const x = cx(part);
        let c = inner.filter((b) => b <= x).length;
        c = Math.min(c, bands.length - 1);
        per[c].push(part);
      }
    }
    per.forEach((its, c) => {
      const bbox: BBox = its.length ? itemsBox(its) : [xs[c], line.y0, xs[c + 1], line.y1];
      cells.push({ r0: r, c0: c, r1: r + 1, c1: c + 1, text: cellText(its), bbox, page });
    });
  });
  const box = itemsBox(run);
  return { origin: 'pdf-stream', page, bbox: [box[0], box[1], box[2], box[3]], xs, nrows: run.length, cells };
}

// ------------------------------------------------------------------ bands from the rows of numbers

const NUMBER_TOKEN = /^[-+−]?[\d.,]+%?$/;

/** How many numbers end the line (a row of the table body: its labels, then only numbers). */
function trailingNumbers(l: Line): number {
  const tokens = l.text.split(' ');
  let k = tokens.length;
  while (k > 0 && NUMBER_TOKEN.test(tokens[k - 1])) k--;
  return tokens.length - k;
}

/**
 * Column bands from the glyphs of the table's rows of numbers: the x ranges no glyph of those rows
 * covers are the gaps between columns, once the gaps inside a word or number (letter spacing, the
 * same between every two glyphs) are closed. Glyphs, not runs or chunks: a producer's run may hold
 * two cells' numbers, and right-aligned numbers of narrow neighbouring columns may nearly touch.
 * Null without such rows (one will do when it holds four numbers or more).
 */
function numberBands(run: Line[]): { x0: number; x1: number }[] | null {
  const rows = run.filter((l) => trailingNumbers(l) >= 2);
  // one row of numbers is enough where it has many (the 行政复议/诉讼 table has one)
  if (rows.length === 0 || (rows.length === 1 && trailingNumbers(rows[0]) < 4)) return null;
  const glyphs: (GlyphBox & { size: number })[] = [];
  const digitGaps: number[] = [];
  const textGaps: number[] = [];
  for (const l of rows) {
    const gs = l.items.flatMap(glyphBoxes).filter((g) => g.ch.trim()).sort((a, b) => a.x0 - b.x0);
    gs.forEach((g, k) => {
      glyphs.push({ ...g, size: l.size });
      if (k === 0) return;
      const gap = g.x0 - gs[k - 1].x1;
      const digits = /\d/.test(g.ch) && /\d/.test(gs[k - 1].ch);
      if (digits && gap < 0.6 * l.size) digitGaps.push(gap);
      else if (!digits && !/\d/.test(g.ch) && !/\d/.test(gs[k - 1].ch) && gap < 1.0 * l.size) textGaps.push(gap);
    });
  }
  // letter spacing: the usual gap between neighbouring glyphs of one number, of one label
  const digitGap = Math.max(0, digitGaps.length ? median(digitGaps) : 0);
  const textGap = Math.max(0, textGaps.length ? median(textGaps) : 0);
  const tol = 0.4;
  glyphs.sort((a, b) => a.x0 - b.x0);
  const bands: { x0: number; x1: number; digit: boolean }[] = [];
  for (const g of glyphs) {
    const last = bands[bands.length - 1];
    const digit = /\d/.test(g.ch);
    const closes = last ? (last.digit && digit ? digitGap : Math.max(digitGap, textGap)) + tol : 0;
    if (last && g.x0 - last.x1 <= closes) {
      if (g.x1 > last.x1) {
        last.x1 = g.x1;
        last.digit = digit;
      }
    } else bands.push({ x0: g.x0, x1: g.x1, digit });
  }
  return bands.length >= 2 ? bands.map(({ x0, x1 }) => ({ x0, x1 })) : null;
}

// ------------------------------------------------------------------ rows continuing a table

const midX = (its: TItem[]): number => {
  const b = itemsBox(its);
  return (b[0] + b[2]) / 2;
};

const NUMBER = /^[-+]?(\d[\d,]*(\.\d+)?|\.\d+)%?$/;

/** The words of an item (split at spaces, boxes by estimated advance), for runs holding several numbers. */
function words(it: TItem): TItem[] {
  if (!/\s/.test(it.str.trim())) return [it];
  const chars = [...it.str];
  const weights = chars.map((ch) => (/\s/.test(ch) ? 0.3 : 0.55));
  const scale = (it.x1 - it.x0) / weights.reduce((a, b) => a + b, 0);
  const out: TItem[] = [];
  let x = it.x0;
  let cur: TItem | null = null;
  chars.forEach((ch, k) => {
    const w = weights[k] * scale;
    if (/\s/.test(ch)) cur = null;
    else {
      if (!cur) {
        cur = { str: '', x0: x, x1: x, y0: it.y0, y1: it.y1, size: it.size };
        out.push(cur);
      }
      cur.str += ch;
      cur.x1 = x + w;
    }
    x += w;
  });
  return out;
}

/**
 * The numbers of a line made of numbers only (at least two), left to right, each with the items
 * printing it (digits drawn as separate runs join when they touch); null for any other line.
 */
export function numberCells(line: Line): TItem[][] | null {
  const parts = line.items.flatMap(words).sort((a, b) => a.x0 - b.x0);
  const cells: TItem[][] = [];
  for (const p of parts) {
    const last = cells[cells.length - 1];
    const prev = last?.[last.length - 1];
    if (prev && p.x0 - prev.x1 < 0.3 * line.size && NUM_END.test(prev.str) && /^[\d.,%]/.test(p.str)) last.push(p);
    else cells.push([p]);
  }
  if (cells.length < 2) return null;
  for (const c of cells) if (!NUMBER.test(c.map((p) => p.str).join(''))) return null;
  return cells;
}

/**
 * Rows of numbers that continue a borderless table (its last row printed at the top of the next
 * page, alone, so it was not found as a table there) → the table with those rows appended. When
 * the numbers fit the table's columns one to a column, they take those columns; otherwise (the
 * table so far was only its header, whose columns are merged cells) the numbers' own positions
 * add column boundaries, and the table's earlier cells span the columns they cover.
 * Returns null when the lines do not line up with the table.
 */
export function appendNumberRows(t: PTable, lines: Line[], page: number): PTable | null {
  if (t.origin !== 'pdf-stream' || lines.length === 0) return null;
  const rows = lines.map(numberCells);
  if (rows.some((r) => r === null)) return null;
  const left = t.xs[0];
  const right = t.xs[t.xs.length - 1];
  const slack = 25;
  if (lines.some((l) => l.x0 < left - slack || l.x1 > right + slack)) return null;
  const nums = rows as TItem[][][];
  const colOf = (xs: number[], x: number) => Math.min(Math.max(xs.filter((b) => b <= x).length - 1, 0), xs.length - 2);
  // one number per column of the table as it is?
  const fits = nums.every((r) => {
    const cols = r.map((c) => colOf(t.xs, midX(c)));
    return cols.every((c, k) => k === 0 || c > cols[k - 1]);
  });
  let xs = t.xs;
  let map = (c: number) => c;
  if (!fits) {
    // boundaries between the numbers of the longest row, added to the table's own
    const widest = nums.reduce((a, r) => (r.length > a.length ? r : a));
    const boxes = widest.map(itemsBox);
    const added: number[] = [];
    for (let k = 0; k + 1 < boxes.length; k++) added.push((boxes[k][2] + boxes[k + 1][0]) / 2);
    const tol = 3;
    const inner = [...t.xs.slice(1, -1), ...added.filter((b) => t.xs.every((x) => Math.abs(x - b) > tol))].sort((a, b) => a - b);
    xs = [Math.min(left, ...lines.map((l) => l.x0)), ...inner, Math.max(right, ...lines.map((l) => l.x1))];
    const index = new Map(t.xs.map((x, k) => [k, k === 0 ? 0 : k === t.xs.length - 1 ? xs.length - 1 : xs.indexOf(x)]));
    map = (c) => index.get(c)!;
    if (!nums.every((r) => {
      const cols = r.map((c) => colOf(xs, midX(c)));
      return cols.every((c, k) => k === 0 || c > cols[k - 1]);
    })) return null;
  }
  const cells: LCell[] = t.cells.map((c) => ({ ...c, c0: map(c.c0), c1: map(c.c1) }));
  nums.forEach((r, q) => {
    const row = t.nrows + q;
    const line = lines[q];
    const taken = new Map<number, TItem[]>();
    for (const c of r) taken.set(colOf(xs, midX(c)), c);
    for (let c = 0; c + 1 < xs.length; c++) {
      const its = taken.get(c);
      const bbox: BBox = its ? itemsBox(its) : [xs[c], line.y0, xs[c + 1], line.y1];
      cells.push({ r0: row, c0: c, r1: row + 1, c1: c + 1, text: its ? cellText(its) : '', bbox, page });
    }
  });
  return { ...t, xs, nrows: t.nrows + lines.length, cells };
}
