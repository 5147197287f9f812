import type { SourceFormat } from '../model/document';

/** What the bytes really are, decided from their content (names and declared types are hints only). */
export interface SniffResult {
  format: SourceFormat | 'unknown';
  /** Character encoding for text/HTML (e.g. 'utf-8', 'gb18030'), decided by BOM, declaration, then a verifying decode. */
  encoding?: string;
  /** Human-readable reason for the decision (shown in errors and evidence). */
  reason: string;
}

/** Hints from the outside world: file name, HTTP Content-Type. */
export interface SniffHints {
  name?: string;
  contentType?: string;
}
