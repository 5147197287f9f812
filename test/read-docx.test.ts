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
    // read directly from word/document.xml, no mammoth
    expect(stats).toEqual({ via: 'xml', tables: 3, replacedFromXml: 0 });
    for (const t of tables(doc)) expect(t.origin).toBe('docx');
    expect(doc.title).toBe(`${exp.agency}${exp.year}年政府信息公开工作年度报告`);
    const s3 = tables(doc)[1];
    expect(new Set(s3.rows.map((r) => r.length))).toEqual(new Set([10]));
    expect(s3.rows[0][0]).toMatchObject({ rowSpan: 3, colSpan: 3 });
    // tables sit between the section headings, positions point at their blocks
    const kinds = doc.blocks.map((b) => (b.kind === 'table' ? 'T' : b.text.slice(0, 2)));
    expect(kinds.indexOf('二、')).toBeLessThan(kinds.indexOf('T'));
    expect(kinds.lastIndexOf('T')).toBeLessThan(kinds.indexOf('五、'));
    doc.blocks.forEach((b, i) => { if (b.kind === 'table') expect(b.pos.table).toBe(i); });
  });

  test.each(['docx/lo-2019.docx', 'docx/lo-2021.docx', 'docx/structure.docx'])('%s: the direct reader and the mammoth fallback agree', async (rel) => {
    const bytes = load(rel);
    const direct = await readDocxWithStats(bytes);
    const viaMammoth = await readDocxWithStats(bytes, { via: 'mammoth' });
    expect(direct.stats.via).toBe('xml');
    expect(viaMammoth.stats).toMatchObject({ via: 'mammoth', replacedFromXml: 0 });
    // mammoth's colspan/rowspan agree with gridSpan/vMerge in the XML for these files
    const shape = (d: DocumentModel) => d.blocks.map((b) =>
      b.kind === 'paragraph'
        ? b.text
        : b.rows.map((r) => r.map((c) => [c.text, c.spanOf ?? null, c.rowSpan ?? 1, c.colSpan ?? 1])));
    expect(shape(direct.doc)).toEqual(shape(viaMammoth.doc));
    expect(direct.doc.title).toBe(viaMammoth.doc.title);
  });
});

describe('DOCX direct reader: what counts as text', () => {
  test('runs, insertions, hyperlinks, smart tags and content controls are read; deletions and field codes are not', async () => {
    const body = `<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:rPr><w:b/></w:rPr></w:pPr><w:r><w:t>某某县2021年政府信息公开</w:t></w:r><w:ins w:id="1"><w:r><w:t>工作年度报告</w:t></w:r></w:ins><w:del w:id="2"><w:r><w:delText>（草稿）</w:delText></w:r></w:del></w:p>
      <w:p><w:r><w:t xml:space="preserve">甲 </w:t></w:r><w:r><w:tab/><w:t>乙</w:t></w:r><w:hyperlink r:id="rId9" xmlns:r="r"><w:r><w:t>丙</w:t></w:r></w:hyperlink><w:smartTag w:element="x"><w:smartTagPr/><w:r><w:t>丁</w:t></w:r></w:smartTag></w:p>
      <w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE \\* MERGEFORMAT </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>12</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:fldSimple w:instr="NUMPAGES"><w:r><w:t>/30</w:t></w:r></w:fldSimple></w:p>
      <w:sdt><w:sdtPr><w:alias w:val="x"/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>控件&amp;内容</w:t></w:r></w:p></w:sdtContent></w:sdt>
      <w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>
      <w:p><w:r><w:t>空段之后</w:t></w:r></w:p><w:p/><w:p><w:r><w:t xml:space="preserve">   </w:t></w:r></w:p>`;
    const { doc, stats } = await readDocxWithStats(await makeDocx(body));
    expect(stats.via).toBe('xml');
    expect(doc.blocks.map((b) => (b.kind === 'paragraph' ? b.text : 'T'))).toEqual([
      '某某县2021年政府信息公开工作年度报告', '甲 乙丙丁', '12/30', '控件&内容', '第一行', '第二行', '空段之后',
    ]);
    expect(doc.title).toBe('某某县2021年政府信息公开工作年度报告');
    expect(doc.blocks[1].pos.path).toBe('w:p[2]');
  });

  test('a text box in a paragraph: its paragraphs are read once (the DrawingML choice, not the VML fallback)', async () => {
    const box = (t: string) => `<w:txbxContent>${p(t)}</w:txbxContent>`;
    const body = `<w:p><w:r><w:t>框前</w:t></w:r><w:r><mc:AlternateContent xmlns:mc="mc"><mc:Choice Requires="wps"><w:drawing><wps:txbx xmlns:wps="wps">${box('框内文字')}</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox xmlns:v="v">${box('框内文字')}</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>框后</w:t></w:r></w:p>`;
    const doc = await readDocx(input(await makeDocx(body)));
    expect(doc.blocks.map((b) => (b.kind === 'paragraph' ? b.text : 'T'))).toEqual(['框前', '框内文字', '框后']);
  });

  test('footnotes follow the body as paragraphs, without reference marks in the text', async () => {
    const body = `<w:p><w:r><w:t>收到申请12件</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>。</w:t></w:r></w:p>`;
    const footnotes = `<?xml version="1.0" encoding="UTF-8"?><w:footnotes ${W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1">${p('含网上申请3件')}</w:footnote></w:footnotes>`;
    const { doc, stats } = await readDocxWithStats(await makeDocx(body, { 'word/footnotes.xml': footnotes }));
    expect(stats.via).toBe('xml');
    expect(doc.blocks.map((b) => (b.kind === 'paragraph' ? b.text : 'T'))).toEqual(['收到申请12件。', '含网上申请3件']);
    expect(doc.blocks[1].pos.path).toMatch(/^footnotes\//);
  });

  test('nested tables: the outer (layout) table is flattened, the inner data table kept; 1×1 tables are text', async () => {
    const inner = `<w:tbl><w:tr>${tc('项目')}${tc('数量')}</w:tr><w:tr>${tc('收到申请')}${tc('12')}</w:tr></w:tbl>`;
    const body = `<w:tbl><w:tr><w:tc>${p('外框标题')}${inner}${p('外框注')}</w:tc></w:tr></w:tbl>
      <w:tbl><w:tr>${tc('单格说明')}</w:tr></w:tbl>${p('正文')}`;
    const { doc, stats } = await readDocxWithStats(await makeDocx(body));
    expect(stats).toMatchObject({ via: 'xml', tables: 1 });
    expect(doc.blocks.map((b) => (b.kind === 'paragraph' ? b.text : 'T'))).toEqual(['外框标题', 'T', '外框注', '单格说明', '正文']);
    const t = tables(doc)[0];
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([['项目', '数量'], ['收到申请', '12']]);
    expect(t.pos).toMatchObject({ table: 1, path: 'w:tbl[2]' });
  });

  test('cells: several paragraphs and breaks join with newlines; deleted rows, gridAfter and hMerge follow the grid', async () => {
    const body = `<w:tbl>
      <w:tr><w:tc>${p('上')}<w:p><w:r><w:t>中</w:t><w:br/><w:t>下</w:t></w:r></w:p></w:tc>${tc('b')}${tc('c')}</w:tr>
      <w:tr><w:trPr><w:del w:id="1"/></w:trPr>${tc('删')}${tc('删')}${tc('删')}</w:tr>
      <w:tr><w:trPr><w:gridAfter w:val="1"/></w:trPr>${tc('1')}${tc('2')}</w:tr>
      <w:sdt><w:sdtContent><w:tr>${tc('横', '<w:hMerge w:val="restart"/>')}${tc('', '<w:hMerge/>')}${tc('3')}</w:tr></w:sdtContent></w:sdt>
    </w:tbl>`;
    const doc = await readDocx(input(await makeDocx(body)));
    const t = tables(doc)[0];
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([['上\n中\n下', 'b', 'c'], ['1', '2', ''], ['横', '横', '3']]);
    expect(t.rows[2][0].colSpan).toBe(2);
    expect(t.rows[2][1].spanOf).toEqual([2, 0]);
    expect(t.rows[1][2].spanOf).toBeUndefined();
    expect(spansConsistent(t)).toEqual([]);
  });
});

describe('DOCX grid from the XML where mammoth loses it', () => {
  test.each(['auto', 'mammoth'] as const)('w:gridBefore shifts a row right (mammoth ignores it): the XML grid (via %s)', async (via) => {
    const body = `${p('表前')}<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>
      <w:tr>${tc('甲', '<w:vMerge w:val="restart"/>')}${tc('乙')}${tc('丙')}</w:tr>
      <w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>${tc('1')}${tc('2')}</w:tr>
      <w:tr>${tc('', '<w:vMerge/>')}${tc('3', '<w:gridSpan w:val="2"/>')}</w:tr>
    </w:tbl>${p('表后')}`;
    const { doc, stats } = await readDocxWithStats(await makeDocx(body), { via });
    // the fallback replaces mammoth's table by the XML grid; the direct path reads that grid itself
    if (via === 'mammoth') expect(stats).toMatchObject({ via: 'mammoth', replacedFromXml: 1 });
    else expect(stats).toEqual({ via: 'xml', tables: 1, replacedFromXml: 0 });
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
    // a stray end tag: the direct reader hands the document to mammoth, whose parser decides (it tolerates this one)
    const stray = await readDocxWithStats(await makeDocx(`${p('a')}</w:tc>${p('b')}`));
    expect(stray.stats).toMatchObject({ via: 'mammoth', fallback: expect.stringMatching(/not well formed/) });
    expect(stray.doc.blocks.map((b) => (b.kind === 'paragraph' ? b.text : 'T'))).toEqual(['a', 'b']);
  });

  test('a document.xml cut off inside its elements is docx_corrupt without asking mammoth', async () => {
    const zip = await JSZip.loadAsync(load('docx/lo-2021.docx'));
    const xml = await zip.file('word/document.xml')!.async('string');
    zip.file('word/document.xml', xml.slice(0, Math.floor(xml.length / 2)));
    const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    await expect(readDocx(input(bytes))).rejects.toMatchObject({ code: 'docx_corrupt', message: expect.stringMatching(/cut off/) });
  });

  test('no text for the direct reader: mammoth is the fallback', async () => {
    // text only in a markup-compatibility fallback without a choice the direct reader reads
    const body = `<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Fallback><w:t>备用文字</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>`;
    const { doc, stats } = await readDocxWithStats(await makeDocx(body));
    expect(stats).toMatchObject({ via: 'mammoth', fallback: expect.stringMatching(/no text/) });
    expect(doc.blocks.map((b) => (b.kind === 'paragraph' ? b.text : 'T'))).toEqual(['备用文字']);
  });

  test('a DOCX with no text at all is unreadable', async () => {
    await expect(readDocx(input(await makeDocx(`<w:p/>${p('  ')}`)))).rejects.toMatchObject({ code: 'unreadable' });
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
