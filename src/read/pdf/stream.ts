/**
 * Stream tables (no ruling lines): runs of lines that split into several chunks at wide gaps are a
 * table candidate; column bands come from the alignment of the chunks of the rows with the most
 * common chunk count; every item (not chunk) then goes to the band holding its centre, so a number
 * printed as several runs joins one cell, and runs close enough to look like one chunk still part.
 */
import { type BBox, type TItem, cx, itemsBox } from './geom';
import type { LCell, PTable } from './lattice';
import { type Line, cellText, median, splitAt } from './text';

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
  const bands: { x0: number; x1: number }[] = [];
  for (const iv of ivs) {
    const last = bands[bands.length - 1];
    if (last && iv.x0 <= last.x1) last.x1 = Math.max(last.x1, iv.x1);
    else bands.push({ ...iv });
  }
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
