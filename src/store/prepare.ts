/**
 * An extraction made ready for the store: its row columns plus the JSONB documents already serialised,
 * and the two bulky documents (the cells, each field's provenance; the checks, each identity with its
 * arithmetic) already compressed. Extraction threads prepare it (so JSON.stringify and compression run
 * beside the extraction, not on the queue worker's event loop) and the store passes the strings and bytes
 * straight to PostgreSQL.
 */
import { deflateSync, inflateSync, constants } from 'zlib';
import { failedChecks, type Extraction } from '../model/extraction';

export interface PreparedExtraction {
  sha256: string;
  pipeline: string;
  status: Extraction['status'];
  agency: string | null;
  year: number | null;
  template: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** JSON text of each JSONB column. */
  json: { source: string; meta: string; fields: string; flags: string };
  /** The cells document for `extractions.cells_z` (see encodeJsonZ). */
  cellsZ: Uint8Array;
  /** The checks for `extractions.checks_z` (see encodeJsonZ). */
  checksZ: Uint8Array;
  /** Checks that failed, skipped ones not counted (`extractions.checks_failed`, for the review queue). */
  checksFailed: number;
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

/**
 * A document as stored in the `*_z` columns: the JSON text, zlib-compressed (RFC 1950, level 1). Nothing
 * queries inside the cells (20–60 KB of JSON per report) or the checks (15–20 KB) in SQL, so PostgreSQL
 * need not parse them into JSONB on every insert (most of a worker's database CPU per document) nor keep
 * them in twice the space.
 */
export function encodeJsonZ(doc: unknown): Uint8Array {
  const z = deflateSync(Buffer.from(json(doc), 'utf8'), { level: 1, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
  // an exact copy: the result may be a view on a larger buffer, and a view moves (or is cloned) whole
  return new Uint8Array(z);
}

/** A document back from a `*_z` column (a Buffer from pg, a Uint8Array from PGlite). */
export function decodeJsonZ<T>(z: Uint8Array): T {
  return JSON.parse(inflateSync(z).toString('utf8')) as T;
}

export function isPrepared(x: Extraction | PreparedExtraction): x is PreparedExtraction {
  return typeof (x as PreparedExtraction).json === 'object' && ArrayBuffer.isView((x as PreparedExtraction).cellsZ);
}

export function prepareExtraction(ext: Extraction): PreparedExtraction {
  return {
    sha256: ext.source.sha256,
    pipeline: ext.pipeline,
    status: ext.status,
    agency: ext.meta?.agency ?? null,
    year: ext.meta?.year ?? null,
    template: ext.meta?.template ?? null,
    errorCode: ext.error?.code ?? null,
    errorMessage: ext.error?.message ?? null,
    json: {
      source: json(ext.source),
      meta: json(ext.meta),
      fields: json(ext.fields ?? {}),
      flags: json(ext.flags ?? []),
    },
    cellsZ: encodeJsonZ(ext.cells ?? {}),
    checksZ: encodeJsonZ(ext.checks ?? []),
    checksFailed: failedChecks(ext.checks),
  };
}
