/**
 * Text normalisation shared by every stage: Traditional → Simplified, full-width →
 * half-width (NFKC), letter-spaced CJK (`结 果 维 持`), stray whitespace.
 */
import { gridFields, TEMPLATES } from '../grid';

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

/** True when the text holds enough Traditional-only characters to be worth converting. */
export function looksTraditional(text: string): boolean {
  const set = markers();
  let hits = 0;
  for (const ch of text) {
    if (set.has(ch) && ++hits >= 3) return true;
  }
  return false;
}

/** Traditional → Simplified with phrase conversion (資訊 → 信息). */
export function toSimplified(text: string): string {
  toCn ??= OpenCC.Converter({ from: 'twp', to: 'cn' });
  return toCn(text);
}

const CJK = '\\u3400-\\u9fff\\uf900-\\ufaff';
const SPACED_CJK = new RegExp(`(?<=[${CJK}])[ \\t\\u00a0\\u3000]+(?=[${CJK}])`, 'g');
const SPACE_DIGIT_CJK = new RegExp(`(?<=[0-9])[ \\u00a0\\u3000]+(?=[${CJK}])|(?<=[${CJK}])[ \\u00a0\\u3000]+(?=[0-9])`, 'g');

/**
 * Normalise one piece of text (a cell, a line, a paragraph): NFKC (full-width digits and
 * punctuation to ASCII), non-breaking and ideographic spaces to plain spaces, spaces between
 * CJK characters removed (letter-spaced headers), spaces between digits and CJK removed
 * (`2020 年` → `2020年`), runs of spaces collapsed, trimmed.
 */
export function normalizeText(text: string): string {
  let s = text.normalize('NFKC');
  s = s.replace(/[\u00a0\u3000\u2002-\u200b\ufeff]/g, ' ');
  s = s.replace(SPACED_CJK, '').replace(SPACE_DIGIT_CJK, '');
  s = s.replace(/[ \t]+/g, ' ').trim();
  return s;
}

/** Label key for fuzzy matching: normalised text with whitespace, punctuation and symbols removed. */
export function labelKey(text: string): string {
  return normalizeText(text).replace(/[\s\p{P}\p{S}]/gu, '');
}
