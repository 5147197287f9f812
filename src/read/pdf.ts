/**
 * The PDF reader: pdf.js (pdfjs-dist 5.6.205, legacy build, no worker thread) → document model.
 *
 * Per page: one operator list gives text items with boxes (./pdf/glyphs) and ruling lines →
 * lattice tables (merged cells included), text placed by cell geometry; the remaining lines lose
 * page furniture (page numbers, running headers/footers), then borderless tables are found from
 * column alignment (stream), and what is left becomes paragraphs in reading order. Tables and paragraphs that run
 * over a page break are joined (repeated header rows dropped); rows of numbers alone at the top of
 * a page continue the borderless table that ended the page before.
 *
 * Speed: pdf.js evaluates each page once (no getTextContent) and is asked for text and vector
 * paths only (see pdfjsOptions in ./pdf/pdfjs).
 *
 * No text layer (a scan): the pages are rendered and OCR'd (src/ocr/pdf), same assembly.
 *
 * Failures: encrypted → pdf_encrypted; no text layer and nothing OCR can read, or an unusable text
 * layer → pdf_no_text_layer; anything pdf.js
 * cannot parse → pdf_corrupt; over the time budget → timeout. Pages past `maxPages` are not read.
 */
import type { Block, DocumentModel } from '../model/document';
import { ExtractError } from '../errors';
import type { Reader } from './types';
import { loadPdfjs, pdfjsOptions } from './pdf/pdfjs';
import type { TItem } from './pdf/geom';
import { type Line, toItems, toLines } from './pdf/text';
import { type GlyphFont, fontNames, textItems } from './pdf/glyphs';
import { type OpList, extractRules } from './pdf/rules';
import { type PImage, extractImages } from './pdf/images';
import { type PTable, buildLattice, findGrids } from './pdf/lattice';
import { appendNumberRows, findStreamTables, numberCells } from './pdf/stream';
import { findFurniture } from './pdf/furniture';
import { type PBlock, bodyMargins, joinPages, order, toModelImage, toModelParagraph, toModelTable, toParagraphs } from './pdf/assemble';
import { readScannedPdf } from '../ocr/pdf';

export interface PdfOptions {
  /** Pages read at most (later pages are ignored). */
  maxPages?: number;
  /** Time budget for the whole document, in milliseconds. */
  timeoutMs?: number;
  name?: string;
  /** OCR the page images when there is no text layer (default true). */
  ocr?: boolean;
  /** Time budget for a scan read by OCR (seconds per page on a CPU core), in milliseconds. */
  ocrTimeoutMs?: number;
}

export const PDF_DEFAULTS = { maxPages: 300, timeoutMs: 60_000, ocrTimeoutMs: 600_000 };

export const readPdf: Reader = (input) => readPdfBytes(input.bytes, { name: input.name });

interface PageData {
  page: number;
  height: number;
  tables: PTable[];
  lines: Line[];
  chars: number;
  badChars: number;
  /** Where the page paints images (pictures of tables, stamps, logos). */
  images: PImage[];
}

/** pdf.js errors that mean the file itself is broken. */
function classify(e: unknown, name: string): ExtractError {
  if (e instanceof ExtractError) return e;
  const err = e as { name?: string; message?: string };
  if (err?.name === 'PasswordException') return new ExtractError('pdf_encrypted', `${name}: the PDF is password-protected`);
  return new ExtractError('pdf_corrupt', `${name}: pdf.js cannot read the file (${err?.name ?? 'Error'}: ${err?.message ?? String(e)})`);
}

export async function readPdfBytes(bytes: Uint8Array, opts: PdfOptions = {}): Promise<DocumentModel> {
  const maxPages = opts.maxPages ?? PDF_DEFAULTS.maxPages;
  const timeoutMs = opts.timeoutMs ?? PDF_DEFAULTS.timeoutMs;
  const name = opts.name ?? 'pdf';
  const deadline = Date.now() + timeoutMs;
  const lib = await loadPdfjs();

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ExtractError('timeout', `${name}: PDF not read within ${timeoutMs} ms`)), timeoutMs);
  });
  timedOut.catch(() => undefined);
  const within = <T>(p: Promise<T>): Promise<T> => Promise.race([p, timedOut]);

  const task = lib.getDocument({
    ...pdfjsOptions(),
    data: new Uint8Array(bytes), // pdf.js may take ownership of the buffer
  });
  try {
    let doc;
    try {
      doc = await within(task.promise);
    } catch (e) {
      throw classify(e, name);
    }
    const numPages = doc.numPages;
    const n = Math.min(numPages, maxPages);
    const pages: PageData[] = [];
    let pageErrors = 0;
    let firstError: unknown;
    for (let p = 1; p <= n; p++) {
      if (Date.now() > deadline) throw new ExtractError('timeout', `${name}: PDF not read within ${timeoutMs} ms (stopped at page ${p} of ${numPages})`);
      try {
        pages.push(await within(readPage(lib, doc, p)));
      } catch (e) {
        if (e instanceof ExtractError) throw e;
        pageErrors++;
        firstError ??= e;
        pages.push({ page: p, height: 0, tables: [], lines: [], chars: 0, badChars: 0, images: [] });
      }
    }
    const chars = pages.reduce((a, p) => a + p.chars, 0);
    const bad = pages.reduce((a, p) => a + p.badChars, 0);
    if (pageErrors > 0 && (pageErrors === n || chars === 0)) throw classify(firstError, name);
    if (chars < 20 && pageErrors === 0 && opts.ocr !== false) {
      // no text layer: a scan. OCR the page images (same assembly, same model), with the scan's
      // own budget (checked between pages; one page's OCR is bounded by its pixels)
      clearTimeout(timer);
      const ocrMs = opts.ocrTimeoutMs ?? PDF_DEFAULTS.ocrTimeoutMs;
      // the scanned page images are the content OCR read, not pictures beside the text
      const assembleScan = (ps: Omit<PageData, 'images'>[]) => assemble(ps.map((q) => ({ ...q, images: [] })));
      return await readScannedPdf(bytes, { name, maxPages, deadline: Date.now() + ocrMs, timeoutMs: ocrMs, assemble: assembleScan });
    }
    if (chars < 20) {
      throw new ExtractError('pdf_no_text_layer', `${name}: no text layer (${chars} characters in ${n} pages; a scanned document?)`);
    }
    if (bad > 0.5 * chars) {
      throw new ExtractError('pdf_no_text_layer', `${name}: the text layer is unusable (${bad} of ${chars} characters have no Unicode mapping)`);
    }
    if (pageErrors > 0 && !hasEof(bytes)) throw classify(firstError, name);

    const model = assemble(pages);
    model.pages = numPages;
    const left: string[] = [];
    if (numPages > n) left.push(`pages ${n + 1}–${numPages} not read (limit ${maxPages} pages)`);
    if (pageErrors > 0) left.push(`${pageErrors} page(s) could not be read`);
    if (left.length) model.truncated = left.join('; ');
    try {
      const meta = await within(doc.getMetadata());
      const title = (meta.info as { Title?: unknown } | undefined)?.Title;
      if (typeof title === 'string' && title.trim()) model.title = title.trim();
    } catch {
      /* metadata is optional */
    }
    return model;
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => undefined);
  }
}

/** A PDF that ends without %%EOF near its end was cut short. */
function hasEof(bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2048))).toString('latin1');
  return tail.includes('%%EOF');
}

type PdfJsLib = Awaited<ReturnType<typeof loadPdfjs>>;
type PdfDoc = Awaited<ReturnType<PdfJsLib['getDocument']>['promise']>;
type PdfPage = Awaited<ReturnType<PdfDoc['getPage']>>;

const WHITESPACE = /\s+/g;
/** Glyphs without a Unicode mapping: control characters, private use, U+FFFD. */
const UNMAPPED = /[\ue000-\uf8ff\ufffd\u0000-\u0008\u000e-\u001f]/g;

/** How long a page waits for the fonts its text uses (pdf.js sends them before the operator list). */
const FONT_WAIT_MS = 5000;

/** The fonts a page's text is set in, as pdf.js's main thread holds them. */
async function pageFonts(page: PdfPage, names: Set<string>): Promise<Map<string, GlyphFont | null>> {
  const fonts = new Map<string, GlyphFont | null>();
  let timer: NodeJS.Timeout | undefined;
  const all = Promise.all(
    [...names].map(
      (n) => new Promise<void>((resolve) => {
        page.commonObjs.get(n, (f: unknown) => {
          // a font pdf.js could not load resolves to its error (textItems lays its glyphs out anyway)
          fonts.set(n, f && typeof f === 'object' && !(f instanceof Error) ? (f as GlyphFont) : null);
          resolve();
        });
      }),
    ),
  );
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fonts of the page not loaded within ${FONT_WAIT_MS} ms`)), FONT_WAIT_MS);
  });
  try {
    await Promise.race([all, late]);
  } finally {
    clearTimeout(timer);
  }
  return fonts;
}

async function readPage(lib: PdfJsLib, doc: PdfDoc, p: number): Promise<PageData> {
  const page = await doc.getPage(p);
  try {
    const height = page.view[3] - page.view[1];
    // one evaluation of the page: text and ruling lines both come from the operator list
    // (annotations are not page content, and their appearance streams draw no table rules)
    const ops = (await page.getOperatorList({ annotationMode: lib.AnnotationMode.DISABLE })) as unknown as OpList;
    const OPS = lib.OPS as unknown as Record<string, number>;
    const fonts = await pageFonts(page, fontNames(ops, OPS));
    const items = toItems(textItems(ops, OPS, (n) => fonts.get(n) ?? null));
    let chars = 0;
    let badChars = 0;
    for (const it of items) {
      // one match per run of text, not a regex per character
      chars += it.str.replace(WHITESPACE, '').length;
      badChars += it.str.match(UNMAPPED)?.length ?? 0;
    }
    const tables: PTable[] = [];
    let rest: TItem[] = items;
    if (items.length > 0) {
      const rules = extractRules(ops, OPS);
      const grids = findGrids(rules).sort((a, b) => b.bbox[3] - a.bbox[3]);
      for (const g of grids) {
        const built = buildLattice(g, rest, p);
        if (!built) continue;
        // a table must hold some text; an empty frame is decoration
        if (!built.table.cells.some((c) => c.text)) continue;
        tables.push(built.table);
        rest = rest.filter((i) => !built.used.has(i));
      }
    }
    return { page: p, height, tables, lines: toLines(rest), chars, badChars, images: extractImages(ops, OPS) };
  } finally {
    page.cleanup();
  }
}

/** Pages → document model: furniture, stream tables, paragraphs, reading order, joins. */
export function assemble(pages: PageData[]): DocumentModel {
  const drops = findFurniture(pages.map((p) => ({ page: p.page, height: p.height, lines: p.lines, tables: p.tables.map((t) => t.bbox) })));
  const bodyLines = pages.map((p, i) => p.lines.filter((l) => !drops[i].has(l)));
  const perPage: PBlock[][] = [];
  const margins = bodyMargins(bodyLines.flat());
  pages.forEach((p, i) => {
    const stream = findStreamTables(bodyLines[i], p.page);
    const blocks: PBlock[] = [
      ...p.tables.map((t) => ({ kind: 'table' as const, table: t })),
      ...stream.tables.map((s) => ({ kind: 'table' as const, table: s.table })),
    ];
    // paragraphs never run across a table (or a picture)
    const tableBoxes = blocks.map((b) => (b.kind === 'table' ? b.table.bbox : null)).filter((b) => b !== null);
    for (const im of p.images) {
      blocks.push({ kind: 'image', page: p.page, bbox: im.bbox, image: im });
      tableBoxes.push(im.bbox);
    }
    // a borderless table ending the previous page continues with rows of numbers at the top of
    // this one (too few lines to be found as a table here): they join it
    let rest = stream.rest;
    const prevPage = perPage[perPage.length - 1];
    const prevLast = prevPage?.[prevPage.length - 1];
    if (prevLast?.kind === 'table' && prevLast.table.origin === 'pdf-stream') {
      const lead: Line[] = [];
      for (const l of rest) {
        if (!tableBoxes.every((t) => l.y0 >= t[3] - 1) || !numberCells(l)) break;
        lead.push(l);
      }
      const joined = lead.length > 0 ? appendNumberRows(prevLast.table, lead, p.page) : null;
      if (joined) {
        prevLast.table = joined;
        rest = rest.slice(lead.length);
      }
    }
    let group: Line[] = [];
    const flush = () => {
      blocks.push(...toParagraphs(group, p.page, margins));
      group = [];
    };
    let prev: Line | null = null;
    for (const l of rest) {
      if (prev && tableBoxes.some((t) => t[3] <= prev!.y0 + 1 && t[1] >= l.y1 - 1)) flush();
      group.push(l);
      prev = l;
    }
    flush();
    perPage.push(order(blocks));
  });
  const joined = joinPages(perPage);
  const blocks: Block[] = joined.map((b, index) => (b.kind === 'table' ? toModelTable(b.table, index) : b.kind === 'image' ? toModelImage(b) : toModelParagraph(b)));
  return { format: 'pdf', blocks };
}
