/**
 * Lattice tables (Camelot's lattice idea, on vector rules instead of a rendered image):
 * ruling segments → connected groups of crossing lines → the grid of every distinct line position →
 * fine cells → merged cells where a separating line is missing → text items placed in the cell
 * whose box holds their centre (items running over a cell line are split first).
 */
import { type BBox, type Rules, type Seg, type TItem, cluster, cx, cy } from './geom';
import { cellText, splitAt } from './text';

/** A logical cell of a recovered table: rows r0..r1-1, columns c0..c1-1 of the table's grid. */
export interface LCell {
  r0: number;
  c0: number;
  r1: number;
  c1: number;
  text: string;
  bbox: BBox;
  page: number;
}

/** A table as recovered on one page (or joined over pages). */
export interface PTable {
  origin: 'pdf-lattice' | 'pdf-stream';
  page: number;
  bbox: BBox;
  /** Column boundaries, left to right (ncols + 1 values). */
  xs: number[];
  nrows: number;
  cells: LCell[];
}

/** Tolerance for line positions and joins, in points. */
const TOL = 2;
/** Two boundaries closer than this are one (double borders, rounding). */
const MIN_GAP = 4;

/** Merge collinear overlapping/touching segments. */
export function mergeSegs(segs: Seg[]): Seg[] {
  const s = [...segs].sort((a, b) => a.at - b.at || a.lo - b.lo);
  const out: Seg[] = [];
  // group by position (cluster), then merge intervals within each group
  let group: Seg[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const at = group.reduce((a, g) => a + g.at, 0) / group.length;
    const iv = group.sort((a, b) => a.lo - b.lo);
    let cur: Seg = { at, lo: iv[0].lo, hi: iv[0].hi };
    for (const g of iv.slice(1)) {
      if (g.lo <= cur.hi + TOL) cur.hi = Math.max(cur.hi, g.hi);
      else {
        out.push(cur);
        cur = { at, lo: g.lo, hi: g.hi };
      }
    }
    out.push(cur);
    group = [];
  };
  for (const g of s) {
    if (group.length && g.at - group[0].at > TOL) flush();
    group.push(g);
  }
  flush();
  return out;
}

interface Grid {
  xs: number[];
  ys: number[]; // top to bottom (descending)
  h: Seg[];
  v: Seg[];
  bbox: BBox;
}

/** Connected groups of crossing/touching horizontal and vertical rules, each a table candidate. */
export function findGrids(rules: Rules): Grid[] {
  const h = mergeSegs(rules.h);
  const v = mergeSegs(rules.v);
  const n = h.length + v.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const tol = TOL + 1;
  for (let i = 0; i < h.length; i++) {
    for (let j = 0; j < v.length; j++) {
      const a = h[i];
      const b = v[j];
      if (b.at >= a.lo - tol && b.at <= a.hi + tol && a.at >= b.lo - tol && a.at <= b.hi + tol) {
        parent[find(i)] = find(h.length + j);
      }
    }
  }
  const groups = new Map<number, { h: Seg[]; v: Seg[] }>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!groups.has(r)) groups.set(r, { h: [], v: [] });
    if (i < h.length) groups.get(r)!.h.push(h[i]);
    else groups.get(r)!.v.push(v[i - h.length]);
  }
  const out: Grid[] = [];
  for (const g of groups.values()) {
    if (g.h.length < 2 || g.v.length < 2) continue;
    const xsAt = g.v.map((s) => s.at);
    const ysAt = g.h.map((s) => s.at);
    // open edges: a row cut by a page break often lacks its top (or bottom) rule, but the column
    // rules still run up to it; likewise rows may lack a side rule. The far ends of the crossing
    // rules then close the grid.
    const hiV = Math.max(...g.v.map((s) => s.hi));
    const loV = Math.min(...g.v.map((s) => s.lo));
    const hiH = Math.max(...g.h.map((s) => s.hi));
    const loH = Math.min(...g.h.map((s) => s.lo));
    if (hiV > Math.max(...ysAt) + MIN_GAP) ysAt.push(hiV);
    if (loV < Math.min(...ysAt) - MIN_GAP) ysAt.push(loV);
    if (hiH > Math.max(...xsAt) + MIN_GAP) xsAt.push(hiH);
    if (loH < Math.min(...xsAt) - MIN_GAP) xsAt.push(loH);
    const xs = dedupe(cluster(xsAt, TOL));
    const ys = dedupe(cluster(ysAt, TOL)).reverse();
    if (xs.length < 2 || ys.length < 2) continue;
    const bbox: BBox = [xs[0], ys[ys.length - 1], xs[xs.length - 1], ys[0]];
    if (bbox[2] - bbox[0] < 10 || bbox[3] - bbox[1] < 5) continue;
    out.push({ xs, ys, h: g.h, v: g.v, bbox });
  }
  return out;
}

function dedupe(sorted: number[]): number[] {
  const out: number[] = [];
  for (const x of sorted) if (out.length === 0 || x - out[out.length - 1] >= MIN_GAP) out.push(x);
  return out;
}

/** Length of [lo, hi] covered by segments at position `at`. */
function covered(segs: Seg[], at: number, lo: number, hi: number): number {
  const parts: [number, number][] = [];
  for (const s of segs) {
    if (Math.abs(s.at - at) > TOL + 0.5) continue;
    const a = Math.max(lo, s.lo);
    const b = Math.min(hi, s.hi);
    if (b > a) parts.push([a, b]);
  }
  parts.sort((p, q) => p[0] - q[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of parts) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/**
 * Build the table of one grid: merged cells from missing separators, then text.
 * Returns the table and the items it consumed.
 */
export function buildLattice(grid: Grid, items: TItem[], page: number): { table: PTable; used: Set<TItem> } | null {
  const { xs, ys } = grid;
  const R = ys.length - 1;
  const C = xs.length - 1;
  // union-find over fine cells
  const id = (r: number, c: number) => r * C + c;
  const parent = Array.from({ length: R * C }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const join = (a: number, b: number) => { parent[find(a)] = find(b); };
  for (let r = 0; r < R; r++) {
    const top = ys[r];
    const bot = ys[r + 1];
    for (let c = 0; c + 1 < C; c++) {
      // vertical separator at xs[c+1] over this row?
      if (covered(grid.v, xs[c + 1], bot, top) < 0.5 * (top - bot)) join(id(r, c), id(r, c + 1));
    }
  }
  for (let c = 0; c < C; c++) {
    for (let r = 0; r + 1 < R; r++) {
      if (covered(grid.h, ys[r + 1], xs[c], xs[c + 1]) < 0.5 * (xs[c + 1] - xs[c])) join(id(r, c), id(r + 1, c));
    }
  }
  // regions → rectangles; a non-rectangular region takes its bounding rectangle
  const regions = new Map<number, { r0: number; c0: number; r1: number; c1: number }>();
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const k = find(id(r, c));
      const g = regions.get(k);
      if (!g) regions.set(k, { r0: r, c0: c, r1: r + 1, c1: c + 1 });
      else {
        g.r0 = Math.min(g.r0, r); g.c0 = Math.min(g.c0, c);
        g.r1 = Math.max(g.r1, r + 1); g.c1 = Math.max(g.c1, c + 1);
      }
    }
  }
  // resolve overlaps from non-rectangular regions: first come (top-left) keeps a slot
  const owner: number[][] = Array.from({ length: R }, () => new Array(C).fill(-1));
  const rects = [...regions.values()].sort((a, b) => a.r0 - b.r0 || a.c0 - b.c0);
  const kept: typeof rects = [];
  for (const g of rects) {
    if (owner[g.r0][g.c0] !== -1) continue;
    const k = kept.length;
    kept.push(g);
    for (let r = g.r0; r < g.r1; r++) for (let c = g.c0; c < g.c1; c++) if (owner[r][c] === -1) owner[r][c] = k;
  }
  // place text: split runs over column lines, then by centre
  const [bx0, by0, bx1, by1] = grid.bbox;
  const inner = xs.slice(1, -1);
  const cellItems: TItem[][] = kept.map(() => []);
  const used = new Set<TItem>();
  for (const it of items) {
    const mx = cx(it);
    const my = cy(it);
    if (mx < bx0 - 1 || mx > bx1 + 1 || my < by0 - 1 || my > by1 + 1) continue;
    used.add(it);
    for (const part of splitAt(it, inner)) {
      const c = locate(xs, cx(part), false);
      const r = locate(ys, cy(part), true);
      const k = owner[r]?.[c];
      if (k !== undefined && k >= 0) cellItems[k].push(part);
    }
  }
  const cells: LCell[] = kept.map((g, k) => ({
    ...g,
    text: cellText(cellItems[k], xs[g.c1] - xs[g.c0]),
    bbox: [xs[g.c0], ys[g.r1], xs[g.c1], ys[g.r0]] as BBox,
    page,
  }));
  // a frame around text (one cell) is not a table
  if (C < 2) return null;
  return { table: { origin: 'pdf-lattice', page, bbox: grid.bbox, xs, nrows: R, cells }, used };
}

/** Index of the interval of `bounds` holding v (clamped). Descending bounds for rows. */
function locate(bounds: number[], v: number, desc: boolean): number {
  const n = bounds.length - 1;
  for (let i = 0; i < n; i++) {
    const a = bounds[i];
    const b = bounds[i + 1];
    if (desc ? v <= a && v >= b : v >= a && v <= b) return i;
  }
  if (desc) return v > bounds[0] ? 0 : n - 1;
  return v < bounds[0] ? 0 : n - 1;
}
