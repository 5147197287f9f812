/** Text items from pdf.js → boxes, lines, and joined cell text. */
import { type TItem, type BBox, cx, itemsBox } from './geom';

/** The parts of a pdf.js TextItem we use. */
export interface RawTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
}

const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/;
export const isCjk = (ch: string): boolean => CJK.test(ch);

/**
 * Normalise what fonts print: Kangxi radicals and CJK radical supplements (some fonts map 一 to ⼀),
 * zero-width characters, no-break and ideographic spaces. Full-width punctuation and digits are kept
 * as printed (the core normalises numbers).
 */
export function normalizeText(s: string): string {
  return s
    .replace(/[\u2e80-\u2ef3\u2f00-\u2fd5]/g, (c) => c.normalize('NFKC'))
    .replace(/[\u200b-\u200d\u2060\ufeff\u00ad]/g, '')
    .replace(/[\u00a0\u2002-\u200a\u3000]/g, ' ');
}

/** Turn pdf.js text items into boxes (drops empty ones). Rotated text keeps its axis-aligned extent. */
export function toItems(raw: RawTextItem[]): TItem[] {
  const out: TItem[] = [];
  for (const r of raw) {
    if (typeof r.str !== 'string') continue;
    const str = normalizeText(r.str);
    if (!str.trim()) continue;
    const [a, b, c, d, e, f] = r.transform;
    const size = Math.hypot(c, d) || Math.hypot(a, b) || r.height || 1;
    if (Math.abs(b) > Math.abs(a) * 0.5) {
      // rotated or vertical run: direction along (a, b)
      const len = r.width;
      const ux = a / (Math.hypot(a, b) || 1);
      const uy = b / (Math.hypot(a, b) || 1);
      const xs = [e, e + ux * len, e - uy * size, e + ux * len - uy * size];
      const ys = [f, f + uy * len, f + ux * size, f + uy * len + ux * size];
      out.push({ str, x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys), size });
      continue;
    }
    const w = r.width > 0 ? r.width : size * str.length * 0.6;
    const flip = d < 0 ? -1 : 1; // mirrored text matrices
    out.push({ str, x0: Math.min(e, e + w), x1: Math.max(e, e + w), y0: f - 0.2 * size * flip, y1: f + 0.85 * size * flip, size });
  }
  for (const i of out) if (i.y0 > i.y1) [i.y0, i.y1] = [i.y1, i.y0];
  return out;
}

/** Relative advance of a character: full-width 1, others about half an em. */
function charWeight(ch: string): number {
  if (CJK.test(ch)) return 1;
  if (ch === ' ') return 0.3;
  return 0.55;
}

/**
 * Split an item at x boundaries it crosses (pdf.js may return the contents of two neighbouring
 * cells as one run). Characters are placed by their estimated advance and go to the side holding
 * their centre, so a run "1012" drawn over a column line becomes "10" | "12".
 */
export function splitAt(item: TItem, bounds: number[]): TItem[] {
  const inner = bounds.filter((b) => b > item.x0 + 0.5 && b < item.x1 - 0.5);
  if (inner.length === 0 || item.str.length < 2) return [item];
  const chars = [...item.str];
  const weights = chars.map(charWeight);
  const total = weights.reduce((a, b) => a + b, 0);
  const scale = (item.x1 - item.x0) / total;
  const parts: TItem[] = [];
  let x = item.x0;
  let cur: TItem | null = null;
  let curZone = -1;
  for (let k = 0; k < chars.length; k++) {
    const w = weights[k] * scale;
    const mid = x + w / 2;
    const zone = inner.filter((b) => b <= mid).length;
    if (!cur || zone !== curZone) {
      if (cur && cur.str.trim()) parts.push(cur);
      cur = { str: '', x0: x, x1: x, y0: item.y0, y1: item.y1, size: item.size };
      curZone = zone;
    }
    cur.str += chars[k];
    cur.x1 = x + w;
    x += w;
  }
  if (cur && cur.str.trim()) parts.push(cur);
  for (const p of parts) {
    // trim the boxes to the visible characters
    const lead = p.str.length - p.str.trimStart().length;
    const trail = p.str.length - p.str.trimEnd().length;
    p.x0 += lead * 0.3 * scale;
    p.x1 -= trail * 0.3 * scale;
    p.str = p.str.trim();
  }
  return parts;
}

export interface Line {
  items: TItem[];
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  size: number;
  text: string;
}

/** Group items into visual lines (top to bottom), each sorted left to right. */
export function toLines(items: TItem[]): Line[] {
  const sorted = [...items].sort((a, b) => b.y1 + b.y0 - (a.y1 + a.y0));
  const lines: { items: TItem[]; y0: number; y1: number }[] = [];
  for (const it of sorted) {
    const h = it.y1 - it.y0;
    let best: (typeof lines)[number] | null = null;
    let bestOverlap = 0;
    // only the last few lines can overlap (items are sorted by vertical centre)
    for (let k = lines.length - 1; k >= 0 && k >= lines.length - 3; k--) {
      const l = lines[k];
      const overlap = Math.min(l.y1, it.y1) - Math.max(l.y0, it.y0);
      const minH = Math.min(h, l.y1 - l.y0);
      if (overlap > 0.5 * minH && overlap > bestOverlap) {
        best = l;
        bestOverlap = overlap;
      }
    }
    if (best) {
      best.items.push(it);
      best.y0 = Math.min(best.y0, it.y0);
      best.y1 = Math.max(best.y1, it.y1);
    } else lines.push({ items: [it], y0: it.y0, y1: it.y1 });
  }
  return lines.map((l) => makeLine(l.items));
}

export function makeLine(items: TItem[]): Line {
  const its = [...items].sort((a, b) => a.x0 - b.x0);
  const b = itemsBox(its);
  const size = median(its.map((i) => i.size));
  return { items: its, x0: b[0], y0: b[1], x1: b[2], y1: b[3], size, text: joinRun(its) };
}

export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Join items of one line, left to right: a space where there is a visible gap between non-CJK text. */
export function joinRun(items: TItem[]): string {
  let out = '';
  let prev: TItem | null = null;
  for (const it of items) {
    if (prev) {
      const gap = it.x0 - prev.x1;
      const a = prev.str[prev.str.length - 1];
      const b = it.str[0];
      const cjkSide = isCjk(a) || isCjk(b);
      const digits = /[\d.,]/.test(a) && /[\d.,]/.test(b);
      const need = digits ? gap > 0.6 * it.size : cjkSide ? gap > 1.5 * it.size : gap > 0.2 * it.size;
      if (need && !out.endsWith(' ') && !it.str.startsWith(' ')) out += ' ';
    }
    out += it.str;
    prev = it;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** Text of a cell: its lines top to bottom, joined without a break between CJK, with a space otherwise. */
export function cellText(items: TItem[]): string {
  if (items.length === 0) return '';
  const lines = toLines(items);
  let out = '';
  for (const l of lines) {
    if (out && !(isCjk(out[out.length - 1]) || isCjk(l.text[0]))) out += ' ';
    out += l.text;
  }
  return out;
}

export function boxOf(items: TItem[]): BBox {
  return itemsBox(items);
}

export { cx };
