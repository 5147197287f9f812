/**
 * Issue 13 classes 5, 6, 10 at the unit level: the readers record pictures (image blocks), the
 * not-a-report judgement, the tables_as_images flag, and a local page's attachment link followed
 * only inside its tree (the CLI path too).
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import JSZip from 'jszip';
import type { Block, ImageBlock } from '../src/model/document';
import { readDocument } from '../src/read';
import { sniff } from '../src/sniff';
import { extractBytes } from '../src/pipeline/extract';
import { localAttachment } from '../src/read/local-attachment';
import { loadPdfjs, workerPatches } from '../src/read/pdf/pdfjs';
import { writePdf } from './fixtures/render/pdf-items';

const read = (bytes: Buffer, name: string) => readDocument({ bytes, sniff: sniff(bytes, { name }), name });
const images = (blocks: Block[]) => blocks.filter((b): b is ImageBlock => b.kind === 'image');
const TITLE = '某某县人民政府2022年政府信息公开工作年度报告';

describe('image blocks', () => {
  test('PDF: XObject and inline images with page and box, in reading order; no pixels decoded', async () => {
    await loadPdfjs();
    expect(workerPatches.images).toBe(true); // a pdf.js upgrade that moves the anchor must be noticed
    const pdf = writePdf([
      { kind: 'text', text: TITLE, size: 16 },
      { kind: 'text', text: '二、主动公开政府信息情况' },
      { kind: 'image', width: 420, height: 300, pxWidth: 3000, pxHeight: 2000 },
      { kind: 'text', text: '三、收到和处理政府信息公开申请情况' },
      { kind: 'image', width: 400, height: 600, inline: true },
    ]);
    const doc = await read(pdf, 'x.pdf');
    const im = images(doc.blocks);
    expect(im).toHaveLength(2);
    expect(im[0].pos.page).toBe(1);
    expect(im[0].ref).toMatchObject({ source: 'pdf', page: 1 });
    expect(im[0].width).toBe(3000);
    const [x0, y0, x1, y1] = im[0].pos.bbox!;
    expect(x1 - x0).toBeCloseTo(420, 0);
    expect(y1 - y0).toBeCloseTo(300, 0);
    expect(im[1].pos.page).toBe(2); // did not fit below: the writer moved it to page 2
    const kinds = doc.blocks.map((b) => (b.kind === 'paragraph' ? b.text.slice(0, 2) : b.kind));
    expect(kinds).toEqual(['某某', '二、', 'image', '三、', 'image']);
  });

  test('HTML: <img> with src and declared size; links counted in linkChars', async () => {
    const html = `<!DOCTYPE html><html><body><div class="TRS_Editor"><p>${TITLE}</p><p>二、主动公开政府信息情况</p><p><img src="./W020.png" width="600" height="400"></p><p>见<a href="x.html">附表一</a>。</p></div></body></html>`;
    const doc = await read(Buffer.from(html), 'x.html');
    const im = images(doc.blocks);
    expect(im).toEqual([expect.objectContaining({ kind: 'image', ref: { source: 'html', src: './W020.png' }, width: 600, height: 400 })]);
    const p = doc.blocks.find((b) => b.kind === 'paragraph' && b.text.includes('附表一'));
    expect(p).toMatchObject({ linkChars: 3 });
  });

  test('DOCX: a drawing names its word/media part and size', async () => {
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>');
    zip.file('_rels/.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>');
    zip.file('word/_rels/document.xml.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image3.png"/></Relationships>');
    zip.file('word/media/image3.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    zip.file('word/document.xml', `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><w:body><w:p><w:r><w:t>${TITLE}</w:t></w:r></w:p><w:p><w:r><w:drawing><wp:inline><wp:extent cx="5715000" cy="3810000"/><a:graphic><a:graphicData><a:blip r:embed="rId7"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p><w:p><w:r><w:t>后文</w:t></w:r></w:p></w:body></w:document>`);
    const doc = await read(await zip.generateAsync({ type: 'nodebuffer' }), 'x.docx');
    expect(doc.blocks.map((b) => b.kind)).toEqual(['paragraph', 'image', 'paragraph']);
    expect(images(doc.blocks)[0]).toMatchObject({ ref: { source: 'docx', part: 'word/media/image3.png' }, width: 600, height: 400 });
  });
});

describe('tables printed as images', () => {
  const body = (withImage: boolean, year = 2022) => writePdf([
    { kind: 'text', text: TITLE.replace('2022', String(year)), size: 16 },
    { kind: 'text', text: `本报告中所列数据的统计期限自${year}年1月1日起至${year}年12月31日止。` },
    { kind: 'text', text: '一、总体情况' },
    { kind: 'text', text: `${year}年主动公开政府信息120条。全年累计受理依申请公开政府信息3件。` },
    { kind: 'text', text: '二、主动公开政府信息情况' },
    ...(withImage ? [{ kind: 'image' as const, width: 430, height: 260 }] : []),
    { kind: 'text', text: '五、存在的主要问题及改进情况' },
    { kind: 'text', text: '某某县人民政府' },
  ]);

  test('pictures in the table sections: flagged tables_as_images, prose figures kept', async () => {
    const x = await extractBytes(body(true), { path: 'r.pdf' });
    expect(x.status).toBe('flagged');
    expect(x.flags.map((f) => f.code)).toContain('tables_as_images');
    expect(x.fields['p.proactive_total']).toBe(120);
  });

  test.each(['headings-2021', 'noheadings-2019', 'figures-2021'])('Chromium PDF with table pictures (%s): flagged, meta and prose right', async (name) => {
    const dir = join(__dirname, 'fixtures/files/pdf-images');
    const exp = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8'));
    const x = await extractBytes(readFileSync(join(dir, `${name}.pdf`)), { path: `${name}.pdf` });
    expect(x.status).toBe('flagged');
    expect(x.flags.map((f) => f.code)).toContain('tables_as_images');
    expect(x.meta).toEqual({ agency: exp.agency, year: exp.year, template: 'free' });
    for (const [k, v] of Object.entries(exp.fields)) expect(x.fields[k]).toBe(v);
  });

  test('the same report without pictures is not flagged tables_as_images', async () => {
    const x = await extractBytes(body(false), { path: 'r.pdf' });
    expect(x.flags.map((f) => f.code)).not.toContain('tables_as_images');
  });
});

describe('not a report', () => {
  const page = (main: string, title = '政府信息公开年报') => Buffer.from(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><div class="m-dh"><a href="/">首页</a><a href="/a/">政务公开</a></div><div class="con">${main}</div></body></html>`);
  const list = (n: number) => `<ul>${Array.from({ length: n }, (_, i) => `<li><a href="t${i}.html">某某县人民政府${2023 - i}年政府信息公开工作年度报告</a><span>${2024 - i}-01-2${i % 9}</span></li>`).join('')}</ul>`;

  test('a column page listing report titles fails not_annual_report', async () => {
    const x = await extractBytes(page(`<div class="tit">政府信息公开年报</div>${list(6)}`), { path: 'c.html' });
    expect(x.error?.code).toBe('not_annual_report');
  });

  test('a report page with a list of earlier reports beside it is still a report', async () => {
    const report = `<h1>${TITLE}</h1><div class="TRS_Editor"><p>本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。</p><p>2022年主动公开政府信息120条。</p><p>全年累计受理依申请公开政府信息3件，均按时答复。</p><p>某某县人民政府</p></div><div class="xglj">${list(4)}</div>`;
    const x = await extractBytes(page(report, TITLE), { path: 'r.html' });
    expect(x.status).not.toBe('failed');
    expect(x.fields['p.proactive_total']).toBe(120);
  });

  test('a table-less 2021-format report with only its headings is flagged, not rejected', async () => {
    const text = [TITLE, '本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。', '一、总体情况', '二、主动公开政府信息情况', '三、收到和处理政府信息公开申请情况', '某某县人民政府'].join('\n\n');
    const x = await extractBytes(Buffer.from(text), { path: 'r.txt' });
    expect(x.status).toBe('flagged');
    expect(x.flags.map((f) => f.code)).toContain('no_tables');
  });
});

describe('a saved crawl on disk', () => {
  let tmp: string;
  const report = readFileSync(join(__dirname, 'fixtures/files/docx/lo-2021.docx'));
  const wrapper = (href: string) => Buffer.from(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${TITLE}</title></head><body><h1>${TITLE}</h1><div class="TRS_Editor"><p>详见附件。</p><p>附件：<a href="${href}">${TITLE}.docx</a></p></div></body></html>`);
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'nianbao-pages-'));
    mkdirSync(join(tmp, 'site/a/b'), { recursive: true });
    mkdirSync(join(tmp, 'site/files'), { recursive: true });
    writeFileSync(join(tmp, 'site/files/r.docx'), report);
    writeFileSync(join(tmp, 'outside.docx'), report);
    symlinkSync(join(tmp, 'outside.docx'), join(tmp, 'site/a/b/link.docx'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test.each([
    ['../../files/r.docx', 'site', true],
    ['../../files/r.docx', join('site/a/b'), false], // out of the page's own folder when that is the tree
    ['../../../outside.docx', 'site', false],
    ['/etc/passwd.docx', 'site', false],
    ['file:///tmp/outside.docx', 'site', false],
    ['link.docx', 'site', false], // a symlink out of the tree
  ])('link %s with tree %s: followed = %s', async (href, root, followed) => {
    const pagePath = join(tmp, 'site/a/b/page.html');
    const bytes = wrapper(href);
    writeFileSync(pagePath, bytes);
    const r = await localAttachment(pagePath, bytes, { root: join(tmp, root) });
    expect(r.attachment !== null).toBe(followed);
    if (followed) expect(r.attachment!.path).toBe(join(tmp, 'site/files/r.docx'));
  });

  test('the CLI follows the link of a page in the folder it is given and records both files', () => {
    const pagePath = join(tmp, 'site/a/b/page.html');
    writeFileSync(pagePath, wrapper('../../files/r.docx'));
    const cli = join(__dirname, '../bin/nianbao.js');
    const r = spawnSync(process.execPath, [cli, 'extract', '--quiet', join(tmp, 'site')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const x = lines.find((l) => l.source.page?.path === pagePath);
    expect(x).toBeDefined();
    expect(x.source.path).toBe(join(tmp, 'site/files/r.docx'));
    expect(x.source.format).toBe('docx');
    expect(x.meta.template).toBe('2021');
  });
});
