/**
 * Plain-text reader (crawler text dumps, .txt). Lines become paragraphs; runs of lines with
 * inner tabs become `text-tabs` tables (one line = one row). A line indented by a single
 * leading tab with no other tab is one cell on its own line (sample 001), kept as a paragraph.
 */
import type { Block, DocumentModel, TableCell } from '../model/document';
import { ExtractError } from '../errors';
import type { Reader } from './types';
import { decodeBytes } from './decode';

const MARKDOWN_RULE = /^\s*([-*_=]\s*){3,}$/;
const MARKDOWN_HEADING = /^\s*#{1,6}\s+/;

export function textToDocument(text: string, encoding?: string): DocumentModel {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let table: { rows: TableCell[][]; start: number } | null = null;
  const flush = () => {
    if (table) {
      blocks.push({ kind: 'table', rows: table.rows, pos: { line: table.start }, origin: 'text-tabs' });
      table = null;
    }
  };
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' && !raw.includes('\t')) {
      flush();
      return;
    }
    if (MARKDOWN_RULE.test(raw)) {
      flush();
      return;
    }
    const body = raw.replace(/\s+$/, '');
    const innerTabs = body.replace(/^\t/, '').includes('\t');
    if (innerTabs) {
      const cells = body.split('\t');
      if (!table) table = { rows: [], start: line };
      const r = table.rows.length;
      table.rows.push(cells.map((c, col) => ({ text: c.trim(), pos: { line, row: r, col } })));
      return;
    }
    flush();
    const textOfLine = body.replace(MARKDOWN_HEADING, '').trim();
    // A lone tab is an empty cell of a one-cell-per-line dump: keep it as an empty paragraph.
    blocks.push({ kind: 'paragraph', text: textOfLine, pos: { line } });
  });
  flush();
  blocks.forEach((b, i) => {
    if (b.kind === 'table') b.pos.table = i;
  });
  return { format: 'text', blocks, encoding };
}

export const readText: Reader = async ({ bytes, sniff }) => {
  const { text, encoding } = decodeBytes(bytes, sniff.encoding);
  if (text.trim() === '') throw new ExtractError('empty_input', 'the document has no text');
  return textToDocument(text, encoding);
};
