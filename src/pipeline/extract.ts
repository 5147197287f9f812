/**
 * The pipeline as one call: bytes → sniff → read → core (recover, detect, map, validate, score).
 * Workers, the CLI and the web server are thin shells around these two functions.
 */
import { createHash } from 'crypto';
import type { DocumentModel } from '../model/document';
import type { Extraction, SourceInfo, ErrorCode } from '../model/extraction';
import { ExtractError } from '../errors';
import { sniff } from '../sniff';
import { readDocument } from '../read';
import { runCore } from '../core';

export const PIPELINE_VERSION = '0.1.0';

export interface SourceRef {
  path?: string;
  uri?: string;
  /** HTTP Content-Type, if fetched. A hint only: the bytes decide. */
  contentType?: string;
  /** The bytes' SHA-256 (hex), when the caller has hashed them already (the queue does, to store them). */
  sha256?: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A `failed` extraction: the batch goes on and the failure is recorded with its code. */
export function failedExtraction(source: SourceInfo, code: ErrorCode, message: string): Extraction {
  return {
    source,
    meta: { agency: null, year: null, template: null },
    fields: {},
    cells: {},
    checks: [],
    flags: [],
    status: 'failed',
    error: { code, message },
    pipeline: PIPELINE_VERSION,
  };
}

/** Extract one report from its bytes. Never throws for bad input: returns a `failed` extraction instead. */
export async function extractBytes(bytes: Uint8Array, ref: SourceRef = {}): Promise<Extraction> {
  const source: SourceInfo = { sha256: ref.sha256 ?? sha256(bytes), format: 'unknown', bytes: bytes.length };
  if (ref.path) source.path = ref.path;
  if (ref.uri) source.uri = ref.uri;
  if (bytes.length === 0) return failedExtraction(source, 'empty_input', 'the input is empty (0 bytes)');
  try {
    const sniffed = sniff(bytes, { name: ref.path ?? ref.uri, contentType: ref.contentType });
    source.format = sniffed.format;
    if (sniffed.encoding) source.encoding = sniffed.encoding;
    const doc = await readDocument({ bytes, sniff: sniffed, name: ref.path ?? ref.uri });
    if (doc.encoding) source.encoding = doc.encoding;
    return extractDocument(doc, source);
  } catch (e) {
    if (e instanceof ExtractError) return failedExtraction(source, e.code, e.message);
    return failedExtraction(source, 'internal', `unexpected error: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** The pure core over an already-read document. */
export function extractDocument(doc: DocumentModel, source: SourceInfo): Extraction {
  try {
    return { source, ...runCore(doc), pipeline: PIPELINE_VERSION };
  } catch (e) {
    if (e instanceof ExtractError) return failedExtraction(source, e.code, e.message);
    throw e;
  }
}
