import type { DocumentModel, SourceFormat } from '../model/document';
import { ExtractError } from '../errors';
import type { ReadInput, Reader } from './types';
import { readText } from './text';
import { readHtml } from './html';
import { readDocx } from './docx';
import { readDoc } from './doc';
import { readPdf } from './pdf';

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
  return READERS[format](input);
}
