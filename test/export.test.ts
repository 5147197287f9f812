/**
 * Export: real files written and read back (CSV parsed, XLSX with exceljs,
 * Parquet with hyparquet in a worker thread, JSONL), the codebook and the
 * datapackage.json checked against the data it describes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { pathToFileURL } from 'url';
import { Worker } from 'worker_threads';
import ExcelJS from 'exceljs';
import grid from '../src/grid/grid.json';
import { exportDataset, readExtractionsJsonl, type ExportRecord } from '../src/export';
import { syntheticExtraction } from '../src/export/synthetic';
import { foldReviews } from '../src/export/store';
import { openXlsx, columnLetters, xmlEscape } from '../src/export/xlsx';
import { ZipWriter } from '../src/export/zip';
import type { ColumnDef } from '../src/export/columns';
import { crc32, inflateRawSync } from 'zlib';
import type { Extraction } from '../src/model/extraction';
import * as cli from '../src/cli/commands/export';

// ---------- helpers ----------

/** RFC 4180 parser: quoted fields, doubled quotes, CRLF records, line breaks inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"') {
      if (field !== '') throw new Error(`quote inside unquoted field at ${i}`);
      quoted = true; i++; continue;
    }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 2; continue; }
    if (c === '\n' || c === '\r') throw new Error(`bare line break outside quotes at ${i}`);
    field += c; i++;
  }
  if (quoted) throw new Error('unterminated quote');
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function readCsv(path: string): { bom: boolean; header: string[]; rows: Record<string, string>[] } {
  const text = readFileSync(path, 'utf8');
  const bom = text.charCodeAt(0) === 0xfeff;
  const [header, ...data] = parseCsv(bom ? text.slice(1) : text);
  for (const r of data) expect(r.length).toBe(header.length);
  return { bom, header, rows: data.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) };
}

interface ParquetBack { schema: Record<string, any>[]; numRows: bigint; rows: Record<string, unknown>[] }

/** hyparquet is an ES module: read in a worker thread, where Node imports it natively. */
function readParquet(path: string): Promise<ParquetBack> {
  const url = pathToFileURL(require.resolve('hyparquet')).href;
  const w = new Worker(`
    const { parentPort, workerData } = require('worker_threads');
    const fs = require('fs');
    import(workerData.url).then(async (h) => {
      const buf = fs.readFileSync(workerData.path);
      const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      const metadata = h.parquetMetadata(file);
      const rows = await h.parquetReadObjects({ file, metadata });
      parentPort.postMessage({ schema: metadata.schema, numRows: metadata.num_rows, rows });
    }).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
  `, { eval: true, workerData: { url, path } });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => { void w.terminate(); if (m.error) reject(new Error(m.error)); else resolve(m); });
    w.once('error', reject);
  });
}

async function readXlsx(path: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return wb;
}

/**
 * The entries of a ZIP file, checked the strict way: central directory and local headers agree
 * (CRC, sizes, name), each entry inflates to its size and CRC, ZIP64 end records when present.
 */
function readZip(path: string): { entries: Map<string, Buffer>; zip64: boolean } {
  const b = readFileSync(path);
  const eocd = b.length - 22;
  expect(b.readUInt32LE(eocd)).toBe(0x06054b50);
  let n = b.readUInt16LE(eocd + 10);
  let cdOffset = b.readUInt32LE(eocd + 16);
  let zip64 = false;
  if (cdOffset === 0xffffffff) {
    zip64 = true;
    expect(b.readUInt32LE(eocd - 20)).toBe(0x07064b50);
    const rec = Number(b.readBigUInt64LE(eocd - 20 + 8));
    expect(b.readUInt32LE(rec)).toBe(0x06064b50);
    n = Number(b.readBigUInt64LE(rec + 32));
    cdOffset = Number(b.readBigUInt64LE(rec + 48));
  }
  const entries = new Map<string, Buffer>();
  let p = cdOffset;
  for (let i = 0; i < n; i++) {
    expect(b.readUInt32LE(p)).toBe(0x02014b50);
    const method = b.readUInt16LE(p + 10);
    const crc = b.readUInt32LE(p + 16);
    const csize = b.readUInt32LE(p + 20);
    const usize = b.readUInt32LE(p + 24);
    const nameLen = b.readUInt16LE(p + 28);
    const extraLen = b.readUInt16LE(p + 30);
    const commentLen = b.readUInt16LE(p + 32);
    let offset = b.readUInt32LE(p + 42);
    const name = b.toString('utf8', p + 46, p + 46 + nameLen);
    if (offset === 0xffffffff) {
      expect(b.readUInt16LE(p + 46 + nameLen)).toBe(1);
      offset = Number(b.readBigUInt64LE(p + 46 + nameLen + 4));
    }
    expect(b.readUInt32LE(offset)).toBe(0x04034b50);
    expect(b.readUInt16LE(offset + 6) & 8).toBe(0); // no data descriptor: the header holds the real values
    expect([b.readUInt32LE(offset + 14), b.readUInt32LE(offset + 18), b.readUInt32LE(offset + 22)]).toEqual([crc, csize, usize]);
    const lName = b.readUInt16LE(offset + 26);
    const lExtra = b.readUInt16LE(offset + 28);
    expect(b.toString('utf8', offset + 30, offset + 30 + lName)).toBe(name);
    const start = offset + 30 + lName + lExtra;
    const raw = b.subarray(start, start + csize);
    const data = method === 8 ? inflateRawSync(raw) : raw;
    expect(data.length).toBe(usize);
    expect(crc32(data) >>> 0).toBe(crc);
    entries.set(name, data);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { entries, zip64 };
}

function sheetObjects(ws: ExcelJS.Worksheet): { header: string[]; rows: Record<string, unknown>[] } {
  const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const rows: Record<string, unknown>[] = [];
  for (let r = 2; r <= ws.rowCount; r++) {
    const vals = ws.getRow(r).values as unknown[];
    rows.push(Object.fromEntries(header.map((h, i) => [h, vals[i + 1] ?? null])));
  }
  return { header, rows };
}

const G = grid as unknown as { templates: Record<string, { key: string; col?: string }[]>; prose_fields: { key: string }[] };
const UNION = [...new Set([...G.templates['2019'], ...G.templates['2021']].map((e) => e.key))];
const PROSE = G.prose_fields.map((p) => p.key);
const keysOf = (t: string) => G.templates[t].map((e) => e.key);

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'nianbao-export-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });
let n = 0;
const outDir = () => join(dir, `run${n++}`);

// ---------- fixture ----------

/**
 * 80 synthetic extractions (ok, flagged, failed; 2019 and 2021) with reviews:
 * some flagged ones approved with corrections, some ok ones rejected, one ok approved
 * with a correction equal to the extracted value and an agency correction.
 */
function fixture(): { records: ExportRecord[]; expect: { id: string; as: string; rec: ExportRecord }[] } {
  const records: ExportRecord[] = [];
  for (let i = 0; i < 80; i++) {
    const ex = syntheticExtraction(i);
    const rec: ExportRecord = { extraction: ex };
    const t = ex.meta.template;
    if (ex.status === 'flagged' && i % 3 === 0 && t) {
      const k = keysOf(t)[0];
      rec.review = {
        status: 'approved',
        corrections: {
          [k]: { value: (ex.fields[k] ?? 0) + 1000, by: 'alice', at: '2024-05-01T10:00:00Z' },
          's3.new.natural': { value: 7, by: 'bob', at: '2024-05-02T10:00:00Z' },
        },
      };
    } else if (ex.status === 'ok' && i % 7 === 0) {
      rec.review = { status: 'rejected', corrections: {} };
    } else if (ex.status === 'ok' && i % 11 === 1 && t) {
      rec.review = {
        status: 'approved',
        corrections: {
          's3.new.total': { value: ex.fields['s3.new.total'], by: 'carol', at: '2024-06-01T00:00:00Z' },
          'meta.agency': { value: '更正后的机关', by: 'carol', at: '2024-06-01T00:00:00Z' },
        },
      };
    } else if (ex.status === 'flagged' && i % 3 === 1) {
      // Corrections without approval: the report stays flagged.
      rec.review = { status: null, corrections: { 's3.new.legal': { value: 99, by: 'dave', at: '2024-06-02T00:00:00Z' } } };
    }
    records.push(rec);
  }
  const expected = records.flatMap((rec) => {
    const s = rec.review?.status;
    const as = s === 'rejected' ? 'rejected' : s === 'approved' ? 'approved' : rec.extraction.status;
    return [{ id: rec.extraction.source.sha256, as, rec }];
  });
  return { records, expect: expected };
}

/** The value a field should have after corrections (only approved/unreviewed, never rejected). */
function expectedValue(rec: ExportRecord, key: string): number | null {
  const c = rec.review && rec.review.status !== 'rejected' ? rec.review.corrections[key] : undefined;
  if (c) return c.value;
  const v = rec.extraction.fields[key];
  return v === undefined ? null : v;
}

const csvNum = (s: string | undefined) => (s === '' || s === undefined ? null : Number(s));

// ---------- tests ----------

describe('export: wide CSV', () => {
  test('UTF-8 BOM, RFC 4180, every union key a column, default filter ok + approved, corrections win', async () => {
    const { records, expect: exp } = fixture();
    const out = outDir();
    const s = await exportDataset(records, { outDir: out, formats: ['csv'], shapes: ['wide'] });
    const { bom, header, rows } = readCsv(join(out, 'reports_wide.csv'));
    expect(bom).toBe(true);
    // Every grid key of both templates and every prose key, exactly as in grid.json.
    for (const k of [...UNION, ...PROSE]) expect(header).toContain(k);
    expect(UNION.length).toBe(226);
    expect(header.filter((h) => /^(s[234]|p)\./.test(h)).length).toBe(UNION.length + PROSE.length);

    const want = exp.filter((e) => e.as === 'ok' || e.as === 'approved');
    expect(want.length).toBeGreaterThan(10);
    expect(want.some((e) => e.as === 'approved' && e.rec.extraction.status === 'flagged')).toBe(true);
    expect(rows.map((r) => r.report_id)).toEqual(want.map((e) => e.id));
    expect(s.exported).toBe(want.length);
    expect(s.read).toBe(records.length);
    expect(s.excluded.status).toBe(records.length - want.length);

    for (const { rec, as } of want) {
      const row = rows.find((r) => r.report_id === rec.extraction.source.sha256)!;
      expect(row.export_status).toBe(as);
      expect(row.status).toBe(rec.extraction.status);
      expect(row.template).toBe(rec.extraction.meta.template);
      expect(csvNum(row.year)).toBe(rec.extraction.meta.year);
      const agency = rec.review?.corrections['meta.agency']?.value ?? rec.extraction.meta.agency;
      expect(row.agency).toBe(agency); // agencies with quotes and commas survive the round trip
      for (const k of [...UNION, ...PROSE]) {
        const inTemplate = keysOf(rec.extraction.meta.template!).includes(k) || PROSE.includes(k);
        expect([k, csvNum(row[k])]).toEqual([k, inTemplate ? expectedValue(rec, k) : null]);
      }
    }

    // Corrections counted over exported reports only, and how many changed a value.
    let applied = 0;
    let changed = 0;
    for (const { rec } of want) {
      for (const [k, c] of Object.entries(rec.review?.corrections ?? {})) {
        applied++;
        const before = k === 'meta.agency' ? rec.extraction.meta.agency : rec.extraction.fields[k] ?? null;
        if (before !== c.value) changed++;
      }
    }
    expect(applied).toBeGreaterThan(0);
    expect(changed).toBeLessThan(applied); // the approved-as-is correction counts as applied, not changed
    expect(s.correctionsApplied).toBe(applied);
    expect(s.valuesChanged).toBe(changed);
  });

  test('quotes, commas and line breaks in text are quoted per RFC 4180', async () => {
    const ex = syntheticExtraction(3, { status: 'ok', template: '2021' });
    ex.meta.agency = '某"区",\r\n人民政府';
    const out = outDir();
    await exportDataset([{ extraction: ex }], { outDir: out, formats: ['csv'], shapes: ['wide'] });
    const raw = readFileSync(join(out, 'reports_wide.csv'), 'utf8');
    expect(raw).toContain('"某""区"",\r\n人民政府"');
    expect(readCsv(join(out, 'reports_wide.csv')).rows[0].agency).toBe('某"区",\r\n人民政府');
  });
});

describe('export: filters', () => {
  const run = async (filters: Parameters<typeof exportDataset>[1]['filters']) => {
    const { records } = fixture();
    const out = outDir();
    const s = await exportDataset(records, { outDir: out, formats: ['csv'], shapes: ['wide'], filters });
    return { s, rows: readCsv(join(out, 'reports_wide.csv')).rows, records };
  };

  test('status: flagged only, and ok+approved+flagged', async () => {
    const { rows, records } = await run({ status: ['flagged'] });
    const flaggedUnapproved = records.filter((r) => r.extraction.status === 'flagged' && r.review?.status !== 'approved');
    expect(rows.length).toBe(flaggedUnapproved.length);
    expect(rows.every((r) => r.export_status === 'flagged')).toBe(true);
    // An unapproved report still shows its reviewer's corrections.
    const withCorr = flaggedUnapproved.find((r) => r.review?.corrections['s3.new.legal']);
    expect(withCorr).toBeDefined();
    expect(rows.find((r) => r.report_id === withCorr!.extraction.source.sha256)!['s3.new.legal']).toBe('99');

    const all = await run({ status: ['ok', 'approved', 'flagged'] });
    expect(new Set(all.rows.map((r) => r.export_status))).toEqual(new Set(['ok', 'approved', 'flagged']));
    expect(all.rows.length).toBe(records.filter((r) => r.extraction.status !== 'failed' && r.review?.status !== 'rejected').length);
  });

  test('template, year, agency (substring)', async () => {
    const t = await run({ template: ['2019'] });
    expect(t.rows.length).toBeGreaterThan(0);
    expect(t.rows.every((r) => r.template === '2019')).toBe(true);
    expect(t.s.excluded.template).toBeGreaterThan(0);

    const y = await run({ year: [2022, 2023] });
    expect(y.rows.length).toBeGreaterThan(0);
    expect(y.rows.every((r) => r.year === '2022' || r.year === '2023')).toBe(true);

    const a = await run({ agency: ['教育'] });
    expect(a.rows.length).toBeGreaterThan(0);
    expect(a.rows.every((r) => r.agency.includes('教育'))).toBe(true);
    const expected = a.records.filter((r) => {
      const st = r.review?.status === 'approved' ? 'approved' : r.review?.status === 'rejected' ? 'rejected' : r.extraction.status;
      const ag = (r.review?.corrections['meta.agency']?.value as string | undefined) ?? r.extraction.meta.agency ?? '';
      return (st === 'ok' || st === 'approved') && ag.includes('教育');
    });
    expect(a.rows.length).toBe(expected.length);
  });
});

describe('export: long shape', () => {
  test('one row per report and template field, Chinese labels of the report\'s template', async () => {
    const { records, expect: exp } = fixture();
    const out = outDir();
    const s = await exportDataset(records, { outDir: out, formats: ['csv', 'jsonl'], shapes: ['long'] });
    const { header, rows } = readCsv(join(out, 'reports_long.csv'));
    expect(header).toEqual(expect.arrayContaining(['report_id', 'key', 'section', 'table', 'row', 'col', 'unit', 'value', 'extracted_value', 'confidence', 'inferred', 'reviewed', 'corrected', 'export_status', 'status']));
    const want = exp.filter((e) => e.as === 'ok' || e.as === 'approved');
    const expectedRows = want.reduce((a, e) => a + keysOf(e.rec.extraction.meta.template!).length + PROSE.length, 0);
    expect(rows.length).toBe(expectedRows);
    expect(s.files.find((f) => f.path.endsWith('reports_long.csv'))!.rows).toBe(expectedRows);

    // Labels follow the report's template where the templates differ.
    const l19 = rows.find((r) => r.key === 's2.license.decisions' && r.template === '2019')!;
    const l21 = rows.find((r) => r.key === 's2.license.decisions' && r.template === '2021')!;
    expect(l19.col).toBe('处理决定数量');
    expect(l21.col).toBe('本年处理决定数量');
    expect(l21.section).toBe('二、主动公开政府信息情况');
    expect(rows.find((r) => r.key === 's2.fees.amount')!.unit).toBe('万元');
    expect(rows.find((r) => r.key === 's3.new.natural')!.unit).toBe('件');

    // Value vs extracted value, corrected and reviewed flags, confidence and inferred from the cells.
    const approved = want.find((e) => e.as === 'approved' && e.rec.extraction.status === 'flagged')!;
    const ex = approved.rec.extraction;
    const row = rows.find((r) => r.report_id === ex.source.sha256 && r.key === 's3.new.natural')!;
    expect(csvNum(row.value)).toBe(7);
    expect(csvNum(row.extracted_value)).toBe(ex.fields['s3.new.natural']);
    expect(row.corrected).toBe('true');
    expect(row.corrected_by).toBe('bob');
    expect(row.reviewed).toBe('true');
    const other = rows.find((r) => r.report_id === ex.source.sha256 && r.key === 's3.new.total')!;
    expect(other.corrected).toBe('false');
    expect(csvNum(other.confidence)).toBe(ex.cells['s3.new.total'].confidence);
    expect(other.inferred).toBe(String(ex.cells['s3.new.total'].inferred));

    // JSONL carries the same rows with typed values.
    const jl = readFileSync(join(out, 'reports_long.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jl.length).toBe(expectedRows);
    const j = jl.find((o) => o.report_id === ex.source.sha256 && o.key === 's3.new.natural');
    expect(j).toMatchObject({ value: 7, extracted_value: ex.fields['s3.new.natural'], corrected: true, reviewed: true });
  });
});

describe('export: XLSX', () => {
  test('read back with exceljs: header, typed cells, codebook sheet', async () => {
    const { records } = fixture();
    const out = outDir();
    await exportDataset(records, { outDir: out, formats: ['xlsx', 'csv'], shapes: ['wide'] });
    const wb = await readXlsx(join(out, 'reports_wide.xlsx'));
    const ws = wb.getWorksheet('wide')!;
    expect(ws).toBeDefined();
    const { header, rows } = sheetObjects(ws);
    const csv = readCsv(join(out, 'reports_wide.csv'));
    expect(header).toEqual(csv.header);
    expect(rows.length).toBe(csv.rows.length);
    for (let i = 0; i < rows.length; i++) {
      const x = rows[i];
      const c = csv.rows[i];
      expect(x.report_id).toBe(c.report_id);
      expect(x.agency).toBe(c.agency);
      expect(typeof x.year).toBe('number');
      expect(typeof x.n_flags).toBe('number');
      for (const k of UNION) {
        const v = x[k];
        if (c[k] === '') expect(v).toBeNull();
        else { expect(typeof v).toBe('number'); expect(v).toBe(Number(c[k])); }
      }
    }
    const cb = wb.getWorksheet('codebook')!;
    const cbRows = sheetObjects(cb).rows;
    expect(cbRows.find((r) => r.key === 's3.denied.state_secret.natural')).toMatchObject({ row: '（三）不予公开 1.属于国家秘密', col: '自然人', unit: '件' });
  });

  test('long tables continue on further sheets past the row limit', async () => {
    const recs = [0, 1, 2].map((i) => ({ extraction: syntheticExtraction(i, { status: 'ok', template: '2021' }) }));
    const out = outDir();
    const s = await exportDataset(recs, { outDir: out, formats: ['xlsx'], shapes: ['long'], xlsxMaxRowsPerSheet: 250 });
    const total = 3 * (keysOf('2021').length + PROSE.length);
    expect(s.files[0].rows).toBe(total);
    const wb = await readXlsx(join(out, 'reports_long.xlsx'));
    const sheets = wb.worksheets.filter((w) => w.name.startsWith('long'));
    expect(sheets.length).toBe(Math.ceil(total / 249));
    let seen = 0;
    for (const w of sheets) {
      expect((w.getRow(1).values as unknown[])[1]).toBe('report_id');
      seen += w.rowCount - 1;
    }
    expect(seen).toBe(total);
  });
});

describe('export: XLSX writer', () => {
  const cols = (names: [string, ColumnDef['type']][]): ColumnDef[] =>
    names.map(([name, type]) => ({ name, type, description: '', kind: 'meta', shapes: ['wide'] }) as unknown as ColumnDef);

  test('column letters and XML escaping', () => {
    expect([0, 25, 26, 51, 52, 701, 702, 16383].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA', 'XFD']);
    expect(xmlEscape('a<b>&"c"\r\n\t\u0000\u0007\u001f\uffff d')).toBe('a&lt;b&gt;&amp;&quot;c&quot;&#13;\n\t d');
  });

  test('cells read back typed and verbatim: escaping, white space, control characters, empty cells', async () => {
    const path = join(dir, `cells-${n++}.xlsx`);
    const w = openXlsx(path, cols([['s', 'string'], ['i', 'integer'], ['x', 'number'], ['b', 'boolean']]), { sheetName: 'wide' });
    const strings = ['<b>&amp; "q" \'a\'</b>', '  leading and trailing  ', 'line\nbreak', '国务院办公厅 2021 年 🙂', '=SUM(A1:A2)', 'ctl\u0001\u0008\u000bx', ''];
    const nums = [0, -12, 2147483647, 1.5e-7, 12345.678, NaN];
    for (let i = 0; i < strings.length; i++) {
      const p = w.write([strings[i], i < nums.length ? (Number.isInteger(nums[i]) ? nums[i] : null) : null, i < nums.length ? nums[i] : null, i % 3 === 2 ? null : i % 2 === 0]);
      if (p) await p;
    }
    expect(await w.close()).toMatchObject({ rows: strings.length });
    const wb = await readXlsx(path);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['wide']);
    const ws = wb.getWorksheet('wide')!;
    expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const { header, rows } = sheetObjects(ws);
    expect(header).toEqual(['s', 'i', 'x', 'b']);
    expect(rows.map((r) => r.s)).toEqual([...strings.slice(0, 5), 'ctlx', null]);
    expect(rows.map((r) => r.x)).toEqual([0, -12, 2147483647, 1.5e-7, 12345.678, null, null]);
    expect(rows.map((r) => r.i)).toEqual([0, -12, 2147483647, null, null, null, null]);
    expect(rows.map((r) => r.b)).toEqual([true, false, null, false, true, null, true]);
    expect(ws.getRow(6).getCell(1).type).toBe(ExcelJS.ValueType.String); // never a formula
    const { entries } = readZip(path);
    expect([...entries.keys()].sort()).toEqual(['[Content_Types].xml', '_rels/.rels', 'docProps/app.xml', 'docProps/core.xml',
      'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
  });

  test('large sheets: many chunks, sheets split by size, ZIP64 end records', async () => {
    const path = join(dir, `big-${n++}.xlsx`);
    const w = openXlsx(path, cols([['id', 'string'], ['k', 'integer'], ['text', 'string']]), {
      sheetName: 'long', maxSheetBytes: 600_000, forceZip64: true, codebook: { columns: ['name'], rows: [['id'], ['k']] },
    });
    const total = 10_000;
    for (let i = 0; i < total; i++) {
      const p = w.write([`r${i}`, i, 'text ' + 'x'.repeat(i % 97) + ' 文本']);
      if (p) await p;
    }
    await w.close();
    const { entries, zip64 } = readZip(path);
    expect(zip64).toBe(true);
    const wb = await readXlsx(path);
    const sheets = wb.worksheets.filter((s) => s.name.startsWith('long'));
    expect(sheets.length).toBeGreaterThan(1);
    expect(sheets.map((s) => s.name)).toEqual(sheets.map((_, i) => (i ? `long_${i + 1}` : 'long')));
    let k = 0;
    for (const s of sheets) {
      expect(entries.get(`xl/worksheets/sheet${wb.worksheets.indexOf(s) + 1}.xml`)!.length).toBeLessThan(600_000 + 200_000);
      const { header, rows } = sheetObjects(s);
      expect(header).toEqual(['id', 'k', 'text']);
      for (const r of rows) { expect(r.id).toBe(`r${k}`); expect(r.k).toBe(k); k++; }
    }
    expect(k).toBe(total);
    expect(sheetObjects(wb.getWorksheet('codebook')!).rows).toEqual([{ name: 'id' }, { name: 'k' }]);
  });

  test('zip: chunked deflate is one valid stream; no write after close', async () => {
    const path = join(dir, `zip-${n++}.zip`);
    const z = new ZipWriter(path, { chunkBytes: 1000, inFlight: 2 });
    z.begin('a.txt');
    let expected = '';
    for (let i = 0; i < 5000; i++) { const s = `line ${i} 行\n`; expected += s; const p = z.write(s); if (p) await p; }
    z.add('empty.txt', '');
    z.begin('b.txt');
    z.write('b');
    await z.close();
    const { entries } = readZip(path);
    expect(entries.get('a.txt')!.toString('utf8')).toBe(expected);
    expect(entries.get('empty.txt')!.length).toBe(0);
    expect(entries.get('b.txt')!.toString()).toBe('b');
    expect(() => z.write('x')).toThrow();
  });
});

describe('export: Parquet', () => {
  test('reads back with hyparquet with its types and values', async () => {
    const { records } = fixture();
    const out = outDir();
    await exportDataset(records, { outDir: out, formats: ['parquet', 'csv'], shapes: ['wide', 'long'] });
    const csv = readCsv(join(out, 'reports_wide.csv'));
    const pq = await readParquet(join(out, 'reports_wide.parquet'));
    expect(Number(pq.numRows)).toBe(csv.rows.length);
    const type = (name: string) => pq.schema.find((e) => e.name === name)!;
    expect(type('report_id')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(type('year')).toMatchObject({ type: 'INT32' });
    expect(type('s3.new.natural')).toMatchObject({ type: 'INT32' });
    expect(type('s2.fees.amount')).toMatchObject({ type: 'DOUBLE' });
    expect(type('s2.procurement.amount')).toMatchObject({ type: 'DOUBLE' });
    expect(pq.schema.length - 1).toBe(csv.header.length);
    expect(pq.schema.slice(1).map((e) => e.name)).toEqual(csv.header);
    pq.rows.forEach((r, i) => {
      const c = csv.rows[i];
      expect(r.report_id).toBe(c.report_id);
      expect(r.agency).toBe(c.agency);
      expect(r.year).toBe(Number(c.year));
      expect(r.review_status ?? '').toBe(c.review_status);
      for (const k of [...UNION, ...PROSE]) expect([k, r[k] ?? null]).toEqual([k, csvNum(c[k])]);
    });
    // Fractional amounts keep their decimals.
    expect(pq.rows.some((r) => typeof r['s2.fees.amount'] === 'number' && !Number.isInteger(r['s2.fees.amount']))).toBe(true);

    const lq = await readParquet(join(out, 'reports_long.parquet'));
    const lt = (name: string) => lq.schema.find((e) => e.name === name)!;
    expect(lt('inferred')).toMatchObject({ type: 'BOOLEAN' });
    expect(lt('corrected')).toMatchObject({ type: 'BOOLEAN' });
    expect(lt('value')).toMatchObject({ type: 'DOUBLE' });
    expect(lt('confidence')).toMatchObject({ type: 'DOUBLE' });
    const longCsv = readCsv(join(out, 'reports_long.csv'));
    expect(lq.rows.length).toBe(longCsv.rows.length);
    const k = lq.rows.findIndex((r) => r.corrected === true);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(longCsv.rows[k].corrected).toBe('true');
    expect(lq.rows[k].value).toBe(csvNum(longCsv.rows[k].value));
    expect(typeof lq.rows[0].inferred).toBe('boolean');
  });

  test('an empty export is still a valid, typed Parquet file', async () => {
    const out = outDir();
    const s = await exportDataset([], { outDir: out, formats: ['parquet'], shapes: ['wide'] });
    expect(s.exported).toBe(0);
    const pq = await readParquet(join(out, 'reports_wide.parquet'));
    expect(Number(pq.numRows)).toBe(0);
    expect(pq.schema.find((e) => e.name === 's3.new.total')).toMatchObject({ type: 'INT32' });
  });
});

describe('export: codebook and datapackage.json', () => {
  test('every column described; data files valid against their Table Schema', async () => {
    const { records } = fixture();
    const out = outDir();
    await exportDataset(records, { outDir: out, formats: ['csv', 'parquet', 'xlsx', 'jsonl'], shapes: ['wide', 'long'] });
    const dp = JSON.parse(readFileSync(join(out, 'datapackage.json'), 'utf8'));
    expect(dp.profile).toBe('tabular-data-package');
    expect(dp.name).toMatch(/^[a-z0-9._-]+$/);
    const names = new Set<string>();
    for (const r of dp.resources) {
      expect(r.name).toMatch(/^[a-z0-9._-]+$/);
      expect(names.has(r.name)).toBe(false);
      names.add(r.name);
      expect(existsSync(join(out, r.path))).toBe(true);
      expect(r.bytes).toBe(statSync(join(out, r.path)).size);
    }
    // Every file in the directory is described (no leftovers such as partial files).
    expect(new Set(readdirSync(out))).toEqual(new Set([...dp.resources.map((r: { path: string }) => r.path), 'datapackage.json']));

    const validate = (value: string, f: { type: string; constraints?: Record<string, unknown> }) => {
      if (value === '') return !f.constraints?.required;
      switch (f.type) {
        case 'integer': return /^-?\d+$/.test(value);
        case 'number': return Number.isFinite(Number(value)) && value.trim() === value;
        case 'boolean': return value === 'true' || value === 'false';
        case 'string': return true;
        default: return false;
      }
    };
    const csvResources = dp.resources.filter((r: { format: string }) => r.format === 'csv');
    expect(csvResources.length).toBe(3); // wide, long, codebook
    for (const r of csvResources) {
      expect(r.profile).toBe('tabular-data-resource');
      const { header, rows } = readCsv(join(out, r.path));
      expect(header).toEqual(r.schema.fields.map((f: { name: string }) => f.name));
      expect(rows.length).toBe(r.rows);
      for (const row of rows) {
        for (const f of r.schema.fields) {
          if (!validate(row[f.name], f)) throw new Error(`${r.path}: ${f.name}=${JSON.stringify(row[f.name])} is not a valid ${f.type}`);
          const en = f.constraints?.enum as string[] | undefined;
          if (en && row[f.name] !== '') expect(en).toContain(row[f.name]);
          if (f.constraints?.minimum !== undefined && row[f.name] !== '') expect(Number(row[f.name])).toBeGreaterThanOrEqual(f.constraints.minimum);
        }
      }
    }
    // Parquet, XLSX and JSONL resources carry the same schema as their CSV twin.
    const wideCsv = dp.resources.find((r: { path: string }) => r.path === 'reports_wide.csv');
    for (const ext of ['parquet', 'xlsx', 'jsonl']) {
      const r = dp.resources.find((x: { path: string }) => x.path === `reports_wide.${ext}`);
      expect(r.schema).toEqual(wideCsv.schema);
      expect(r.rows).toBe(wideCsv.rows);
    }

    // Codebook: every wide and long column, every field with labels, templates, type, unit.
    const cb = readCsv(join(out, 'codebook.csv')).rows;
    const cbKeys = new Set(cb.map((r) => r.key));
    for (const f of wideCsv.schema.fields) expect(cbKeys.has(f.name)).toBe(true);
    for (const f of dp.resources.find((r: { path: string }) => r.path === 'reports_long.csv').schema.fields) expect(cbKeys.has(f.name)).toBe(true);
    const entry = cb.find((r) => r.key === 's2.rules.issued')!;
    expect(entry).toMatchObject({ section: '二、主动公开政府信息情况', table: '第二十条第（一）项', row: '规章', col: '本年制发件数', templates: '2021', type: 'integer', unit: '件', kind: 'field' });
    expect(cb.find((r) => r.key === 's3.new.natural')!.templates).toBe('2019 2021');
    expect(cb.find((r) => r.key === 's2.fees.amount')).toMatchObject({ type: 'number', unit: '万元' });
    expect(cb.find((r) => r.key === 'p.proactive_total')).toMatchObject({ unit: '条', kind: 'field' });
    expect(cb.find((r) => r.key === 's2.license.decisions')!.col).toContain('本年处理决定数量');
    const cbJson = JSON.parse(readFileSync(join(out, 'codebook.json'), 'utf8'));
    expect(cbJson.columns.length).toBe(cb.length);
    expect(cbJson.columns.find((c: { key: string }) => c.key === 's2.license.decisions').labels_by_template['2019'].col).toBe('处理决定数量');
    for (const c of cbJson.columns) {
      expect(['string', 'integer', 'number', 'boolean']).toContain(c.type);
      expect(c.description.length).toBeGreaterThan(3);
      if (c.kind === 'field') expect(c.unit).toBeTruthy();
    }
  });
});

describe('export: input and store reviews', () => {
  test('readExtractionsJsonl streams extractions and {extraction, review} records; bad lines name their line', async () => {
    const { records } = fixture();
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, records.slice(0, 5).map((r, i) => JSON.stringify(i % 2 ? r : r.extraction)).join('\n') + '\n\n');
    const back: ExportRecord[] = [];
    for await (const r of readExtractionsJsonl(file)) back.push(r);
    expect(back.map((r) => r.extraction.source.sha256)).toEqual(records.slice(0, 5).map((r) => r.extraction.source.sha256));

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, JSON.stringify(records[0].extraction) + '\n{"source": {}}\n{oops\n');
    await expect((async () => { for await (const _ of readExtractionsJsonl(bad)) void _; })()).rejects.toThrow(/bad\.jsonl:2: missing "source.sha256"/);
    const skipped: number[] = [];
    let count = 0;
    for await (const _ of readExtractionsJsonl(bad, { skipInvalid: true, onInvalid: (l) => skipped.push(l) })) { void _; count++; }
    expect(count).toBe(1);
    expect(skipped).toEqual([2, 3]);
  });

  test('foldReviews: last whole-report decision wins, last correction per field wins', () => {
    const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));
    const base = { extractionId: 1, note: null };
    const info = foldReviews([
      { ...base, id: 3, field: 's3.new.natural', action: 'correct', value: 5, reviewer: 'b', createdAt: at(3) },
      { ...base, id: 1, field: null, action: 'reject', value: null, reviewer: 'a', createdAt: at(1) },
      { ...base, id: 2, field: 's3.new.natural', action: 'correct', value: 4, reviewer: 'a', createdAt: at(2) },
      { ...base, id: 4, field: null, action: 'accept', value: null, reviewer: 'b', createdAt: at(4) },
      { ...base, id: 5, field: null, action: 'comment', value: null, reviewer: 'c', createdAt: at(5) },
    ]);
    expect(info).toEqual({ status: 'approved', corrections: { 's3.new.natural': { value: 5, by: 'b', at: at(3).toISOString() } } });
    expect(foldReviews([{ ...base, id: 1, field: null, action: 'comment', value: null, reviewer: 'c', createdAt: at(1) }])).toBeNull();
  });
});

describe('nianbao export (CLI)', () => {
  const capture = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err.push(String(s)); return true; });
    try {
      const code = await cli.run(argv);
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };

  test('--from JSONL to every format, with filters and a summary', async () => {
    const exts: Extraction[] = Array.from({ length: 40 }, (_, i) => syntheticExtraction(i));
    const file = join(dir, 'cli.jsonl');
    writeFileSync(file, exts.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const out = outDir();
    const r = await capture(['--from', file, '--out', out, '--format', 'csv,jsonl', '--format', 'parquet', '--shape', 'wide', '--include-flagged', '--template', '2021']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const want = exts.filter((e) => e.status !== 'failed' && e.meta.template === '2021');
    expect(r.out).toContain(`exported ${want.length} of 40 reports`);
    expect(r.out).toMatch(/corrected values: 0 reviewer corrections applied/);
    const csv = readCsv(join(out, 'reports_wide.csv'));
    expect(csv.rows.length).toBe(want.length);
    expect(new Set(csv.rows.map((x) => x.export_status))).toEqual(new Set(want.map((e) => e.status)));
    expect(existsSync(join(out, 'reports_wide.parquet'))).toBe(true);
    expect(existsSync(join(out, 'reports_wide.jsonl'))).toBe(true);
    expect(existsSync(join(out, 'datapackage.json'))).toBe(true);
    expect(existsSync(join(out, 'reports_wide.xlsx'))).toBe(false);
  });

  test('clear errors', async () => {
    const file = join(dir, 'cli-err.jsonl');
    writeFileSync(file, JSON.stringify(syntheticExtraction(1)) + '\nnot json\n');
    const out = outDir();
    let r = await capture(['--from', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out DIR/);
    r = await capture(['--from', file, '--out', out, '--format', 'xls']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown format 'xls'/);
    r = await capture(['--from', join(dir, 'nope.jsonl'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no such file/);
    r = await capture(['--from', file, '--out', out, '--year', '20x1']);
    expect(r.code).toBe(2);
    r = await capture(['--from', file, '--out', out, '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option '--bogus'/);
    r = await capture(['--from', file, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cli-err\.jsonl:2: not JSON/);
    expect(existsSync(join(out, 'reports_wide.csv'))).toBe(false); // no half-written file left behind
    expect(readdirSync(out).filter((f) => f.includes('partial'))).toEqual([]);
    r = await capture(['--from', file, '--out', out, '--skip-invalid', '--status', 'ok,approved,flagged,failed']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/skipped 1 invalid input line/);
    expect(readCsv(join(out, 'reports_wide.csv')).rows.length).toBe(1);
    expect(cli.help).toMatch(/--include-flagged/);
    expect(typeof cli.summary).toBe('string');
  });

  test('--year ranges and lists', () => {
    expect(cli.parseArgs(['--year', '2019-2021,2023']).filters.year).toEqual([2019, 2020, 2021, 2023]);
    expect(cli.parseArgs(['--include-flagged']).filters.status).toEqual(['ok', 'approved', 'flagged']);
    expect(cli.parseArgs([]).filters.status).toBeUndefined();
  });
});
