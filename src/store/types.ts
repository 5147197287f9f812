/**
 * The store contract. Workers write through it; the review UI and the export read through it.
 * Two back ends share one schema and the same SQL: PostgreSQL via `pg` (DATABASE_URL set) and the
 * embedded PGlite (default, data in NIANBAO_DATA). Keep this interface stable: other modules depend on it.
 */
import type { Extraction, Flag, Status } from '../model/extraction';
import type { PreparedExtraction } from './prepare';

export type { PreparedExtraction } from './prepare';

/** Where a crawled URL (or local path) is in its life. `extracted` and `failed` are terminal. */
export type SourceStatus = 'queued' | 'fetched' | 'extracted' | 'failed';

/** Why a source failed, at which stage. Codes are stable strings (see src/fetch/errors.ts for fetch codes). */
export interface SourceError {
  stage: 'fetch' | 'extract' | 'queue';
  code: string;
  message: string;
}

export interface SourceRow {
  id: number;
  /** The URL as ingested (or `file://` URL of a local path). Unique. */
  url: string;
  status: SourceStatus;
  /** Hints from the ingest list (CSV columns), not extracted values. */
  agencyHint: string | null;
  yearHint: number | null;
  /** The ingest batch that last (re)queued this source. */
  batch: string | null;
  /** URL whose bytes were stored: the URL after redirects, or the attachment of a wrapper page. */
  finalUrl: string | null;
  /** Set when `url` was an HTML wrapper page and the report was its attachment. */
  attachmentUrl: string | null;
  httpStatus: number | null;
  contentType: string | null;
  sha256: string | null;
  bytes: number | null;
  /** Blob path relative to the blob root (sha256-addressed). */
  blobPath: string | null;
  error: SourceError | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  fetchedAt: Date | null;
}

export interface NewSource {
  url: string;
  agencyHint?: string | null;
  yearHint?: number | null;
  batch?: string | null;
}

export interface FetchedInfo {
  finalUrl: string;
  attachmentUrl?: string | null;
  httpStatus: number | null;
  contentType: string | null;
  sha256: string;
  bytes: number;
  blobPath: string;
}

/** One distinct content (by sha256). Many sources may point to the same document. */
export interface DocumentRow {
  sha256: string;
  bytes: number;
  blobPath: string;
  contentType: string | null;
  firstUrl: string | null;
  createdAt: Date;
}

/** A cross-document flag attached to an extraction (not part of the pipeline's own flags). */
export interface CrossFlag {
  code: 'carry_over_mismatch' | 'duplicate_report';
  message: string;
  /** The other extraction involved. */
  other: number;
  fields?: string[];
}

export interface ExtractionRow {
  id: number;
  sha256: string;
  pipeline: string;
  status: Status;
  agency: string | null;
  year: number | null;
  template: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The full Extraction exactly as the pipeline produced it (fields, cells, checks, flags …). */
  extraction: Extraction;
  /** Flags from cross-document checks (carry-over mismatches, duplicates). */
  crossFlags: CrossFlag[];
  /** Extraction run time in milliseconds, if measured. */
  durationMs: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ExtractionQuery {
  status?: Status | Status[];
  pipeline?: string;
  agency?: string;
  year?: number;
  /** Only the newest pipeline version per sha256 (default true). */
  latestOnly?: boolean;
  /** Only extractions that have cross-document flags. */
  crossFlagged?: boolean;
  limit?: number;
  offset?: number;
  orderBy?: 'id' | 'agency_year';
}

export type ReviewAction = 'accept' | 'correct' | 'reject' | 'comment';

export interface NewReview {
  extractionId: number;
  /** Field key (grid.json) or null for a review of the whole extraction. */
  field?: string | null;
  action: ReviewAction;
  /** Corrected value for `correct`. */
  value?: number | null;
  reviewer: string;
  note?: string | null;
}

export interface ReviewRow extends Required<Omit<NewReview, 'field' | 'value' | 'note'>> {
  id: number;
  field: string | null;
  value: number | null;
  note: string | null;
  createdAt: Date;
}

export interface AuditEntry {
  actor: string;
  action: string;
  entity: 'source' | 'document' | 'extraction' | 'review' | 'system';
  entityId?: string | number | null;
  detail?: unknown;
}

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  detail: unknown;
}

export interface CrossCheckRow {
  id: number;
  kind: 'carry_over' | 'duplicate';
  agency: string;
  /** For carry_over: a = year N−1 (carried_forward), b = year N (carried_over). For duplicate: both the same year. */
  extractionA: number;
  extractionB: number;
  yearA: number;
  yearB: number;
  ok: boolean;
  detail: string;
  /** Field pairs that disagree, as "s3.carried_forward.x≠s3.carried_over.x". */
  mismatches: string[];
  createdAt: Date;
}

/** What `recordExtraction` stored (the summary a worker needs, without reading the row back). */
export interface RecordedExtraction {
  id: number;
  sha256: string;
  pipeline: string;
  status: Status;
  agency: string | null;
  year: number | null;
  /** False when an extraction of the same (sha256, pipeline) was replaced. */
  created: boolean;
  /** Sources of this content moved from `fetched` to `extracted`. */
  marked: number;
  /** Cross-document checks written for it (carry-over, duplicate). */
  crossChecks: number;
  /**
   * With `keepExisting`: an extraction of this (sha256, pipeline) was there already and was kept (nothing
   * written but the fetch and the sources' status); `id` is that extraction's (0 if not yet visible).
   */
  kept?: boolean;
  /** With `fetched`: whether the source was still pending and is now recorded `extracted`. */
  sourceRecorded?: boolean;
}

/** One extraction for `recordExtractions`. */
export interface ExtractionWrite {
  prepared: PreparedExtraction;
  durationMs?: number;
  actor?: string;
  /**
   * The download this content came from (its bytes already in the blob directory), recorded in the same
   * statement: the document row, and the source with its fetch details, marked `extracted` (if it is still
   * `queued` or `fetched`). A fetch job that extracted its own download writes everything at once.
   */
  fetched?: { sourceId: number; info: Omit<FetchedInfo, 'sha256' | 'bytes' | 'blobPath'>; bytes: number; blobPath: string; attempt?: number };
  /** Keep an extraction of the same (sha256, pipeline) if one exists, rather than replace it (a forced re-run replaces). */
  keepExisting?: boolean;
}

export interface StatusCounts {
  sources: Record<SourceStatus, number> & { total: number };
  /** Terminal source failures by stage:code. */
  failures: Record<string, number>;
  /** Extractions of the given pipeline version by status. */
  extractions: Record<Status, number> & { total: number };
  documents: number;
  /** Sources that reached a terminal state in the last 60 s / 600 s. */
  done60s: number;
  done600s: number;
}

export interface Store {
  readonly kind: 'pg' | 'pglite';
  /** Root of the content-addressed blob directory. */
  readonly blobRoot: string;
  /**
   * A random id made when the store was created (known once migrated): the queue keys carry it, so
   * stores sharing one Redis never see each other's jobs.
   */
  readonly id: string;
  migrate(): Promise<number>;
  close(): Promise<void>;

  // sources
  /** Insert or find a source by URL. `created` tells whether it was new. Hints and batch are updated when given. */
  upsertSource(s: NewSource): Promise<{ source: SourceRow; created: boolean }>;
  getSource(id: number): Promise<SourceRow | null>;
  getSourceByUrl(url: string): Promise<SourceRow | null>;
  listSources(q?: { status?: SourceStatus; batch?: string; sha256?: string; limit?: number; offset?: number }): Promise<SourceRow[]>;
  /**
   * Sources still to do (`queued` or `fetched`), by id after `afterId`; with `updatedBefore`, only those
   * not touched since (reconciliation leaves alone what is being worked on right now).
   */
  listPending(q?: { updatedBefore?: Date; afterId?: number; limit?: number }): Promise<SourceRow[]>;
  /** Move still pending sources (`queued`/`fetched`) into a batch (a re-ingest follows them), leaving the rest alone. */
  adoptIntoBatch(ids: number[], batch: string): Promise<void>;
  /** Put a source back to `queued` (re-ingest with --force or a new pipeline version). */
  requeueSource(id: number, batch?: string | null): Promise<void>;
  markSourceFetched(id: number, info: FetchedInfo): Promise<void>;
  /** Mark every `fetched` source with this content as `extracted`; returns how many. */
  markExtractedBySha(sha256: string): Promise<number>;
  markSourceExtracted(id: number): Promise<void>;
  /**
   * Terminal failure with its reason. `opts.attempt`: the attempt count to record (kept if higher);
   * `opts.onlyIfPending`: leave a source that is already `extracted` or `failed` as it is.
   */
  markSourceFailed(id: number, err: SourceError, httpStatus?: number | null, opts?: { attempt?: number; onlyIfPending?: boolean }): Promise<void>;
  incrementAttempts(id: number): Promise<void>;
  /**
   * One round trip for a fetch job: a `queued` source gets its attempts incremented and is returned with
   * `claimed: true`; any other source is returned as it is (`claimed: false`), or null if absent.
   */
  claimSource(id: number): Promise<{ source: SourceRow | null; claimed: boolean }>;
  /** Batch form of upsertSource (one statement per call); results in the order of the input. */
  upsertSources(list: NewSource[]): Promise<Array<{ source: SourceRow; created: boolean }>>;
  /**
   * Write the blob (if absent), record the document and mark the source `fetched`, in one statement.
   * Returns the document's identity. `opts.sha256`: the bytes' hash when already known. With
   * `opts.pipeline`, the same statement also asks whether an extraction of the content exists for that
   * pipeline version: if so the source (and any other `fetched` source of the content) is marked
   * `extracted` instead, and `extracted` is that extraction's id (else null). `opts.asyncCommit`: the
   * caller stores the extraction right after (a synchronous commit that makes this one durable too), so
   * this commit need not wait for the WAL flush; ignored when the source ends `extracted` here.
   * `opts.attempt`: the fetch attempt count to record (kept if higher). Only a `queued` or `fetched`
   * source is updated; any other is left as it is and `skipped` gives its status (`missing`: no such source).
   */
  recordFetched(
    id: number,
    bytes: Uint8Array,
    info: Omit<FetchedInfo, 'sha256' | 'bytes' | 'blobPath'>,
    opts?: { sha256?: string; pipeline?: string; asyncCommit?: boolean; attempt?: number },
  ): Promise<{ sha256: string; bytes: number; blobPath: string; extracted: number | null; skipped?: SourceStatus | 'missing' }>;
  /**
   * If an extraction of (sha256, pipeline) exists (updated at or after `since`, when given), mark every
   * `fetched` source of that content `extracted`; one statement. Null when there is none.
   */
  markIfExtracted(sha256: string, pipeline: string, opts?: { since?: Date }): Promise<{ id: number; marked: number } | null>;

  // blobs and documents
  /** Write bytes to the blob directory (if absent) and record the document. Returns its row. */
  putDocument(bytes: Uint8Array, meta?: { contentType?: string | null; url?: string | null }): Promise<DocumentRow>;
  getDocument(sha256: string): Promise<DocumentRow | null>;
  readBlob(sha256: string): Promise<Uint8Array>;

  // extractions
  /** Store an extraction; one row per (sha256, pipeline): a second save of the same pair replaces it. */
  saveExtraction(ext: Extraction, opts?: { durationMs?: number; actor?: string }): Promise<ExtractionRow>;
  /**
   * The worker's write: store (or replace) the extraction, its audit entry and its incremental
   * cross-document checks in one transaction, then mark the content's `fetched` sources `extracted`.
   * Same effect as saveExtraction + crossCheckExtraction + markExtractedBySha, in 3–4 round trips.
   */
  recordExtraction(ext: Extraction | PreparedExtraction, opts?: { durationMs?: number; actor?: string }): Promise<RecordedExtraction>;
  /**
   * Several worker writes in one transaction (group commit): each as recordExtraction (with its fetch,
   * when given), one after another, so each sees those before it exactly as if stored alone. The
   * agencies' locks are taken up front in one order. All or nothing: on error nothing is stored.
   */
  recordExtractions(writes: ExtractionWrite[]): Promise<RecordedExtraction[]>;
  /** Write bytes to the blob directory (if absent). `existed`: the content was there already (fetched before). */
  putBlob(bytes: Uint8Array, sha256?: string): Promise<{ sha256: string; blobPath: string; existed: boolean }>;
  getExtraction(id: number): Promise<ExtractionRow | null>;
  findExtraction(sha256: string, pipeline?: string): Promise<ExtractionRow | null>;
  listExtractions(q?: ExtractionQuery): Promise<ExtractionRow[]>;
  countExtractions(q?: ExtractionQuery): Promise<number>;

  // reviews and audit
  addReview(r: NewReview): Promise<ReviewRow>;
  listReviews(extractionId: number): Promise<ReviewRow[]>;
  audit(e: AuditEntry): Promise<void>;
  listAudit(q?: { entity?: string; entityId?: string | number; limit?: number }): Promise<AuditRow[]>;

  // cross-document checks
  /** Recompute carry-over and duplicate checks (for one agency, or all); updates crossFlags. */
  runCrossChecks(opts?: { agency?: string; pipeline?: string }): Promise<CrossCheckRow[]>;
  /** Incremental: recompute the checks that involve one extraction (workers call this after each save). */
  crossCheckExtraction(id: number): Promise<CrossCheckRow[]>;
  listCrossChecks(q?: { extractionId?: number; kind?: 'carry_over' | 'duplicate'; ok?: boolean }): Promise<CrossCheckRow[]>;

  // progress
  counts(pipeline?: string, batch?: string): Promise<StatusCounts>;

  /** Escape hatch for read-only reporting queries (same SQL on both back ends). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface StoreConfig {
  /** postgres://… ; when absent the embedded PGlite is used. */
  databaseUrl?: string;
  /** PostgreSQL schema to use (created if missing). Default `public`. */
  schema?: string;
  /** PGlite data directory (default `${dataDir}/pg`); `memory://` for an in-memory database. */
  pgliteDir?: string;
  /** Root data directory (default NIANBAO_DATA or ./.nianbao). */
  dataDir?: string;
  /** Blob directory (default NIANBAO_BLOBS or `${dataDir}/blobs`). */
  blobDir?: string;
  /** pg pool size (default 5). */
  poolSize?: number;
}

export type { Flag };
