/**
 * Look-alike ideographs from PDF fonts and Word/WPS exports, mapped to the unified ideographs they
 * stand for: Chromium/Skia and some exports give 人⺠政府 with ⺠ = U+2EA0 (CJK Radicals
 * Supplement), ⼈ = U+2F08 (Kangxi Radicals) or 﨑-style CJK Compatibility Ideographs
 * (U+F900–U+FAFF, U+2F800–U+2FA1F). They render like 民/人 but never match them, so agency
 * names stop joining and labels stop matching.
 *
 * NFKC maps the Kangxi block and the compatibility ideographs (singleton decompositions); it
 * leaves the Radicals Supplement alone except ⺟ and ⻳, so that block has its own table, made by
 * scripts/make-radical-table.js from Unicode's EquivalentUnifiedIdeograph data (every assigned
 * code point of U+2E80–U+2EF3 but U+2E80, which has no equivalent). Only these blocks are
 * touched: full NFKC would also change full-width digits and punctuation, ㈠ and the like, which
 * the core normalises on its own terms (src/normalize/text.ts).
 */

// prettier-ignore
const SUPPLEMENT_PAIRS = [
  '⺁厂 ⺂乛 ⺃乚 ⺄乙 ⺅亻 ⺆冂 ⺇𠘨 ⺈刀 ⺉刂 ⺊卜 ⺋㔾 ⺌小',
  '⺍小 ⺎兀 ⺏尣 ⺐尢 ⺑𡯂 ⺒巳 ⺓幺 ⺔彑 ⺕𫜹 ⺖忄 ⺗心 ⺘扌',
  '⺙攵 ⺛旡 ⺜日 ⺝月 ⺞歺 ⺟母 ⺠民 ⺡氵 ⺢氺 ⺣灬 ⺤爫 ⺥爫',
  '⺦丬 ⺧牛 ⺨犭 ⺩王 ⺪𤴔 ⺫目 ⺬示 ⺭礻 ⺮𥫗 ⺯糹 ⺰纟 ⺱罓',
  '⺲罒 ⺳㓁 ⺴冗 ⺵𦉫 ⺶羊 ⺷𦍌 ⺸𦍋 ⺹耂 ⺺肀 ⺻聿 ⺼肉 ⺽𦥑',
  '⺾艹 ⺿艹 ⻀艹 ⻁虎 ⻂衤 ⻃覀 ⻄西 ⻅见 ⻆角 ⻇𧢲 ⻈讠 ⻉贝',
  '⻊𧾷 ⻋车 ⻌辶 ⻍辶 ⻎辶 ⻏邑 ⻐钅 ⻑長 ⻒镸 ⻓长 ⻔门 ⻕𨸏',
  '⻖阝 ⻗雨 ⻘青 ⻙韦 ⻚页 ⻛风 ⻜飞 ⻝食 ⻞𩙿 ⻟飠 ⻠饣 ⻡𩠐',
  '⻢马 ⻣骨 ⻤鬼 ⻥鱼 ⻦鸟 ⻧卤 ⻨麦 ⻩黄 ⻪黾 ⻫斉 ⻬齐 ⻭歯',
  '⻮齿 ⻯竜 ⻰龙 ⻱龜 ⻲亀 ⻳龟',
].join(' ');

/** Radicals Supplement code point → its unified ideograph (astral ones as surrogate pairs). */
export const RADICALS_SUPPLEMENT: ReadonlyMap<string, string> = new Map(
  SUPPLEMENT_PAIRS.split(' ').map((p) => {
    const [radical, unified] = Array.from(p);
    return [radical, unified];
  }),
);

/** Any code point this module changes: the three blocks (and the compatibility supplement, U+2F800–U+2FA1F, as surrogates). */
const LOOKALIKE = /[\u2e80-\u2fdf\uf900-\ufaff]|\ud87e[\udc00-\ude1f]/;
const LOOKALIKE_G = new RegExp(LOOKALIKE.source, 'g');

/** Replace look-alike radicals and compatibility ideographs by unified ideographs; everything else is kept as it is. */
export function unifyIdeographs(text: string): string {
  if (!LOOKALIKE.test(text)) return text;
  return text.replace(LOOKALIKE_G, (c) => RADICALS_SUPPLEMENT.get(c) ?? c.normalize('NFKC'));
}

/** Does the text hold a look-alike code point (for counting them in the evidence or tests)? */
export function hasLookalikeIdeographs(text: string): boolean {
  return LOOKALIKE.test(text);
}
