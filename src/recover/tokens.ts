/**
 * Recover the table stream: flatten the document model into one token stream in reading
 * order — labels, numbers, explicit empties and row breaks — whatever layout the tables
 * were dumped in (a cell per line, tab rows, real grids). The aligner places this stream
 * onto the template; keeping it linear makes every broken layout the same problem.
 */
import type { DocumentModel, Position, TableOrigin } from '../model/document';
import { normalizeText, labelKey } from '../normalize/text';
import { parseCellValue } from '../normalize/number';

export type TokenKind = 'label' | 'num' | 'empty' | 'break';

export interface Token {
  kind: TokenKind;
  /** Normalised text. */
  text: string;
  /** As printed (before normalisation). */
  raw: string;
  pos: Position;
  value?: number;
  unit?: string;
  note?: string;
  /** Digits separated by spaces in a text dump: one number here, but possibly cells run together. */
  split?: boolean;
  /** A footnote mark printed after the figure (`12①`), left out of the value. */
  mark?: string;
  /** Label key for fuzzy matching (labels only). */
  key?: string;
  /** For table cells: how the table's grid was recovered. */
  origin?: TableOrigin;
}

/** Table origins whose cells keep their columns: a blank there is a real empty cell. */
export const TRUE_GRIDS: ReadonlySet<string> = new Set(['html', 'docx', 'doc', 'pdf-lattice']);

/** Running text is not part of a table stream; short lines and cells are. */
const MAX_LABEL_CHARS = 80;

/** Page furniture that interrupts tables in text dumps of PDFs. */
const FURNITURE = [
  /^第?\s*\d+\s*页\s*[,/，]?\s*(共\s*\d+\s*页)?$/,
  /^[-—–]\s*\d+\s*[-—–]$/,
  /^\d+\s*\/\s*\d+$/,
  /^(page|p\.)\s*\d+(\s*of\s*\d+)?$/i,
];

export function isFurniture(text: string): boolean {
  return FURNITURE.some((re) => re.test(text));
}

export interface Normalizer {
  (s: string): string;
}

/**
 * A footnote mark printed after a figure (`12①`, `12*`, `12※`, a superscript `12¹`). It must be
 * split off before normalising: NFKC folds ① and ¹ into the digit 1, which would read 121.
 */
const FOOTNOTE_MARK = /^(.*[0-9０-９])\s*([\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+|[\u2460-\u249b\u24ea-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]|[*＊※△▲☆★#＃]{1,3}|[(（]注\s*[0-9０-９]{0,2}[)）]|注\s*[0-9０-９]{0,2})$/;

const MARK_DIGITS = /[\u00b9\u00b2\u00b3\u2070\u2074-\u2079\u2460-\u249b\u24ea-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]/;

function cellToken(raw: string, pos: Position, norm: Normalizer, origin?: TableOrigin): Token | null {
  let text = norm(raw);
  if (text.length > MAX_LABEL_CHARS) return null;
  if (text !== '' && isFurniture(text)) return null;
  const opts = { grid: origin !== undefined && TRUE_GRIDS.has(origin), cell: origin === 'text-tabs' };
  let v = parseCellValue(text, opts);
  let mark: string | undefined;
  const fm = FOOTNOTE_MARK.exec(raw.trim());
  if (fm) {
    // the figure without its mark, if that is a number (else the cell is read as before)
    const bare = norm(fm[1]);
    const w = parseCellValue(bare, opts);
    if (w?.kind === 'num' && !MARK_DIGITS.test(fm[1])) {
      v = w;
      text = bare;
      mark = fm[2];
    }
  }
  // A circled or superscript digit anywhere else (①12, 1²3) is no digit of the figure: never let NFKC make it one.
  if (!mark && v?.kind === 'num' && MARK_DIGITS.test(raw)) v = null;
  if (v?.kind === 'num') {
    const t: Token = { kind: 'num', text, raw, pos, value: v.value };
    if (v.unit) t.unit = v.unit;
    if (v.note) t.note = v.note;
    if (mark) t.mark = mark;
    if (v.split) t.split = true;
    return t;
  }
  if (v?.kind === 'empty') return { kind: 'empty', text, raw, pos };
  const key = labelKey(text);
  if (key === '') return { kind: 'empty', text: '', raw, pos };
  return { kind: 'label', text, raw, pos, key };
}

/**
 * Tokens of the whole document. `norm` converts Traditional text when the document needs it;
 * `furniture` holds the indices of paragraph blocks that are page furniture (bare page numbers
 * next to a running header, src/prose/running-text.ts), left out of the stream.
 */
export function tokenize(doc: DocumentModel, norm: Normalizer = normalizeText, furniture?: ReadonlySet<number>): Token[] {
  const out: Token[] = [];
  doc.blocks.forEach((block, bi) => {
    if (block.kind === 'paragraph') {
      if (furniture?.has(bi)) return;
      const t = cellToken(block.text, block.pos, norm);
      if (t) out.push(t);
      return;
    }
    if (block.kind !== 'table') return; // an image has no text (OCR is another stage)
    block.rows.forEach((row, ri) => {
      let any = false;
      row.forEach((cell, ci) => {
        if (cell.spanOf) return; // a merged cell counts once, at its origin
        const pos: Position = { ...cell.pos, table: cell.pos.table ?? bi, row: cell.pos.row ?? ri, col: cell.pos.col ?? ci };
        const t = cellToken(cell.text, pos, norm, block.origin);
        if (t) {
          t.origin = block.origin;
          out.push(t);
          any = true;
        }
      });
      if (any) out.push({ kind: 'break', text: '', raw: '', pos: { table: bi, row: ri } });
    });
  });
  return out;
}
