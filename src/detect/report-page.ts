/**
 * Is this document an annual information-disclosure report at all, when no official tables were
 * found? Pages about 年报 that are not reports (an agency's 年报 column listing many years' report
 * titles, search results, news lists, a 政府信息公开指南) mention 年度报告 too, so a keyword in the
 * opening is not enough. The judgement weighs the page as a whole:
 *
 * - list items: paragraphs that are mostly link text, short lines ending in a date (a list saved
 *   as text, a list table's rows) or excerpts cut with an ellipsis (search snippets), against body
 *   prose (sentences outside links);
 * - the page's own title: a report title names a year and the report (…2022年度政府信息公开工作
 *   年度报告); a list of links naming several reports is a list, not a report;
 * - the body's report structure: the official section themes (总体情况, 主动公开, 收到和处理申请,
 *   复议诉讼, 存在的问题, 其他需要报告的事项) as headings, and statements of the year's figures
 *   (N件, N条, N次 outside links).
 *
 * A false rejection is a silent loss, so a page that is not a list keeps today's rule (信息公开 +
 * 年度报告 near the top, or its own report title), unless it has neither a report title nor a
 * report's figures or structure (a 指南 mentions the 年度报告 it promises to publish).
 */
import type { DocumentModel } from '../model/document';

export interface ReportPageJudgement {
  isReport: boolean;
  /** Why, for the failure message. */
  reason: string;
  signals: {
    proseChars: number;
    listItems: number;
    listChars: number;
    reportTitleItems: number;
    ownTitle: string | null;
    themes: number;
    figures: number;
    selfReference: boolean;
  };
}

/** A report title: names a year (digits or Chinese numerals) and the disclosure report. */
const YEAR = /((?:19|20)\d{2}|[二〇○零][〇○零一二三四五六七八九]{3})\s*年/;
const REPORT_NAME = /(信息公开|政务公开).{0,16}(年度报告|年报|工作报告)|(年度报告|年报)$/;
/** A date at the end of a list line: 2023-01-15, 2023/1/5, 2023年1月15日, [01-15]. */
const TRAILING_DATE = /((19|20)\d{2}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?|\[?\d{2}-\d{2}\]?)\s*[)）\]]?$/;
/** The official report outline (国办公开办函〔2019〕60号 / 〔2021〕30号), one pattern per section. */
const THEMES = [/总体情况|概述|基本情况/, /主动公开/, /收到和处理|依申请公开/, /行政复议|行政诉讼/, /存在的.{0,4}问题|改进/, /其他需要报告|其他事项/];
const HEADING = /^([一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[、.．])/;
/** A figure of the year: a count with its unit (not 15个工作日, not a phone number or a date). */
const FIGURE = /\d+\s*(件|条|次|人次|篇|期|项|份|场|家)(?!工作日)/g;
/** The report speaking of itself: 本报告…, the statistics period of its figures. */
const SELF_REFERENCE = /本(年度)?报告|统计(期限|时限|区间|时间)/;

/** An excerpt (search snippet, teaser of a news list): cut with an ellipsis at either end. */
const EXCERPT = /^(…|\.\.\.)|(…|\.\.\.)$/;
const FILE_LINK = /^附件|\.(pdf|docx?|wps|xlsx?|zip|rar)\)?$/i;

const squash = (s: string) => s.replace(/[\s\u00a0\u3000]/g, '');

function isReportTitle(s: string): boolean {
  const t = squash(s);
  // a title is no sentence: no clause punctuation
  return t.length >= 8 && t.length <= 90 && !/[，。；：,;:！？]/.test(t) && YEAR.test(t) && REPORT_NAME.test(t);
}

/** A list entry: a title followed by its date, no sentence (a row of a list table, a line of a list saved as text). */
function dateLine(text: string): boolean {
  return text.length <= 80 && TRAILING_DATE.test(text) && !/[。；]/.test(text.replace(TRAILING_DATE, ''));
}

export function judgeReportPage(doc: DocumentModel, norm: (s: string) => string, headIsReport: boolean): ReportPageJudgement {
  let proseChars = 0;
  let listItems = 0;
  let listChars = 0;
  let figures = 0;
  const reportTitles = new Set<string>();
  const themes = new Set<number>();
  let ownTitle: string | null = null;
  let seenBody = 0;
  let selfReference = false;
  let prevShort = '';
  const listed: string[] = [];
  const listItem = (text: string) => {
    listItems++;
    listChars += text.length;
    const entry = text.replace(TRAILING_DATE, '');
    // (a link to a file is the report's attachment, or a form: not an entry listing another report)
    if (isReportTitle(entry) && !FILE_LINK.test(entry)) {
      listed.push(entry);
      reportTitles.add(entry);
    }
  };
  for (const b of doc.blocks) {
    if (b.kind === 'table') {
      // a list laid out as a table: one entry (title, date) per row
      for (const row of b.rows) {
        const text = squash(row.filter((c) => !c.spanOf).map((c) => norm(c.text)).join(''));
        if (text && dateLine(text)) listItem(text);
      }
      continue;
    }
    if (b.kind !== 'paragraph') continue;
    // (the reader's copy of the page title is judged with doc.title below)
    if (b.pos.path === 'title') continue;
    const text = squash(norm(b.text));
    if (!text) continue;
    const links = b.linkChars ?? 0;
    if (links >= 0.6 * text.length || dateLine(text) || EXCERPT.test(text)) {
      listItem(text);
      continue;
    }
    // the page's own title: among the first lines outside lists
    // (a long title is often set over two lines)
    if (seenBody < 4 && !ownTitle) {
      if (isReportTitle(text)) ownTitle = text;
      else if (prevShort && isReportTitle(prevShort + text)) ownTitle = prevShort + text;
    }
    prevShort = text.length <= 40 ? text : '';
    seenBody++;
    if (links === 0 && SELF_REFERENCE.test(text)) selfReference = true;
    const own = text.length - links;
    if (/[，。；,]/.test(text) && own >= 12) proseChars += own;
    if (text.length <= 40 && HEADING.test(text)) THEMES.forEach((re, i) => { if (re.test(text)) themes.add(i); });
    if (links === 0) figures += (text.match(FIGURE) ?? []).length;
  }
  if (!ownTitle && doc.title && isReportTitle(norm(doc.title))) {
    // a <title>, heading or metadata title counts only if it is not one of the page's list entries
    const t = squash(norm(doc.title));
    if (!listed.some((r) => r.includes(t) || t.includes(r))) ownTitle = t;
  }
  const signals = { proseChars, listItems, listChars, reportTitleItems: reportTitles.size, ownTitle, themes: themes.size, figures, selfReference };
  const reportBody = themes.size >= 4 || (themes.size >= 2 && figures >= 3) || figures >= 5;
  // A list page: several report titles as list items, or list items outweighing the prose on a page
  // without a report title of its own (a report page's own lists are navigation and attachments).
  const listPage = reportTitles.size >= 2 || (listItems >= 5 && listChars > proseChars && !ownTitle);
  if (listPage) {
    if (ownTitle && (reportBody || selfReference || figures >= 2)) return { isReport: true, reason: 'a report with lists of links beside it', signals };
    return {
      isReport: false,
      reason: `a list page, not a report: ${listItems} list item(s) (${reportTitles.size} naming a report) and ${proseChars} characters of prose${ownTitle ? '' : ', no report title of its own'}`,
      signals,
    };
  }
  if (ownTitle) return { isReport: true, reason: 'the page is titled as a report', signals };
  if (headIsReport && (figures >= 2 || themes.size >= 4 || selfReference)) return { isReport: true, reason: 'the opening names the report and the body states figures', signals };
  return {
    isReport: false,
    reason: headIsReport
      ? `mentions the annual report but is none: no report title, ${figures} figure(s) and ${themes.size} report section(s)`
      : 'no official statistics tables and no sign of an information-disclosure annual report (信息公开…年度报告) in the text',
    signals,
  };
}
