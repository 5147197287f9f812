/**
 * An extraction made ready for the store: its row columns plus the JSONB documents already serialised,
 * and the cells document (fields' provenance, the bulk of an extraction) already compressed.
 * Extraction threads prepare it (so JSON.stringify and compression of the cells run beside the
 * extraction, not on the queue worker's event loop) and the store passes the strings and bytes straight
 * to PostgreSQL.
 */
import { deflateSync, inflateSync, constants } from 'zlib';
import type { Extraction } from '../model/extraction';

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
  json: { source: string; meta: string; fields: string; checks: string; flags: string };
  /** The cells document for `extractions.cells_z` (see encodeCells). */
  cellsZ: Uint8Array;
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

/**
 * The cells document as stored in `extractions.cells_z`: the JSON text, zlib-compressed (RFC 1950, level 1).
 * Nothing queries inside it in SQL, so PostgreSQL need not parse 20–60 KB of JSON into JSONB for every
 * extraction (most of a worker's database CPU) nor keep it in twice the space.
 */
export function encodeCells(cells: unknown): Uint8Array {
  const z = deflateSync(Buffer.from(json(cells ?? {}), 'utf8'), { level: 1, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
  // an exact copy: the result may be a view on a larger buffer, and a view moves (or is cloned) whole
  return new Uint8Array(z);
}

/** The cells document back from `cells_z` (a Buffer from pg, a Uint8Array from PGlite). */
export function decodeCells(z: Uint8Array): Extraction['cells'] {
  return JSON.parse(inflateSync(z).toString('utf8'));
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
      checks: json(ext.checks ?? []),
      flags: json(ext.flags ?? []),
    },
    cellsZ: encodeCells(ext.cells),
  };
}
