/**
 * OCR (src/ocr): table structure from ruling lines in an image (pixels drawn here), deskew,
 * speck and number clean-up, and one scanned report end to end (a fixture PDF rendered, damaged and
 * wrapped image-only in-process: no system tool), plus the unreadable scan's clear failure.
 */
import * as fs from 'fs';
import * as path from 'path';
import { type Gray, binarise, estimateSkew, rotate } from '../src/ocr/image';
import { findRules, removeSpecks, type Placement } from '../src/ocr/structure';
import { buildLattice, findGrids } from '../src/read/pdf/lattice';
import { cleanNumber } from '../src/ocr/reader';
import { readPdfBytes } from '../src/read/pdf';
import { ExtractError } from '../src/errors';
import { extractBytes } from '../src/pipeline/extract';
import { damage, imagesToPdf, scanPdf } from './fixtures/render/scan';

const DIR = path.join(__dirname, 'fixtures/files/pdf');

/** A white page at 200 dpi with a ruled table: 3 rows × 4 columns, the top row's last three cells merged. */
function ruledPage(): { img: Gray; pl: Placement } {
  const w = 1000;
  const h = 700;
  const data = new Uint8Array(w * h).fill(255);
  const hline = (y: number, x0: number, x1: number) => { for (let t = 0; t < 3; t++) data.fill(0, (y + t) * w + x0, (y + t) * w + x1); };
  const vline = (x: number, y0: number, y1: number) => { for (let y = y0; y < y1; y++) for (let t = 0; t < 3; t++) data[y * w + x + t] = 0; };
  const xs = [100, 300, 500, 700, 900];
  const ys = [100, 200, 300, 400];
  for (const y of ys) hline(y, 100, 903);
  vline(100, 100, 403);
  vline(900, 100, 403);
  for (const x of xs.slice(1, -1)) vline(x, 200, 403); // no column rules in the top row: merged
  vline(300, 100, 200);
  // a "digit" in a cell: short strokes that must not become rules
  for (let y = 230; y < 270; y++) for (let t = 0; t < 4; t++) data[y * w + 390 + t] = 0;
  const pl: Placement = { page: 1, bbox: [0, 0, (w / 200) * 72, (h / 200) * 72], width: w, height: h };
  return { img: { width: w, height: h, data }, pl };
}

const sizes = (k: number) => ({ minH: Math.round(24 * k), minV: Math.round(14 * k), gap: Math.round(2 * k), fringe: 1 });

describe('table structure from an image', () => {
  test('ruling lines → the lattice grid with its merged cell; strokes of text are not rules', () => {
    const { img, pl } = ruledPage();
    const k = img.width / (pl.bbox[2] - pl.bbox[0]);
    const mask = binarise(img);
    const grids = findGrids(findRules(mask, img.width, img.height, pl, sizes(k)));
    expect(grids).toHaveLength(1);
    const t = buildLattice(grids[0], [], 1)!.table;
    expect(t.xs).toHaveLength(5);
    expect(t.nrows).toBe(3);
    const top = t.cells.filter((c) => c.r0 === 0);
    expect(top.map((c) => [c.c0, c.c1])).toEqual([[0, 1], [1, 4]]);
    expect(t.cells).toHaveLength(2 + 4 + 4);
  });

  test('skew is measured and undone (rules straight again after ±1.2°)', () => {
    const { img, pl } = ruledPage();
    const k = img.width / (pl.bbox[2] - pl.bbox[0]);
    for (const deg of [1.2, -0.7]) {
      const skewed = rotate(img, deg);
      const m = binarise(skewed);
      const est = estimateSkew(m, img.width, img.height);
      expect(Math.abs(est - -deg)).toBeLessThanOrEqual(0.1);
      const level = rotate(skewed, est);
      const grids = findGrids(findRules(binarise(level), img.width, img.height, pl, sizes(k)));
      expect(grids).toHaveLength(1);
      expect(grids[0].xs).toHaveLength(5);
    }
  });

  test('specks are removed, strokes kept', () => {
    const w = 50;
    const m = new Uint8Array(w * w);
    m[10 * w + 10] = 1; // a speck
    for (let y = 20; y < 40; y++) m[y * w + 30] = m[y * w + 31] = 1; // a stroke
    const out = removeSpecks(m, w, w, 6);
    expect(out[10 * w + 10]).toBe(0);
    expect(out.reduce((a, b) => a + b, 0)).toBe(40);
  });

  test('specks beside a number read as punctuation are dropped; labels are kept', () => {
    expect(cleanNumber('.487')).toBe('487');
    expect(cleanNumber('：73')).toBe('73');
    expect(cleanNumber('213+')).toBe('213');
    expect(cleanNumber('284.99')).toBe('284.99');
    expect(cleanNumber('1.属于国家秘密')).toBe('1.属于国家秘密');
    expect(cleanNumber('+5')).toBe('+5');
    expect(cleanNumber('10)')).toBe('10');
    expect(cleanNumber('（二）')).toBe('（二）');
  });
});

describe('image-only PDFs', () => {
  test('a scan of blank paper with dust fails pdf_no_text_layer with what OCR found', async () => {
    const w = 800;
    const h = 1100;
    const paper = { width: w, height: h, data: new Uint8Array(w * h).fill(255) };
    const bytes = imagesToPdf([{ img: damage(paper, { dpi: 100, kind: 'jpeg', skew: 0, speckles: 200, seed: 3 }), dpi: 100, kind: 'jpeg', quality: 60 }]);
    const err = await readPdfBytes(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    expect((err as ExtractError).code).toBe('pdf_no_text_layer');
    expect((err as ExtractError).message).toMatch(/OCR found no readable text/);
  }, 60_000);

  test('a scanned report (split-header.pdf at 200 dpi, 1-bit, skewed, speckled) is read; no wrong value ends ok; OCR evidence on every table value', async () => {
    const src = fs.readFileSync(path.join(DIR, 'split-header.pdf'));
    const want = JSON.parse(fs.readFileSync(path.join(DIR, 'split-header.expected.json'), 'utf8')) as { fields: Record<string, number | null>; year: number; template: string };
    const scan = await scanPdf(src, { dpi: 200, kind: '1bit', skew: 0.9, speckles: 250, seed: 11 });
    const ex = await extractBytes(scan, { path: 'split-header-scan.pdf' });
    expect(ex.status).not.toBe('failed');
    expect(ex.meta.template).toBe(want.template);
    expect(ex.meta.year).toBe(want.year);
    const keys = Object.keys(want.fields);
    const right = keys.filter((k) => ex.fields[k] === want.fields[k]);
    expect(right.length / keys.length).toBeGreaterThanOrEqual(0.95);
    if (right.length < keys.length) expect(ex.status).toBe('flagged');
    const read = Object.values(ex.cells).filter((c) => c.evidence.method === 'read' && c.evidence.raw?.trim());
    expect(read.length).toBeGreaterThan(50);
    for (const c of read) {
      expect(typeof c.evidence.pos?.ocr).toBe('number');
      expect(c.evidence.pos?.bbox).toHaveLength(4);
    }
    // a value read with low confidence never passes unflagged
    for (const [k, c] of Object.entries(ex.cells)) {
      if ((c.evidence.pos?.ocr ?? 1) < 0.5 && c.evidence.method === 'read') expect(ex.flags.some((f) => f.field === k)).toBe(true);
    }
  }, 180_000);
});
