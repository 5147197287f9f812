/** Geometry shared by the PDF reader. All coordinates are PDF user space: origin bottom-left, y up. */

export type BBox = [number, number, number, number]; // x0, y0, x1, y1

/** One run of text from pdf.js, with its box. */
export interface TItem {
  str: string;
  x0: number;
  x1: number;
  /** Bottom and top of the glyph box (baseline - descent, baseline + ascent). */
  y0: number;
  y1: number;
  /** Font size (user-space units). */
  size: number;
  /** Where each character (UTF-16 unit) of str starts and ends (x0, x1 pairs), when measured from its glyphs. */
  gx?: number[];
}

/** A horizontal (y fixed) or vertical (x fixed) ruling segment. */
export interface Seg {
  /** The fixed coordinate: y for horizontal, x for vertical. */
  at: number;
  /** Extent along the line. */
  lo: number;
  hi: number;
}

export interface Rules {
  h: Seg[];
  v: Seg[];
}

export const cx = (i: { x0: number; x1: number }): number => (i.x0 + i.x1) / 2;
export const cy = (i: { y0: number; y1: number }): number => (i.y0 + i.y1) / 2;

export function union(a: BBox, b: BBox): BBox {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

export function itemsBox(items: { x0: number; y0: number; x1: number; y1: number }[]): BBox {
  let b: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const i of items) b = union(b, [i.x0, i.y0, i.x1, i.y1]);
  return b;
}

export const round = (b: BBox): BBox => b.map((v) => Math.round(v * 100) / 100) as BBox;

/** Cluster sorted numbers: values closer than tol to the running cluster mean join it. Returns cluster means. */
export function cluster(values: number[], tol: number): number[] {
  const s = [...values].sort((a, b) => a - b);
  const out: number[] = [];
  let sum = 0;
  let n = 0;
  for (const v of s) {
    if (n > 0 && v - sum / n > tol) {
      out.push(sum / n);
      sum = 0;
      n = 0;
    }
    sum += v;
    n++;
  }
  if (n > 0) out.push(sum / n);
  return out;
}

/** A PDF matrix [a b c d e f]. */
export type Matrix = [number, number, number, number, number, number];

/** m then n (row vectors, as PDF concatenates matrices: CTM' = m × CTM). */
export const mulMatrix = (m: ArrayLike<number>, n: ArrayLike<number>): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
];
