/**
 * Where a page paints images, from its operator list: every image is painted into the unit square
 * of the current transformation matrix, so its box is that square mapped through the CTM.
 *
 * pdf.js normally decodes an image before it lists the paint op; we read with `maxImageSize: 0`
 * (never decode), and the patched worker (pdfjs.ts, IMAGE_PATCH) lists a skipped image as a
 * `paintImageXObject` op with `{ nianbaoSkipped, data: object id, width, height }`, so images
 * cost nothing but are still seen. Unpatched pdf.js ops (decoded images) are read too.
 */
import { type BBox, type Matrix, mulMatrix } from './geom';
import type { OpList } from './rules';

export interface PImage {
  bbox: BBox;
  object?: string;
  width?: number;
  height?: number;
}

/** Images smaller than this (points, either side) are bullets, icons or dots, not content. */
const MIN_SIDE = 12;

export function extractImages(ops: OpList, OPS: Record<string, number>): PImage[] {
  const out: PImage[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const stack: Matrix[] = [];
  const PAINT = new Set([OPS.paintImageXObject, OPS.paintInlineImageXObject, OPS.paintImageMaskXObject, OPS.paintImageXObjectRepeat].filter((x) => x !== undefined));
  for (let i = 0; i < ops.fnArray.length; i++) {
    const fn = ops.fnArray[i];
    const args = ops.argsArray[i] as unknown[] | null;
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore || fn === OPS.paintFormXObjectEnd) ctm = stack.pop() ?? ctm;
    else if (fn === OPS.transform) ctm = mulMatrix(args as unknown as Matrix, ctm);
    else if (fn === OPS.paintFormXObjectBegin) {
      stack.push(ctm);
      const m = args?.[0] as ArrayLike<number> | null;
      if (m && m.length === 6) ctm = mulMatrix(Array.from(m) as Matrix, ctm);
    } else if (PAINT.has(fn)) {
      const xs = [ctm[4], ctm[0] + ctm[4], ctm[2] + ctm[4], ctm[0] + ctm[2] + ctm[4]];
      const ys = [ctm[5], ctm[1] + ctm[5], ctm[3] + ctm[5], ctm[1] + ctm[3] + ctm[5]];
      const bbox: BBox = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      if (bbox[2] - bbox[0] < MIN_SIDE || bbox[3] - bbox[1] < MIN_SIDE) continue;
      const img: PImage = { bbox };
      const a0 = args?.[0] as { data?: unknown; width?: unknown; height?: unknown } | string | undefined;
      if (typeof a0 === 'string') {
        img.object = a0;
        if (typeof args?.[1] === 'number') img.width = args[1] as number;
        if (typeof args?.[2] === 'number') img.height = args[2] as number;
      } else if (a0 && typeof a0 === 'object') {
        if (typeof a0.data === 'string' && a0.data) img.object = a0.data;
        if (typeof a0.width === 'number') img.width = a0.width;
        if (typeof a0.height === 'number') img.height = a0.height;
      }
      out.push(img);
    }
  }
  return out;
}
