/**
 * The output contract: one Extraction per input. Exports, the store and the
 * review UI rely on exactly this shape; field keys are the keys of grid.json.
 */
import type { Position, SourceFormat } from './document';

export type TemplateId = '2019' | '2021' | 'free';
export type Status = 'ok' | 'flagged' | 'failed';

export interface SourceInfo {
  path?: string;
  uri?: string;
  sha256: string;
  format: SourceFormat | 'unknown';
  /** Encoding used to decode text/HTML bytes. */
  encoding?: string;
  bytes?: number;
  /** The article page the report is an attachment of (a saved crawl: both files are the provenance). */
  page?: { path?: string; uri?: string; sha256: string; bytes?: number };
}

export interface Meta {
  agency: string | null;
  year: number | null;
  template: TemplateId | null;
}

/** How a value was obtained. */
export type CellMethod =
  | 'read'        // a number printed in the source, placed by alignment
  | 'inferred'    // solved from the arithmetic identities (never printed)
  | 'blank'       // printed empty: a blank cell of a true table grid reads as 0; otherwise (—, /, 无, a text dump's blank) null unless solved
  | 'missing'     // no token at all for the slot (table or cell absent)
  | 'prose';      // a figure stated in running text

export interface CellEvidence {
  method: CellMethod;
  /** The source text of the token, as printed (before normalisation). */
  raw?: string;
  pos?: Position;
  /** The row label the value was anchored to, as printed, and how well it matched the official label (0..1). */
  label?: string;
  labelScore?: number;
  /** How the row was placed: by its own label, as an exact run between anchored labels, by order alone, re-placed by the identities, or not placeable with certainty. */
  placement?: 'anchored' | 'bounded' | 'ordered' | 'realigned' | 'ambiguous';
  /** What an empty slot printed: '' | '—' | '/' | '无'. */
  empty?: string;
  /** Unit printed with the number, and the factor applied to reach the column's unit. */
  unit?: string;
  factor?: number;
  /** For inferred values: the identity that gave them. */
  via?: string;
  /** The sentence a prose figure came from. */
  sentence?: string;
  /** Why the value is doubtful, if it is. */
  note?: string;
}

export interface Cell {
  confidence: number;
  inferred: boolean;
  evidence: CellEvidence;
  /** Ids of the checks this field takes part in and that held. */
  passed?: string[];
  /** Ids of the checks this field takes part in and that failed. */
  failed?: string[];
}

export interface Check {
  id: string;
  ok: boolean;
  detail: string;
  /** True when the check could not be evaluated (a value it needs is missing); ok is then false. */
  skipped?: boolean;
  /** Field keys the check involves. */
  fields?: string[];
}

export type FlagCode =
  | 'not_found'          // a template field has no value in the source
  | 'blank_cell'         // printed blank/—/无 and not solvable
  | 'inferred'           // value solved from identities, not printed
  | 'identity_failed'    // an arithmetic identity does not hold
  | 'ambiguous_row'      // numbers could be placed in more than one way
  | 'row_realigned'      // numbers were moved to the only placement that satisfies the identities
  | 'low_confidence'     // a value read with a weak label or placement
  | 'implausible_value'  // negative where it cannot be, or absurdly large
  | 'unit_converted'     // a unit was printed and converted (e.g. 元 → 万元)
  | 'prose_uncertain'    // a prose figure from a weak pattern
  | 'prose_table_mismatch' // the prose figure disagrees with the table
  | 'meta_missing'       // year or agency not found
  | 'template_uncertain' // the template could not be told apart with confidence
  | 'no_tables'          // an official-format report whose tables were not found
  | 'tables_as_images'   // no tables in the text, but pictures where the tables belong (tables printed as images)
  | 'input_truncated'    // the reader left part of the source out (page limit, unreadable pages)
  | 'year_hint_mismatch'; // the store's check: the year of a source's listing title (or CSV) differs from the extracted year

export interface Flag {
  code: FlagCode;
  field?: string;
  message: string;
}

export type ErrorCode =
  | 'empty_input'
  | 'unreadable'
  | 'unsupported_format'
  | 'not_annual_report'
  | 'decode_failed'
  | 'fetch_failed'
  | 'too_large'
  | 'pdf_encrypted'
  | 'pdf_no_text_layer'
  | 'pdf_corrupt'
  | 'docx_corrupt'
  | 'doc_corrupt'
  | 'timeout'
  | 'internal';

export interface Extraction {
  source: SourceInfo;
  meta: Meta;
  fields: Record<string, number | null>;
  cells: Record<string, Cell>;
  checks: Check[];
  flags: Flag[];
  status: Status;
  error?: { code: ErrorCode; message: string };
  /** Version of the pipeline that produced this extraction (stores re-run on change). */
  pipeline: string;
}

/** Checks that failed, skipped ones (not computable) not counted: the review queue's and the exports' count. */
export function failedChecks(checks: readonly Check[] | undefined): number {
  let n = 0;
  for (const c of checks ?? []) if (!c.ok && !c.skipped) n++;
  return n;
}
