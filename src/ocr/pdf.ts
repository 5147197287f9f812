/**
 * Image-only PDFs (scans): each page rendered by pdf.js at OCR_DPI, OCR'd (./reader) and dropped
 * before the next, so memory holds one page image at a time however long the scan. The page
 * pieces go to the PDF reader's own assembly; the recognition confidence is put into the model
 * afterwards (`annotate`).
 *
 * Failures: nothing readable on any page → pdf_no_text_layer (with what OCR found); over the
 * document's time budget → timeout (OCR is seconds per page, so long scans can reach it).
 */
import type { DocumentModel } from '../model/document';
import { ExtractError } from '../errors';
import type { PTable } from '../read/pdf/lattice';
import type { Line } from '../read/pdf/text';
import { loadEngine } from './engine';
import { OCR_DPI, openForRender, pageImage, renderPage } from './pdf-render';
import { loadPdfjs } from '../read/pdf/pdfjs';
import { type OcrPiece, annotate, ocrImage } from './reader';

export interface OcrPageData {
  page: number;
  height: number;
  tables: PTable[];
  lines: Line[];
  chars: number;
  badChars: number;
}

export interface OcrPdfOptions {
  name: string;
  maxPages: number;
  /** Date.now() value the whole document must be read by. */
  deadline: number;
  timeoutMs: number;
  /** The PDF reader's assembly of page pieces into the model. */
  assemble(pages: OcrPageData[]): DocumentModel;
}

/** Fewer confidently read characters than this on all pages: OCR found nothing to read (a report page holds hundreds). */
const MIN_CHARS = 50;

export async function readScannedPdf(bytes: Uint8Array, opts: OcrPdfOptions): Promise<DocumentModel> {
  const engine = await loadEngine();
  const OPS = (await loadPdfjs()).OPS as unknown as Record<string, number>;
  const task = await openForRender(bytes);
  try {
    const doc = await task.promise;
    const numPages = doc.numPages;
    const n = Math.min(numPages, opts.maxPages);
    const pages: OcrPageData[] = [];
    const pieces: OcrPiece[] = [];
    let chars = 0;
    for (let p = 1; p <= n; p++) {
      if (Date.now() > opts.deadline) {
        throw new ExtractError('timeout', `${opts.name}: scanned PDF not read by OCR within ${opts.timeoutMs} ms (stopped at page ${p} of ${numPages})`);
      }
      const page = await doc.getPage(p);
      try {
        const view = page.view;
        // the scanned image itself where the page is one upright image, else the page drawn
        const scan = await pageImage(page as never, OPS, OCR_DPI);
        const image = scan?.image ?? (await renderPage(page as never, OCR_DPI)).image;
        const bbox = scan?.bbox ?? [view[0], view[1], view[2], view[3]];
        const got = await ocrImage(image, { page: p, bbox, width: image.width, height: image.height }, engine);
        pages.push({ page: p, height: view[3] - view[1], tables: got.tables, lines: got.lines, chars: got.chars, badChars: 0 });
        pieces.push(...got.pieces);
        chars += got.chars;
      } finally {
        page.cleanup();
      }
    }
    if (chars < MIN_CHARS) {
      throw new ExtractError('pdf_no_text_layer', `${opts.name}: no text layer, and OCR found no readable text in ${n} page image(s) (${chars} characters)`);
    }
    const model = opts.assemble(pages);
    annotate(model, pieces);
    model.pages = numPages;
    model.ocr = { engine: engine.name, pages: n, dpi: OCR_DPI };
    if (numPages > n) model.truncated = `pages ${n + 1}–${numPages} not read (limit ${opts.maxPages} pages)`;
    return model;
  } finally {
    await task.destroy().catch(() => undefined);
  }
}
