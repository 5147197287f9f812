/**
 * Text normalisation shared by every stage: Traditional → Simplified, full-width →
 * half-width (NFKC), look-alike radicals → unified ideographs (./radicals), letter-spaced CJK (`结 果 维 持`), stray whitespace.
 */
import { gridFields, TEMPLATES } from '../grid';
import { unifyIdeographs } from './radicals';

// opencc-js ships an ESM type declaration but a CommonJS (UMD) build: load the latter.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const OpenCC: { Converter(o: { from: string; to: string }): (s: string) => string } = require('opencc-js');

let toCn: ((s: string) => string) | null = null;
let traditionalMarkers: Set<string> | null = null;

/** Characters whose Traditional form differs, learned from the grid labels and common report words. */
function markers(): Set<string> {
  if (traditionalMarkers) return traditionalMarkers;
  const toTw = OpenCC.Converter({ from: 'cn', to: 'tw' });
  const words = ['政府信息公开工作年度报告主动申请处理结果总计数量单位机关镇县区乡街道办事处复议诉讼维持纠正审结规范性文件项目收费采购决定许可强制处罚'];
  for (const t of TEMPLATES) for (const f of gridFields(t)) words.push(f.row + f.col + (f.table ?? '') + f.section);
  const cn = words.join('');
  const tw = toTw(cn);
  const set = new Set<string>();
  const a = Array.from(cn);
  const b = Array.from(tw);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) set.add(b[i]);
  traditionalMarkers = set;
  return set;
}

/** Traditional-only characters needed before a text is converted. */
export const TRADITIONAL_HITS = 3;

let markerBmp: Uint8Array | null = null;
let markerAstral: Set<number> | null = null;

/**
 * Traditional-only characters in `text`, counted up to `limit` (code points, read by char code:
 * the string iterator cost as much as the rest of the core's text pass).
 */
export function traditionalHits(text: string, limit = TRADITIONAL_HITS): number {
  if (!markerBmp) {
    markerBmp = new Uint8Array(0x10000);
    markerAstral = new Set();
    for (const ch of markers()) {
      const c = ch.codePointAt(0)!;
      if (c < 0x10000) markerBmp[c] = 1;
      else markerAstral.add(c);
    }
  }
  let hits = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        i++;
      }
    }
    if ((c < 0x10000 ? markerBmp[c] === 1 : markerAstral!.has(c)) && ++hits >= limit) return hits;
  }
  return hits;
}

/** True when the text holds enough Traditional-only characters to be worth converting. */
export function looksTraditional(text: string): boolean {
  return traditionalHits(text) >= TRADITIONAL_HITS;
}

/** Traditional → Simplified with phrase conversion (資訊 → 信息). */
export function toSimplified(text: string): string {
  toCn ??= OpenCC.Converter({ from: 'twp', to: 'cn' });
  return toCn(text);
}

const CJK = '\\u3400-\\u9fff\\uf900-\\ufaff';
const SPACED_CJK = new RegExp(`(?<=[${CJK}])[ \\t\\u00a0\\u3000]+(?=[${CJK}])`, 'g');
const SPACE_DIGIT_CJK = new RegExp(`(?<=[0-9])[ \\u00a0\\u3000]+(?=[${CJK}])|(?<=[${CJK}])[ \\u00a0\\u3000]+(?=[0-9])`, 'g');

/** What the steps after NFKC below change: whitespace (\s) and U+200B. Text without any is done. */
const SPACE_LIKE = /[\s\u200b]/;

/**
 * Normalise one piece of text (a cell, a line, a paragraph): NFKC (full-width digits and
 * punctuation to ASCII), non-breaking and ideographic spaces to plain spaces, spaces between
 * CJK characters removed (letter-spaced headers), spaces between digits and CJK removed
 * (`2020 年` → `2020年`), runs of spaces collapsed, trimmed.
 */
export function normalizeText(text: string): string {
  if (printableAscii(text)) return text;
  // The readers unify look-alike ideographs already (src/read/index.ts); a model built elsewhere gets the same here.
  let s = unifyIdeographs(text).normalize('NFKC');
  if (!SPACE_LIKE.test(s)) return s;
  s = s.replace(/[\u00a0\u3000\u2002-\u200b\ufeff]/g, ' ');
  s = s.replace(SPACED_CJK, '').replace(SPACE_DIGIT_CJK, '');
  s = s.replace(/[ \t]+/g, ' ').trim();
  return s;
}

/** No space or control character, nothing outside ASCII: every step above leaves such text as it is (numbers, mostly). */
function printableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Label key for fuzzy matching: normalised text with whitespace, punctuation and symbols removed. */
export function labelKey(text: string): string {
  return normalizeText(text).replace(/[\s\p{P}\p{S}]/gu, '');
}
