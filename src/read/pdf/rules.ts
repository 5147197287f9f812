/**
 * Ruling lines from a page's operator list (pdf.js 5.x).
 *
 * In 5.x every path arrives as one `constructPath` op: args = [paintOp, [Float32Array path], minMax],
 * path codes moveTo 0 (x y), lineTo 1 (x y), curveTo 2 (6 numbers), quadraticCurveTo 3 (4), closePath 4.
 * Rectangles are already turned into moveTo/lineTo/closePath. Coordinates are in the user space of
 * the current transformation matrix, which we track through transform/save/restore and form XObjects.
 *
 * Kept as rules: stroked axis-aligned segments and edges of stroked rectangles, and filled rectangles
 * thin enough to be a line (Chrome, Word and WPS draw cell borders that way). Large fills (cell
 * shading, backgrounds), curves, clips (endPath) and white paint are ignored.
 */
import { type Matrix, type Rules, type Seg, mulMatrix } from './geom';

export interface OpList {
  fnArray: number[];
  argsArray: unknown[];
}

type M = Matrix;
const mul = mulMatrix;
const apply = (m: M, x: number, y: number): [number, number] => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];

/** Thickest filled rectangle still taken as a line, in user-space units (points). */
const MAX_THICK = 3;
/** Shortest segment worth keeping. */
const MIN_LEN = 2;

export function extractRules(ops: OpList, OPS: Record<string, number>): Rules {
  const h: Seg[] = [];
  const v: Seg[] = [];
  let ctm: M = [1, 0, 0, 1, 0, 0];
  let lineWidth = 1;
  let strokeWhite = false;
  let fillWhite = false;
  const stack: { ctm: M; lineWidth: number; strokeWhite: boolean; fillWhite: boolean }[] = [];
  const save = () => stack.push({ ctm, lineWidth, strokeWhite, fillWhite });
  const restore = () => {
    const s = stack.pop();
    if (s) ({ ctm, lineWidth, strokeWhite, fillWhite } = s);
  };
  const STROKES = new Set([OPS.stroke, OPS.closeStroke, OPS.fillStroke, OPS.eoFillStroke, OPS.closeFillStroke, OPS.closeEOFillStroke]);
  const FILLS = new Set([OPS.fill, OPS.eoFill, OPS.fillStroke, OPS.eoFillStroke, OPS.closeFillStroke, OPS.closeEOFillStroke]);

  const addSeg = (x0: number, y0: number, x1: number, y1: number, width: number) => {
    const dx = Math.abs(x1 - x0);
    const dy = Math.abs(y1 - y0);
    if (width > MAX_THICK) return;
    if (dy <= 0.5 && dx >= MIN_LEN) h.push({ at: (y0 + y1) / 2, lo: Math.min(x0, x1), hi: Math.max(x0, x1) });
    else if (dx <= 0.5 && dy >= MIN_LEN) v.push({ at: (x0 + x1) / 2, lo: Math.min(y0, y1), hi: Math.max(y0, y1) });
  };

  const n = ops.fnArray.length;
  for (let i = 0; i < n; i++) {
    const fn = ops.fnArray[i];
    const args = ops.argsArray[i] as unknown[] | null;
    switch (fn) {
      case OPS.save:
        save();
        break;
      case OPS.restore:
      case OPS.paintFormXObjectEnd:
        restore();
        break;
      case OPS.transform:
        ctm = mul(args as unknown as M, ctm);
        break;
      case OPS.paintFormXObjectBegin: {
        save();
        const m = args?.[0] as ArrayLike<number> | null;
        if (m && m.length === 6) ctm = mul(Array.from(m) as M, ctm);
        break;
      }
      case OPS.setLineWidth:
        lineWidth = Number(args?.[0]) || 0;
        break;
      case OPS.setStrokeRGBColor:
        strokeWhite = isWhite(args?.[0]);
        break;
      case OPS.setFillRGBColor:
        fillWhite = isWhite(args?.[0]);
        break;
      case OPS.constructPath: {
        const paint = args?.[0] as number;
        if (paint === OPS.endPath) break; // clipping path or no-op
        const stroke = STROKES.has(paint) && !strokeWhite;
        const fill = FILLS.has(paint) && !fillWhite;
        if (!stroke && !fill) break;
        const data = (args?.[1] as ArrayLike<number>[] | undefined)?.[0];
        if (!data) break;
        // line width in user space (scale by the CTM's average axis scale)
        const scale = Math.sqrt(Math.abs(ctm[0] * ctm[3] - ctm[1] * ctm[2])) || 1;
        const lw = Math.max(lineWidth * scale, 0.1);
        for (const sub of subpaths(data)) {
          const pts = sub.points.map(([x, y]) => apply(ctm, x, y));
          if (sub.curved) continue;
          const rect = asRect(pts);
          if (rect && fill) {
            const [x0, y0, x1, y1] = rect;
            const w = x1 - x0;
            const ht = y1 - y0;
            if (ht <= MAX_THICK && w > ht) h.push({ at: (y0 + y1) / 2, lo: x0, hi: x1 });
            else if (w <= MAX_THICK && ht > w) v.push({ at: (x0 + x1) / 2, lo: y0, hi: y1 });
            if (!stroke) continue;
          }
          if (!stroke) continue;
          const closed = sub.closed || (rect !== null);
          for (let k = 0; k + 1 < pts.length; k++) addSeg(pts[k][0], pts[k][1], pts[k + 1][0], pts[k + 1][1], lw);
          if (closed && pts.length > 2) addSeg(pts[pts.length - 1][0], pts[pts.length - 1][1], pts[0][0], pts[0][1], lw);
        }
        break;
      }
      default:
        break;
    }
  }
  return { h, v };
}

function isWhite(c: unknown): boolean {
  if (typeof c === 'string') return /^#?f[a-f0-9]f[a-f0-9]f[a-f0-9]$/i.test(c) && parseInt(c.replace('#', '').slice(0, 2), 16) > 0xf0
    && parseInt(c.replace('#', '').slice(2, 4), 16) > 0xf0 && parseInt(c.replace('#', '').slice(4, 6), 16) > 0xf0;
  return false;
}

interface Sub {
  points: [number, number][];
  closed: boolean;
  curved: boolean;
}

function subpaths(d: ArrayLike<number>): Sub[] {
  const out: Sub[] = [];
  let cur: Sub | null = null;
  let i = 0;
  while (i < d.length) {
    const code = d[i++];
    if (code === 0) {
      cur = { points: [[d[i], d[i + 1]]], closed: false, curved: false };
      out.push(cur);
      i += 2;
    } else if (code === 1) {
      if (!cur) { cur = { points: [], closed: false, curved: false }; out.push(cur); }
      cur.points.push([d[i], d[i + 1]]);
      i += 2;
    } else if (code === 2) {
      if (cur) { cur.curved = true; cur.points.push([d[i + 4], d[i + 5]]); }
      i += 6;
    } else if (code === 3) {
      if (cur) { cur.curved = true; cur.points.push([d[i + 2], d[i + 3]]); }
      i += 4;
    } else if (code === 4) {
      if (cur) cur.closed = true;
    } else break; // unknown code: stop rather than misread
  }
  return out;
}

/** Axis-aligned rectangle (4 or 5 points, or a degenerate 2-point re) → bbox, else null. */
function asRect(p: [number, number][]): [number, number, number, number] | null {
  let pts = p;
  if (pts.length === 5 && Math.abs(pts[0][0] - pts[4][0]) < 0.01 && Math.abs(pts[0][1] - pts[4][1]) < 0.01) pts = pts.slice(0, 4);
  if (pts.length !== 4 && pts.length !== 2) return null;
  const xs = pts.map((q) => q[0]);
  const ys = pts.map((q) => q[1]);
  if (pts.length === 4) {
    // each edge must be horizontal or vertical
    for (let k = 0; k < 4; k++) {
      const a = pts[k];
      const b = pts[(k + 1) % 4];
      if (Math.abs(a[0] - b[0]) > 0.01 && Math.abs(a[1] - b[1]) > 0.01) return null;
    }
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
