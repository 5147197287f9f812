/**
 * The reader lays out text from the operator list itself (src/read/pdf/glyphs.ts) instead of asking
 * pdf.js for getTextContent. Checked line by line against getTextContent on every readable PDF
 * fixture, on a page of text effects printed by Chromium (scripts/make-text-effects-pdf.js), and on
 * a hand-written content stream that uses every text-state operator (Tc Tw Tz Ts TL T* ' " TJ TD,
 * cm, rotated and flipped text matrices, font changes).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadPdfjs, pdfjsOptions } from '../src/read/pdf/pdfjs';
import { fontNames, textItems, type GlyphFont } from '../src/read/pdf/glyphs';
import type { OpList } from '../src/read/pdf/rules';
import { toItems, toLines, type RawTextItem } from '../src/read/pdf/text';
import { pdfFromObjects } from './robust/files';

const FIX = path.join(__dirname, 'fixtures/files');

/** A one-page PDF with an uncompressed content stream and two standard fonts. */
function buildPdf(content: string): Uint8Array {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>',
  ];
  return new Uint8Array(pdfFromObjects(objs));
}

const TEXT_STATE = `BT /F1 12 Tf 1 0 0 1 50 740 Tm (Plain text 123) Tj ET
BT /F1 12 Tf 50 720 Td 2 Tc (char spaced 45) Tj 0 Tc ET
BT /F1 12 Tf 50 700 Td 6 Tw (word spaced 6 7) Tj 0 Tw ET
BT /F1 12 Tf 50 680 Td 160 Tz (scaled 89) Tj 100 Tz ( after) Tj ET
BT /F1 12 Tf 50 660 Td (base) Tj 4 Ts (rise) Tj 0 Ts (back 10) Tj ET
BT /F1 12 Tf 14 TL 50 640 Td (line one) Tj T* (line two 11) Tj (line three) ' 3 1 (line four) " ET
BT /F2 12 Tf 50 560 Td [(A) -300 (B) -2000 (C 12) 150 (D)] TJ ET
BT /F1 10 Tf 50 540 Td (col1) Tj 100 0 Td (22) Tj 80 0 Td (333) Tj ET
BT /F1 10 Tf 50 520 Td -20 -5 TD (td moved) Tj 0 -12 Td (and 44) Tj ET
q 0.5 0 0 0.5 300 300 cm BT /F1 20 Tf 0 0 Td (half scale 55) Tj ET Q
BT /F1 12 Tf 1 0 0 -1 50 150 Tm (flipped 88) Tj ET
BT /F1 12 Tf 50 100 Td (mixed ) Tj /F2 12 Tf (fonts 99) Tj ET`;

type Lib = Awaited<ReturnType<typeof loadPdfjs>>;

/** Each page's lines (position and text) from getTextContent and from the operator list. */
async function bothWays(lib: Lib, bytes: Uint8Array): Promise<{ content: string[]; ops: string[]; items: RawTextItem[] }> {
  const doc = await lib.getDocument({ ...pdfjsOptions(), data: bytes }).promise;
  const content: string[] = [];
  const mine: string[] = [];
  const items: RawTextItem[] = [];
  const show = (its: RawTextItem[], p: number) => toLines(toItems(its)).map((l) => `p${p} ${l.x0.toFixed(0)},${l.y0.toFixed(0)} ${l.text}`);
  try {
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p);
      const tc = await page.getTextContent();
      content.push(...show(tc.items.filter((i) => 'str' in i) as unknown as RawTextItem[], p));
      const ops = (await page.getOperatorList({ annotationMode: lib.AnnotationMode.DISABLE })) as unknown as OpList;
      const OPS = lib.OPS as unknown as Record<string, number>;
      for (const n of fontNames(ops, OPS)) await new Promise((r) => page.commonObjs.get(n, r));
      const its = textItems(ops, OPS, (n) => page.commonObjs.get(n) as GlyphFont);
      items.push(...its);
      mine.push(...show(its, p));
    }
  } finally {
    await doc.destroy();
  }
  return { content, ops: mine, items };
}

describe('text from the operator list matches getTextContent', () => {
  let lib: Lib;
  beforeAll(async () => {
    lib = await loadPdfjs();
  });

  const readable = fs
    .readdirSync(path.join(FIX, 'pdf'))
    .filter((f) => f.endsWith('.pdf') && !JSON.parse(fs.readFileSync(path.join(FIX, 'pdf', f.replace(/\.pdf$/, '.expected.json')), 'utf8')).error)
    .map((f) => path.join('pdf', f));

  test.each([...readable, 'pdf-text/text-effects.pdf'])('%s: the same lines at the same places', async (file) => {
    const { content, ops } = await bothWays(lib, new Uint8Array(fs.readFileSync(path.join(FIX, file))));
    expect(content.length).toBeGreaterThan(10);
    expect(ops).toEqual(content);
  });

  test('every text-state operator', async () => {
    const { content, ops } = await bothWays(lib, buildPdf(TEXT_STATE));
    expect(ops).toEqual(content);
    // 2 Tc on 12 pt is a sixth of an em between letters: both read it as spaced-out letters
    const text = ops.map((l) => l.replace(/^\S+ \S+ /, ''));
    expect(text).toEqual(expect.arrayContaining(['c h a r s p a c e d 4 5', 'baseriseback 10', 'word spaced 6 7', 'scaled 89 after', 'A B C 12D', 'line four', 'col1 22 333', 'mixed fonts 99']));
  });

  test('a font pdf.js could not load: its glyphs are still laid out, with the default font matrix', () => {
    const OPS = lib.OPS as unknown as Record<string, number>;
    const g = (unicode: string) => ({ unicode, width: 500 });
    const ops: OpList = {
      fnArray: [OPS.beginText, OPS.setFont, OPS.setTextMatrix, OPS.showText, OPS.endText],
      argsArray: [null, ['g_font_error', 10], [[1, 0, 0, 1, 100, 700]], [[g('1'), g('2'), -1000, g('3')]], null],
    };
    const items = textItems(ops, OPS, () => null);
    // 500/1000 em at 10 pt per glyph; the TJ adjustment of one em (10 pt) is a gap: a new item
    expect(items.map((i) => [i.str, i.transform[4], i.width])).toEqual([['12', 100, 10], ['3', 120, 5]]);
  });

  test('a rotated run stays one item along its axis', async () => {
    const { items } = await bothWays(lib, buildPdf('BT /F1 12 Tf 0 1 -1 0 500 300 Tm (rotated 66) Tj ET'));
    expect(items.map((i) => i.str)).toEqual(['rotated 66']);
    const [a, b, , , e, f] = items[0].transform;
    expect([Math.round(a), Math.round(b), Math.round(e), Math.round(f)]).toEqual([0, 12, 500, 300]);
    expect(items[0].width).toBeGreaterThan(50);
  });
});
