/**
 * Reports whose every table cell is printed by the generator: the fixture renderers print the
 * document with a sentinel `⟦i⟧` in place of each value (i = index of the grid key), and the
 * sentinels are then replaced by whatever the class prints in that cell (a blank, `1，234`,
 * `251000元`…). Layouts are the fixture renderers' (HTML, tab rows, a cell per line) plus a DOCX
 * written here in-process from the same table model (no LibreOffice at test time).
 */
import { deflateRawSync } from 'zlib';
import { Rng } from '../fixtures/prng';
import { generateGrid, type Grid, type Scale } from '../fixtures/grid-gen';
import { templateKeys, type Template } from '../fixtures/grid-spec';
import { AGENCIES, type Agency, type Fmt, type Report } from '../fixtures/render/report';
import { composeTableReport, outline } from '../fixtures/render/compose';
import { renderHtml } from '../fixtures/render/html';
import { renderCellPerLine, renderCleanTabs } from '../fixtures/render/text';
import { expand, officialTables, type TTable } from '../fixtures/render/tables';

export const CELL_LAYOUTS = ['html', 'html-word', 'docx', 'clean-tabs', 'cell-per-line'] as const;
export type CellLayout = (typeof CELL_LAYOUTS)[number];

const YEARS: Record<Template, [number, number]> = { '2019': [2019, 2020], '2021': [2021, 2024] };
const SENT = 1_000_000_000;

export interface Composed {
  rng: Rng;
  agency: Agency;
  year: number;
  template: Template;
  grid: Grid;
  report: Report;
}

/** Agency, year and a valid grid; `edit` may change the grid (s2 has no identities: free to scale). */
export function compose(seed: number, template: Template, scale?: Scale, edit?: (g: Grid, rng: Rng) => Grid, agencies: readonly Agency[] = AGENCIES): Composed {
  const rng = new Rng(seed);
  const agency = rng.fork(1).pick(agencies.filter((a) => !scale || a.scale === scale));
  const year = rng.fork(2).int(...YEARS[template]);
  let grid = generateGrid(template, agency.scale, rng.fork(5));
  if (edit) grid = edit({ ...grid }, rng.fork(6));
  const report = composeTableReport(rng.fork(7), template, year, agency, grid);
  return { rng, agency, year, template, grid, report };
}

/**
 * The document with each value cell printed as `cell(key, value)` (markup for the HTML layouts,
 * plain text for the others), and prose figures printed with `prose`.
 */
export function renderCells(layout: CellLayout, c: Composed, cell: (key: string, value: number) => string, prose: Fmt = String): { bytes: Buffer; ext: string } {
  const keys = templateKeys(c.template);
  const sentinel: Record<string, number> = {};
  keys.forEach((k, i) => (sentinel[k] = SENT + i));
  const fmt: Fmt = (n) => (n >= SENT ? `⟦${n - SENT}⟧` : prose(n));
  const report = { ...c.report, values: sentinel };
  const rr = c.rng.fork(10);
  const fill = (text: string) => text.replace(/⟦(\d+)⟧/g, (_, i) => cell(keys[Number(i)], c.grid[keys[Number(i)]]));
  switch (layout) {
    case 'html':
    case 'html-word': {
      const text = renderHtml(report, rr, fmt, { blankZeros: false, word: layout === 'html-word', s2Merged: rr.fork(3).chance(0.5) }).text;
      return { bytes: Buffer.from(fill(text), 'utf8'), ext: 'html' };
    }
    case 'clean-tabs':
      return { bytes: Buffer.from(fill(renderCleanTabs(report, rr, fmt).text), 'utf8'), ext: 'txt' };
    case 'cell-per-line':
      return { bytes: Buffer.from(fill(renderCellPerLine(report, rr, fmt).text), 'utf8'), ext: 'txt' };
    case 'docx':
      return { bytes: renderDocx(report, rr, fmt, (key) => xmlEsc(cell(key, c.grid[key]))), ext: 'docx' };
  }
}

// ------------------------------------------------------------------ DOCX

const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const W_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/** A run's text; an empty cell is an empty paragraph (no run), as Word writes it. */
const para = (text: string) => (text === '' ? '<w:p/>' : `<w:p><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`);

/** One official table on Word's grid: w:gridSpan for colspans, w:vMerge for rowspans. */
function docxTable(t: TTable, value: (key: string) => string): string {
  const rows = expand(t).map((row) => {
    const tcs = row.flatMap((slot) => {
      if (slot.covered === 'col') return [];
      const span = slot.cell.colSpan && slot.cell.colSpan > 1 ? `<w:gridSpan w:val="${slot.cell.colSpan}"/>` : '';
      const merge = slot.covered === 'row' ? '<w:vMerge/>' : slot.cell.rowSpan && slot.cell.rowSpan > 1 ? '<w:vMerge w:val="restart"/>' : '';
      const body = slot.covered === 'row' ? '<w:p/>' : para(slot.cell.kind === 'value' ? value(slot.cell.key!) : xmlEsc(slot.cell.text));
      return [`<w:tc><w:tcPr>${span}${merge}</w:tcPr>${body}</w:tc>`];
    });
    return `<w:tr>${tcs.join('')}</w:tr>`;
  });
  const grid = `<w:tblGrid>${'<w:gridCol w:w="800"/>'.repeat(t.width)}</w:tblGrid>`;
  return `<w:tbl><w:tblPr><w:tblBorders><w:top w:val="single"/><w:bottom w:val="single"/><w:insideH w:val="single"/><w:insideV w:val="single"/></w:tblBorders></w:tblPr>${grid}${rows.join('')}</w:tbl>`;
}

/** `value(key)`: the escaped text of a value cell. */
function renderDocx(r: Report, rng: Rng, fmt: Fmt, value: (key: string) => string): Buffer {
  const tables = officialTables(r.template as Template);
  const body: string[] = [];
  for (const b of outline(rng, r, fmt)) {
    if (b.kind === 'tables') {
      const ts = b.part === 's2' ? tables.s2 : [b.part === 's3' ? tables.s3 : tables.s4];
      for (const t of ts) body.push(docxTable(t, value), '<w:p/>');
    } else if (b.kind === 'title' || b.kind === 'signature') body.push(...b.lines.map((l) => para(xmlEsc(l))));
    else body.push(para(xmlEsc(b.text)));
  }
  const document = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="${W_NS}"><w:body>${body.join('')}<w:sectPr/></w:body></w:document>`;
  return zip({
    '[Content_Types].xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
    'word/document.xml': document,
  });
}

// ------------------------------------------------------------------ a small ZIP writer (deflate, one buffer)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function zip(files: Record<string, string | Buffer>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const packed = deflateRawSync(data);
    const n = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(0x0800, 6); // UTF-8 names
    head.writeUInt16LE(8, 8); // deflate
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(packed.length, 18);
    head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(n.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x0800, 8);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(packed.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(n.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(head, n, packed);
    central.push(dir, n);
    offset += head.length + n.length + packed.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
