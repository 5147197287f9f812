/**
 * OCR of one image placed on a page → the PDF reader's page pieces (lattice tables, text lines),
 * so scanned pages go through the same assembly (furniture, borderless tables, paragraphs, joins
 * over page breaks) as text PDFs, and the core sees the same document model.
 *
 * The entry point takes an image and where it sits on its page (`Placement`): a whole rendered
 * page of an image-only PDF, or (later) a table pasted as a picture into a text report.
 *
 * Per image: binarise (Otsu), drop specks, deskew (±3°), find ruling lines → cell grid (the PDF
 * lattice code), recognise every cell's ink on its own, line by line; ink outside tables is cut
 * into text lines and column pieces, each recognised on its own. Every recognised piece keeps its
 * box and its confidence (lowest character probability) for the evidence (see `annotate`).
 */
import type { DocumentModel, Position } from '../model/document';
import type { BBox, TItem } from '../read/pdf/geom';
import { buildLattice, findGrids, type PTable } from '../read/pdf/lattice';
import { type Line, toLines } from '../read/pdf/text';
import type { Engine } from './engine';
import { type Box, type Gray, binarise, crop, estimateSkew, otsu, rotate } from './image';
import { type Placement, cellInk, findRules, linePieces, removeSpecks, textLines, toPdf, toPixels } from './structure';

/** One recognised unit (a cell line, a text-line piece, an empty cell), in PDF units. */
export interface OcrPiece {
  page: number;
  bbox: BBox;
  text: string;
  confidence: number;
}

export interface OcrPage {
  tables: PTable[];
  lines: Line[];
  pieces: OcrPiece[];
  /** Characters recognised with confidence ≥ 0.7 (whitespace excluded). */
  chars: number;
  /** Skew corrected, degrees. */
  skew: number;
}

/** Text a cell with ink but no recognisable text gets: not a number and not empty (a lost value must not read as a blank). */
export const UNREADABLE = '?';

const pt = (pl: Placement) => pl.width / (pl.bbox[2] - pl.bbox[0]); // pixels per PDF unit

export async function ocrImage(image: Gray, pl: Placement, engine: Engine): Promise<OcrPage> {
  const k = pt(pl);
  let mask = binarise(image);
  // specks: smaller than a decimal point of 8-pt text
  const speck = Math.max(3, Math.round(0.6 * k * 0.6 * k));
  mask = removeSpecks(mask, image.width, image.height, speck);
  const skew = estimateSkew(mask, image.width, image.height);
  if (Math.abs(skew) >= 0.1) {
    image = rotate(image, skew);
    mask = removeSpecks(binarise(image), image.width, image.height, speck);
  }
  const w = image.width;
  const pieces: OcrPiece[] = [];
  // paper to pure white (scanner noise and JPEG ringing are not text), ink kept in grey
  const paper = otsu(image);
  const once = async (box: Box, padX: number, padY: number, stretch = 1) => {
    const c = crop(image, box, 0);
    const h = box[3] - box[1];
    const px = Math.max(2, Math.round(padX * h));
    const py = Math.max(2, Math.round(padY * h));
    const out: Gray = { width: c.width + 2 * px, height: c.height + 2 * py, data: new Uint8Array((c.width + 2 * px) * (c.height + 2 * py)).fill(255) };
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const v = c.data[y * c.width + x];
        out.data[(y + py) * out.width + x + px] = v > paper ? 255 : v;
      }
    }
    const r = await engine.recognise(out, stretch);
    if (process.env.NIANBAO_OCR_DEBUG) dumpCrop(out, r.text, r.confidence);
    return { text: r.text.trim(), confidence: r.confidence };
  };
  const recog = (box: Box) => once(box, 0.3, 0.2);
  /**
   * A cell is read twice, as cropped and 1.5 times wider: a misread glyph (1 → 】, 11 → 1) rarely
   * survives both, so disagreement caps the confidence (the cell is flagged, the identities decide).
   */
  const recogCell = async (box: Box) => {
    const a = await once(box, 0.3, 0.2);
    const b = await once(box, 0.3, 0.2, 1.5);
    if (a.text === b.text) return { text: a.text, confidence: Math.max(a.confidence, b.confidence) };
    const best = a.confidence >= b.confidence ? a : b;
    return { text: best.text, confidence: Math.min(0.5, a.confidence, b.confidence) };
  };

  // ---- tables from ruling lines
  const rules = findRules(mask, w, image.height, pl, { minH: Math.round(24 * k), minV: Math.round(14 * k), gap: Math.round(2 * k), fringe: Math.max(1, Math.round(0.7 * k)) });
  // text is read from the ink without the rules (what is left of a rule beside a digit reads as a 1)
  const text = new Uint8Array(mask.length);
  for (let i = 0; i < text.length; i++) text[i] = mask[i] && !rules.pixels[i] ? 1 : 0;
  mask = removeSpecks(text, w, image.height, speck);
  const grids = findGrids(rules)
    .filter((g) => g.bbox[2] - g.bbox[0] >= 60 && g.bbox[3] - g.bbox[1] >= 25)
    .sort((a, b) => b.bbox[3] - a.bbox[3]);
  const tables: PTable[] = [];
  const taken: Box[] = [];
  for (const g of grids) {
    const built = buildLattice(g, [], pl.page);
    if (!built) continue;
    for (const cell of built.table.cells) {
      const px = toPixels(pl, cell.bbox);
      const inset = Math.max(2, Math.round(0.8 * k));
      const ink = cellInk(mask, w, [px[0] + inset, px[1] + inset, px[2] - inset, px[3] - inset]);
      if (!ink || !visible(ink, k)) {
        pieces.push({ page: pl.page, bbox: cell.bbox, text: '', confidence: 1 });
        continue;
      }
      const texts: string[] = [];
      let conf = 1;
      for (const band of textLines(mask, w, ink, Math.max(2, Math.round(2 * k)))) {
        // specks apart from the text are not part of it: the line runs from its first to its last piece of text size
        const parts = linePieces(mask, w, band, Math.round(0.6 * (band[3] - band[1]))).filter((p) => textSized(p, band));
        if (!parts.length) continue;
        const line: Box = [parts[0][0], band[1], parts[parts.length - 1][2], band[3]];
        const r = await recogCell(line);
        if (r.text) texts.push(r.text);
        conf = Math.min(conf, r.text ? r.confidence : 0);
      }
      const joined = cleanNumber(texts.join(''));
      cell.text = joined || UNREADABLE;
      if (!texts.length) conf = 0;
      pieces.push({ page: pl.page, bbox: toPdf(pl, ink), text: cell.text, confidence: conf });
    }
    tables.push(built.table);
    taken.push(toPixels(pl, g.bbox));
  }

  // ---- text outside the tables: lines, then pieces split at column gaps
  const rest = new Uint8Array(mask);
  for (const t of taken) {
    for (let y = Math.max(0, t[1] - 2); y < Math.min(image.height, t[3] + 2); y++) rest.fill(0, y * w + Math.max(0, t[0] - 2), y * w + Math.min(w, t[2] + 2));
  }
  const items: TItem[] = [];
  for (const band of textLines(rest, w, [0, 0, w, image.height], Math.max(2, Math.round(3 * k)))) {
    const h = band[3] - band[1];
    const bb = toPdf(pl, band);
    const size = (bb[3] - bb[1]) / 0.9;
    for (const piece of linePieces(rest, w, band, Math.round(0.9 * h))) {
      if (!visible(piece, k) || !textSized(piece, band)) continue;
      const r = await recog([piece[0], band[1], piece[2], band[3]]);
      if (!r.text) continue;
      const pb = toPdf(pl, piece);
      items.push({ str: r.text, x0: pb[0], x1: pb[2], y0: bb[1], y1: bb[3], size });
      pieces.push({ page: pl.page, bbox: [pb[0], bb[1], pb[2], bb[3]], text: r.text, confidence: r.confidence });
    }
  }
  // what counts as read: pieces recognised with some confidence (dust on blank paper reads as
  // scattered low-confidence punctuation)
  const chars = pieces.reduce((a, p) => a + (p.text === UNREADABLE || p.confidence < 0.7 ? 0 : p.text.replace(/\s+/g, '').length), 0);
  return { tables, lines: toLines(items), pieces, chars, skew };
}

/** Specks and rule remains beside a number read as punctuation (.487, ：73, 5., 10)): dropped when what is left is a number. */
const SPECK_MARKS = '.．,，:：;；、·\'"`‘’“”。()（）[]【】|';
export function cleanNumber(t: string): string {
  let a = 0;
  let b = t.length;
  while (a < b && (SPECK_MARKS.includes(t[a]) || t[a] === '*')) a++;
  // a trailing + or * is what is left of a rule crossing, never part of a number
  while (b > a && (SPECK_MARKS.includes(t[b - 1]) || t[b - 1] === '+' || t[b - 1] === '*')) b--;
  const core = t.slice(a, b);
  return /^[-+]?\d[\d,]*(\.\d+)?$/.test(core) ? core : t;
}

/** A piece of a line that is a character or more, not a speck: at least 40% of the line's height or 2 pt wide. */
function textSized(p: Box, band: Box): boolean {
  const h = band[3] - band[1];
  return p[3] - p[1] >= 0.4 * h || p[2] - p[0] >= 0.6 * h;
}

/** Ink big enough to be text: at least 2 pt tall, or a dash at least 3 pt wide. */
function visible(b: Box, k: number): boolean {
  return b[3] - b[1] >= 2 * k || b[2] - b[0] >= 3 * k;
}

const inside = (b: BBox, x: number, y: number) => x >= b[0] - 0.5 && x <= b[2] + 0.5 && y >= b[1] - 0.5 && y <= b[3] + 0.5;

/**
 * Puts the recognition confidence into the positions of an assembled model: a table cell or a
 * paragraph gets the lowest confidence of the recognised pieces whose centre lies in its box.
 * `pos.ocr` on every OCR'd block and cell is what marks the evidence as read by OCR.
 */
export function annotate(model: DocumentModel, pieces: OcrPiece[]): void {
  const byPage = new Map<number, OcrPiece[]>();
  for (const p of pieces) {
    const l = byPage.get(p.page);
    if (l) l.push(p);
    else byPage.set(p.page, [p]);
  }
  const confOf = (pos: Position): number => {
    if (!pos.bbox || pos.page === undefined) return 1;
    let c = 1;
    for (const p of byPage.get(pos.page) ?? []) {
      if (inside(pos.bbox, (p.bbox[0] + p.bbox[2]) / 2, (p.bbox[1] + p.bbox[3]) / 2)) c = Math.min(c, p.confidence);
    }
    return Math.round(c * 1000) / 1000;
  };
  for (const b of model.blocks) {
    if (b.kind === 'paragraph') b.pos.ocr = confOf(b.pos);
    else if (b.kind === 'table') {
      // The structure came from the lattice code, but an empty crop is no proof of a printed blank.
      b.origin = 'ocr';
      b.pos.ocr = 1;
      for (const row of b.rows) for (const cell of row) cell.pos.ocr = cell.pos.bbox ? confOf(cell.pos) : 1;
    }
  }
}

let dumped = 0;
function dumpCrop(img: Gray, text: string, conf: number): void {
  const dir = process.env.NIANBAO_OCR_DEBUG!;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createCanvas } = require('@napi-rs/canvas');
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  const id = ctx.createImageData(img.width, img.height);
  for (let i = 0; i < img.data.length; i++) { id.data[4 * i] = id.data[4 * i + 1] = id.data[4 * i + 2] = img.data[i]; id.data[4 * i + 3] = 255; }
  ctx.putImageData(id, 0, 0);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('fs').writeFileSync(`${dir}/${dumped++}-${conf.toFixed(2)}-${text.replace(/[/\\]/g, '_').slice(0, 20)}.png`, c.toBuffer('image/png'));
}
