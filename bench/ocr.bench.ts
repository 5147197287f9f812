/**
 * OCR benchmark (src/ocr): scanned reports made in-process from the PDF fixtures
 * (test/fixtures/render/scan.ts), read by the PDF reader's OCR path.
 *
 *  - pages/s per core, by scan kind and resolution: wall time and CPU time (process.cpuUsage; the
 *    recognition runs one ONNX thread, so CPU seconds per page is the per-core figure even on a
 *    shared machine);
 *  - memory on a long scan: a 40-page image-only PDF read page by page in a fresh process, its peak
 *    RSS (compare with a 5-page scan's ~400 MB: bounded by one page, not the page count);
 *  - recognition alone against Tesseract 5 (chi_sim, one text line per crop: --psm 7) on the same
 *    crops: the number cells of the fixture tables, cut from the scan at the text PDF's cell boxes
 *    (no skew, so the boxes coincide), truth from the text layer. Skipped without `tesseract`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { readPdfBytes } from '../src/read/pdf';
import { loadEngine } from '../src/ocr/engine';
import { type Gray, binarise, crop, inkBox } from '../src/ocr/image';
import { openForRender, renderPage, OCR_DPI } from '../src/ocr/pdf-render';
import { type ScanKind, imagesToPdf, renderPdf, scanPdf, damage } from '../test/fixtures/render/scan';

function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

async function timeRead(bytes: Buffer): Promise<{ pages: number; wall: number; cpu: number }> {
  const t = performance.now();
  const c = cpu();
  const m = await readPdfBytes(bytes, { ocrTimeoutMs: 3_600_000 });
  return { pages: m.pages ?? 0, wall: (performance.now() - t) / 1000, cpu: cpu() - c };
}

function savePng(img: Gray, file: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createCanvas } = require('@napi-rs/canvas');
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  const id = ctx.createImageData(img.width, img.height);
  for (let i = 0; i < img.data.length; i++) { id.data[4 * i] = id.data[4 * i + 1] = id.data[4 * i + 2] = img.data[i]; id.data[4 * i + 3] = 255; }
  ctx.putImageData(id, 0, 0);
  fs.writeFileSync(file, c.toBuffer('image/png'));
}

/** Number cells of the text PDF (truth) and their crops from the scan. */
async function numberCrops(src: Buffer, scan: Buffer): Promise<{ truth: string; img: Gray }[]> {
  const model = await readPdfBytes(src);
  const task = await openForRender(scan);
  const doc = await task.promise;
  const out: { truth: string; img: Gray }[] = [];
  for (let p = 1; p <= doc.numPages; p++) {
    const page = await doc.getPage(p);
    const { image } = await renderPage(page as never, OCR_DPI);
    const k = OCR_DPI / 72;
    const top = page.view[3];
    const mask = binarise(image);
    for (const b of model.blocks) {
      if (b.kind !== 'table') continue;
      for (const row of b.rows) {
        for (const cell of row) {
          if (cell.spanOf || cell.pos.page !== p || !cell.pos.bbox || !/^\d+(\.\d+)?$/.test(cell.text.trim())) continue;
          const [x0, y0, x1, y1] = cell.pos.bbox;
          const inset = 4;
          const box: [number, number, number, number] = [Math.round(x0 * k) + inset, Math.round((top - y1) * k) + inset, Math.round(x1 * k) - inset, Math.round((top - y0) * k) - inset];
          const ink = inkBox(mask, image.width, box, 4);
          if (!ink) continue;
          const h = ink[3] - ink[1];
          out.push({ truth: cell.text.trim(), img: crop(image, ink, Math.max(2, Math.round(0.3 * h))) });
        }
      }
    }
    page.cleanup();
  }
  await task.destroy();
  return out;
}

async function compareTesseract(crops: { truth: string; img: Gray }[]) {
  const engine = await loadEngine();
  let t = performance.now();
  let right = 0;
  for (const c of crops) if ((await engine.recognise(c.img)).text.trim() === c.truth) right++;
  const pp = { crops: crops.length, exact: right / crops.length, msPerCrop: (performance.now() - t) / crops.length };
  let tess: unknown = 'tesseract not installed';
  try {
    execFileSync('tesseract', ['--version'], { stdio: 'ignore' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-tess-'));
    try {
      crops.forEach((c, i) => savePng(c.img, path.join(dir, `${i}.png`)));
      t = performance.now();
      let ok = 0;
      for (let i = 0; i < crops.length; i++) {
        const txt = execFileSync('tesseract', [path.join(dir, `${i}.png`), '-', '--psm', '7', '-l', 'chi_sim'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        if (txt.replace(/\s+/g, '') === crops[i].truth) ok++;
      }
      tess = { crops: crops.length, exact: ok / crops.length, msPerCrop: (performance.now() - t) / crops.length, note: 'one process per crop (includes ~start-up)' };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } catch (e) {
    if (tess === 'tesseract not installed' && !(e as { code?: string }).code) tess = String(e);
  }
  return { ppocr: pp, tesseract: tess };
}

export async function run() {
  const dir = path.join(repoRoot(), 'test/fixtures/files/pdf');
  const src = fs.readFileSync(path.join(dir, 'ruled-2021.pdf'));
  await loadEngine();
  const speed: Record<string, unknown> = {};
  const cases: [ScanKind, number][] = [['jpeg', 110], ['jpeg', 150], ['1bit', 200], ['jpeg', 300]];
  for (const [kind, dpi] of cases) {
    const scan = await scanPdf(src, { dpi, kind, skew: 0.7, speckles: 150, quality: 70, seed: 1 });
    const r = await timeRead(scan);
    speed[`${kind}/${dpi}dpi`] = { pages: r.pages, pagesPerSecWall: +(r.pages / r.wall).toFixed(3), cpuSecPerPage: +(r.cpu / r.pages).toFixed(2) };
  }

  // memory: 40 pages, RSS sampled while reading
  const imgs = await renderPdf(src, 150);
  const pages = Array.from({ length: 40 }, (_, i) => ({ img: damage(imgs[i % imgs.length], { dpi: 150, kind: 'jpeg', skew: 0.3, speckles: 50, seed: i }), dpi: 150, kind: 'jpeg' as const, quality: 70 }));
  const long = imagesToPdf(pages);
  imgs.length = 0;
  pages.length = 0;
  // read in a fresh process (this one holds the page images it made): peak RSS is the reader's own
  const file = path.join(os.tmpdir(), `nianbao-ocr-long-${process.pid}.pdf`);
  fs.writeFileSync(file, long);
  let memory: unknown;
  try {
    const reader = path.join(__dirname, '../src/read/pdf.js');
    // RSS sampled in the child: its maxRSS would include this process's at the fork (Linux keeps the
    // high-water mark over fork and exec)
    const script = `let peak=0;const iv=setInterval(()=>{peak=Math.max(peak,process.memoryUsage().rss)},100);const t=Date.now();const c=process.cpuUsage();require(${JSON.stringify(reader)}).readPdfBytes(require('fs').readFileSync(${JSON.stringify(file)}),{ocrTimeoutMs:3600000}).then(m=>{clearInterval(iv);const u=process.cpuUsage(c);console.log(JSON.stringify({pages:m.pages,wall:(Date.now()-t)/1000,cpu:(u.user+u.system)/1e6,maxRssMB:Math.max(peak,process.memoryUsage().rss)/2**20}))})`;
    const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').pop()!);
    memory = { pages: r.pages, bytesMB: +(long.length / 2 ** 20).toFixed(1), peakRssMB: Math.round(r.maxRssMB), pagesPerSecWall: +(r.pages / r.wall).toFixed(3), cpuSecPerPage: +(r.cpu / r.pages).toFixed(2) };
  } finally {
    fs.rmSync(file, { force: true });
  }

  const plain = await scanPdf(src, { dpi: 150, kind: 'jpeg', skew: 0, speckles: 0, quality: 75, seed: 2 });
  const crops = await numberCrops(src, plain);
  const versus = await compareTesseract(crops);
  return { ocrDpi: OCR_DPI, speed, memory, numberCells150dpiJpeg: versus };
}
