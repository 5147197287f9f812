/**
 * PDF pages → greyscale images for OCR, with pdf.js's own renderer on @napi-rs/canvas (pdf.js's
 * optional dependency, installed with it). pdf.js decodes every image filter a scanner writes
 * (DCT, JBIG2, CCITT, Flate, JPX) and places the images by their page transform, so the OCR sees
 * the page as printed, whatever the producer packed into it.
 *
 * One page at a time: the caller renders, reads and drops each page before the next, so memory
 * stays bounded by one page image (A4 at 200 dpi: 3.9 Mpx, 4 MB grey + 16 MB RGBA while drawing).
 */
import { loadPdfjs, pdfjsOptions } from '../read/pdf/pdfjs';
import { fromRgba, type Gray } from './image';
import { type Matrix, mulMatrix } from '../read/pdf/geom';

/** Resolution pages are rendered at for OCR: scans of 110–300 dpi are resampled to it. */
export const OCR_DPI = 200;

interface Pooled { canvas: CanvasLike; context: unknown }

/**
 * pdf.js's canvas factory, pooling the scratch canvases it makes to draw images (one or more per
 * page; dropped canvases keep their native pixels until a GC that rarely comes): a released canvas
 * is reused for the next request.
 */
class PooledCanvasFactory {
  private readonly pool: Pooled[] = [];
  constructor(_opts?: unknown) {}
  create(width: number, height: number): Pooled {
    if (width <= 0 || height <= 0) throw new Error('Invalid canvas size');
    const got = this.pool.pop();
    if (got) {
      got.canvas.width = width;
      got.canvas.height = height;
      return got;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createCanvas: make } = require('@napi-rs/canvas') as { createCanvas(w: number, h: number): CanvasLike & { getContext(k: string, o?: unknown): unknown } };
    const canvas = make(width, height);
    return { canvas, context: canvas.getContext('2d', { willReadFrequently: true }) };
  }
  reset(c: Pooled, width: number, height: number): void {
    c.canvas.width = width;
    c.canvas.height = height;
  }
  destroy(c: Pooled): void {
    c.canvas.width = 1;
    c.canvas.height = 1;
    if (this.pool.length < 8) this.pool.push(c);
  }
}

/** getDocument options for rendering (images decoded, glyphs drawn as paths). */
export function renderOptions(): Record<string, unknown> {
  return {
    ...pdfjsOptions(),
    CanvasFactory: PooledCanvasFactory,
    maxImageSize: -1,
    disableFontFace: true,
    ownerDocument: undefined,
  };
}

interface RenderablePage {
  view: number[];
  getViewport(o: { scale: number }): { width: number; height: number };
  render(o: Record<string, unknown>): { promise: Promise<void> };
  cleanup(): void;
}

interface CanvasLike {
  getContext(kind: '2d'): { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
  width: number;
  height: number;
}

/**
 * One canvas per process, resized as needed: @napi-rs/canvas frees a canvas's pixels only when the
 * GC finalises it, which a small JS heap rarely does (a 40-page scan grew to 2.3 GB with a canvas
 * per page; reused, it stays flat).
 */
let shared: CanvasLike | undefined;
function createCanvas(w: number, h: number): CanvasLike {
  if (!shared) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createCanvas: make } = require('@napi-rs/canvas') as { createCanvas(w: number, h: number): CanvasLike };
    shared = make(w, h);
  } else if (shared.width !== w || shared.height !== h) {
    shared.width = w;
    shared.height = h;
  }
  return shared;
}

/** Renders one page at `dpi`. Returns the image and the scale (pixels per PDF unit). */
export async function renderPage(page: RenderablePage, dpi = OCR_DPI): Promise<{ image: Gray; scale: number }> {
  const scale = dpi / 72;
  const vp = page.getViewport({ scale });
  const w = Math.max(1, Math.round(vp.width));
  const h = Math.max(1, Math.round(vp.height));
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, w, h);
  await page.render({ canvasContext: ctx, canvas, viewport: vp, annotationMode: 0 }).promise;
  const rgba = ctx.getImageData(0, 0, w, h).data;
  return { image: fromRgba(rgba, w, h, 4), scale };
}

/** Opens PDF bytes for rendering (a second pdf.js document: the text reader's skips images). */
export async function openForRender(bytes: Uint8Array) {
  const lib = await loadPdfjs();
  return lib.getDocument({ ...renderOptions(), data: new Uint8Array(bytes) });
}

interface ImagePage {
  view: number[];
  objs: { get(id: string, cb: (v: unknown) => void): void };
  getOperatorList(o?: Record<string, unknown>): Promise<{ fnArray: number[]; argsArray: unknown[][] }>;
}

interface PdfImage { width: number; height: number; kind?: number; data?: Uint8Array | Uint8ClampedArray }

/**
 * The page's one scanned image, taken from the operator list without drawing: decoded by pdf.js,
 * converted to grey and resampled to `dpi` over the box it is placed in. Null when the page is not a
 * single upright image with raw pixel data (then the caller renders the page instead).
 * Drawing costs memory for nothing here: @napi-rs/canvas keeps ~23 MB a page that no GC returns
 * (a 40-page scan grew past 1 GB rendered; read this way it stays at one page).
 */
export async function pageImage(page: ImagePage, OPS: Record<string, number>, dpi = OCR_DPI): Promise<{ image: Gray; bbox: [number, number, number, number] } | null> {
  const ops = await page.getOperatorList({ annotationMode: 0 });
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const stack: Matrix[] = [];
  const found: { id: string; ctm: Matrix }[] = [];
  for (let i = 0; i < ops.fnArray.length; i++) {
    const fn = ops.fnArray[i];
    const args = ops.argsArray[i];
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() ?? ctm;
    else if (fn === OPS.transform) ctm = mulMatrix(args as unknown as Matrix, ctm);
    else if (fn === OPS.paintImageXObject) found.push({ id: String(args[0]), ctm });
    else if (fn === OPS.paintInlineImageXObject || fn === OPS.paintImageMaskXObject || fn === OPS.paintFormXObjectBegin || fn === OPS.paintImageXObjectRepeat) return null;
  }
  if (found.length !== 1) return null;
  const [a, b, c, d, e, f] = found[0].ctm;
  if (Math.abs(b) > 1e-6 || Math.abs(c) > 1e-6 || a <= 0 || d === 0) return null;
  const img = await new Promise<PdfImage>((resolve) => page.objs.get(found[0].id, (v) => resolve(v as PdfImage)));
  if (!img?.data || !img.width || !img.height) return null;
  const src = toGray(img);
  if (!src) return null;
  // image space: row 0 is the top when d > 0 (the unit square's y = 1 edge)
  const bbox: [number, number, number, number] = [e, Math.min(f, f + d), e + a, Math.max(f, f + d)];
  const w = Math.max(1, Math.round(((bbox[2] - bbox[0]) / 72) * dpi));
  const h = Math.max(1, Math.round(((bbox[3] - bbox[1]) / 72) * dpi));
  return { image: resample(d > 0 ? src : flip(src), w, h), bbox };
}

function toGray(img: PdfImage): Gray | null {
  const { width, height, kind } = img;
  const data = img.data!;
  if (kind === 1) {
    const row = (width + 7) >> 3;
    const out = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = (data[y * row + (x >> 3)] >> (7 - (x & 7))) & 1 ? 255 : 0;
    return { width, height, data: out };
  }
  if (kind === 2 && data.length >= width * height * 3) return fromRgba(data, width, height, 3);
  if (kind === 3 && data.length >= width * height * 4) return fromRgba(data, width, height, 4);
  return null;
}

function flip(g: Gray): Gray {
  const out = new Uint8Array(g.data.length);
  for (let y = 0; y < g.height; y++) out.set(g.data.subarray(y * g.width, (y + 1) * g.width), (g.height - 1 - y) * g.width);
  return { width: g.width, height: g.height, data: out };
}

/** Resampling: area-averaged when shrinking (bilinear would skip the pixels of thin strokes and rules of a 300-dpi 1-bit scan), bilinear when enlarging. */
export function resample(g: Gray, w: number, h: number): Gray {
  if (w === g.width && h === g.height) return g;
  const out = new Uint8Array(w * h);
  const sx = g.width / w;
  const sy = g.height / h;
  const d = g.data;
  const W = g.width;
  if (sx > 1.01 || sy > 1.01) {
    for (let y = 0; y < h; y++) {
      const y0 = Math.floor(y * sy);
      const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
      for (let x = 0; x < w; x++) {
        const x0 = Math.floor(x * sx);
        const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
        let sum = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += d[yy * W + xx];
        out[y * w + x] = sum / ((y1 - y0) * (x1 - x0));
      }
    }
    return { width: w, height: h, data: out };
  }
  for (let y = 0; y < h; y++) {
    const fy = Math.min(g.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(g.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(W - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(W - 1, x0 + 1);
      const wx = fx - x0;
      out[y * w + x] = (d[y0 * W + x0] * (1 - wx) + d[y0 * W + x1] * wx) * (1 - wy) + (d[y1 * W + x0] * (1 - wx) + d[y1 * W + x1] * wx) * wy;
    }
  }
  return { width: w, height: h, data: out };
}
