/**
 * XLSX writer: SpreadsheetML written row by row as text into a streaming ZIP
 * (./zip), so memory stays bounded and the cost per cell is a few string
 * concatenations (exceljs's streaming writer, used before, took 140 s for the
 * 1.9 million rows of the long shape of 10,000 reports).
 *
 * The workbook is as plain as Excel accepts: inline strings (no shared-string
 * table to hold in memory), numbers and booleans typed, empty cells left out,
 * one style (bold) for the header row, the header frozen. Strings are always
 * text cells, never formulas, so scraped text cannot inject one. Characters
 * XML 1.0 forbids (control characters other than tab, line feed and carriage
 * return; U+FFFE, U+FFFF) are dropped.
 *
 * Sheet parts are written as rows come; the parts that list the sheets
 * (workbook, its relationships, content types) are written last, which ZIP
 * readers do not mind: they go by the central directory.
 */
import type { ColumnDef } from './columns';
import type { Row, Value } from './rows';
import type { TableWriter } from './writers';
import { ZipWriter } from './zip';

/** Excel's limit on rows per sheet. Longer tables continue on further sheets (data_2, data_3…). */
export const XLSX_MAX_ROWS = 1_048_576;

/**
 * A sheet's XML is kept under this many bytes so no ZIP entry needs ZIP64 sizes; a table
 * whose rows would pass it continues on a further sheet, as past the row limit. (Only very
 * long text reaches it: 1,048,576 rows of the long shape are about 1 GB of XML.)
 */
export const XLSX_MAX_SHEET_BYTES = 3.5 * 2 ** 30;

export interface XlsxOptions {
  /** Extra sheet written after the data (the codebook). */
  codebook?: { columns: string[]; rows: Row[] };
  /** Rows per sheet including the header (tests lower it). */
  maxRowsPerSheet?: number;
  /** Bytes of XML per sheet before the table continues on a further sheet (tests lower it). */
  maxSheetBytes?: number;
  sheetName?: string;
  /** Write the ZIP with ZIP64 end records even when not needed (tests). */
  forceZip64?: boolean;
}

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CT = 'application/vnd.openxmlformats-officedocument';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

// Control characters XML 1.0 does not allow (tab, LF and CR are allowed), and the non-characters U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const ESCAPES = /[&<>"\r]/g;
const ESCAPED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };

/** `s` as XML character data (also safe in a double-quoted attribute). */
export function xmlEscape(s: string): string {
  return s.replace(FORBIDDEN, '').replace(ESCAPES, (c) => ESCAPED[c]);
}

/** Spreadsheet column letters of the 0-based column `i`: A…Z, AA…ZZ, AAA… */
export function columnLetters(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** The rest of an inline-string cell after its reference: ` t="inlineStr"><is><t>…</t></is></c>`. */
function inlineStrTail(s: string): string {
  // Excel trims leading and trailing white space of a <t> unless told to keep it.
  const keep = s.length > 0 && (s.trim() !== s);
  return ' t="inlineStr"><is><t' + (keep ? ' xml:space="preserve">' : '>') + xmlEscape(s) + '</t></is></c>';
}

/** Escaped cells of recurring strings (labels, ids, statuses): the long shape repeats them on every row. */
const STR_CACHE = new Map<string, string>();
function strTail(s: string): string {
  let e = STR_CACHE.get(s);
  if (e === undefined) {
    e = inlineStrTail(s);
    if (STR_CACHE.size > 50_000) STR_CACHE.clear();
    STR_CACHE.set(s, e);
  }
  return e;
}

const TRUE_TAIL = ' t="b"><v>1</v></c>';
const FALSE_TAIL = ' t="b"><v>0</v></c>';

/** Cell openings `<c r="AB` per column; the row number and the tail follow. */
function cellOpenings(n: number): string[] {
  return Array.from({ length: n }, (_, i) => '<c r="' + columnLetters(i));
}

/** One `<row>` element; empty cells (null, '', non-finite numbers) are left out, as CSV leaves them empty. */
function rowXml(opens: string[], row: readonly Value[], r: number): string {
  const rs = String(r);
  let s = '<row r="' + rs + '">';
  const n = Math.min(row.length, opens.length);
  for (let i = 0; i < n; i++) {
    const v = row[i];
    if (v === null || v === undefined) continue;
    switch (typeof v) {
      case 'string': if (v !== '') s += opens[i] + rs + '"' + strTail(v); break;
      case 'number': if (Number.isFinite(v)) s += opens[i] + rs + '"><v>' + String(v) + '</v></c>'; break;
      case 'boolean': s += opens[i] + rs + '"' + (v ? TRUE_TAIL : FALSE_TAIL); break;
      default: s += opens[i] + rs + '"' + strTail(String(v));
    }
  }
  return s + '</row>';
}

/** The header row: bold (style 1) text cells. */
function headerXml(opens: string[], names: readonly string[]): string {
  let s = '<row r="1">';
  for (let i = 0; i < names.length; i++) s += opens[i] + '1" s="1"' + inlineStrTail(names[i]);
  return s + '</row>';
}

function sheetHead(selected: boolean): string {
  return XML_DECL + `<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">`
    + `<sheetViews><sheetView${selected ? ' tabSelected="1"' : ''} workbookViewId="0">`
    + '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    + '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
    + '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>';
}
const SHEET_TAIL = '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>';

const STYLES = XML_DECL + `<styleSheet xmlns="${NS_MAIN}">`
  + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
  + '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
  + '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
  + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
  + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
  + '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
  + '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
  + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
  + '</styleSheet>';

/** The package parts that describe the workbook, for the given sheet names (in order). */
function packageParts(sheets: string[], created: Date): [string, string][] {
  const ids = sheets.map((_, i) => i + 1);
  const when = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    ['[Content_Types].xml', XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      + '<Default Extension="xml" ContentType="application/xml"/>'
      + `<Override PartName="/xl/workbook.xml" ContentType="${CT}.spreadsheetml.sheet.main+xml"/>`
      + ids.map((i) => `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="${CT}.spreadsheetml.worksheet+xml"/>`).join('')
      + `<Override PartName="/xl/styles.xml" ContentType="${CT}.spreadsheetml.styles+xml"/>`
      + '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
      + `<Override PartName="/docProps/app.xml" ContentType="${CT}.extended-properties+xml"/>`
      + '</Types>'],
    ['_rels/.rels', XML_DECL + `<Relationships xmlns="${NS_PKG_REL}">`
      + `<Relationship Id="rId1" Type="${NS_REL}/officeDocument" Target="xl/workbook.xml"/>`
      + '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
      + `<Relationship Id="rId3" Type="${NS_REL}/extended-properties" Target="docProps/app.xml"/>`
      + '</Relationships>'],
    ['docProps/core.xml', XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
      + ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
      + `<dc:creator>nianbao</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created>`
      + `<dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified></cp:coreProperties>`],
    ['docProps/app.xml', XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
      + '<Application>nianbao</Application></Properties>'],
    ['xl/workbook.xml', XML_DECL + `<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">`
      + '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
      + sheets.map((name, i) => `<sheet name="${xmlEscape(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')
      + '</sheets></workbook>'],
    ['xl/_rels/workbook.xml.rels', XML_DECL + `<Relationships xmlns="${NS_PKG_REL}">`
      + ids.map((i) => `<Relationship Id="rId${i}" Type="${NS_REL}/worksheet" Target="worksheets/sheet${i}.xml"/>`).join('')
      + `<Relationship Id="rId${sheets.length + 1}" Type="${NS_REL}/styles" Target="styles.xml"/>`
      + '</Relationships>'],
    ['xl/styles.xml', STYLES],
  ];
}

export function openXlsx(path: string, columns: ColumnDef[], opts: XlsxOptions = {}): TableWriter {
  const created = new Date();
  const zip = new ZipWriter(path, { forceZip64: opts.forceZip64 });
  const base = opts.sheetName ?? 'data';
  const perSheet = Math.max(2, opts.maxRowsPerSheet ?? XLSX_MAX_ROWS) - 1;
  const maxBytes = opts.maxSheetBytes ?? XLSX_MAX_SHEET_BYTES;
  const header = columns.map((c) => c.name);
  const opens = cellOpenings(header.length);
  const sheets: string[] = [];
  let inSheet = 0;
  let rows = 0;
  let closed = false;

  const startSheet = (name: string, names: readonly string[], o: string[]) => {
    if (sheets.length) zip.write(SHEET_TAIL);
    sheets.push(name);
    zip.begin(`xl/worksheets/sheet${sheets.length}.xml`);
    zip.write(sheetHead(sheets.length === 1));
    zip.write(headerXml(o, names));
    inSheet = 0;
  };
  const newSheet = () => startSheet(sheets.length === 0 ? base : `${base}_${sheets.length + 1}`, header, opens);
  newSheet();

  return {
    write(row) {
      if (inSheet >= perSheet || (inSheet > 0 && zip.entryBytes > maxBytes)) newSheet();
      inSheet++;
      rows++;
      return zip.write(rowXml(opens, row, inSheet + 1));
    },
    async close() {
      if (closed) return { rows, bytes: 0 };
      closed = true;
      try {
        if (opts.codebook) {
          const cb = opts.codebook;
          const o = cellOpenings(cb.columns.length);
          startSheet('codebook', cb.columns, o);
          for (const r of cb.rows) {
            inSheet++;
            const p = zip.write(rowXml(o, r, inSheet + 1));
            if (p) await p;
          }
        }
        zip.write(SHEET_TAIL);
        for (const [name, text] of packageParts(sheets, created)) zip.add(name, text);
      } catch (e) {
        await zip.close().catch(() => undefined);
        throw e;
      }
      return { rows, bytes: await zip.close() };
    },
  };
}
