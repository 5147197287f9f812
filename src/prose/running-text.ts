/**
 * Paragraphs → running text, the way a reader reads it: a sentence that a page break, a hard line
 * wrap (text dumps of PDFs) or page furniture (第3页 共8页, — 3 —, a running header) cuts in two
 * is one sentence again, and a table of contents is not text at all. Works on any reader's
 * paragraphs (already normalised): the PDF reader joins over page breaks itself where it can,
 * this catches what reaches the core still cut.
 */

import { isOrganisationName } from '../meta/meta';

const PAGE_NUMBER = [
  /^第\s*\d+\s*页\s*[,，/、]?\s*(共\s*\d+\s*页)?$/,
  /^共\s*\d+\s*页\s*[,，/、]?\s*第\s*\d+\s*页$/,
  /^[-—–－―_~·•]+\s*\d{1,4}\s*[-—–－―_~·•]+$/, // — 3 —, -3- (decorated on both sides: -3 is a number)
  /^\d{1,4}$/, // bare: furniture only where it cuts running text or sits by a running header
  /^\d{1,4}\s*\/\s*\d{1,4}$/,
  /^(page\s*)?\d+\s*(of\s*\d+)?$/i,
  /^[-—–－―\s]*第\s*\d+\s*页[-—–－―\s]*$/,
];

/** A page number line: 第3页 共8页, — 3 —, -3-, 3/8, Page 3 of 8, or a bare 3. */
export function isPageNumberLine(text: string): boolean {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 0 && t.length <= 20 && PAGE_NUMBER.some((re) => re.test(t));
}

/** A table-of-contents line: a heading, dot leaders (or a wide gap) and a page number. */
const TOC_LINE = /^.{2,60}?(?:[.…·．。_\-—]{3,}|…{2,}|\s{3,})\s*\d{1,3}\s*$/;
const TOC_HEAD = /^目\s*录$/;

/** Ends a sentence (or a clause that a heading or list item closes). */
const TERMINAL = /[。！？!?；;：:]$/;
/** A heading or list item: a section numeral and no running text after it. */
const HEADING = /^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d)|第[一二三四五六七八九十]+[章节部分])/;
const CLAUSE_MARK = /[。；;，,：:]/;
/** Starts with a unit: the rest of a figure whose number ended the line before (…122 / 条，…). */
const UNIT_START = /^[条件次起宗个份人]/;

/** What the core puts where a table stood between paragraphs: text never runs over a table. */
export const TABLE_BREAK = '';

/**
 * Repeated short lines (digits aside) that name the report: running headers or footers. Other
 * repeated lines are not (labels of a table dumped one cell per line repeat too).
 */
function repeatedLines(paras: string[]): Set<string> {
  const counts = new Map<string, number>();
  for (const p of paras) {
    if (!p || p.length > 50 || TERMINAL.test(p) || !/报告|年报/.test(p)) continue;
    const k = furnitureKey(p);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return new Set([...counts].filter(([, c]) => c >= 2).map(([k]) => k));
}

/** A page-number part at the end of a footer line: 第3页, 第3页 共8页, — 3 —, 3/8, 3. */
const TRAILING_PAGE_NUMBER = /\s*(?:第\s*\d+\s*页(?:\s*[,，/、]?\s*共\s*\d+\s*页)?|[-—–]\s*\d+\s*[-—–]|\d+\s*\/\s*\d+|\d{1,4})$/;

/** A footer or header that names the agency (XX县人民政府办公室, with or without the page number). */
const isAgencyFooter = (p: string) => p.length <= 36 && isOrganisationName(p.replace(TRAILING_PAGE_NUMBER, '').replace(/\s+/g, ''));

const furnitureKey = (p: string) => p.replace(/\s+/g, '').replace(/\d+/g, '#');

/** Short enough to be a table cell dumped on its own line (never joined to its neighbours); a sentence's end (…0件。) is not. */
const cellLike = (p: string) => p.length < 6 && !UNIT_START.test(p) && !TERMINAL.test(p);

function isHeading(p: string): boolean {
  return HEADING.test(p) && !CLAUSE_MARK.test(p);
}

/** The running headers of a document: repeated short lines, and lines that repeat its title. */
function headerKeys(paras: string[]): Set<string> {
  const keys = repeatedLines(paras);
  const opening = paras.filter((p) => p).slice(0, 3);
  for (const t of [...opening, opening.slice(0, 2).join('')]) if (t.length >= 6 && t.length <= 50 && !BARE_NUMBER.test(t)) keys.add(furnitureKey(t));
  return keys;
}

const BARE_NUMBER = /^\d{1,4}$/;
/** Running text that a page break can cut: longer than the label of a one-value table row (政府集中采购, 行政事业性收费), not closed. */
const openProse = (p: string | undefined) => !!p && p.length >= 8 && !TERMINAL.test(p) && !isHeading(p);

/** What follows a page break inside running text: more of it (a cell is short and never ends a sentence). */
const continuesProse = (p: string | undefined) => !!p && (p.length >= 6 || TERMINAL.test(p)) && !isHeading(p) && !BARE_NUMBER.test(p);

/**
 * Paragraphs that are page furniture and no table cell (indices into `paras`, one entry per block
 * with TABLE_BREAK for tables): page numbers (第3页 共8页, — 3 —), running headers after the
 * opening lines, and bare page numbers — a number just before a running header (the footer of the
 * page ending), just after one with running text below it, or alone between the two halves of a
 * cut sentence. A bare number elsewhere may be a cell of a one-cell-per-line dump: kept.
 */
export function furnitureIndices(paras: string[]): Set<number> {
  const p = paras.map((x) => x.trim());
  const headers = headerKeys(p);
  let seen = 0;
  const opening = new Set<number>();
  for (let i = 0; i < p.length && seen < 3; i++) if (p[i]) (opening.add(i), seen++);
  const isHeader = (i: number) => i >= 0 && i < p.length && !!p[i] && !opening.has(i) && p[i].length <= 50 && !BARE_NUMBER.test(p[i])
    && (headers.has(furnitureKey(p[i])) || isAgencyFooter(p[i]));
  const out = new Set<number>();
  for (let i = 0; i < p.length; i++) {
    const t = p[i];
    if (!t) continue;
    if (isHeader(i)) out.add(i);
    else if (!BARE_NUMBER.test(t)) {
      if (isPageNumberLine(t)) out.add(i);
    } else if (isHeader(i + 1) || (isHeader(i - 1) && continuesProse(p[i + 1]))) out.add(i);
    else if (openProse(p[i - 1]) && continuesProse(p[i + 1])) out.add(i);
  }
  return out;
}

/**
 * Paragraphs with table-of-contents lines dropped and sentences cut by a page break, a wrap or
 * furniture joined again. Paragraphs that end a sentence, headings and cell-like lines keep
 * their bounds, so table cells dumped one per line are never run together. An empty paragraph
 * (an empty cell, or TABLE_BREAK where a table stood) is a hard break.
 */
export function runningText(paragraphs: string[]): string[] {
  const paras = paragraphs.map((p) => p.trim());
  const furn = furnitureIndices(paras);
  // a bare number is furniture only where furnitureIndices says so (elsewhere it may be a cell)
  const furniture = (i: number) => furn.has(i) || (isPageNumberLine(paras[i]) && !BARE_NUMBER.test(paras[i])) || isAgencyFooter(paras[i]);
  const out: string[] = [];
  let open = false; // the last output paragraph may continue
  for (let i = 0; i < paras.length; i++) {
    const p = paras[i];
    if (p === '') {
      open = false; // an empty cell, or a table between the paragraphs (TABLE_BREAK)
      continue;
    }
    if (TOC_HEAD.test(p) || TOC_LINE.test(p)) {
      open = false;
      continue;
    }
    if (open && furniture(i)) continue; // cuts an open sentence: drop it, keep the sentence open
    const last = out[out.length - 1];
    const joinable = open && !cellLike(p) && !isHeading(p) && !(/\d$/.test(last) && /^\d/.test(p));
    if (joinable) out[out.length - 1] = last + p;
    else out.push(p);
    const cur = out[out.length - 1];
    open = !TERMINAL.test(cur) && !cellLike(cur) && !isHeading(cur) && !(cur === p && furniture(i));
  }
  return out;
}
