/**
 * The one document model every reader produces and the core consumes.
 * Readers keep as much structure as they can (tables as grids, page and line
 * positions) so that any extracted number can be traced back to its source.
 */

export type SourceFormat = 'text' | 'html' | 'pdf' | 'docx' | 'doc';

/** Where something sits in the source. Every field is optional: each reader fills what it knows. */
export interface Position {
  /** 1-based page number (PDF). */
  page?: number;
  /** 1-based line number in the decoded text (text inputs, .doc text). */
  line?: number;
  /** x0, y0, x1, y1 in PDF user-space units, origin bottom-left (PDF). */
  bbox?: [number, number, number, number];
  /** Index of the table block in DocumentModel.blocks. */
  table?: number;
  /** 0-based row and column of a cell in its table's expanded grid. */
  row?: number;
  col?: number;
  /** CSS-like path or element index for HTML/DOCX sources, when useful to a reviewer. */
  path?: string;
  /**
   * Set when the text was read from an image by OCR: the recognition confidence (0..1, the lowest
   * character probability of the pieces in this box; 1 for a cell with no ink). `bbox` is then the
   * crop on the page image, in the same PDF units.
   */
  ocr?: number;
}

export interface Paragraph {
  kind: 'paragraph';
  text: string;
  pos: Position;
  /** Characters of `text` (whitespace not counted) that are link text (HTML `<a href>`); absent = none. Tells a list of links from body prose. */
  linkChars?: number;
}

export interface TableCell {
  text: string;
  pos: Position;
  /** Span of the original cell; a spanned-over slot of the grid repeats the origin's text with `spanOf` set. */
  rowSpan?: number;
  colSpan?: number;
  /** Set on grid slots covered by a merged cell: [row, col] of the origin cell. */
  spanOf?: [number, number];
}

/** How the table's grid was recovered; tells the core how much to trust the row/column structure. */
export type TableOrigin =
  | 'html'          // <table> markup (also Word-exported HTML and mammoth output)
  | 'docx'          // Word XML
  | 'doc'           // legacy Word cell/row marks
  | 'text-tabs'     // tab-separated lines in a text dump
  | 'pdf-lattice'   // ruling lines
  | 'ocr'           // cells found in a page image (src/ocr): an empty cell may be a digit not recognised, so not a true grid
  | 'pdf-stream';   // text alignment

export interface Table {
  kind: 'table';
  /** Expanded grid: rows of cells, merged cells repeated with `spanOf`. Rows may be ragged for text inputs. */
  rows: TableCell[][];
  pos: Position;
  origin: TableOrigin;
}

/**
 * Where a later stage (OCR) gets an image's pixels:
 * - pdf: render `pos.bbox` of page `page` (the XObject id is pdf.js's, for telling images apart);
 * - docx: the zip entry of the picture (`word/media/image1.png`);
 * - html: the `src` as written (a data: URL holds the bytes; otherwise relative to the page).
 */
export type ImageRef =
  | { source: 'pdf'; page: number; object?: string }
  | { source: 'docx'; part: string }
  | { source: 'html'; src: string };

/** A picture in the flow of the document (its pixels are not read here). */
export interface ImageBlock {
  kind: 'image';
  /** page and bbox (PDF user space) where known; path for HTML/DOCX. */
  pos: Position;
  ref: ImageRef;
  /** Size in pixels as the source declares it, when it does (PDF image dictionary, HTML width/height). */
  width?: number;
  height?: number;
}

export type Block = Paragraph | Table | ImageBlock;

export interface DocumentModel {
  format: SourceFormat;
  blocks: Block[];
  /** Document title if the reader found one (HTML <title>, PDF metadata). */
  title?: string;
  /** Number of pages (PDF). */
  pages?: number;
  /** Character encoding the bytes were decoded with (text/HTML). */
  encoding?: string;
  /** Set when (some of) the text was read by OCR from page images. */
  ocr?: { engine: string; pages: number; dpi: number };
  /** Set when the reader stopped before the end (page limit, unreadable pages): what was left out. */
  truncated?: string;
}
