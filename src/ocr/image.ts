/**
 * Greyscale page images and the pixel work OCR needs before recognition: conversion from
 * RGBA/RGB, binarisation (Otsu), deskew (projection-profile search), crops and ink boxes.
 * Pure functions over a plain buffer (0 = black ink, 255 = white paper).
 */

export interface Gray {
  width: number;
  height: number;
  data: Uint8Array;
}

export type Box = [number, number, number, number]; // x0, y0, x1, y1 in pixels, y down, end-exclusive

export function fromRgba(data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels = 4): Gray {
  const out = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < out.length; i++, j += channels) {
    if (channels === 1) out[i] = data[j];
    else {
      const a = channels === 4 ? data[j + 3] / 255 : 1;
      // transparent pixels are paper
      const g = (data[j] * 299 + data[j + 1] * 587 + data[j + 2] * 114) / 1000;
      out[i] = Math.round(g * a + 255 * (1 - a));
    }
  }
  return { width, height, data: out };
}

/** Otsu's threshold of the grey levels. */
export function otsu(img: Gray): number {
  const hist = new Array(256).fill(0);
  for (let i = 0; i < img.data.length; i++) hist[img.data[i]]++;
  const total = img.data.length;
  let sum = 0;
  for (let t = 0; t < 256; t++) sum += t * hist[t];
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let at = 128;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > best) {
      best = between;
      at = t;
    }
  }
  return at;
}

/** Ink mask: 1 where the pixel is darker than the threshold. */
export function binarise(img: Gray, threshold = otsu(img)): Uint8Array {
  const m = new Uint8Array(img.data.length);
  for (let i = 0; i < m.length; i++) m[i] = img.data[i] <= threshold ? 1 : 0;
  return m;
}

/**
 * Removes isolated specks: ink pixels with at most one inked neighbour in their 3×3 window
 * (scanner dust). Strokes, rules and dots of punctuation (≥ 2×2 at 110 dpi) survive.
 */
export function despeckle(mask: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(mask);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!mask[i]) continue;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if ((dx || dy) && mask[i + dy * w + dx]) n++;
      if (n <= 1) out[i] = 0;
    }
  }
  return out;
}

/** Rotates a greyscale image by `deg` (counter-clockwise positive) about its centre, bilinear, white fill. */
export function rotate(img: Gray, deg: number): Gray {
  if (Math.abs(deg) < 1e-3) return img;
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h).fill(255);
  const a = (deg * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // inverse map: destination → source
      const dx = x - cx;
      const dy = y - cy;
      const sx = cos * dx - sin * dy + cx;
      const sy = sin * dx + cos * dy + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= w || y0 + 1 >= h) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const i = y0 * w + x0;
      const v = data[i] * (1 - fx) * (1 - fy) + data[i + 1] * fx * (1 - fy) + data[i + w] * (1 - fx) * fy + data[i + w + 1] * fx * fy;
      out[y * w + x] = v;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * The skew angle (degrees, within ±maxDeg) that makes the rows of ink sharpest: the variance of the
 * horizontal projection of a subsample of ink pixels is largest when text lines and rules are level.
 */
export function estimateSkew(mask: Uint8Array, w: number, h: number, maxDeg = 3): number {
  const pts: number[] = [];
  // every row (a row grid would favour 0° by aliasing), every step-th column
  const step = Math.max(1, Math.floor((w * h) / 1_000_000));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x += step) if (mask[y * w + x]) pts.push(x, y);
  if (pts.length < 200) return 0;
  const score = (deg: number): number => {
    const a = (deg * Math.PI) / 180;
    const t = Math.tan(a);
    const bins = new Float64Array(h + w);
    const off = w;
    for (let i = 0; i < pts.length; i += 2) {
      const yy = Math.round(pts[i + 1] - pts[i] * t) + off;
      if (yy >= 0 && yy < bins.length) bins[yy]++;
    }
    let s = 0;
    for (let i = 1; i < bins.length; i++) { const d = bins[i] - bins[i - 1]; s += d * d; }
    return s;
  };
  let best = 0;
  let bestScore = -1;
  for (let d = -maxDeg; d <= maxDeg + 1e-9; d += 0.25) {
    const s = score(d);
    if (s > bestScore) { bestScore = s; best = d; }
  }
  for (let d = best - 0.25; d <= best + 0.25 + 1e-9; d += 0.05) {
    const s = score(d);
    if (s > bestScore) { bestScore = s; best = d; }
  }
  return Math.round(best * 100) / 100;
}

/** Bounding box of ink inside `box`, or null when it holds (almost) none. */
export function inkBox(mask: Uint8Array, w: number, box: Box, minPixels = 3): Box | null {
  const [x0, y0, x1, y1] = box;
  let bx0 = Infinity, by0 = Infinity, bx1 = -1, by1 = -1, n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      if (!mask[y * w + x]) continue;
      n++;
      if (x < bx0) bx0 = x;
      if (x > bx1) bx1 = x;
      if (y < by0) by0 = y;
      if (y > by1) by1 = y;
    }
  }
  if (n < minPixels) return null;
  return [bx0, by0, bx1 + 1, by1 + 1];
}

/** Rows (or columns) of `box` holding ink: a profile for line and gap finding. */
export function profile(mask: Uint8Array, w: number, box: Box, axis: 'rows' | 'cols'): Int32Array {
  const [x0, y0, x1, y1] = box;
  const out = new Int32Array(axis === 'rows' ? y1 - y0 : x1 - x0);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      if (mask[y * w + x]) out[axis === 'rows' ? y - y0 : x - x0]++;
    }
  }
  return out;
}

/** Runs of indices where `p` is above `min`, merged over gaps shorter than `gap`. */
export function runs(p: ArrayLike<number>, min: number, gap: number): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  let lastOn = -1;
  for (let i = 0; i <= p.length; i++) {
    const on = i < p.length && p[i] > min;
    if (on) {
      if (start < 0) start = i;
      else if (i - lastOn > gap) {
        out.push([start, lastOn + 1]);
        start = i;
      }
      lastOn = i;
    }
  }
  if (start >= 0) out.push([start, lastOn + 1]);
  return out;
}

/** A copy of the pixels of `box` (clamped to the image) with `pad` pixels of white around. */
export function crop(img: Gray, box: Box, pad = 0): Gray {
  const x0 = Math.max(0, box[0]);
  const y0 = Math.max(0, box[1]);
  const x1 = Math.min(img.width, box[2]);
  const y1 = Math.min(img.height, box[3]);
  const w = Math.max(1, x1 - x0) + 2 * pad;
  const h = Math.max(1, y1 - y0) + 2 * pad;
  const data = new Uint8Array(w * h).fill(255);
  for (let y = y0; y < y1; y++) {
    data.set(img.data.subarray(y * img.width + x0, y * img.width + x1), (y - y0 + pad) * w + pad);
  }
  return { width: w, height: h, data };
}

/** Removes ink of `mask` from `img` (paints it white): used to lift table rules out of cell crops. */
export function erase(img: Gray, mask: Uint8Array): Gray {
  const data = new Uint8Array(img.data);
  for (let i = 0; i < data.length; i++) if (mask[i]) data[i] = 255;
  return { width: img.width, height: img.height, data };
}
