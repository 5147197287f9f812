import type { DocumentModel } from '../model/document';
import type { SniffResult } from '../sniff/types';

export interface ReadInput {
  bytes: Uint8Array;
  sniff: SniffResult;
  /** File name or URL, for messages only. */
  name?: string;
}

/**
 * A reader turns one format into the document model. It throws ExtractError with a
 * specific code (pdf_encrypted, docx_corrupt, ...) for inputs it cannot read.
 */
export type Reader = (input: ReadInput) => Promise<DocumentModel>;
