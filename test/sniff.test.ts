import * as fs from 'fs';
import * as path from 'path';
import * as iconv from 'iconv-lite';
import JSZip from 'jszip';
import { sniff, decode, detectEncoding, isValidUtf8 } from '../src/sniff';

const FILES = path.join(__dirname, 'fixtures/files');
const SAMPLES = path.join(__dirname, '../samples');
const read = (p: string) => fs.readFileSync(path.join(FILES, p));
const sample = fs.readdirSync(SAMPLES).filter((f) => f.endsWith('.txt')).sort()[0];

describe('sniff: container formats from magic bytes', () => {
  test('%PDF at the start and after leading junk within 1 KB', () => {
    expect(sniff(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj')).format).toBe('pdf');
    const junk = Buffer.concat([Buffer.from('<html>error page fragment</html>\r\n'.repeat(10)), Buffer.from('%PDF-1.4\n...')]);
    const s = sniff(junk);
    expect(s.format).toBe('pdf');
    expect(s.reason).toMatch(/leading junk/);
    const far = Buffer.concat([Buffer.alloc(2000, 0x20), Buffer.from('%PDF-1.4\n')]);
    expect(sniff(far).format).not.toBe('pdf');
  });

  test('a .docx is a zip with word/document.xml; other zips are unknown', async () => {
    expect(sniff(read('docx/lo-2021.docx')).format).toBe('docx');
    const zip = new JSZip();
    zip.file('xl/workbook.xml', '<workbook/>');
    zip.file('[Content_Types].xml', '<Types/>');
    const xlsx = await zip.generateAsync({ type: 'nodebuffer' });
    const s = sniff(xlsx, { name: 'report.docx' });
    expect(s.format).toBe('unknown');
    expect(s.reason).toMatch(/xlsx/);
    const other = new JSZip();
    other.file('readme.txt', 'hello');
    expect(sniff(await other.generateAsync({ type: 'nodebuffer' })).format).toBe('unknown');
  });

  test('OLE2 is doc; a .doc that is really Word HTML is html', () => {
    expect(sniff(read('doc/lo-2019.doc')).format).toBe('doc');
    const s = sniff(read('doc/html-as-doc-2019.doc'), { name: 'x/html-as-doc-2019.doc' });
    expect(s.format).toBe('html');
    expect(s.encoding).toBe('gb18030');
    expect(s.reason).toMatch(/really HTML/);
  });

  test('OLE2 spreadsheets are not Word documents', () => {
    const b = Buffer.from(read('doc/lo-2019.doc'));
    // rename the WordDocument stream in the OLE directory to Workbook (same UTF-16 length: pad with a NUL char)
    const name = Buffer.from('WordDocument', 'utf16le');
    const at = b.indexOf(name);
    expect(at).toBeGreaterThan(0);
    Buffer.from('Workbook\0\0\0\0', 'utf16le').copy(b, at);
    expect(sniff(b)).toMatchObject({ format: 'unknown', reason: expect.stringMatching(/xls/) });
  });

  test('images, RTF and empty input are not read', () => {
    expect(sniff(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])).format).toBe('unknown');
    expect(sniff(Buffer.from('{\\rtf1\\ansi hello}')).format).toBe('unknown');
    expect(sniff(Buffer.alloc(0)).format).toBe('unknown');
  });
});

describe('sniff: character encodings', () => {
  test('GBK bytes under a wrong <meta charset="utf-8"> are decoded as GB18030', () => {
    const b = read('html/gbk-wrong-meta-2019.html');
    const s = sniff(b);
    expect(s).toMatchObject({ format: 'html', encoding: 'gb18030' });
    expect(s.reason).toMatch(/failed verification/);
    expect(decode(b, s.encoding)).toContain('临沧市双江县勐勐镇人民政府');
  });

  test('GBK bytes with no declaration at all', () => {
    const b = read('html/gbk-no-meta-2021.html');
    const s = sniff(b);
    expect(s.encoding).toBe('gb18030');
    expect(decode(b, s.encoding)).toContain('澄江市自然资源局');
  });

  test('a declared gb2312 that verifies is used (Word HTML)', () => {
    const s = sniff(read('html/word-2021.html'));
    expect(s.encoding).toBe('gb18030');
    expect(s.reason).toMatch(/gb2312.*verified/);
  });

  test('UTF-8 text stays UTF-8 even when HTTP says GBK; GBK text with HTTP GBK is GBK', () => {
    const utf8 = fs.readFileSync(path.join(SAMPLES, sample));
    const s1 = sniff(utf8, { contentType: 'text/plain; charset=GBK' });
    expect(s1).toMatchObject({ format: 'text', encoding: 'utf-8' });
    expect(s1.reason).toMatch(/failed verification/);
    const gbk = iconv.encode(utf8.toString('utf8'), 'gbk');
    const s2 = sniff(gbk, { contentType: 'text/plain; charset=GBK' });
    expect(s2.encoding).toBe('gb18030');
    expect(decode(gbk, s2.encoding)).toBe(utf8.toString('utf8'));
  });

  test('BOMs decide and are stripped', () => {
    const text = '2021年政府信息公开工作年度报告';
    const b8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    expect(detectEncoding(b8).encoding).toBe('utf-8');
    expect(decode(b8, 'utf-8')).toBe(text);
    const b16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const s = sniff(b16);
    expect(s.format).toBe('text');
    expect(decode(b16, s.encoding)).toBe(text);
  });

  test('strict UTF-8 validation rejects GBK, truncation, overlongs and surrogates', () => {
    expect(isValidUtf8(Buffer.from('政府信息公开'))).toBe(true);
    expect(isValidUtf8(iconv.encode('政府信息公开', 'gbk'))).toBe(false);
    expect(isValidUtf8(Buffer.from('政府').subarray(0, 5))).toBe(false);
    expect(isValidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(false);
    expect(isValidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(false);
  });

  test('UTF-16 without a BOM is recognised', () => {
    const text = '<html><body><p>政府信息公开工作年度报告 2021</p></body></html>';
    for (const enc of ['utf-16le', 'utf-16be'] as const) {
      const b = iconv.encode(text, enc);
      const s = sniff(b);
      expect(s).toMatchObject({ format: 'html', encoding: enc });
      expect(decode(b, s.encoding)).toBe(text);
    }
  });

  test('a few stray NUL bytes in a page do not make it binary', () => {
    const b = Buffer.from(fs.readFileSync(path.join(FILES, 'html/plain-2019.html')));
    b.fill(0, 600, 640);
    expect(sniff(b).format).toBe('html');
  });

  test('a truncated .docx is still routed to the DOCX reader (which reports docx_corrupt)', () => {
    const b = read('docx/lo-2021.docx');
    expect(sniff(b.subarray(0, 2000)).format).toBe('docx');
    expect(sniff(b.subarray(0, 60), { name: 'a.docx' }).format).toBe('docx');
  });

  test('Big5 text decodes as Big5', () => {
    const text = '政府資訊公開工作年度報告，本年度受理申請案件共計十二件，均已依法答覆。';
    const b = iconv.encode(`<html><body><p>${text}</p></body></html>`, 'big5');
    const s = sniff(b);
    expect(s.encoding).toBe('big5');
    expect(decode(b, s.encoding)).toContain(text);
  });
});
