/**
 * Text items from a page's operator list (pdf.js 5.x), so that a page is evaluated once.
 *
 * pdf.js's getTextContent evaluates the content stream a second time (a third of the reader's
 * time) to produce what the operator list already holds: every showText op carries its glyphs with
 * their Unicode text and widths. This module replays the text state the way pdf.js's canvas does
 * (CTM through save/restore/transform/forms, the text and line matrices, font size, character and
 * word spacing, horizontal scale, rise, TJ adjustments) and groups glyphs into runs the way
 * getTextContent does: a change of font or size, a gap of more than 0.6 em, or a jump back or off
 * the baseline starts a new item; a gap of more than 0.1 em inside a run is a space.
 */
import { type Matrix, mulMatrix } from './geom';
import type { OpList } from './rules';
import type { RawTextItem } from './text';

type M = Matrix;
const ID: M = [1, 0, 0, 1, 0, 0];
const mul = mulMatrix;

/** What a run needs of a loaded font (pdf.js FontFaceObject). */
export interface GlyphFont {
  fontMatrix?: ArrayLike<number>;
  vertical?: boolean;
  isType3Font?: boolean;
  bbox?: ArrayLike<number>;
  defaultVMetrics?: ArrayLike<number>;
}

/** A glyph of a showText op, as pdf.js sends it. */
interface Glyph {
  unicode: string;
  width: number;
  isSpace?: boolean;
  vmetric?: ArrayLike<number>;
}

interface TextState {
  ctm: M;
  font: GlyphFont | null;
  fontSize: number;
  fontDirection: number;
  charSpacing: number;
  wordSpacing: number;
  hScale: number;
  leading: number;
  rise: number;
  tm: ArrayLike<number>;
  x: number;
  y: number;
  lineX: number;
  lineY: number;
}

/** Stands for a font pdf.js could not load (one object, so runs still break at a font change). */
const UNKNOWN_FONT: GlyphFont = {};
const FONT_MATRIX = [0.001, 0, 0, 0.001, 0, 0];
/** Gap factors of pdf.js's text layer (em units). */
const SPACE_MIN = 0.102;
const SPLIT_MIN = 0.6;
const BACK_MAX = -0.2;

/** Font names (loadedName) a page's showText ops use, so they can be awaited before `textItems`. */
export function fontNames(ops: OpList, OPS: Record<string, number>): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < ops.fnArray.length; i++) {
    if (ops.fnArray[i] === OPS.setFont) names.add(String((ops.argsArray[i] as unknown[])[0]));
    else if (ops.fnArray[i] === OPS.setGState) {
      for (const [k, v] of (ops.argsArray[i] as [[string, unknown][]])[0] ?? []) if (k === 'Font') names.add(String((v as unknown[])[0]));
    }
  }
  return names;
}

export function textItems(ops: OpList, OPS: Record<string, number>, fontOf: (name: string) => GlyphFont | null): RawTextItem[] {
  const out: RawTextItem[] = [];
  let s: TextState = {
    ctm: ID, font: null, fontSize: 0, fontDirection: 1, charSpacing: 0, wordSpacing: 0, hScale: 1,
    leading: 0, rise: 0, tm: ID, x: 0, y: 0, lineX: 0, lineY: 0,
  };
  const stack: TextState[] = [];

  // the open run: its first glyph's rendering matrix, its direction and where it ends (device space)
  // gx: where each character (UTF-16 unit) of str starts and ends on the page (x0, x1 pairs), kept
  // for horizontal text so that cells and columns take glyphs, not runs (see text.ts glyphBoxes)
  let run: { str: string; font: GlyphFont; fs: number; trm: M; ux: number; uy: number; size: number; x0: number; y0: number; ex: number; ey: number; gx: number[] | null } | null = null;
  const flush = () => {
    if (run && run.str.trim()) {
      const width = (run.ex - run.x0) * run.ux + (run.ey - run.y0) * run.uy;
      const item: RawTextItem = { str: run.str, transform: [...run.trm], width: Math.max(width, 0), height: run.size };
      if (run.gx && run.gx.length === 2 * run.str.length) item.gx = run.gx;
      out.push(item);
    }
    run = null;
  };

  const setFont = (name: unknown, size: unknown) => {
    // a font pdf.js could not load still comes with glyphs (Unicode and widths): laid out with the
    // default font matrix rather than dropped
    s.font = fontOf(String(name)) ?? UNKNOWN_FONT;
    let fs = Number(size) || 0;
    s.fontDirection = fs < 0 ? -1 : 1;
    if (fs < 0) fs = -fs;
    s.fontSize = fs;
  };
  const moveText = (x: number, y: number) => {
    s.x = s.lineX += x;
    s.y = s.lineY += y;
  };

  const showText = (glyphs: (Glyph | number)[]) => {
    const font = s.font;
    const fs = s.fontSize;
    if (!font || fs === 0) return;
    const fm = font.fontMatrix ?? FONT_MATRIX;
    const th = s.hScale * s.fontDirection;
    const advanceScale = fs * fm[0];
    // glyph height: Type 3 fonts drawn at size 1 carry their scale in the font matrix and bbox
    let heightScale = 1;
    if (font.isType3Font && fs <= 1 && font.bbox && font.bbox[3] - font.bbox[1] > 0) heightScale = (font.bbox[3] - font.bbox[1]) * Math.abs(fm[3]);
    const base = mul(s.tm, s.ctm);
    const trm0 = mul([fs * th, 0, 0, fs * heightScale, 0, s.rise], base);
    const ulen = Math.hypot(trm0[0], trm0[1]) || 1;
    const ux = trm0[0] / ulen;
    const uy = trm0[1] / ulen;
    const size = Math.hypot(trm0[2], trm0[3]) || ulen;
    const toDevice = (tx: number, ty: number): [number, number] => [
      base[0] * tx + base[2] * ty + base[4],
      base[1] * tx + base[3] * ty + base[5],
    ];

    if (font.vertical) {
      // vertical writing: each glyph is its own item (CJK reports rarely set text this way)
      flush();
      let y = 0;
      for (const g of glyphs) {
        if (typeof g === 'number') {
          y += (g * fs) / 1000;
          continue;
        }
        const vm = g.vmetric ?? font.defaultVMetrics;
        const w = vm ? -vm[0] : g.width;
        const vx = -(g.vmetric ? g.vmetric[1] : g.width * 0.5) * advanceScale;
        const [ex, ey] = toDevice(s.x + vx * th, s.y + s.rise - (y + (vm ? vm[2] : 0) * advanceScale));
        const text = g.unicode ?? '';
        if (text.trim()) {
          const trm: M = [trm0[0], trm0[1], trm0[2], trm0[3], ex, ey];
          out.push({ str: text, transform: trm, width: Math.abs(g.width * advanceScale * ulen / fs), height: size });
        }
        y += w * advanceScale - ((g.isSpace ? s.wordSpacing : 0) + s.charSpacing) * s.fontDirection;
      }
      s.y -= y;
      return;
    }

    // device position of text-space point (s.x + t * th, y0): b0..b5 is Tm × CTM
    const [b0, b1, b2, b3, b4, b5] = base;
    const ty = s.y + s.rise;
    const ox = b2 * ty + b4;
    const oy = b3 * ty + b5;
    let x = 0;
    for (const g of glyphs) {
      if (typeof g === 'number') {
        x -= (g * fs) / 1000;
        continue;
      }
      const w = g.width * advanceScale;
      const tx0 = s.x + x * th;
      const tx1 = s.x + (x + w) * th;
      x += w + ((g.isSpace ? s.wordSpacing : 0) + s.charSpacing) * s.fontDirection;
      // unmapped glyphs (U+0000, private use) are kept, as getTextContent keeps them: the reader
      // counts them to tell an unusable text layer
      const text = g.unicode;
      if (!text) continue;
      const gx = b0 * tx0 + ox;
      const gy = b1 * tx0 + oy;
      if (run) {
        const dx = gx - run.ex;
        const dy = gy - run.ey;
        const along = (dx * ux + dy * uy) / size;
        const across = Math.abs(-dx * uy + dy * ux) / size;
        const sameAxis = Math.abs(run.ux - ux) < 1e-3 && Math.abs(run.uy - uy) < 1e-3 && Math.abs(run.size - size) < 0.2 * size;
        // pdf.js starts a new item at a change of font or size; the line joiner decides on a space
        if (run.font !== font || run.fs !== fs || !sameAxis || across > 0.3 || along < BACK_MAX || along > SPLIT_MIN) flush();
        else if (along > SPACE_MIN && !run.str.endsWith(' ') && text !== ' ') {
          run.str += ' ';
          run.gx?.push(run.ex, gx);
        }
      }
      if (!run) {
        if (!text.trim()) continue; // a run never starts with a space
        const horizontal = ux > 0.999 && Math.abs(uy) < 1e-3;
        run = { str: '', font, fs, trm: [trm0[0], trm0[1], trm0[2], trm0[3], gx, gy], ux, uy, size, x0: gx, y0: gy, ex: 0, ey: 0, gx: horizontal ? [] : null };
      }
      run.str += text;
      run.ex = b0 * tx1 + ox;
      run.ey = b1 * tx1 + oy;
      if (run.gx) {
        // a glyph with several characters (a ligature) shares its width among them
        const step = (run.ex - gx) / text.length;
        for (let k = 0; k < text.length; k++) run.gx.push(gx + k * step, gx + (k + 1) * step);
      }
    }
    s.x += x * th;
  };

  const n = ops.fnArray.length;
  for (let i = 0; i < n; i++) {
    const fn = ops.fnArray[i];
    const a = ops.argsArray[i] as unknown[] | null;
    switch (fn) {
      case OPS.save:
        stack.push({ ...s });
        break;
      case OPS.restore:
      case OPS.paintFormXObjectEnd: {
        const prev = stack.pop();
        if (prev) s = prev;
        break;
      }
      case OPS.transform:
        s.ctm = mul(a as unknown as M, s.ctm);
        break;
      case OPS.paintFormXObjectBegin: {
        stack.push({ ...s });
        const m = a?.[0] as ArrayLike<number> | null;
        if (m && m.length === 6) s.ctm = mul(m, s.ctm);
        break;
      }
      case OPS.beginText:
        s.tm = ID;
        s.x = s.lineX = 0;
        s.y = s.lineY = 0;
        break;
      case OPS.endText:
        break;
      case OPS.setFont:
        setFont(a?.[0], a?.[1]);
        break;
      case OPS.setGState:
        for (const [k, v] of (a?.[0] as [string, unknown][] | undefined) ?? []) {
          if (k === 'Font') setFont((v as unknown[])[0], (v as unknown[])[1]);
        }
        break;
      case OPS.setTextMatrix: {
        const m = (a?.[0] && typeof a[0] === 'object' ? a[0] : a) as ArrayLike<number>;
        s.tm = Array.from({ length: 6 }, (_, k) => Number(m[k]) || 0);
        s.x = s.lineX = 0;
        s.y = s.lineY = 0;
        break;
      }
      case OPS.moveText:
        moveText(Number(a?.[0]) || 0, Number(a?.[1]) || 0);
        break;
      case OPS.setLeadingMoveText:
        s.leading = Number(a?.[1]) || 0;
        moveText(Number(a?.[0]) || 0, Number(a?.[1]) || 0);
        break;
      case OPS.nextLine:
        moveText(0, s.leading);
        break;
      case OPS.setLeading:
        s.leading = -(Number(a?.[0]) || 0);
        break;
      case OPS.setCharSpacing:
        s.charSpacing = Number(a?.[0]) || 0;
        break;
      case OPS.setWordSpacing:
        s.wordSpacing = Number(a?.[0]) || 0;
        break;
      case OPS.setHScale:
        s.hScale = (Number(a?.[0]) || 0) / 100;
        break;
      case OPS.setTextRise:
        s.rise = Number(a?.[0]) || 0;
        break;
      case OPS.showText:
        showText((a?.[0] as (Glyph | number)[]) ?? []);
        break;
      default:
        break;
    }
  }
  flush();
  return out;
}
