/**
 * Tables straight from word/document.xml: the grid as Word defines it (w:gridBefore/w:gridAfter,
 * w:gridSpan, w:vMerge by grid column), used to check mammoth's tables and to replace them
 * where mammoth loses structure (gridBefore shifts, merges dropped around w:sdt rows, ...).
 */
import * as cheerio from 'cheerio';
import type { Table, TableCell } from '../model/document';
import { isElement, normalizeInline } from './html/dom';
import type { DomElement, DomNode } from './html/dom';

function kids(n: DomNode): DomElement[] {
  return (n.children ?? []).filter(isElement);
}

/** Children with `name`, looking through content controls and custom XML wrappers. */
function items(n: DomNode, name: string): DomElement[] {
  const out: DomElement[] = [];
  for (const c of kids(n)) {
    if (c.name === name) out.push(c);
    else if (c.name === 'w:sdt') {
      for (const sc of kids(c)) if (sc.name === 'w:sdtContent') out.push(...items(sc, name));
    } else if (c.name === 'w:customXml' || c.name === 'w:smartTag' || c.name === 'w:ins') out.push(...items(c, name));
  }
  return out;
}

function first(n: DomNode | undefined, name: string): DomElement | undefined {
  if (!n) return undefined;
  return kids(n).find((c) => c.name === name);
}

function intVal(el: DomElement | undefined, dflt: number): number {
  if (!el) return dflt;
  const n = parseInt(el.attribs['w:val'] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : dflt;
}

/** Visible text of a run container: w:t, tabs and breaks; deleted text and field codes skipped. */
function runText(n: DomNode): string {
  let s = '';
  const visit = (x: DomNode) => {
    if (!isElement(x)) return;
    switch (x.name) {
      case 'w:t': s += (x.children ?? []).map((c) => c.data ?? '').join(''); return;
      case 'w:tab': s += ' '; return;
      case 'w:br': case 'w:cr': s += '\n'; return;
      case 'w:noBreakHyphen': s += '-'; return;
      case 'w:del': case 'w:delText': case 'w:instrText': case 'w:tbl': case 'w:rPr': case 'w:pPr': case 'w:fldData': return;
      default: for (const c of x.children ?? []) visit(c);
    }
  };
  visit(n);
  return s;
}

function cellText(tc: DomElement): string {
  const paras: string[] = [];
  const visit = (n: DomNode) => {
    for (const c of kids(n)) {
      if (c.name === 'w:p') {
        for (const line of runText(c).split('\n')) {
          const t = normalizeInline(line);
          if (t) paras.push(t);
        }
      } else if (c.name === 'w:sdt' || c.name === 'w:sdtContent' || c.name === 'w:customXml') visit(c);
    }
  };
  visit(tc);
  return paras.join('\n');
}

function hasNestedTable(tbl: DomElement): boolean {
  let found = false;
  const visit = (n: DomNode) => {
    for (const c of kids(n)) {
      if (found) return;
      if (c.name === 'w:tbl') { found = true; return; }
      visit(c);
    }
  };
  visit(tbl);
  return found;
}

/** Expand one w:tbl into its grid. */
export function expandXmlTable(tbl: DomElement, path: string): Table {
  type Origin = { cell: TableCell; r: number; c: number; cs: number };
  const trs = items(tbl, 'w:tr').filter((tr) => !first(first(tr, 'w:trPr'), 'w:del'));
  const grid: (TableCell | undefined)[][] = trs.map(() => []);
  // For each grid column: the origin cell covering it in the previous row (for vMerge continue).
  let above: (Origin | undefined)[] = [];
  trs.forEach((tr, r) => {
    const trPr = first(tr, 'w:trPr');
    let col = intVal(first(trPr, 'w:gridBefore'), 0);
    const current: (Origin | undefined)[] = [];
    for (const tc of items(tr, 'w:tc')) {
      const tcPr = first(tc, 'w:tcPr');
      const cs = Math.min(intVal(first(tcPr, 'w:gridSpan'), 1), 1000);
      const vm = first(tcPr, 'w:vMerge');
      const cont = vm && (vm.attribs['w:val'] ?? 'continue') !== 'restart';
      const prev = above[col];
      if (cont && prev && prev.c === col) {
        prev.cell.rowSpan = (prev.cell.rowSpan ?? 1) + 1;
        for (let k = 0; k < prev.cs; k++) {
          grid[r][col + k] = { text: prev.cell.text, pos: { row: r, col: col + k }, spanOf: [prev.r, prev.c] };
          current[col + k] = prev;
        }
        col += Math.max(cs, prev.cs);
        continue;
      }
      const text = cellText(tc);
      const cell: TableCell = { text, pos: { row: r, col, path: `${path}/tr[${r + 1}]` } };
      if (cs > 1) cell.colSpan = cs;
      const o: Origin = { cell, r, c: col, cs };
      for (let k = 0; k < cs; k++) {
        grid[r][col + k] = k === 0 ? cell : { text, pos: { row: r, col: col + k }, spanOf: [r, col] };
        current[col + k] = o;
      }
      col += cs;
    }
    above = current;
  });
  const rows = grid.map((row, r) => {
    const out: TableCell[] = [];
    for (let c = 0; c < row.length; c++) out.push(row[c] ?? { text: '', pos: { row: r, col: c } });
    return out;
  });
  return { kind: 'table', rows, pos: { path }, origin: 'docx' };
}

/** All leaf tables (no nested table) of document.xml in document order; 1×1 tables are layout and skipped. */
export function xmlTables(documentXml: string): Table[] {
  const $ = cheerio.load(documentXml, { xml: { xmlMode: true, decodeEntities: true } });
  const root = $.root().get(0) as unknown as DomNode;
  const out: Table[] = [];
  let n = 0;
  const visit = (x: DomNode) => {
    for (const c of kids(x)) {
      if (c.name === 'w:tbl') {
        n++;
        if (!hasNestedTable(c)) {
          const t = expandXmlTable(c, `w:tbl[${n}]`);
          const single = t.rows.length === 1 && t.rows[0].length === 1;
          if (t.rows.length && !single) out.push(t);
          continue;
        }
      }
      if (c.name === 'w:del' || c.name === 'mc:Fallback') continue;
      visit(c);
    }
  };
  visit(root);
  return out;
}

const squash = (s: string) => s.replace(/[\s\u00a0\u3000]/g, '');

/** True when two grids agree slot by slot (text and span structure). */
export function sameGrid(a: Table, b: Table): boolean {
  if (a.rows.length !== b.rows.length) return false;
  for (let r = 0; r < a.rows.length; r++) {
    const ra = a.rows[r];
    const rb = b.rows[r];
    // trailing empty slots do not matter
    const len = (row: TableCell[]) => { let n = row.length; while (n > 0 && !row[n - 1].text && !row[n - 1].spanOf) n--; return n; };
    if (len(ra) !== len(rb)) return false;
    for (let c = 0; c < len(ra); c++) {
      if (squash(ra[c].text) !== squash(rb[c].text)) return false;
      const sa = ra[c].spanOf;
      const sb = rb[c].spanOf;
      if (!!sa !== !!sb || (sa && sb && (sa[0] !== sb[0] || sa[1] !== sb[1]))) return false;
    }
  }
  return true;
}
