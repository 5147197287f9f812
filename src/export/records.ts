/**
 * The export's input and how one record becomes a resolved report: reviewer
 * corrections applied over the extracted values, the export status decided,
 * the filters applied.
 */
import type { Extraction } from '../model/extraction';
import { fieldIndex, proseKeys, templateKeys } from './columns';

export type ReviewStatus = 'approved' | 'rejected' | null;

export interface Correction {
  value: number | null;
  by?: string;
  at?: string;
}

export interface ReviewInfo {
  status: ReviewStatus;
  /** Keyed by grid key; 'meta.agency', 'meta.year' and 'meta.template' correct the report's metadata. */
  corrections: Record<string, Correction>;
}

/** One report as the export sees it: the extraction and, if it was reviewed, the review. */
export interface ExportRecord {
  /** Store id; the SHA-256 of the source is used when absent. */
  id?: string;
  extraction: Extraction;
  review?: ReviewInfo | null;
  /** Flags from cross-document checks in the store (carry-over mismatch, duplicate report). */
  crossFlags?: { code: string; message?: string }[];
}

export type ExportStatus = 'ok' | 'approved' | 'flagged' | 'rejected' | 'failed';
export const EXPORT_STATUSES: ExportStatus[] = ['ok', 'approved', 'flagged', 'rejected', 'failed'];

export interface Filters {
  /** Export statuses to keep (default: ok and approved). */
  status?: ExportStatus[];
  /** Templates to keep ('2019', '2021', 'free'; 'none' for reports whose template is unknown). */
  template?: string[];
  /** Years to keep. */
  year?: number[];
  /** Keep reports whose agency contains any of these substrings (case-insensitive). */
  agency?: string[];
}

export const DEFAULT_STATUSES: ExportStatus[] = ['ok', 'approved'];

export interface FieldValue {
  value: number | null;
  extracted: number | null;
  corrected: boolean;
  by: string | null;
  at: string | null;
}

export interface ResolvedReport {
  id: string;
  extraction: Extraction;
  review: ReviewInfo | null;
  crossFlags: { code: string }[];
  exportStatus: ExportStatus;
  agency: string | null;
  year: number | null;
  template: string | null;
  /** Keys of this report in order: its template's keys, then the prose keys, then any other known key it carries. */
  keys: string[];
  values: Map<string, FieldValue>;
  /** Corrections that replaced a value (or a meta field). */
  correctionsApplied: number;
  /** Of those, how many changed the value. */
  valuesChanged: number;
  /** Correction keys that are neither grid keys nor meta.*: not exported. */
  unknownCorrectionKeys: string[];
}

export function exportStatusOf(ex: Extraction, review: ReviewInfo | null | undefined): ExportStatus {
  if (review?.status === 'rejected') return 'rejected';
  if (review?.status === 'approved') return 'approved';
  return ex.status;
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/,/g, '')) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** Apply the filters to the record's (corrected) metadata; returns the reason it is excluded, or null to keep it. */
export function excludedBy(r: Pick<ResolvedReport, 'exportStatus' | 'agency' | 'year' | 'template'>, f: Filters): 'status' | 'template' | 'year' | 'agency' | null {
  const statuses = f.status && f.status.length ? f.status : DEFAULT_STATUSES;
  if (!statuses.includes(r.exportStatus)) return 'status';
  if (f.template && f.template.length && !f.template.includes(r.template ?? 'none')) return 'template';
  if (f.year && f.year.length && (r.year === null || !f.year.includes(r.year))) return 'year';
  if (f.agency && f.agency.length) {
    const a = (r.agency ?? '').toLowerCase();
    if (!f.agency.some((s) => a.includes(s.toLowerCase()))) return 'agency';
  }
  return null;
}

/** Resolve a record: corrections win over extracted values. */
export function resolve(rec: ExportRecord): ResolvedReport {
  const ex = rec.extraction;
  const review = rec.review ?? null;
  const corrections = (review && review.status !== 'rejected' ? review.corrections : null) ?? {};
  const index = fieldIndex();
  let agency = ex.meta?.agency ?? null;
  let year = ex.meta?.year ?? null;
  let template: string | null = ex.meta?.template ?? null;
  let applied = 0;
  let changed = 0;
  const unknown: string[] = [];

  // Metadata corrections.
  for (const [k, c] of Object.entries(corrections)) {
    if (!k.startsWith('meta.')) continue;
    const v = c?.value as unknown;
    if (k === 'meta.agency') { if (v !== agency) changed++; agency = v === null || v === undefined ? null : String(v); applied++; }
    else if (k === 'meta.year') { const n = num(v); if (n !== year) changed++; year = n; applied++; }
    else if (k === 'meta.template') { if (v !== template) changed++; template = v === null || v === undefined ? null : String(v); applied++; }
    else unknown.push(k);
  }

  const keys: string[] = [];
  const seen = new Set<string>();
  const add = (k: string) => { if (!seen.has(k) && index.has(k)) { seen.add(k); keys.push(k); } };
  if (template) for (const k of templateKeys(template)) add(k);
  for (const k of proseKeys()) add(k);
  for (const k of Object.keys(ex.fields ?? {})) add(k);
  for (const k of Object.keys(corrections)) {
    if (k.startsWith('meta.')) continue;
    if (index.has(k)) add(k); else unknown.push(k);
  }

  const values = new Map<string, FieldValue>();
  const fields = ex.fields ?? {};
  for (const k of keys) {
    const extracted = num(fields[k]);
    const c = corrections[k];
    if (c) {
      const v = num(c.value);
      applied++;
      if (v !== extracted) changed++;
      values.set(k, { value: v, extracted, corrected: true, by: c.by ?? null, at: c.at ?? null });
    } else {
      values.set(k, { value: extracted, extracted, corrected: false, by: null, at: null });
    }
  }

  return {
    id: rec.id ?? ex.source?.sha256 ?? '',
    extraction: ex,
    review,
    crossFlags: rec.crossFlags ?? [],
    exportStatus: exportStatusOf(ex, review),
    agency,
    year,
    template,
    keys,
    values,
    correctionsApplied: applied,
    valuesChanged: changed,
    unknownCorrectionKeys: unknown,
  };
}

/** Accept either a bare Extraction (as `nianbao extract --jsonl` writes) or an ExportRecord. */
export function toRecord(obj: unknown): ExportRecord {
  const o = obj as Record<string, unknown>;
  if (o && typeof o === 'object' && 'extraction' in o && o.extraction && typeof o.extraction === 'object') {
    return o as unknown as ExportRecord;
  }
  return { extraction: o as unknown as Extraction };
}

/** A short reason why an object is not an Extraction, or null when it looks like one. */
export function invalidExtraction(ex: unknown): string | null {
  if (!ex || typeof ex !== 'object' || Array.isArray(ex)) return 'not a JSON object';
  const e = ex as Record<string, unknown>;
  if (!e.source || typeof e.source !== 'object') return 'missing "source"';
  if (typeof (e.source as Record<string, unknown>).sha256 !== 'string') return 'missing "source.sha256"';
  if (!e.meta || typeof e.meta !== 'object') return 'missing "meta"';
  if (e.status !== 'ok' && e.status !== 'flagged' && e.status !== 'failed') return `bad "status" ${JSON.stringify(e.status)}`;
  if (e.fields !== undefined && (typeof e.fields !== 'object' || e.fields === null || Array.isArray(e.fields))) return 'bad "fields"';
  return null;
}
