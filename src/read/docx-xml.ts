/**
 * word/document.xml read directly, in one streaming parse (htmlparser2 in XML mode, no DOM):
 * paragraphs and tables in body order, tables expanded on the grid as Word defines it
 * (w:gridBefore/w:gridAfter, w:gridSpan, w:vMerge/w:hMerge by grid column).
 *
 * Also kept for the mammoth fallback: `xmlTables` (the same grids from a cheerio DOM) and
 * `sameGrid`, which check mammoth's tables and replace them where mammoth loses structure.
 */
import * as cheerio from 'cheerio';
import { Parser } from 'htmlparser2';
import type { Block, ImageBlock, Paragraph, Table, TableCell } from '../model/document';
import { isElement, normalizeInline } from './html/dom';
import type { DomElement, DomNode } from './html/dom';
import { superscriptDigits } from './superscript';

// ------------------------------------------------------------------ the grid rules

/** One w:tc as the grid rules need it. */
export interface XmlCellSpec {
  /** w:gridSpan (>= 1). */
  span: number;
  /** w:vMerge: 'restart' starts a vertical merge, 'continue' (the default value) continues the one above. */
  vMerge?: 'restart' | 'continue';
  /** Legacy w:hMerge 'continue': the cell is covered by the cell to its left. */
  hMergeContinue?: boolean;
  /** Cell text (its paragraphs joined with '\n'); computed lazily: covered cells never need it. */
  text: () => string;
}

export interface XmlRowSpec {
  gridBefore: number;
  gridAfter: number;
  cells: XmlCellSpec[];
}

/** Widest grid expanded (columns); cells beyond are dropped. */
const MAX_GRID_COLS = 1000;
/** Most grid slots of one table; rows beyond are dropped. */
const MAX_GRID_SLOTS = 200_000;

function clampInt(v: string | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  const n = parseInt(v, 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, max) : dflt;
}

/** Expand rows of cells into the table grid (origin 'docx'). Rows without cells are left out. */
export function gridFromRows(specs: XmlRowSpec[], path: string): Table {
  type Origin = { cell: TableCell; r: number; c: number; cs: number };
  const grid: (TableCell | undefined)[][] = [];
  // For each grid column: the origin cell covering it in the previous row (for vMerge continue).
  let above: (Origin | undefined)[] = [];
  let slots = 0;
  for (const spec of specs) {
    if (!spec.cells.length) continue;
    const r = grid.length;
    const row: (TableCell | undefined)[] = [];
    grid.push(row);
    let col = Math.min(spec.gridBefore, MAX_GRID_COLS);
    const current: (Origin | undefined)[] = [];
    let left: Origin | undefined;
    for (const tc of spec.cells) {
      if (col >= MAX_GRID_COLS) break;
      const cs = Math.min(tc.span, MAX_GRID_COLS - col);
      const prev = above[col];
      if (tc.vMerge === 'continue' && prev && prev.c === col) {
        prev.cell.rowSpan = (prev.cell.rowSpan ?? 1) + 1;
        const n = Math.min(prev.cs, MAX_GRID_COLS - col);
        for (let k = 0; k < n; k++) {
          row[col + k] = { text: prev.cell.text, pos: { row: r, col: col + k }, spanOf: [prev.r, prev.c] };
          current[col + k] = prev;
        }
        col += Math.max(cs, prev.cs);
        left = undefined;
        continue;
      }
      if (tc.hMergeContinue && left && left.r === r) {
        // widen the cell to the left over this one
        left.cell.colSpan = (left.cell.colSpan ?? 1) + cs;
        left.cs += cs;
        for (let k = 0; k < cs; k++) {
          row[col + k] = { text: left.cell.text, pos: { row: r, col: col + k }, spanOf: [r, left.c] };
          current[col + k] = left;
        }
        col += cs;
        continue;
      }
      const text = tc.text();
      const cell: TableCell = { text, pos: { row: r, col, path: `${path}/tr[${r + 1}]` } };
      if (cs > 1) cell.colSpan = cs;
      const o: Origin = { cell, r, c: col, cs };
      for (let k = 0; k < cs; k++) {
        row[col + k] = k === 0 ? cell : { text, pos: { row: r, col: col + k }, spanOf: [r, col] };
        current[col + k] = o;
      }
      left = o;
      col += cs;
    }
    // w:gridAfter: grid columns left empty at the end of the row
    const end = Math.min(col + spec.gridAfter, MAX_GRID_COLS);
    for (let c = col; c < end; c++) row[c] = undefined;
    if (end > row.length) row.length = end;
    above = current;
    slots += row.length;
    if (slots > MAX_GRID_SLOTS) break;
  }
  const rows = grid.map((row, r) => {
    const out: TableCell[] = [];
    for (let c = 0; c < row.length; c++) out.push(row[c] ?? { text: '', pos: { row: r, col: c } });
    return out;
  });
  return { kind: 'table', rows, pos: { path }, origin: 'docx' };
}

/** A 1×1 grid: a frame around content, not a data table. */
function isSingleCell(t: Table): boolean {
  return t.rows.length === 1 && t.rows[0].length === 1;
}

// ------------------------------------------------------------------ streaming reader

export interface DirectDocx {
  blocks: Block[];
  /** Title guessed from the paragraphs (heading styles, a short report-title line). */
  title?: string;
  /** Tables found (data tables only, layout tables flattened). */
  tables: number;
  /** The XML is not well formed (mismatched, stray or unclosed tags). */
  malformed: boolean;
  /** The XML ends with elements left open (a cut-off part): certainly not readable. */
  truncated: boolean;
}

/** Content of a cell while it is read: paragraphs (strings) and tables, in order. */
interface CellAcc {
  spec: XmlCellSpec;
  items: (string | Table)[];
}

interface RowAcc extends XmlRowSpec {
  deleted: boolean;
  accs: CellAcc[];
}

interface TableAcc {
  n: number;
  rows: RowAcc[];
  row?: RowAcc;
  cell?: CellAcc;
  /** Holds another table (a layout table: flattened). */
  nested: boolean;
}

/** Subtrees with no visible text of their own (properties, deleted content, field codes, fallbacks). */
const SKIP = new Set([
  'w:rPr', 'w:pPr', 'w:tblPr', 'w:tblGrid', 'w:tblPrEx', 'w:trPr', 'w:tcPr', 'w:sectPr', 'w:sdtPr', 'w:sdtEndPr',
  'w:customXmlPr', 'w:smartTagPr', 'w:del', 'w:moveFrom', 'w:delText', 'w:instrText', 'w:delInstrText', 'w:fldData',
  'mc:Fallback', 'w:rt', 'w:footnoteReference', 'w:endnoteReference', 'w:commentReference', 'w:object',
]);

const HEADING_STYLE = /^(heading\s*1|1|title|标题\s*1?)$/i;
const REPORT_TITLE = /(政府信息公开|政务公开|信息公开).{0,12}(年度报告|年报)|(年度报告|年报)$/;
const YEAR_TITLE = /((19|20)\d{2}|[二〇○零一二三四五六七八九]{4})\s*年.{0,30}(年度报告|年报)/;

/**
 * Read word/document.xml into blocks in one streaming parse. Never throws on bad XML: it reports
 * `malformed` (the caller falls back to mammoth, whose strict parser decides).
 */
export function readDocumentXml(xml: string, rels: ReadonlyMap<string, string> = new Map()): DirectDocx {
  const blocks: Block[] = [];
  const styles: (string | undefined)[] = []; // pStyle of each body paragraph in `blocks` order (undefined for tables)
  const tables: TableAcc[] = [];
  const names: string[] = [];
  /** Ordinal (1-based, document order) and pStyle of each open w:p. */
  const paras: { n: number; style?: string }[] = [];
  let pCount = 0;
  let tCount = 0;
  let dataTables = 0;
  let skip = 0;
  let inText = false;
  let buf = '';
  /** The open run is superscript (a footnote mark: its digits kept apart from the figure). */
  let sup = false;
  let malformed = false;
  let truncated = false;
  let atEnd = false;
  let selfClosing = false;
  let explicitCloses = 0;
  /** Size of the drawing being read (wp:extent, EMU), for its picture. */
  let extent: [number, number] | undefined;

  /** A picture (a:blip of a drawing, v:imagedata of a VML shape) in the body flow; pictures inside table cells stay out. */
  const picture = (rid: string | undefined) => {
    if (!rid || tables.length) return;
    flush();
    const img: ImageBlock = { kind: 'image', pos: {}, ref: { source: 'docx', part: rels.get(rid) ?? rid } };
    const open = paras[paras.length - 1];
    if (open) img.pos.path = `w:p[${open.n}]`;
    if (extent) {
      // EMU → CSS pixels (914400 per inch, 96 per inch)
      img.width = Math.round(extent[0] / 9525);
      img.height = Math.round(extent[1] / 9525);
    }
    extent = undefined;
    blocks.push(img);
    styles.push(undefined);
  };

  const emit = (item: string | Table, style?: string) => {
    const t = tables[tables.length - 1];
    if (t) {
      // inside a table: into the open cell (content between cells is not valid Word XML: dropped)
      if (t.cell) t.cell.items.push(item);
      return;
    }
    if (typeof item === 'string') {
      const p: Paragraph = { kind: 'paragraph', text: item, pos: {} };
      const open = paras[paras.length - 1];
      if (open) p.pos.path = `w:p[${open.n}]`;
      blocks.push(p);
      styles.push(style);
    } else {
      blocks.push(item);
      styles.push(undefined);
    }
  };

  const flush = () => {
    if (!buf) return;
    const text = normalizeInline(buf);
    buf = '';
    if (text) emit(text, paras[paras.length - 1]?.style);
  };

  const closeTable = () => {
    const t = tables.pop()!;
    const rows = t.rows.filter((r) => !r.deleted);
    const path = `w:tbl[${t.n}]`;
    let grid: Table | undefined;
    if (!t.nested) {
      grid = gridFromRows(rows, path);
      if (!grid.rows.length) return;
      if (!isSingleCell(grid)) {
        dataTables++;
        emit(grid);
        return;
      }
    }
    // layout table (holds tables, or one cell): its content in reading order
    for (const r of rows) for (const c of r.accs) for (const item of c.items) emit(item);
  };

  const onopen = (name: string, attribs: Record<string, string>) => {
    const parent = names.length ? names[names.length - 1] : '';
    names.push(name);
    if (skip) {
      skip++;
      if (parent === 'w:pPr') {
        if (name === 'w:pStyle') {
          const p = paras[paras.length - 1];
          if (p) p.style = attribs['w:val'];
        }
      } else if (parent === 'w:tcPr') {
        const c = tables[tables.length - 1]?.cell;
        if (!c) return;
        if (name === 'w:gridSpan') c.spec.span = clampInt(attribs['w:val'], 1, MAX_GRID_COLS);
        else if (name === 'w:vMerge') c.spec.vMerge = attribs['w:val'] === 'restart' ? 'restart' : 'continue';
        else if (name === 'w:hMerge') c.spec.hMergeContinue = attribs['w:val'] !== 'restart';
      } else if (parent === 'w:rPr') {
        if (name === 'w:vertAlign') sup = attribs['w:val'] === 'superscript';
      } else if (parent === 'w:trPr') {
        const r = tables[tables.length - 1]?.row;
        if (!r) return;
        if (name === 'w:gridBefore') r.gridBefore = clampInt(attribs['w:val'], 0, MAX_GRID_COLS);
        else if (name === 'w:gridAfter') r.gridAfter = clampInt(attribs['w:val'], 0, MAX_GRID_COLS);
        else if (name === 'w:del') r.deleted = true;
      }
      return;
    }
    switch (name) {
      case 'w:r':
        sup = false;
        return;
      case 'w:t':
        inText = true;
        return;
      case 'w:tab':
      case 'w:ptab':
        buf += '\t';
        return;
      case 'w:br':
      case 'w:cr':
        flush();
        return;
      case 'w:noBreakHyphen':
        buf += '-';
        return;
      case 'w:sym': {
        const code = parseInt(attribs['w:char'] ?? '', 16);
        // symbol-font code points (F0xx) have no Unicode meaning
        if (Number.isFinite(code) && code > 0x20 && code < 0xe000) buf += String.fromCharCode(code);
        return;
      }
      case 'w:p':
        flush();
        paras.push({ n: ++pCount });
        return;
      case 'wp:extent': {
        const cx = Number(attribs.cx);
        const cy = Number(attribs.cy);
        if (cx > 0 && cy > 0) extent = [cx, cy];
        return;
      }
      case 'a:blip':
        picture(attribs['r:embed'] ?? attribs['r:link']);
        return;
      case 'v:imagedata':
        picture(attribs['r:id']);
        return;
      case 'w:tbl':
        flush();
        // (the enclosing tables are marked already: this one's parent sits in their cells)
        if (tables.length) tables[tables.length - 1].nested = true;
        tables.push({ n: ++tCount, rows: [], nested: false });
        return;
      case 'w:tr': {
        const t = tables[tables.length - 1];
        if (!t) return;
        flush();
        t.row = { gridBefore: 0, gridAfter: 0, cells: [], deleted: false, accs: [] };
        t.cell = undefined;
        t.rows.push(t.row);
        return;
      }
      case 'w:tc': {
        const t = tables[tables.length - 1];
        if (!t || !t.row) return;
        flush();
        const acc: CellAcc = {
          items: [],
          spec: { span: 1, text: () => acc.items.filter((i): i is string => typeof i === 'string').join('\n') },
        };
        t.row.cells.push(acc.spec);
        t.row.accs.push(acc);
        t.cell = acc;
        return;
      }
      default:
        if (SKIP.has(name)) skip = 1;
    }
  };

  const onclose = (name: string, implied: boolean) => {
    if (implied && !selfClosing) {
      malformed = true;
      if (atEnd) truncated = true;
    }
    if (!implied) explicitCloses++;
    names.pop();
    if (skip) {
      skip--;
      return;
    }
    switch (name) {
      case 'w:t':
        inText = false;
        return;
      case 'w:p':
        flush();
        paras.pop();
        return;
      case 'w:tc': {
        flush();
        const t = tables[tables.length - 1];
        if (t) t.cell = undefined;
        return;
      }
      case 'w:tr': {
        const t = tables[tables.length - 1];
        if (t) { t.row = undefined; t.cell = undefined; }
        return;
      }
      case 'w:tbl':
        flush();
        if (tables.length) closeTable();
        return;
    }
  };

  const parser = new Parser(
    {
      onopentag: onopen,
      onclosetag: onclose,
      ontext(data) {
        if (inText && !skip) buf += sup ? superscriptDigits(data) : data;
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  // Self-closing tags close "implied"; tell them from tags closed by a mismatched end tag.
  const selfClose = parser.onselfclosingtag;
  parser.onselfclosingtag = function (endIndex: number) {
    selfClosing = true;
    try { selfClose.call(this, endIndex); } finally { selfClosing = false; }
  };
  // An end tag that closes no open element is dropped silently by htmlparser2: notice it.
  const closeTag = parser.onclosetag;
  parser.onclosetag = function (start: number, endIndex: number) {
    const before = explicitCloses;
    closeTag.call(this, start, endIndex);
    if (explicitCloses === before) malformed = true;
  };
  // At the end, htmlparser2 closes the elements left open "implied".
  const end = parser.onend;
  parser.onend = function () {
    atEnd = true;
    end.call(this);
  };
  parser.end(xml);
  flush();
  while (tables.length) closeTable();

  return { blocks, title: pickTitle(blocks, styles), tables: dataTables, malformed, truncated };
}

/**
 * The report title: a heading-styled paragraph naming the report, else the shortest paragraph
 * naming a year and the report, else the first short paragraphs up to one ending in 报告,
 * else the first heading.
 */
function pickTitle(blocks: Block[], styles: (string | undefined)[]): string | undefined {
  let heading: string | undefined;
  let best: string | undefined;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    if (b.kind !== 'paragraph') continue;
    const t = b.text;
    const style = styles[i];
    if (style && HEADING_STYLE.test(style) && t.length >= 4 && t.length <= 120) {
      if (REPORT_TITLE.test(t)) return t;
      heading ??= t;
    }
    if (t.length >= 8 && t.length <= 80 && YEAR_TITLE.test(t) && !/^(附件|相关|上一篇|下一篇)/.test(t)) {
      if (!best || t.length < best.length) best = t;
    }
  }
  if (best && REPORT_TITLE.test(best)) return best;
  let joined = '';
  for (const b of blocks.slice(0, 4)) {
    if (b.kind !== 'paragraph' || b.text.length > 40) break;
    joined += b.text;
    if (/报告|年报/.test(b.text)) return joined.length <= 80 ? joined : best ?? heading;
  }
  return best ?? heading;
}

// ------------------------------------------------------------------ DOM version (mammoth fallback check)

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
      case 'w:r': {
        // a superscript run is a footnote mark: its digits kept apart from the figure
        const before = s;
        s = '';
        for (const c of x.children ?? []) visit(c);
        s = before + (first(first(x, 'w:rPr'), 'w:vertAlign')?.attribs['w:val'] === 'superscript' ? superscriptDigits(s) : s);
        return;
      }
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

/** Expand one w:tbl (DOM) into its grid. */
export function expandXmlTable(tbl: DomElement, path: string): Table {
  const trs = items(tbl, 'w:tr').filter((tr) => !first(first(tr, 'w:trPr'), 'w:del'));
  const specs: XmlRowSpec[] = trs.map((tr) => {
    const trPr = first(tr, 'w:trPr');
    return {
      gridBefore: clampInt(first(trPr, 'w:gridBefore')?.attribs['w:val'], 0, MAX_GRID_COLS),
      gridAfter: clampInt(first(trPr, 'w:gridAfter')?.attribs['w:val'], 0, MAX_GRID_COLS),
      cells: items(tr, 'w:tc').map((tc) => {
        const tcPr = first(tc, 'w:tcPr');
        const vm = first(tcPr, 'w:vMerge');
        const hm = first(tcPr, 'w:hMerge');
        return {
          span: clampInt(first(tcPr, 'w:gridSpan')?.attribs['w:val'], 1, MAX_GRID_COLS),
          vMerge: vm ? ((vm.attribs['w:val'] ?? 'continue') === 'restart' ? 'restart' : 'continue') : undefined,
          hMergeContinue: hm ? hm.attribs['w:val'] !== 'restart' : undefined,
          text: () => cellText(tc),
        } satisfies XmlCellSpec;
      }),
    };
  });
  return gridFromRows(specs, path);
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
          if (t.rows.length && !isSingleCell(t)) out.push(t);
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
