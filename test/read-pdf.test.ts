/**
 * The PDF reader on real PDF files made by scripts/make-pdf-fixtures.js (chromium, LibreOffice,
 * qpdf): numbers land in the right cells, tables crossing a page break are joined, page furniture
 * is dropped, broken inputs fail with their codes.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { DocumentModel, Table, TableCell } from '../src/model/document';
import { readPdf, readPdfBytes } from '../src/read/pdf';
import { ExtractError } from '../src/errors';
import { splitAt } from '../src/read/pdf/text';
import { buildLattice, findGrids, type PTable } from '../src/read/pdf/lattice';
import { appendNumberRows, numberCells } from '../src/read/pdf/stream';
import { makeLine } from '../src/read/pdf/text';
import { loadPdfjs } from '../src/read/pdf/pdfjs';
import type { TItem } from '../src/read/pdf/geom';
import grid from '../src/grid/grid.json';

const DIR = path.join(__dirname, 'fixtures/files/pdf');

// built-ins as this test file's realm had them before pdf.js was loaded
const before = { push: Array.prototype.push, parse: JSON.parse, stringify: JSON.stringify, toString: Function.prototype.toString };

interface Expected {
  template: '2019' | '2021';
  year: number;
  agency: string;
  fields: Record<string, number>;
}

const cache = new Map<string, Promise<DocumentModel>>();
function read(name: string): Promise<DocumentModel> {
  if (!cache.has(name)) {
    const bytes = fs.readFileSync(path.join(DIR, `${name}.pdf`));
    cache.set(name, readPdf({ bytes, sniff: { format: 'pdf', reason: 'test' }, name }));
  }
  return cache.get(name)!;
}
const expected = (name: string): Expected => JSON.parse(fs.readFileSync(path.join(DIR, `${name}.expected.json`), 'utf8'));

const norm = (s: string) => s.replace(/\s+/g, '');
const tables = (doc: DocumentModel) => doc.blocks.filter((b): b is Table => b.kind === 'table');
const findTable = (doc: DocumentModel, text: string) =>
  tables(doc).find((t) => t.rows.some((r) => r.some((c) => norm(c.text) === text)));

const ORGS = ['natural', 'commercial', 'research', 'social', 'legal', 'other_org', 'total'];
const ORG_HEADS = ['自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计'];

/** Rows of the 三 table by their leaf label (the last label cell before the numbers). */
function s3Rows(t: Table, firstValueCol: number): Map<string, TableCell[]> {
  const out = new Map<string, TableCell[]>();
  for (const row of t.rows) {
    const label = norm(row[firstValueCol - 1]?.text ?? '');
    if (label) out.set(label, row);
  }
  return out;
}

/** grid.json rows of the 三 table: key part → printed leaf label. */
function s3Labels(template: '2019' | '2021'): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of grid.templates[template]) {
    if (!f.key.startsWith('s3.') || !f.key.endsWith('.natural')) continue;
    const label = f.row.replace(/^三、本年度办理结果\s*/, '');
    m.set(f.key.slice(3, -'.natural'.length), norm(label.includes(' ') ? label.slice(label.lastIndexOf(' ') + 1) : label));
  }
  return m;
}

const RULED = ['ruled-2019', 'ruled-2021', 'lo-2021', 'split-header', 'split-noheader'];

describe.each(RULED)('ruled report %s', (name) => {
  const exp = expected(name);

  test('the 三 table: every number in its row and column', async () => {
    const doc = await read(name);
    const t = findTable(doc, '申请人情况');
    expect(t).toBeDefined();
    expect(t!.origin).toBe('pdf-lattice');
    // columns from the header cells
    const cols = ORG_HEADS.map((h) => {
      for (const row of t!.rows.slice(0, 4)) {
        const c = row.findIndex((cell) => norm(cell.text) === h && !cell.spanOf);
        if (c >= 0) return c;
      }
      return -1;
    });
    expect(cols.every((c) => c > 0)).toBe(true);
    expect(cols).toEqual(cols.map((_, i) => cols[0] + i));
    const rows = s3Rows(t!, cols[0]);
    const labels = s3Labels(exp.template);
    let checked = 0;
    for (const [key, label] of labels) {
      const row = rows.get(label);
      expect({ key, label, found: !!row }).toEqual({ key, label, found: true });
      ORGS.forEach((org, i) => {
        const cell = row![cols[i]];
        expect({ field: `s3.${key}.${org}`, text: cell.text, span: cell.spanOf ?? null }).toEqual({
          field: `s3.${key}.${org}`,
          text: String(exp.fields[`s3.${key}.${org}`]),
          span: null,
        });
        checked++;
      });
    }
    expect(checked).toBe(labels.size * 7);
  });

  test('the 四 table: fifteen numbers in order', async () => {
    const doc = await read(name);
    const t = findTable(doc, '行政复议');
    expect(t).toBeDefined();
    const last = t!.rows[t!.rows.length - 1];
    const want = ['review', 'suit_direct', 'suit_after_review'].flatMap((g) =>
      ['upheld', 'corrected', 'other', 'pending', 'total'].map((c) => String(exp.fields[`s4.${g}.${c}`])));
    expect(last.map((c) => c.text)).toEqual(want);
  });

  test('the 二 table: values beside their labels', async () => {
    const doc = await read(name);
    const t = findTable(doc, '第二十条第（一）项');
    expect(t).toBeDefined();
    const rowOf = (label: string) => t!.rows.find((r) => norm(r[0].text) === label)!;
    const values = (label: string) => rowOf(label).slice(1).filter((c) => !c.spanOf).map((c) => c.text);
    if (exp.template === '2019') {
      const f = exp.fields;
      expect(values('规章')).toEqual([f['s2.rules.made'], f['s2.rules.published'], f['s2.rules.total']].map(String));
      expect(values('行政许可')).toEqual([f['s2.license.prev'], f['s2.license.change'], f['s2.license.decisions']].map(String));
      expect(values('行政事业性收费')).toEqual([f['s2.fees.prev'], f['s2.fees.change']].map(String));
      expect(values('政府集中采购')).toEqual([f['s2.procurement.count'], f['s2.procurement.amount']].map(String));
    } else {
      const f = exp.fields;
      expect(values('行政规范性文件')).toEqual([f['s2.normative.issued'], f['s2.normative.repealed'], f['s2.normative.in_force']].map(String));
      expect(values('行政处罚')).toEqual([String(f['s2.penalty.decisions'])]);
      expect(Number(values('行政事业性收费')[0])).toBeCloseTo(f['s2.fees.amount'], 2);
    }
  });

  test('positions: page and bbox on every cell, grid indices match', async () => {
    const doc = await read(name);
    doc.blocks.forEach((b, i) => {
      expect(b.pos.page).toBeGreaterThanOrEqual(1);
      expect(b.pos.bbox).toHaveLength(4);
      if (b.kind !== 'table') return;
      b.rows.forEach((row, r) => row.forEach((cell, c) => {
        expect(cell.pos).toMatchObject({ table: i, row: r, col: c });
        expect(cell.pos.page).toBeGreaterThanOrEqual(1);
        expect(cell.pos.page).toBeLessThanOrEqual(doc.pages!);
        if (cell.spanOf) expect(b.rows[cell.spanOf[0]][cell.spanOf[1]].text).toBe(cell.text);
      }));
    });
  });

  test('paragraphs: headings and prose in reading order, no page furniture', async () => {
    const doc = await read(name);
    const paras = doc.blocks.filter((b) => b.kind === 'paragraph').map((b) => (b as { text: string }).text);
    const headings = ['一、总体情况', '二、主动公开政府信息情况', '三、收到和处理政府信息公开申请情况', '四、政府信息公开行政复议、行政诉讼情况', '五、存在的主要问题及改进情况'];
    const at = headings.map((h) => paras.findIndex((p) => norm(p) === h));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(paras[0]).toBe(`${exp.agency}${exp.year}年政府信息公开工作年度报告`);
    expect(paras.filter((p) => norm(p) === norm(paras[0]))).toHaveLength(1);
    for (const p of paras) expect(p).not.toMatch(/^(第\s*\d+\s*页.*|[-—\s]*\d+[-—\s]*)$/);
    // wrapped lines are joined into whole paragraphs: every long one ends its sentence
    const prose = paras.filter((p) => p.length > 40);
    expect(prose.length).toBeGreaterThanOrEqual(3);
    for (const p of prose) expect(p).toMatch(/。$/);
  });
});

describe('page breaks', () => {
  test.each(['split-header', 'split-noheader', 'ruled-2021', 'lo-2021'])('%s: the 三 table is one table over two pages, header once', async (name) => {
    const doc = await read(name);
    const t = findTable(doc, '申请人情况')!;
    const pages = new Set(t.rows.flat().map((c) => c.pos.page));
    expect(pages.size).toBeGreaterThanOrEqual(2);
    expect(t.rows.filter((r) => r.some((c) => norm(c.text) === '申请人情况'))).toHaveLength(1);
    expect(t.rows.flat().filter((c) => norm(c.text) === '商业企业')).toHaveLength(1);
    expect(tables(doc).filter((x) => x.rows.some((r) => r.some((c) => /结转下年度继续办理/.test(c.text))))).toHaveLength(1);
  });

  test('a merged label cell cut by the page break stays one cell', async () => {
    const doc = await read('split-noheader');
    const t = findTable(doc, '申请人情况')!;
    const origins = t.rows.flat().filter((c) => norm(c.text) === '三、本年度办理结果' && !c.spanOf);
    expect(origins).toHaveLength(1);
    expect(origins[0].rowSpan).toBe(s3Labels('2021').size - 3);
  });

  test('a row cut by the page break (LibreOffice) is one row with its whole label', async () => {
    const doc = await read('lo-2021');
    const t = findTable(doc, '申请人情况')!;
    expect(t.rows).toHaveLength(3 + s3Labels('2021').size);
  });

  test('running header and "— N —" page numbers are dropped (ruled-2019)', async () => {
    const doc = await read('ruled-2019');
    const paras = doc.blocks.filter((b) => b.kind === 'paragraph').map((b) => norm((b as { text: string }).text));
    expect(paras.filter((p) => p === '江城市人民政府办公室2020年政府信息公开工作年度报告')).toHaveLength(1);
    expect(paras.filter((p) => /^—\d+—$/.test(p))).toHaveLength(0);
  });
});

describe('borderless tables (stream)', () => {
  test('二 and 三 tables come out as stream tables with the numbers in their rows', async () => {
    const doc = await read('borderless-2021');
    const exp = expected('borderless-2021');
    const ts = tables(doc);
    expect(ts.length).toBeGreaterThanOrEqual(2);
    expect(ts.every((t) => t.origin === 'pdf-stream')).toBe(true);
    const s2 = findTable(doc, '规章')!;
    const rule = s2.rows.find((r) => norm(r[0].text) === '规章')!;
    expect(rule.slice(1).map((c) => c.text)).toEqual(['issued', 'repealed', 'in_force'].map((k) => String(exp.fields[`s2.rules.${k}`])));
    const s3 = ts.find((t) => t.rows.some((r) => r.some((c) => norm(c.text) === '（七）总计')))!;
    const total = s3.rows.find((r) => r.some((c) => norm(c.text) === '（七）总计'))!;
    expect(total.filter((c) => /^\d+$/.test(c.text)).map((c) => c.text)).toEqual(ORGS.map((o) => String(exp.fields[`s3.total.${o}`])));
    const granted = s3.rows.find((r) => r.some((c) => norm(c.text) === '（一）予以公开'))!;
    expect(granted.filter((c) => /^\d+$/.test(c.text)).map((c) => c.text)).toEqual(ORGS.map((o) => String(exp.fields[`s3.granted.${o}`])));
  });
});

describe('a borderless table whose last row is alone on the next page', () => {
  test('the 四 table: its row of fifteen numbers (page 3) joins the table (page 2), in order', async () => {
    const doc = await read('borderless-2021');
    const exp = expected('borderless-2021');
    const t = findTable(doc, '行政复议')!;
    expect(t).toBeDefined();
    expect(t.origin).toBe('pdf-stream');
    const last = t.rows[t.rows.length - 1].filter((c) => !c.spanOf && c.text);
    const want = ['review', 'suit_direct', 'suit_after_review'].flatMap((g) =>
      ['upheld', 'corrected', 'other', 'pending', 'total'].map((c) => String(exp.fields[`s4.${g}.${c}`])));
    expect(last.map((c) => c.text)).toEqual(want);
    expect(last.every((c) => c.pos.page === 3)).toBe(true);
    expect(t.pos.page).toBe(2);
    // the header cells span the number columns they were printed over
    expect(t.rows[0].some((c) => norm(c.text) === '行政诉讼' && (c.colSpan ?? 1) > 1)).toBe(true);
    // and the numbers are no longer a paragraph
    const paras = doc.blocks.filter((b) => b.kind === 'paragraph').map((b) => (b as { text: string }).text);
    expect(paras.filter((p) => /^[\d\s]+$/.test(p))).toEqual([]);
  });

  const it = (str: string, x0: number, x1: number, y = 100): TItem => ({ str, x0, x1, y0: y - 2, y1: y + 8, size: 10 });
  const stream = (xs: number[], rows: string[][], y = 200): PTable => ({
    origin: 'pdf-stream', page: 1, bbox: [xs[0], y - 20 * rows.length, xs[xs.length - 1], y], xs, nrows: rows.length,
    cells: rows.flatMap((r, ri) => r.map((text, c) => ({ r0: ri, c0: c, r1: ri + 1, c1: c + 1, text, bbox: [xs[c], y - 20 * (ri + 1), xs[c + 1], y - 20 * ri] as [number, number, number, number], page: 1 }))),
  });

  test('numberCells: numbers of a line, also from one run with spaces; null for a line with words', () => {
    expect(numberCells(makeLine([it('4 17 1,203', 0, 60)]))!.map((c) => c.map((p) => p.str).join(''))).toEqual(['4', '17', '1,203']);
    // digits drawn as separate touching runs are one number
    expect(numberCells(makeLine([it('1', 0, 5), it('0', 5.5, 10.5), it('7', 40, 45)]))!.length).toBe(2);
    expect(numberCells(makeLine([it('合计', 0, 20), it('7', 40, 45)]))).toBeNull();
    expect(numberCells(makeLine([it('7', 40, 45)]))).toBeNull();
  });

  test('appendNumberRows: numbers that fit the columns take them; others add columns under spanning headers', () => {
    const fit = appendNumberRows(stream([0, 50, 100, 150], [['项目', '甲', '乙']]), [makeLine([it('3', 60, 70, 150), it('9', 110, 120, 150)])], 2)!;
    expect(fit.xs).toEqual([0, 50, 100, 150]);
    expect(fit.nrows).toBe(2);
    expect(fit.cells.filter((c) => c.r0 === 1).map((c) => [c.c0, c.text, c.page])).toEqual([[0, '', 2], [1, '3', 2], [2, '9', 2]]);
    // a header of two merged columns over four numbers
    const wide = appendNumberRows(stream([0, 100, 200], [['复议', '诉讼']]), [makeLine([it('1', 20, 25), it('2', 70, 75), it('3', 120, 125), it('4', 170, 175)])], 2)!;
    expect(wide.xs.length - 1).toBe(4);
    expect(wide.cells.filter((c) => c.r0 === 0).map((c) => [c.text, c.c0, c.c1])).toEqual([['复议', 0, 2], ['诉讼', 2, 4]]);
    expect(wide.cells.filter((c) => c.r0 === 1).map((c) => c.text)).toEqual(['1', '2', '3', '4']);
    // not numbers, or far outside the table: no join
    expect(appendNumberRows(stream([0, 50, 100], [['a', 'b']]), [makeLine([it('说明', 0, 20), it('3', 60, 70)])], 2)).toBeNull();
    expect(appendNumberRows(stream([0, 50, 100], [['a', 'b']]), [makeLine([it('3', 300, 310), it('4', 400, 410)])], 2)).toBeNull();
  });
});

describe('pdf.js loading', () => {
  test('the legacy build\'s polyfills stay, the built-ins it replaced are native again', async () => {
    await loadPdfjs();
    await read('ruled-2021');
    // the legacy build ran in this realm: Node 20 has no Promise.withResolvers of its own
    expect(typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers).toBe('function');
    expect(Array.prototype.push).toBe(before.push);
    expect(JSON.parse).toBe(before.parse);
    expect(JSON.stringify).toBe(before.stringify);
    expect(Function.prototype.toString).toBe(before.toString);
  });

  test('Uint8Array#toBase64 (Buffer-backed) encodes as the proposal says', async () => {
    await loadPdfjs();
    const u = new Uint8Array([251, 255, 191, 0, 1]) as Uint8Array & { toBase64(o?: object): string };
    expect(u.toBase64()).toBe('+/+/AAE=');
    expect(u.toBase64({ alphabet: 'base64url' })).toBe('-_-_AAE=');
    expect(u.toBase64({ omitPadding: true })).toBe('+/+/AAE');
    expect(u.subarray(1, 3).toBase64()).toBe(Buffer.from([255, 191]).toString('base64'));
    expect(() => u.toBase64({ alphabet: 'hex' })).toThrow(TypeError);
  });

  test('DecompressionStream inflates in one call and fails on broken input as the native one does', async () => {
    await loadPdfjs();
    const inflate = async (format: string, bytes: Uint8Array): Promise<Buffer> => {
      const ds = new DecompressionStream(format as 'deflate');
      const w = ds.writable.getWriter();
      void w.write(bytes).catch(() => undefined);
      void w.close().catch(() => undefined);
      const out: Uint8Array[] = [];
      for await (const c of ds.readable as unknown as AsyncIterable<Uint8Array>) out.push(c);
      return Buffer.concat(out);
    };
    expect(DecompressionStream.name).toBe('SyncDecompressionStream');
    const text = Buffer.from('第一项加第二项之和，等于第三项加第四项之和 '.repeat(50));
    expect((await inflate('deflate', zlib.deflateSync(text))).equals(text)).toBe(true);
    expect((await inflate('deflate-raw', zlib.deflateRawSync(text))).equals(text)).toBe(true);
    expect((await inflate('gzip', zlib.gzipSync(text))).equals(text)).toBe(true);
    const cut = zlib.deflateSync(text).subarray(0, 40);
    await expect(inflate('deflate', cut)).rejects.toThrow(/unexpected end of file/);
    expect(() => new DecompressionStream('brotli' as 'deflate')).toThrow();
  });
});

describe('failures', () => {
  const code = async (name: string, opts?: Parameters<typeof readPdfBytes>[1]) => {
    try {
      await readPdfBytes(fs.readFileSync(path.join(DIR, name)), opts);
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(ExtractError);
      return (e as ExtractError).code;
    }
  };
  test('scanned.pdf without OCR → pdf_no_text_layer', async () => {
    expect(await code('scanned.pdf', { ocr: false })).toBe('pdf_no_text_layer');
    expect(expected('scanned') as unknown as { error: string }).toMatchObject({ error: 'pdf_no_text_layer' });
  });

  test.each([
    ['encrypted.pdf', 'pdf_encrypted'],
    ['truncated.pdf', 'pdf_corrupt'],
    ['garbage.pdf', 'pdf_corrupt'],
  ])('%s → %s', async (file, want) => {
    expect(await code(file)).toBe(want);
    expect(expected(file.replace('.pdf', '')) as unknown as { error: string }).toMatchObject({ error: want });
  });

  test('the time budget is kept', async () => {
    expect(await code('ruled-2019.pdf', { timeoutMs: 1 })).toBe('timeout');
  });

  test('the page limit stops reading', async () => {
    const doc = await readPdfBytes(fs.readFileSync(path.join(DIR, 'ruled-2019.pdf')), { maxPages: 1 });
    expect(doc.pages).toBe(5);
    expect(doc.blocks.every((b) => b.pos.page === 1)).toBe(true);
  });
});

describe('cell membership from geometry', () => {
  const item = (str: string, x0: number, x1: number, y = 100): TItem => ({ str, x0, x1, y0: y - 2, y1: y + 8, size: 10 });

  test('a run drawn over a column line is split at the line', () => {
    expect(splitAt(item('1012', 0, 22), [11]).map((p) => p.str)).toEqual(['10', '12']);
    expect(splitAt(item('合计 37', 0, 40), [25]).map((p) => p.str)).toEqual(['合计', '37']);
    expect(splitAt(item('37', 0, 11), [20]).map((p) => p.str)).toEqual(['37']);
  });

  test('digits printed as separate runs join their own cell, never the neighbour', () => {
    // a 1x3 grid: columns 0-30, 30-40, 40-70 (a narrow middle cell), rows 90-112
    const h = [90, 112].map((y) => ({ at: y, lo: 0, hi: 70 }));
    const v = [0, 30, 40, 70].map((x) => ({ at: x, lo: 90, hi: 112 }));
    const [g] = findGrids({ h, v });
    // "1","0" in cell 1 with a gap; "2" right of the line belongs to cell 2 though close to "0"
    const items = [item('1', 31, 34.5), item('0', 35.5, 39), item('2', 41, 44.5), item('5', 45, 48.5), item('名', 2, 12)];
    const built = buildLattice(g, items, 1)!;
    expect(built.table.cells.map((c) => c.text)).toEqual(['名', '10', '25']);
  });

  test('merged cells: a missing separator merges slots', () => {
    // 2x2 grid whose top row has no middle separator
    const h = [0, 10, 20].map((y) => ({ at: y, lo: 0, hi: 40 }));
    const v = [{ at: 0, lo: 0, hi: 20 }, { at: 20, lo: 0, hi: 10 }, { at: 40, lo: 0, hi: 20 }];
    const [g] = findGrids({ h, v });
    const built = buildLattice(g, [item('标题', 10, 30, 14), item('3', 5, 10, 4), item('4', 25, 30, 4)], 1)!;
    const cells = built.table.cells.map((c) => [c.r0, c.c0, c.r1, c.c1, c.text]);
    expect(cells).toEqual([[0, 0, 1, 2, '标题'], [1, 0, 2, 1, '3'], [1, 1, 2, 2, '4']]);
  });
});

describe('pages left out are never silent', () => {
  test('a page limit marks the document truncated, and the extraction is flagged', async () => {
    const { extractDocument } = await import('../src/pipeline/extract');
    const bytes = fs.readFileSync(path.join(__dirname, 'fixtures', 'files', 'pdf', 'ruled-2021.pdf'));
    const full = await readPdfBytes(bytes, {});
    expect(full.truncated).toBeUndefined();
    const cut = await readPdfBytes(bytes, { maxPages: 2 });
    expect(cut.pages).toBe(full.pages);
    expect(cut.truncated).toMatch(/pages 3–\d+ not read \(limit 2 pages\)/);
    const x = extractDocument(cut, { sha256: 'x', format: 'pdf' });
    expect(x.status).toBe('flagged');
    expect(x.flags.some((f) => f.code === 'input_truncated')).toBe(true);
  });
});
