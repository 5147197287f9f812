/**
 * A wider PDF corpus for the speed benchmark (issue 14): generated reports printed by several
 * producers, so the reader is timed on PDFs it was not tuned on rather than on its own fixtures.
 *
 *   chromium         the report's HTML page (test/fixtures/docs.ts, layout 'html') printed by
 *                    Chromium headless (--print-to-pdf): Skia, embedded CID TrueType subsets
 *   lo-html          the same HTML through LibreOffice Writer's HTML import and PDF export
 *   lo-docx          HTML → DOCX → PDF through LibreOffice (Writer's own table layout)
 *   word-like        in-process writer (test/fixtures/render/pdf-report.ts), TJ arrays with kerning
 *   wps-like         in-process writer, one positioned op per glyph
 *
 * Written to a fresh temp directory (removed by the caller), or to NIANBAO_PDF_CORPUS if set: a
 * directory kept between runs (its manifest.json is reused when every file is still there).
 * Producers whose program is missing (chromium, soffice) are skipped and named in `skipped`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeDoc } from '../test/fixtures/docs';
import { makePdfDigitsDoc } from '../test/classes/pdf-digits.gen';
import type { Expectation } from '../test/fixtures/docs';

export interface CorpusDoc {
  file: string;
  producer: string;
  expected: Expectation;
}

export interface Corpus {
  dir: string;
  docs: CorpusDoc[];
  skipped: string[];
  /** The directory is ours to remove (not NIANBAO_PDF_CORPUS). */
  temporary: boolean;
}

const VERSION = 1;

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

function chromium(html: string, pdf: string): void {
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--no-pdf-header-footer', `--print-to-pdf=${pdf}`,
    `file://${html}`], { stdio: 'ignore', timeout: 120_000 });
}

/**
 * One file through LibreOffice. soffice 7.4 here may abort on exit after writing its output
 * ("Unspecified Application Error"): the output counts when it is complete (ends with %%EOF for a
 * PDF, a zip end record for a DOCX).
 */
function soffice(dir: string, to: string, file: string, out: string, filter?: string): void {
  try {
    execFileSync('soffice', ['--headless', '--norestore', `-env:UserInstallation=file://${dir}/lo-profile`,
      ...(filter ? [`--infilter=${filter}`] : []), '--convert-to', to, '--outdir', dir, file], { stdio: 'ignore', timeout: 180_000 });
  } catch (e) {
    if (!complete(out)) throw e;
  }
  if (!complete(out)) throw new Error(`soffice wrote no complete ${path.basename(out)}`);
}

function complete(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const b = fs.readFileSync(file);
  const tail = b.subarray(Math.max(0, b.length - 1024)).toString('latin1');
  return file.endsWith('.pdf') ? tail.includes('%%EOF') : tail.includes('PK\x05\x06');
}

/** The article page without scripts and style sheet links (a saved page; LibreOffice aborts on some). */
const stripped = (html: Buffer): string => html.toString('utf8').replace(/<script[\s\S]*?<\/script>/g, '').replace(/<link[^>]*>/g, '');

/** Make (or reuse) the corpus: `perProducer` reports per producer. */
export function pdfCorpus(perProducer = 8): Corpus {
  const keep = process.env.NIANBAO_PDF_CORPUS;
  const dir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-pdf-corpus-'));
  const manifest = path.join(dir, 'manifest.json');
  if (keep && fs.existsSync(manifest)) {
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: number; perProducer: number; docs: CorpusDoc[]; skipped: string[] };
    if (m.version === VERSION && m.perProducer === perProducer && m.docs.every((d) => fs.existsSync(path.join(dir, d.file)))) {
      return { dir, docs: m.docs, skipped: m.skipped, temporary: false };
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const docs: CorpusDoc[] = [];
  const skipped: string[] = [];
  const html: { base: string; expected: Expectation }[] = [];
  for (let i = 0; i < perProducer; i++) {
    const d = makeDoc({ layout: 'html', template: i % 2 ? '2019' : '2021', seed: 91_000 + i, html: { blankZeros: false } });
    const base = `report-${i}`;
    fs.writeFileSync(path.join(dir, `${base}.html`), d.bytes);
    html.push({ base, expected: d.expected });
  }
  if (has('chromium')) {
    for (const h of html) {
      const file = `chromium-${h.base}.pdf`;
      chromium(path.join(dir, `${h.base}.html`), path.join(dir, file));
      docs.push({ file, producer: 'chromium', expected: h.expected });
    }
  } else skipped.push('chromium (not installed)');
  if (has('soffice')) {
    for (const h of html) {
      const src = path.join(dir, `${h.base}-lo.html`);
      fs.writeFileSync(src, stripped(fs.readFileSync(path.join(dir, `${h.base}.html`))));
      const pdf = path.join(dir, `${h.base}-lo.pdf`);
      soffice(dir, 'pdf:writer_pdf_Export', src, pdf, 'HTML (StarWriter)');
      fs.renameSync(pdf, path.join(dir, `lo-html-${h.base}.pdf`));
      docs.push({ file: `lo-html-${h.base}.pdf`, producer: 'lo-html', expected: h.expected });
      const docx = path.join(dir, `${h.base}-lo.docx`);
      soffice(dir, 'docx:MS Word 2007 XML', src, docx, 'HTML (StarWriter)');
      soffice(dir, 'pdf:writer_pdf_Export', docx, pdf);
      fs.renameSync(pdf, path.join(dir, `lo-docx-${h.base}.pdf`));
      docs.push({ file: `lo-docx-${h.base}.pdf`, producer: 'lo-docx', expected: h.expected });
    }
  } else skipped.push('soffice (not installed)');
  // in-process producers: ruled tables, the text emitted as Word (TJ, kerning) and WPS (per glyph) do
  for (let i = 0; docs.filter((d) => d.producer.endsWith('-like')).length < 2 * perProducer && i < 200 * perProducer; i++) {
    const d = makePdfDigitsDoc(92_000, i, true);
    const mode = /^pdf\/(\w+)\//.exec(d.expected.variant)?.[1];
    const producer = mode === 'tj' ? 'word-like' : mode === 'glyph' ? 'wps-like' : null;
    if (!producer || docs.filter((x) => x.producer === producer).length >= perProducer) continue;
    const file = `${producer}-${i}.pdf`;
    fs.writeFileSync(path.join(dir, file), d.bytes);
    docs.push({ file, producer, expected: d.expected });
  }
  if (keep) fs.writeFileSync(manifest, JSON.stringify({ version: VERSION, perProducer, docs, skipped }));
  return { dir, docs, skipped, temporary: !keep };
}
