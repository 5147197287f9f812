import * as fs from 'fs';
import * as path from 'path';
import { sniff } from '../src/sniff';
import { readDocument } from '../src/read';
import { readDoc, flatBlocks } from '../src/read/doc';
import { readWord97, ROW_END, CELL_END } from '../src/read/doc-word97';
import { readDocx } from '../src/read/docx';
import type { DocumentModel, Table } from '../src/model/document';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WordExtractor = require('word-extractor');
import { FILES, checkGrid, expectedFor, spansConsistent } from './fixtures/files/html/grid-check';

const tables = (d: DocumentModel) => d.blocks.filter((b): b is Table => b.kind === 'table');
const load = (rel: string) => fs.readFileSync(path.join(FILES, rel));
const input = (bytes: Uint8Array) => ({ bytes, sniff: sniff(bytes) });

describe('DOC reader on LibreOffice-made Word 97 reports', () => {
  test.each(['doc/lo-2019.doc', 'doc/lo-2021.doc'])('%s: every official field at its grid position, spans recovered', async (rel) => {
    const bytes = load(rel);
    expect(sniff(bytes).format).toBe('doc');
    const doc = await readDocument({ bytes, sniff: sniff(bytes), name: rel });
    const exp = expectedFor(path.join(FILES, rel));
    expect(doc.format).toBe('doc');
    const check = checkGrid(doc, exp);
    expect(check.mismatches).toEqual([]);
    const ts = tables(doc);
    expect(ts).toHaveLength(3);
    for (const t of ts) {
      expect(t.origin).toBe('doc');
      expect(spansConsistent(t)).toEqual([]);
    }
    const s3 = ts[1];
    expect(new Set(s3.rows.map((r) => r.length))).toEqual(new Set([10]));
    expect(s3.rows[0][0]).toMatchObject({ rowSpan: 3, colSpan: 3 });
    const results = s3.rows.find((r) => r[0].text === '三、本年度办理结果' && !r[0].spanOf)!;
    const resultRows = new Set(Object.keys(exp.fields!).filter((k) => k.startsWith('s3.')).map((k) => k.slice(3, k.lastIndexOf('.'))));
    for (const r of ['new', 'carried_over', 'carried_forward']) resultRows.delete(r);
    expect(results[0].rowSpan).toBe(resultRows.size); // 三、本年度办理结果 spans every result row and （七）总计
    expect(doc.title).toBe(`${exp.agency}${exp.year}年政府信息公开工作年度报告`);
    // paragraphs keep their order around the tables
    const kinds = doc.blocks.map((b) => (b.kind === 'table' ? 'T' : b.text.slice(0, 2)));
    expect(kinds.indexOf('二、')).toBeLessThan(kinds.indexOf('T'));
    expect(kinds.lastIndexOf('T')).toBeLessThan(kinds.indexOf('五、'));
  });

  test('structure: multi-paragraph cells, blank cell, row and column spans (DOC and DOCX agree)', async () => {
    const exp = JSON.parse(fs.readFileSync(path.join(FILES, 'doc/structure.expected.json'), 'utf8'));
    const doc = await readDoc(input(load('doc/structure.doc')));
    const docx = await readDocx(input(load('docx/structure.docx')));
    for (const d of [doc, docx]) {
      expect(d.blocks.map((b) => (b.kind === 'table' ? 'T' : b.text))).toEqual([exp.before, 'T', exp.after]);
      const t = tables(d)[0];
      expect(t.rows.map((r) => r.map((c) => c.text))).toEqual(exp.grid);
      expect(t.rows[1][0].spanOf).toEqual([0, 0]);
      expect(t.rows[0][2].spanOf).toEqual([0, 1]);
      expect(t.rows[1][2]).toMatchObject({ text: '' });
      expect(t.rows[1][2].spanOf).toBeUndefined();
      expect(t.pos.table).toBe(1);
    }
  });

  test('the marked body text has one row mark per table row', async () => {
    const w = await readWord97(load('doc/structure.doc'));
    expect(w.structured).toBe(true);
    expect(w.raw.split(ROW_END)).toHaveLength(4);
    expect(w.rows).toHaveLength(3);
    expect(w.rows.every((r) => r && r.centers.length >= 3)).toBe(true);
    expect(w.raw.split(CELL_END).length - 1).toBe(10);
  });

  test('fallback on word-extractor\'s flat text: tab lines become rows', async () => {
    const body: string = (await new WordExtractor().extract(load('doc/lo-2021.doc'))).getBody();
    const blocks = flatBlocks(body);
    const ts = blocks.filter((b): b is Table => b.kind === 'table');
    expect(ts.length).toBeGreaterThanOrEqual(1);
    expect(ts.every((t) => t.origin === 'doc')).toBe(true);
    const first = ts[0];
    expect(first.rows[1].map((c) => c.text)).toEqual(['信息内容', '本年制发件数', '本年废止件数', '现行有效件数']);
  });
});

describe('DOC errors', () => {
  test('OLE2 magic followed by junk is doc_corrupt', async () => {
    await expect(readDoc(input(load('doc/corrupt.doc')))).rejects.toMatchObject({ code: 'doc_corrupt' });
    expect(expectedFor(path.join(FILES, 'doc/corrupt.doc')).error).toBe('doc_corrupt');
  });

  test('a truncated .doc is doc_corrupt', async () => {
    const bytes = load('doc/lo-2019.doc');
    for (const frac of [0.1, 0.5, 0.9]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * frac));
      await expect(readDoc(input(cut))).rejects.toMatchObject({ code: expect.stringMatching(/doc_corrupt|unreadable/) });
    }
  });

  test('a password-protected .doc (fEncrypted) is refused with a clear message', async () => {
    const bytes = Buffer.from(load('doc/lo-2019.doc'));
    const at = bytes.indexOf(Buffer.from([0xec, 0xa5]), 512);
    bytes.writeUInt16LE(bytes.readUInt16LE(at + 0x0a) | 0x0100, at + 0x0a);
    await expect(readDoc(input(bytes))).rejects.toMatchObject({ code: 'doc_corrupt', message: expect.stringMatching(/password/) });
  });

  test('an OLE2 file that is not a Word document is doc_corrupt', async () => {
    const bytes = Buffer.from(load('doc/lo-2019.doc'));
    // damage the Word magic (0xa5ec) at the start of the WordDocument stream: find it after the OLE header sectors
    const at = bytes.indexOf(Buffer.from([0xec, 0xa5]), 512);
    expect(at).toBeGreaterThan(0);
    bytes[at] = 0;
    await expect(readDoc(input(bytes))).rejects.toMatchObject({ code: 'doc_corrupt' });
  });
});
