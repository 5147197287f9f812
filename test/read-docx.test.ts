import * as fs from 'fs';
import * as path from 'path';
import JSZip from 'jszip';
import { sniff } from '../src/sniff';
import { readDocument } from '../src/read';
import { readDocx, readDocxWithStats, MAX_DOCUMENT_XML_BYTES } from '../src/read/docx';
import type { DocumentModel, Table } from '../src/model/document';
import { FILES, checkGrid, expectedFor, spansConsistent } from './fixtures/files/html/grid-check';

const tables = (d: DocumentModel) => d.blocks.filter((b): b is Table => b.kind === 'table');
const load = (rel: string) => fs.readFileSync(path.join(FILES, rel));
const input = (bytes: Uint8Array) => ({ bytes, sniff: sniff(bytes) });

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
async function makeDocx(bodyXml: string, extra: Record<string, string | Buffer> = {}): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('[Content_Types].xml', `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`);
  zip.file('_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`);
  zip.file('word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${W}><w:body>${bodyXml}</w:body></w:document>`);
  for (const [k, v] of Object.entries(extra)) zip.file(k, v);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
const p = (t: string) => `<w:p><w:r><w:t xml:space="preserve">${t}</w:t></w:r></w:p>`;
const tc = (t: string, pr = '') => `<w:tc><w:tcPr>${pr}</w:tcPr>${p(t)}</w:tc>`;

describe('DOCX reader on LibreOffice-made reports', () => {
  test.each(['docx/lo-2019.docx', 'docx/lo-2021.docx'])('%s: every official field at its grid position', async (rel) => {
    const bytes = load(rel);
    expect(sniff(bytes).format).toBe('docx');
    const { doc, stats } = await readDocxWithStats(bytes);
    const exp = expectedFor(path.join(FILES, rel));
    expect(doc.format).toBe('docx');
    const check = checkGrid(doc, exp);
    expect(check.mismatches).toEqual([]);
    expect(tables(doc)).toHaveLength(3);
    for (const t of tables(doc)) expect(spansConsistent(t)).toEqual([]);
    // mammoth's colspan/rowspan agree with gridSpan/vMerge in the XML for these files
    expect(stats).toEqual({ tables: 3, replacedFromXml: 0 });
    expect(doc.title).toBe(`${exp.agency}${exp.year}年政府信息公开工作年度报告`);
    const s3 = tables(doc)[1];
    expect(new Set(s3.rows.map((r) => r.length))).toEqual(new Set([10]));
    expect(s3.rows[0][0]).toMatchObject({ rowSpan: 3, colSpan: 3 });
  });
});

describe('DOCX grid from the XML where mammoth loses it', () => {
  test('w:gridBefore shifts a row right (mammoth ignores it): the XML grid replaces mammoth\'s', async () => {
    const body = `${p('表前')}<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>
      <w:tr>${tc('甲', '<w:vMerge w:val="restart"/>')}${tc('乙')}${tc('丙')}</w:tr>
      <w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>${tc('1')}${tc('2')}</w:tr>
      <w:tr>${tc('', '<w:vMerge/>')}${tc('3', '<w:gridSpan w:val="2"/>')}</w:tr>
    </w:tbl>${p('表后')}`;
    const { doc, stats } = await readDocxWithStats(await makeDocx(body));
    expect(stats.replacedFromXml).toBe(1);
    const t = tables(doc)[0];
    expect(t.origin).toBe('docx');
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([['甲', '乙', '丙'], ['', '1', '2'], ['', '3', '3']]);
    // vMerge continues only the cell that starts in the same grid column
    expect(t.rows[2][0].spanOf).toBeUndefined();
    expect(t.rows[2][2].spanOf).toEqual([2, 1]);
    expect(doc.blocks.map((b) => b.kind)).toEqual(['paragraph', 'table', 'paragraph']);
    expect(t.pos.table).toBe(1);
    expect(spansConsistent(t)).toEqual([]);
  });

  test('vMerge across three rows becomes one origin with rowSpan 3', async () => {
    const body = `<w:tbl>
      <w:tr>${tc('组', '<w:vMerge w:val="restart"/>')}${tc('a')}</w:tr>
      <w:tr>${tc('', '<w:vMerge/>')}${tc('b')}</w:tr>
      <w:tr>${tc('', '<w:vMerge w:val="continue"/>')}${tc('c')}</w:tr></w:tbl>`;
    const doc = await readDocx(input(await makeDocx(body)));
    const t = tables(doc)[0];
    expect(t.rows[0][0].rowSpan).toBe(3);
    expect(t.rows.map((r) => r[0].text)).toEqual(['组', '组', '组']);
    expect(t.rows[2][0].spanOf).toEqual([0, 0]);
  });
});

describe('DOCX errors', () => {
  test('a truncated zip is docx_corrupt', async () => {
    await expect(readDocx(input(load('docx/corrupt.docx')))).rejects.toMatchObject({ code: 'docx_corrupt' });
    expect(expectedFor(path.join(FILES, 'docx/corrupt.docx')).error).toBe('docx_corrupt');
  });

  test('malformed document.xml is docx_corrupt', async () => {
    const bytes = await makeDocx(`${p('a')}<w:tbl><w:tr><w:tc>${p('b')}</w:tr></w:body>`);
    await expect(readDocx(input(bytes))).rejects.toMatchObject({ code: 'docx_corrupt' });
  });

  test('a Word zip without word/document.xml is routed to the reader and is docx_corrupt', async () => {
    const zip = new JSZip();
    zip.file('word/other.xml', '<x/>');
    const bytes = await zip.generateAsync({ type: 'nodebuffer' });
    expect(sniff(bytes).format).toBe('docx');
    await expect(readDocx(input(bytes))).rejects.toMatchObject({ code: 'docx_corrupt', message: expect.stringMatching(/word\/document\.xml/) });
  });

  test('zip bomb: a document.xml over the limit is refused (declared size)', async () => {
    const filler = `<w:p><w:r><w:t>${'政'.repeat(1000)}</w:t></w:r></w:p>`.repeat(Math.ceil((MAX_DOCUMENT_XML_BYTES + 1e6) / 3000));
    const bytes = await makeDocx(filler);
    expect(bytes.length).toBeLessThan(2e6);
    await expect(readDocx(input(bytes))).rejects.toMatchObject({ code: 'too_large' });
  });

  test('zip bomb with a lying header: inflation stops at the limit', async () => {
    const filler = `<w:p><w:r><w:t>${'政'.repeat(1000)}</w:t></w:r></w:p>`.repeat(Math.ceil((MAX_DOCUMENT_XML_BYTES + 1e6) / 3000));
    const bytes = Buffer.from(await makeDocx(filler));
    // rewrite the declared uncompressed size of word/document.xml to 1000 bytes in the central directory
    const name = Buffer.from('word/document.xml');
    let patched = 0;
    for (let i = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); i >= 0; i = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), i + 4)) {
      const n = bytes.readUInt16LE(i + 28);
      if (bytes.subarray(i + 46, i + 46 + n).equals(name)) { bytes.writeUInt32LE(1000, i + 24); patched++; }
    }
    expect(patched).toBe(1);
    await expect(readDocx(input(bytes))).rejects.toMatchObject({ code: 'too_large' });
  });

  test('extractBytes-style dispatch: readDocument on a docx fixture', async () => {
    const bytes = load('docx/lo-2021.docx');
    const doc = await readDocument({ bytes, sniff: sniff(bytes), name: 'lo-2021.docx' });
    expect(doc.format).toBe('docx');
  });
});
