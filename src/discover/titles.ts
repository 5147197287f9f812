/**
 * Is a link title an annual report's title? And which year does it report on?
 * 政府信息公开工作年度报告 titles vary (年报, 年度报告, 工作报告, 政务公开…), and a column page also lists
 * things that mention them without being one: the 指南, rules, notices about the report, interpretations.
 */

/** The words of a report title (the last occurrence decides what follows it). */
const REPORT_RE = /(信息公开|政务公开|政府公开|依申请公开).{0,12}?(年度报告|年报|工作报告|情况报告|情况的报告|工作的报告)|年度.{0,4}(信息公开|政务公开).{0,8}?报告/g;
/** A bare 2022年度报告 / 2021年年报, alone or right after an agency's name (not 法治政府建设年度报告). */
const BARE_RE = /(^|[府局委办院厅镇乡所站部署室会处队馆社]|中心|街道)(20\d{2}|[〇一二三四五六七八九○]{4})年(度报告|年度报告|年报|度年报)$/;
/**
 * Words after the report's words that make the title something else: a reading of it, a notice about
 * compiling it, its launch… (before them they are usually the agency's name: 卫生和计划生育委员会,
 * 出入境边防检查站, 干部培训中心, so they only count after).
 */
const NOT_AFTER_RE = /指南|目录|制度|规定|办法|细则|通知|通告|公告|意见|解读|答记者问|图解|问答|会议|培训|部署|要点|方案|计划|申请表|流程|编制|撰写|发布会|考核|评估|督查|检查|说明|政策|工作的通知/;
/** A notice that publishes the report (关于公布…年度报告的公告) is the report's wrapper page. */
const PUBLISHING_NOTICE_RE = /^关于(公布|发布|公开|印发|刊发|公示)/;

const CN_DIGIT: Record<string, string> = { 〇: '0', 零: '0', 一: '1', 二: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9', '○': '0', Ｏ: '0', O: '0' };

/** Full-width digits and spaces to ASCII; whitespace removed (titles are often letter-spaced). */
export function normalizeTitle(s: string): string {
  return s
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u3000\u00a0]+/g, '')
    .replace(/[.…]{2,}$|…$/, '');
}

export function isReportTitle(title: string): boolean {
  const t = normalizeTitle(title);
  if (t.length < 6 || t.length > 120) return false;
  const matches = [...t.matchAll(REPORT_RE)];
  if (matches.length) {
    const last = matches[matches.length - 1];
    const tail = t.slice((last.index ?? 0) + last[0].length);
    if (!NOT_AFTER_RE.test(tail)) return true;
    return PUBLISHING_NOTICE_RE.test(t) && /^的?(公告|通知|通告)$/.test(tail);
  }
  if (BARE_RE.test(t)) return true;
  // a title the listing cut short (…政府信息公开工作年…): the disclosure words and a year are enough (not a
  // notice: 关于…); a wrong guess costs one fetch and a recorded not_annual_report failure, a missed report is lost
  return /(\.{2,}|…)\s*$/.test(title.trim()) && /(信息公开|政务公开)/.test(t) && !/^关于/.test(t) && titleYear(t) != null;
}

/**
 * The year a title reports on: 2022年度 / 2022年 / 二〇二二年 right before the report words, else the only
 * plausible year in the title. Null when absent or ambiguous (two different years, neither before 年度/年).
 */
export function titleYear(title: string, now = new Date()): number | null {
  const t = normalizeTitle(title).replace(/[〇零一二三四五六七八九○ＯO]{4}(?=年)/g, (m) => [...m].map((c) => CN_DIGIT[c] ?? c).join(''));
  const max = now.getUTCFullYear() + 1;
  const ok = (y: number) => y >= 2000 && y <= max;
  const before = [...t.matchAll(/(20\d{2})\s*年(度)?/g)].map((m) => Number(m[1])).filter(ok);
  const distinct = [...new Set(before)];
  if (distinct.length === 1) return distinct[0];
  if (distinct.length > 1) return null;
  const bare = [...new Set([...t.matchAll(/(?<!\d)(20\d{2})(?!\d)/g)].map((m) => Number(m[1])).filter(ok))];
  return bare.length === 1 ? bare[0] : null;
}
