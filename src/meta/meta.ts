/**
 * Report metadata from the text: the publishing body (from the title, a masthead line and the
 * signature, merged) and the year reported on (the title's year, else the statistics period —
 * never the publication date).
 */

export interface MetaGuess {
  agency: string | null;
  year: number | null;
  /** Is this an annual information-disclosure report at all? */
  isReport: boolean;
  evidence: { title?: string; masthead?: string; signature?: string; yearFrom?: string };
}

const BODY_SUFFIX = /(人民政府|政府|办事处|委员会|管理委员会|局|厅|办公室|办公厅|委|署|院|中心|公司|会|所|站|队|处|部|馆|镇|乡)$/;
/** Endings that look like a unit but name a website, a page or a sentence's subject. */
const NOT_A_BODY = /(网站|门户|平台|专栏|首页|主办|承办|本局|我局|本机关|本单位)$/;
/** How a clause begins, never a name: 我局…, 本机关…, 其中…, 根据…, 全年…, 各乡镇… */
const CLAUSE_START = /^(我|本机关|本单位|本部门|本局|该|其中|根据|按照|通过|截至|截止|全年|全县|全市|全区|全镇|全乡|各)/;
/** Words of a sentence about the figures, not of a name. */
const CLAUSE_WORDS = /(收到|受理|共计|累计|答复|办理了|公开了|主动公开|依申请|年度报告|工作报告)/;
const TITLE_CLAUSE = /[，,。;；:：!！?？]/;
const TITLE_WORD = /信息公开|政务公开|年报|年度报告/;
const REPORT_SUFFIX = /(?:(?:政府|政务)?信息(?:与政务)?公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)?.*$/;
const YEAR = /((?:19|20)\d{2})\s*年(?:度)?/;

const CN_DIGITS: Record<string, string> = { 〇: '0', 零: '0', Ｏ: '0', O: '0', 一: '1', 二: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9' };

/** 二〇二〇年 → 2020年 (titles and signatures often write the year in Chinese numerals). */
export function arabicYears(s: string): string {
  return s.replace(/([〇零Ｏ一二三四五六七八九]{4})(?=年)/g, (m) => Array.from(m, (c) => CN_DIGITS[c] ?? c).join(''));
}

/**
 * An organisation name, not a sentence fragment: ideographs only (and the Latin letters of
 * placeholder names like XX; no punctuation, digit or space), 4–30 characters, ending in an
 * organisational unit (人民政府, 局, 委员会, 办公室, 街道办事处, 中心, …), neither starting like a
 * clause (我局…, 根据…) nor holding the words of one (收到, 共计…).
 */
export function isOrganisationName(s: string): boolean {
  return s.length >= 4 && s.length <= 30
    && /^[\u3400-\u9fffA-Za-z]+$/.test(s)
    && BODY_SUFFIX.test(s) && !NOT_A_BODY.test(s)
    && !CLAUSE_START.test(s) && !CLAUSE_WORDS.test(s);
}

/** A trailing parenthesised alias is not part of the name: XX县人民政府办公室（县政务公开办）. */
const stripAlias = (s: string) => s.replace(/[（(][^（）()]*[）)]$/, '');

function completeName(name: string): string {
  let n = name.replace(/^(?:[《“"]|关于)+/, '').replace(/[》”"]+$/, '').replace(/关于$/, '');
  if (/人民$/.test(n)) n += '政府';
  else if (/(镇|乡)$/.test(n)) n += '人民政府';
  else if (/街道$/.test(n)) n += '办事处';
  else if (/(县|市|区|州|盟|旗)$/.test(n)) n += '人民政府';
  return n;
}

/** Join a title name and a signature that overlap: 隆德县城关镇 + 城关镇人民政府 → 隆德县城关镇人民政府. */
function merge(title: string, body: string): string {
  if (body.includes(title)) return body;
  for (let k = Math.min(title.length, body.length); k >= 2; k--) {
    if (title.endsWith(body.slice(0, k))) return title + body.slice(k);
  }
  return '';
}

/** A line that names a body: an organisation name, or a town or street printed without its office (城关镇, 北关街道). */
function isAgencyLine(s: string): boolean {
  return isOrganisationName(stripAlias(s).replace(/街道$/, '街道办事处'));
}

export function guessMeta(paragraphs: string[], maxYear = new Date().getFullYear() + 1): MetaGuess {
  const lines = paragraphs.map((p) => arabicYears(p.replace(/\s+/g, ''))).filter((p) => p.length > 0);
  const head = lines.slice(0, 8);
  const evidence: MetaGuess['evidence'] = {};
  const headText = lines.slice(0, 40).join('\n');
  const isReport = /信息公开|政务公开/.test(headText) && /(年度报告|年报|工作报告|年度工作)/.test(headText.replace(/\n/g, ''));

  // Title: the first line that names a year and 信息公开 (possibly continued on the next line).
  let titleName = '';
  let year: number | null = null;
  for (let i = 0; i < head.length; i++) {
    // a title wrapped inside its keyword (…2021年政府信 / 息公开工作年度报告) is read with its next line
    const next = head[i + 1] ?? '';
    // (only when the next line is no title of its own: it names no year)
    const cut = YEAR.test(head[i]) && !TITLE_WORD.test(head[i]) && !YEAR.test(next) && TITLE_WORD.test(head[i] + next);
    const l = cut ? head[i] + next : head[i];
    // a title, not a sentence that names the year (2021年，我局共收到…): no clause punctuation
    if (!TITLE_WORD.test(l) || l.length > 60 || TITLE_CLAUSE.test(l)) continue;
    const m = YEAR.exec(l);
    if (!m) continue;
    evidence.title = l + (/(报告|年报)/.test(l) ? '' : head[i + 1] ?? '');
    year = Number(m[1]);
    const before = l.slice(0, m.index);
    const after = l.slice(m.index + m[0].length).replace(REPORT_SUFFIX, '');
    titleName = (before || after).replace(/[\d年度]+$/, '').replace(/^(?:[《“"]|关于)+/, '').replace(/关于$/, '');
    evidence.yearFrom = 'title';
    break;
  }
  if (year === null || year > maxYear) {
    const period = lines.slice(0, 30).join('').match(/(?:统计|时限|期限|时间|数据)[^。]{0,20}?((?:19|20)\d{2})年1月1日/);
    if (period) {
      year = Number(period[1]);
      evidence.yearFrom = 'statistics period';
    }
  }
  if (year === null) {
    const counts = new Map<number, number>();
    for (const m of lines.slice(0, 30).join('').matchAll(/((?:19|20)\d{2})年/g)) {
      const y = Number(m[1]);
      if (y >= 2007 && y <= maxYear) counts.set(y, (counts.get(y) ?? 0) + 1);
    }
    const best = [...counts].sort((a, b) => b[1] - a[1])[0];
    if (best) {
      year = best[0];
      evidence.yearFrom = 'most frequent year in the opening';
    }
  }

  const masthead = head.slice(0, 3).find((l) => isAgencyLine(l));
  if (masthead) evidence.masthead = masthead;
  let signature: string | undefined;
  for (let i = lines.length - 1; i >= Math.max(0, lines.length - 8); i--) {
    if (isAgencyLine(lines[i])) {
      signature = lines[i];
      break;
    }
  }
  if (signature) evidence.signature = signature;

  let agency: string | null = null;
  const name = titleName.trim();
  // a masthead or signature may print the place only (隆德县城关镇): completed like the title's name
  for (const body of [masthead, signature].map((b) => b && completeName(stripAlias(b)))) {
    if (!body) continue;
    if (!name) {
      agency = body;
      break;
    }
    const merged = merge(name, body);
    if (merged) {
      agency = merged;
      break;
    }
  }
  if (!agency && name) agency = completeName(name);
  if (!agency && masthead) agency = completeName(stripAlias(masthead));
  // Whatever the title, masthead and signature gave, only a name is an agency: else meta_missing.
  if (agency !== null && !isOrganisationName(agency)) {
    const named = [masthead, signature].map((b) => b && completeName(stripAlias(b))).find((b) => b && isOrganisationName(b));
    agency = named ?? null;
  }
  return { agency, year, isReport, evidence };
}
