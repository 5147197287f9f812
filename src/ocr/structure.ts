/**
 * Layout of a page image, the way the PDF reader does it from vector paths: the ink mask gives
 * horizontal and vertical ruling lines (long straight runs of ink), which go through the PDF
 * lattice code (src/read/pdf/lattice) to become the cell grid with its merged cells. Ink outside the
 * tables is cut into text lines (row profile) and line pieces (column gaps, so that the borderless
 * table finder sees separate column items, as it does for PDF text).
 *
 * Coordinates: pixels (y down) inside this module; the mapping to PDF user space is `Placement`.
 */
import type { BBox, Rules, Seg } from '../read/pdf/geom';
import { type Box, inkBox, profile, runs } from './image';

/** Where an image sits on its page: pixel (0,0)…(width,height) maps onto `bbox` (PDF units, y up). */
export interface Placement {
  page: number;
  bbox: BBox;
  width: number;
  height: number;
}

export const sx = (pl: Placement) => (pl.bbox[2] - pl.bbox[0]) / pl.width;
export const sy = (pl: Placement) => (pl.bbox[3] - pl.bbox[1]) / pl.height;

/** Pixel box → PDF box. */
export function toPdf(pl: Placement, b: Box): BBox {
  const kx = sx(pl);
  const ky = sy(pl);
  return [pl.bbox[0] + b[0] * kx, pl.bbox[3] - b[3] * ky, pl.bbox[0] + b[2] * kx, pl.bbox[3] - b[1] * ky];
}

/** PDF box → pixel box (rounded outwards). */
export function toPixels(pl: Placement, b: BBox): Box {
  const kx = sx(pl);
  const ky = sy(pl);
  return [
    Math.max(0, Math.floor((b[0] - pl.bbox[0]) / kx)),
    Math.max(0, Math.floor((pl.bbox[3] - b[3]) / ky)),
    Math.min(pl.width, Math.ceil((b[2] - pl.bbox[0]) / kx)),
    Math.min(pl.height, Math.ceil((pl.bbox[3] - b[1]) / ky)),
  ];
}

/**
 * Ruling lines of the ink mask, as PDF segments (one per pixel row/column run; the lattice code
 * merges the runs of a thick line). A run counts as a rule when it is long enough with breaks of at
 * most `gap` pixels (1-bit scans break thin lines): vertical rules longer than any stroke of a
 * character and shorter than the shortest table row; horizontal ones longer than the strokes of
 * two neighbouring characters bridged over the break (一二 side by side), shorter than the narrowest column.
 */
export interface RuleSizes {
  /** Shortest horizontal and vertical rule, pixels. */
  minH: number;
  minV: number;
  /** Longest break bridged inside a rule (thin rules break up in 1-bit scans), pixels. */
  gap: number;
  /** Pixels around a rule that belong to it. */
  fringe: number;
}

export function findRules(mask: Uint8Array, w: number, h: number, pl: Placement, size: RuleSizes): Rules & { pixels: Uint8Array } {
  const hs: Seg[] = [];
  // the rules' own pixels, `d` pixels wider each side (the grey fringe and JPEG ringing of a scan,
  // the blots where rules cross): text is read without them
  const pixels = new Uint8Array(mask.length);
  const d = size.fringe;
  const markH = (y: number, lo: number, hi: number) => {
    for (let yy = Math.max(0, y - d); yy <= Math.min(h - 1, y + d); yy++) pixels.fill(1, yy * w + Math.max(0, lo - d), yy * w + Math.min(w, hi + d));
  };
  const markV = (x: number, lo: number, hi: number) => {
    for (let y = Math.max(0, lo - d); y < Math.min(h, hi + d); y++) for (let xx = Math.max(0, x - d); xx <= Math.min(w - 1, x + d); xx++) pixels[y * w + xx] = 1;
  };
  const vs: Seg[] = [];
  const kx = sx(pl);
  const ky = sy(pl);
  const { gap } = size;
  const scan = (n: number, len: number, minLen: number, at: (i: number, k: number) => number, push: (i: number, lo: number, hi: number) => void) => {
    for (let i = 0; i < n; i++) {
      let start = -1;
      let last = -1;
      for (let k = 0; k <= len; k++) {
        const on = k < len && at(i, k) === 1;
        if (on) {
          if (start < 0) start = k;
          else if (k - last > gap + 1) {
            if (last + 1 - start >= minLen) push(i, start, last + 1);
            start = k;
          }
          last = k;
        }
      }
      if (start >= 0 && last + 1 - start >= minLen) push(i, start, last + 1);
    }
  };
  scan(h, w, size.minH, (y, x) => mask[y * w + x], (y, lo, hi) => {
    markH(y, lo, hi);
    hs.push({ at: pl.bbox[3] - (y + 0.5) * ky, lo: pl.bbox[0] + lo * kx, hi: pl.bbox[0] + hi * kx });
  });
  scan(w, h, size.minV, (x, y) => mask[y * w + x], (x, lo, hi) => {
    // vertical: PDF y grows upwards, so the pixel run's end is the segment's low end
    markV(x, lo, hi);
    vs.push({ at: pl.bbox[0] + (x + 0.5) * kx, lo: pl.bbox[3] - hi * ky, hi: pl.bbox[3] - lo * ky });
  });
  return { h: hs, v: vs, pixels };
}

/**
 * The ink of a cell crop without what is left of its border rules: rows or columns at the edge of
 * the crop that are mostly ink are a rule (or its remains after deskew), not text.
 */
export function cellInk(mask: Uint8Array, w: number, box: Box): Box | null {
  let [x0, y0, x1, y1] = box;
  if (x1 - x0 < 3 || y1 - y0 < 3) return null;
  const rows = profile(mask, w, [x0, y0, x1, y1], 'rows');
  const cw = x1 - x0;
  let a = 0;
  let b = rows.length;
  const edge = Math.max(3, Math.round(0.25 * rows.length));
  while (a < Math.min(edge, b) && rows[a] > 0.5 * cw) a++;
  while (b > Math.max(rows.length - edge, a) && rows[b - 1] > 0.5 * cw) b--;
  y0 += a;
  y1 = y0 + (b - a);
  const cols = profile(mask, w, [x0, y0, x1, y1], 'cols');
  const ch = y1 - y0;
  let l = 0;
  let r = cols.length;
  const edgeC = Math.max(3, Math.round(0.25 * cols.length));
  while (l < Math.min(edgeC, r) && cols[l] > 0.5 * ch) l++;
  while (r > Math.max(cols.length - edgeC, l) && cols[r - 1] > 0.5 * ch) r--;
  x1 = x0 + r;
  x0 += l;
  return inkBox(mask, w, [x0, y0, x1, y1], 1);
}

/**
 * Text lines inside `box`: bands of rows holding ink, split where the gap is at least `minGap`
 * pixels. Bands thinner than `minHeight` (specks, underline remains) are dropped.
 */
export function textLines(mask: Uint8Array, w: number, box: Box, minHeight: number, minGap = 1): Box[] {
  const rows = profile(mask, w, box, 'rows');
  const out: Box[] = [];
  for (const [a, b] of runs(rows, 0, minGap)) {
    if (b - a < minHeight) continue;
    const line = inkBox(mask, w, [box[0], box[1] + a, box[2], box[1] + b], 1);
    if (line) out.push(line);
  }
  return out;
}

/** Pieces of a text line separated by column gaps wider than `gap` pixels. */
export function linePieces(mask: Uint8Array, w: number, line: Box, gap: number): Box[] {
  const cols = profile(mask, w, line, 'cols');
  const out: Box[] = [];
  for (const [a, b] of runs(cols, 0, gap)) {
    const piece = inkBox(mask, w, [line[0] + a, line[1], line[0] + b, line[3]], 1);
    if (piece) out.push(piece);
  }
  return out;
}

/** Removes connected groups of ink smaller than `minArea` pixels (speckles, dust). */
export function removeSpecks(mask: Uint8Array, w: number, h: number, minArea: number): Uint8Array {
  const out = new Uint8Array(mask);
  const seen = new Uint8Array(mask.length);
  const stack: number[] = [];
  const comp: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!out[i] || seen[i]) continue;
    comp.length = 0;
    stack.push(i);
    seen[i] = 1;
    while (stack.length) {
      const j = stack.pop()!;
      comp.push(j);
      const x = j % w;
      const y = (j - x) / w;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const k = yy * w + xx;
          if (out[k] && !seen[k]) { seen[k] = 1; stack.push(k); }
        }
      }
    }
    if (comp.length < minArea) for (const j of comp) out[j] = 0;
  }
  return out;
}
