import type { DocumentModel, SourceFormat } from '../model/document';
import { ExtractError } from '../errors';
import type { ReadInput, Reader } from './types';
import { readText } from './text';
import { readHtml } from './html';
import { readDocx } from './docx';
import { readDoc } from './doc';
import { readPdf } from './pdf';
import { unifyIdeographs } from '../normalize/radicals';

const READERS: Record<SourceFormat, Reader> = {
  text: readText,
  html: readHtml,
  docx: readDocx,
  doc: readDoc,
  pdf: readPdf,
};

/** Read bytes of a sniffed format into the document model. */
export async function readDocument(input: ReadInput): Promise<DocumentModel> {
  const { format } = input.sniff;
  if (format === 'unknown') {
    throw new ExtractError('unsupported_format', `not a format nianbao reads (${input.sniff.reason})`);
  }
  return unifyDocumentText(await READERS[format](input));
}

/**
 * Where every reader's text enters the model: look-alike radicals and compatibility ideographs
 * (⺠ U+2EA0 for 民) become unified ideographs, so the core, the stored evidence, the review
 * page's recovered source and the exports all see one spelling. Nothing else is changed here:
 * readers' positions and the core's own normalisation (full-width forms, spacing) stay as they are.
 */
export function unifyDocumentText(doc: DocumentModel): DocumentModel {
  if (doc.title) doc.title = unifyIdeographs(doc.title);
  for (const b of doc.blocks) {
    if (b.kind === 'paragraph') b.text = unifyIdeographs(b.text);
    else if (b.kind === 'table') for (const row of b.rows) for (const c of row) c.text = unifyIdeographs(c.text);
  }
  return doc;
}
