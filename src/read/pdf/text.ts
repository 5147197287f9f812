/** Text items from pdf.js → boxes, lines, and joined cell text. */
import { type TItem, type BBox, cx, itemsBox } from './geom';

/** The parts of a pdf.js TextItem we use. */
export interface RawTextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  /** Character extents on the page (x0, x1 per UTF-16 unit of str), for horizontal runs. */
  gx?: number[];
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
    const item: TItem = { str, x0: Math.min(e, e + w), x1: Math.max(e, e + w), y0: f - 0.2 * size * flip, y1: f + 0.85 * size * flip, size };
    // glyph extents stay valid only if normalising kept every character where it was
    if (r.gx && str.length === r.str.length && r.gx.length === 2 * str.length) item.gx = r.gx;
    out.push(item);
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

/** A character of an item and where it lies on the line. */
export interface GlyphBox {
  ch: string;
  x0: number;
  x1: number;
}

/**
 * The characters of an item (UTF-16 units) with their extents: measured from the glyphs when the
 * item carries them (gx), else estimated from relative advances across the item's width.
 */
export function glyphBoxes(item: TItem): GlyphBox[] {
  const s = item.str;
  const out: GlyphBox[] = new Array(s.length);
  if (item.gx && item.gx.length === 2 * s.length) {
    for (let k = 0; k < s.length; k++) out[k] = { ch: s[k], x0: item.gx[2 * k], x1: item.gx[2 * k + 1] };
    return out;
  }
  let total = 0;
  for (let k = 0; k < s.length; k++) total += charWeight(s[k]);
  const scale = total > 0 ? (item.x1 - item.x0) / total : 0;
  let x = item.x0;
  for (let k = 0; k < s.length; k++) {
    const w = charWeight(s[k]) * scale;
    out[k] = { ch: s[k], x0: x, x1: x + w };
    x += w;
  }
  return out;
}

/** An item made of some of another's characters (kept in order), its box their extent. */
function subItem(item: TItem, boxes: GlyphBox[], measured: boolean): TItem | null {
  let a = 0;
  let b = boxes.length;
  while (a < b && !boxes[a].ch.trim()) a++;
  while (b > a && !boxes[b - 1].ch.trim()) b--;
  if (a >= b) return null;
  const kept = boxes.slice(a, b);
  const part: TItem = { str: kept.map((g) => g.ch).join(''), x0: kept[0].x0, x1: kept[kept.length - 1].x1, y0: item.y0, y1: item.y1, size: item.size };
  if (measured) part.gx = kept.flatMap((g) => [g.x0, g.x1]);
  return part;
}

/**
 * Split an item at x boundaries it crosses (a producer may print the contents of neighbouring
 * cells as one run: "172862" over the line between 1728 and 62). Each character goes to the side
 * holding its centre: where the glyphs were measured that is exact, otherwise characters are
 * placed by their estimated advance.
 */
export function splitAt(item: TItem, bounds: number[]): TItem[] {
  const inner = bounds.filter((b) => b > item.x0 + 0.5 && b < item.x1 - 0.5);
  if (inner.length === 0 || item.str.length < 2) return [item];
  const boxes = glyphBoxes(item);
  const measured = !!item.gx;
  const parts: TItem[] = [];
  let start = 0;
  let zone = -1;
  const close = (end: number) => {
    const p = subItem(item, boxes.slice(start, end), measured);
    if (p) parts.push(p);
  };
  for (let k = 0; k < boxes.length; k++) {
    const mid = (boxes[k].x0 + boxes[k].x1) / 2;
    let z = 0;
    while (z < inner.length && inner[z] <= mid) z++;
    if (k > 0 && z !== zone) {
      close(k);
      start = k;
    }
    zone = z;
  }
  close(boxes.length);
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

/** Characters a printed number is made of. */
const NUM_CHAR = /[\d.,%+\-−]/;
/** Letter spacing wider than this (em) is not taken for spacing inside one number. */
const MAX_LETTER_GAP = 0.6;
/** A gap this much (em) wider than the number's narrowest is a real space ("1 234"). */
const SPACE_OVER_LETTER = 0.2;
/** Cell padding a producer may leave on either side (Word's default is 5.4 pt). */
const MAX_PAD = 6;

/**
 * A line of a cell as text: items joined as joinRun does, then the glyphs of each number joined
 * by their geometry, not by the producer's runs. Letter spacing (Word's expanded character
 * spacing) puts an even gap between every two digits, which a run shows as "1 7 2 8"; within a
 * chain of number characters a gap is a space only where it is clearly wider than the chain's
 * narrowest gap (a thousands space, two numbers).
 */
function cellLine(l: Line): { text: string; boxes: GlyphBox[] } {
  const chars: GlyphBox[] = [];
  const push = (g: GlyphBox) => {
    if (!g.ch.trim()) {
      if (chars.length && chars[chars.length - 1].ch !== ' ') chars.push({ ch: ' ', x0: g.x0, x1: g.x1 });
      return;
    }
    chars.push(g);
  };
  let prev: TItem | null = null;
  for (const it of l.items) {
    if (prev) {
      const gap = it.x0 - prev.x1;
      const a = prev.str[prev.str.length - 1];
      const b = it.str[0];
      const cjkSide = isCjk(a) || isCjk(b);
      const digits = /[\d.,]/.test(a) && /[\d.,]/.test(b);
      const need = digits ? gap > 0.6 * it.size : cjkSide ? gap > 1.5 * it.size : gap > 0.2 * it.size;
      if (need) push({ ch: ' ', x0: prev.x1, x1: it.x0 });
    }
    for (const g of glyphBoxes(it)) push(g);
    prev = it;
  }
  while (chars.length && chars[chars.length - 1].ch === ' ') chars.pop();
  // chains of number characters, spaces between them decided by the gaps
  const size = l.size || 1;
  const out: GlyphBox[] = [];
  let k = 0;
  while (k < chars.length) {
    if (!NUM_CHAR.test(chars[k].ch)) {
      out.push(chars[k++]);
      continue;
    }
    const chain: GlyphBox[] = [chars[k]];
    let j = k + 1;
    while (j < chars.length) {
      const sp = chars[j].ch === ' ' ? 1 : 0;
      const next = chars[j + sp];
      if (!next || !NUM_CHAR.test(next.ch) || next.x0 - chain[chain.length - 1].x1 > MAX_LETTER_GAP * size) break;
      chain.push(next);
      j += sp + 1;
    }
    let narrowest = Infinity;
    for (let q = 1; q < chain.length; q++) narrowest = Math.min(narrowest, chain[q].x0 - chain[q - 1].x1);
    chain.forEach((g, q) => {
      if (q > 0 && g.x0 - chain[q - 1].x1 > Math.max(narrowest, 0) + SPACE_OVER_LETTER * size) out.push({ ch: ' ', x0: chain[q - 1].x1, x1: g.x0 });
      out.push(g);
    });
    k = j;
  }
  return { text: out.map((g) => g.ch).join(''), boxes: out };
}

const NUMBER_LINE = /^(?:[-+−]?[\d.,]+%?|[-+−])$/;

/**
 * Text of a cell: its lines top to bottom, joined without a break between CJK, with a space
 * otherwise. Given the cell's width, a number wrapped onto the next line (a narrow cell: the line
 * is full, only digits, and the next line goes on with digits) is joined into one number.
 */
export function cellText(items: TItem[], width?: number): string {
  if (items.length === 0) return '';
  const lines = toLines(items);
  let out = '';
  let prev: { text: string; boxes: GlyphBox[] } | null = null;
  for (const l of lines) {
    const cur = cellLine(l);
    if (!cur.text) continue;
    if (out) {
      let wrapped = false;
      if (width !== undefined && prev && NUMBER_LINE.test(prev.text) && /^[\d.,%]/.test(cur.text)) {
        // full: the next line's first glyph (and its spacing) would not have fitted beside it
        const used = prev.boxes[prev.boxes.length - 1].x1 - prev.boxes[0].x0;
        const g = cur.boxes[0];
        const step = cur.boxes.length > 1 ? cur.boxes[1].x0 - g.x0 : g.x1 - g.x0;
        // a sign alone on its line belongs to the number below whatever the width
        wrapped = width - used < 2 * MAX_PAD + step || /^[-+−]$/.test(prev.text);
      }
      if (!wrapped && !(isCjk(out[out.length - 1]) || isCjk(cur.text[0]))) out += ' ';
    }
    out += cur.text;
    prev = cur;
  }
  return out;
}

export function boxOf(items: TItem[]): BBox {
  return itemsBox(items);
}

export { cx };
