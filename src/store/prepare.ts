/**
 * An extraction made ready for the store: its row columns plus the JSONB documents already serialised.
 * Extraction threads prepare it (so JSON.stringify of the cells runs beside the extraction, not on the
 * queue worker's event loop) and the store passes the strings straight to PostgreSQL.
 */
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
  json: { source: string; meta: string; fields: string; cells: string; checks: string; flags: string };
}

const json = (v: unknown): string => JSON.stringify(v ?? null);

export function isPrepared(x: Extraction | PreparedExtraction): x is PreparedExtraction {
  return typeof (x as PreparedExtraction).json === 'object' && typeof (x as PreparedExtraction).json?.cells === 'string';
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
      cells: json(ext.cells ?? {}),
      checks: json(ext.checks ?? []),
      flags: json(ext.flags ?? []),
    },
  };
}
