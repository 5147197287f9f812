/**
 * Page furniture: page numbers (第3页 共8页, — 3 —, -3-, 3/8, Page 3 of 8) and running headers or
 * footers (the same text, digits aside, at the top or bottom of many pages). Only the first and last
 * two lines of a page are candidates, so body text and table cells are never dropped.
 */
import type { Line } from './text';

const PAGE_NUMBER = [
  /^第\s*\d+\s*页\s*[,，/、]?\s*(共\s*\d+\s*页)?$/,
  /^共\s*\d+\s*页\s*[,，/、]?\s*第\s*\d+\s*页$/,
  /^[-—–－―_~·•\s]*\d{1,4}[-—–－―_~·•\s]*$/,
  /^\d{1,4}\s*\/\s*\d{1,4}$/,
  /^(page\s*)?\d+\s*(of\s*\d+)?$/i,
  /^[-—–－―\s]*第\s*\d+\s*页[-—–－―\s]*$/,
];

export function isPageNumber(text: string): boolean {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 0 && t.length <= 20 && PAGE_NUMBER.some((re) => re.test(t));
}

/** Same text (digits aside) at about the same height: a running header or footer. */
const key = (l: Line): string => `${l.text.replace(/\s+/g, '').replace(/\d+/g, '#')}@${Math.round(l.y0 / 8)}`;

export interface PageLines {
  page: number;
  /** Height of the page, for top/bottom positions. */
  height: number;
  /** Non-table lines, top to bottom. */
  lines: Line[];
  /** Boxes of the page's tables: an edge line must lie between them and the page edge. */
  tables: [number, number, number, number][];
}

/** Returns, per page, the set of lines to drop. */
export function findFurniture(pages: PageLines[]): Set<Line>[] {
  const edgeLines = pages.map((p) => {
    const top = p.lines.slice(0, 2);
    const bottom = p.lines.slice(-2);
    // a line is only an edge line if no table lies between it and the page edge
    const aboveTables = top.filter((l) => p.tables.every((t) => l.y0 >= t[3] - 1));
    const belowTables = bottom.filter((l) => p.tables.every((t) => l.y1 <= t[1] + 1));
    return { top: aboveTables, bottom: belowTables };
  });
  // running headers/footers: same key near the same height on many pages
  const counts = new Map<string, number>();
  edgeLines.forEach((e) => {
    const seen = new Set<string>();
    for (const l of [...e.top, ...e.bottom]) {
      const k = key(l);
      if (seen.has(k)) continue;
      seen.add(k);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  });
  const nPages = pages.length;
  const repeated = (l: Line) => {
    const c = counts.get(key(l)) ?? 0;
    return nPages >= 2 && c >= 2 && c >= Math.max(2, Math.ceil(nPages * 0.4));
  };
  return edgeLines.map((e) => {
    const drop = new Set<Line>();
    for (const l of [...e.top, ...e.bottom]) if (isPageNumber(l.text) || repeated(l)) drop.add(l);
    return drop;
  });
}
