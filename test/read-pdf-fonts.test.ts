/**
 * The reader has pdf.js skip converting the embedded programs of CJK TrueType fonts that carry their own
 * ToUnicode map (src/read/pdf/pdfjs.ts, FONT_PROGRAM_ANCHOR): a fifth of the reading time, and nothing
 * text extraction uses. Proved here on every PDF fixture: the document model and the extraction are the
 * same, byte for byte, whether the programs are converted or not; and the skip really applies to the
 * fixtures' fonts (else the comparison would prove nothing). The same for simple Type 1 fonts with a
 * ToUnicode map (LibreOffice's CJK subsets), which are parsed but not compiled into CFF/OpenType for
 * rendering (TYPE1_WRAP_ANCHOR), and for Type 3 fonts, whose glyph procedures are not read
 * (TYPE3_ANCHOR).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readPdfBytes } from '../src/read/pdf';
import { extractBytes } from '../src/pipeline/extract';

const FIX = path.join(__dirname, 'fixtures/files');
const g = globalThis as { __nianbaoFontPrograms?: string; __nianbaoFontProgramsSkipped?: number; __nianbaoType1Skipped?: number; __nianbaoType3Skipped?: number };

function pdfFixtures(): string[] {
  const out: string[] = [];
  for (const dir of ['pdf', 'pdf-text']) {
    for (const f of fs.readdirSync(path.join(FIX, dir))) if (f.endsWith('.pdf')) out.push(path.join(dir, f));
  }
  return out.sort();
}

/** Model and extraction of a PDF as JSON, with font programs converted ('load') or not ('skip'). */
async function readAs(mode: 'load' | 'skip', bytes: Buffer): Promise<{ json: string; skipped: number; type1: number; type3: number }> {
  g.__nianbaoFontPrograms = mode;
  const before = g.__nianbaoFontProgramsSkipped ?? 0;
  const type1Before = g.__nianbaoType1Skipped ?? 0;
  const type3Before = g.__nianbaoType3Skipped ?? 0;
  try {
    let model: unknown;
    try {
      model = await readPdfBytes(new Uint8Array(bytes));
    } catch (e) {
      model = { error: (e as { code?: string }).code ?? String(e) };
    }
    const skipped = (g.__nianbaoFontProgramsSkipped ?? 0) - before;
    const type1 = (g.__nianbaoType1Skipped ?? 0) - type1Before;
    const type3 = (g.__nianbaoType3Skipped ?? 0) - type3Before;
    const ext = await extractBytes(new Uint8Array(bytes), { uri: 'fixture.pdf' });
    return { json: JSON.stringify({ model, ext: { ...ext, source: undefined } }), skipped, type1, type3 };
  } finally {
    delete g.__nianbaoFontPrograms;
  }
}

describe('PDF reader: CJK font programs are not converted, and the text is the same', () => {
  const files = pdfFixtures();
  const skippedBy = new Map<string, number>();
  const type1By = new Map<string, number>();
  const type3By = new Map<string, number>();

  test.each(files)('%s reads the same with and without converting font programs', async (f) => {
    const bytes = fs.readFileSync(path.join(FIX, f));
    const skip = await readAs('skip', bytes);
    const load = await readAs('load', bytes);
    expect(load.skipped).toBe(0);
    expect(load.type1).toBe(0);
    expect(load.type3).toBe(0);
    expect(skip.json).toBe(load.json);
    skippedBy.set(f, skip.skipped);
    type1By.set(f, skip.type1);
    type3By.set(f, skip.type3);
  }, 60000);

  test('the skip applies to the Chromium-printed reports, whose CJK fonts are CIDFontType2 with ToUnicode', () => {
    for (const f of ['pdf/ruled-2019.pdf', 'pdf/ruled-2021.pdf', 'pdf/borderless-2021.pdf', 'pdf/split-header.pdf', 'pdf-text/text-effects.pdf']) {
      expect(skippedBy.get(f)).toBeGreaterThan(0);
    }
    // LibreOffice's report embeds simple TrueType fonts (converted as before) and its CJK text in
    // simple Type 1 subsets, parsed but not compiled for rendering
    expect(skippedBy.get('pdf/lo-2021.pdf')).toBe(0);
    expect(type1By.get('pdf/lo-2021.pdf')).toBeGreaterThan(0);
    // Chromium prints OpenType CJK fonts as Type 3 fonts: their glyph procedures are left unread
    expect(type3By.get('pdf-text/chromium-type3.pdf')).toBeGreaterThan(0);
  });
});
