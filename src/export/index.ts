/**
 * Export cleaned datasets: records (extraction + review) → filtered, corrected
 * rows in the wide and/or long shape, written as CSV, XLSX, Parquet and/or
 * JSONL, with a codebook and a Frictionless datapackage.json beside them.
 *
 * One pass over the input; every format is written as rows arrive, so memory
 * stays bounded whatever the number of reports.
 */
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { createInterface } from 'readline';
import { columnsFor, type Shape } from './columns';
import { excludedBy, invalidExtraction, resolve, toRecord, type ExportRecord, type ExportStatus, type Filters } from './records';
import { LongRows, WideRows, type TypeViolation } from './rows';
import { openWriter, csvLine, FORMATS, type Format, type TableWriter } from './writers';
import { CODEBOOK_COLUMNS, codebookEntries, codebookRows, dataPackage, CODEBOOK_SCHEMA_COLUMNS, type ResourceFile } from './codebook';

export type { ExportRecord, ReviewInfo, Correction, Filters, ExportStatus } from './records';
export type { Format } from './writers';
export type { Shape } from './columns';
export { FORMATS } from './writers';

export const SHAPES: Shape[] = ['wide', 'long'];

export interface ExportOptions {
  outDir: string;
  formats: Format[];
  shapes: Shape[];
  filters?: Filters;
  /** File name stem of the data files: `<basename>_<shape>.<ext>` (default 'reports'). */
  basename?: string;
  /** Called every `progressEvery` input records and once at the end. */
  onProgress?: (p: { read: number; exported: number; done: boolean }) => void;
  progressEvery?: number;
  /** Rows per XLSX sheet, header included (default: Excel's limit, 1,048,576). */
  xlsxMaxRowsPerSheet?: number;
}

export interface FileSummary {
  path: string;
  format: Format | 'json';
  shape: Shape | 'codebook' | 'datapackage';
  rows?: number;
  bytes: number;
  /** Time spent writing this file (its share of the single pass). */
  seconds?: number;
}

export interface ExportSummary {
  read: number;
  exported: number;
  excluded: { status: number; template: number; year: number; agency: number };
  byExportStatus: Record<ExportStatus, number>;
  /** Reviewer corrections applied to exported reports, and how many of them changed a value. */
  correctionsApplied: number;
  valuesChanged: number;
  /** Exported rows whose report id was already exported (same source bytes seen twice). */
  duplicates: number;
  unknownCorrectionKeys: number;
  typeViolations: { count: number; examples: TypeViolation[] };
  files: FileSummary[];
  seconds: number;
}

export class ExportInputError extends Error {
  constructor(message: string, readonly line?: number) { super(message); this.name = 'ExportInputError'; }
}

const EXT: Record<Format, string> = { csv: 'csv', xlsx: 'xlsx', parquet: 'parquet', jsonl: 'jsonl' };

interface OpenFile { format: Format; shape: Shape; path: string; tmp: string; writer: TableWriter; seconds: number }

export async function exportDataset(records: Iterable<ExportRecord> | AsyncIterable<ExportRecord>, opts: ExportOptions): Promise<ExportSummary> {
  const t0 = performance.now();
  const formats = [...new Set(opts.formats)];
  const shapes = [...new Set(opts.shapes)];
  if (!formats.length) throw new Error('no output format given');
  if (!shapes.length) throw new Error('no shape given');
  for (const f of formats) if (!FORMATS.includes(f)) throw new Error(`unknown format '${f}' (expected ${FORMATS.join(', ')})`);
  for (const s of shapes) if (!SHAPES.includes(s)) throw new Error(`unknown shape '${s}' (expected ${SHAPES.join(', ')})`);
  const filters = opts.filters ?? {};
  const stem = opts.basename ?? 'reports';
  mkdirSync(opts.outDir, { recursive: true });
  if (!statSync(opts.outDir).isDirectory()) throw new Error(`${opts.outDir} is not a directory`);

  const entries = codebookEntries(shapes);
  const cbRows = codebookRows(entries);
  const violations: TypeViolation[] = [];
  const wide = new WideRows(violations);
  const long = new LongRows(violations);

  // Files are written under temporary names and renamed when complete: a failed export leaves no half file behind.
  const open: OpenFile[] = [];
  const cleanup = () => { for (const f of open) rmSync(f.tmp, { force: true }); };
  try {
    for (const shape of shapes) {
      const columns = shape === 'wide' ? wide.columns : long.columns;
      for (const format of formats) {
        const path = join(opts.outDir, `${stem}_${shape}.${EXT[format]}`);
        const tmp = `${path}.partial-${process.pid}`;
        const t = performance.now();
        const writer = await openWriter(format, tmp, columns, {
          codebook: { columns: CODEBOOK_COLUMNS, rows: cbRows },
          maxRowsPerSheet: opts.xlsxMaxRowsPerSheet,
          sheetName: shape,
        });
        open.push({ format, shape, path, tmp, writer, seconds: (performance.now() - t) / 1000 });
      }
    }
    const wideFiles = open.filter((f) => f.shape === 'wide');
    const longFiles = open.filter((f) => f.shape === 'long');

    const summary: ExportSummary = {
      read: 0, exported: 0,
      excluded: { status: 0, template: 0, year: 0, agency: 0 },
      byExportStatus: { ok: 0, approved: 0, flagged: 0, rejected: 0, failed: 0 },
      correctionsApplied: 0, valuesChanged: 0, duplicates: 0, unknownCorrectionKeys: 0,
      typeViolations: { count: 0, examples: [] },
      files: [], seconds: 0,
    };
    const seenIds = new Set<string>();
    const every = opts.progressEvery ?? 1000;

    const put = async (f: OpenFile, row: ReturnType<WideRows['row']>) => {
      const t = performance.now();
      const p = f.writer.write(row);
      if (p) await p;
      f.seconds += (performance.now() - t) / 1000;
    };

    for await (const rec of records as AsyncIterable<ExportRecord>) {
      summary.read++;
      const r = resolve(rec);
      const why = excludedBy(r, filters);
      if (why) summary.excluded[why]++;
      else {
        summary.exported++;
        summary.byExportStatus[r.exportStatus]++;
        summary.correctionsApplied += r.correctionsApplied;
        summary.valuesChanged += r.valuesChanged;
        summary.unknownCorrectionKeys += r.unknownCorrectionKeys.length;
        if (seenIds.has(r.id)) summary.duplicates++; else seenIds.add(r.id);
        if (wideFiles.length) {
          const row = wide.row(r);
          for (const f of wideFiles) await put(f, row);
        }
        if (longFiles.length) {
          for (const row of long.rows(r)) for (const f of longFiles) await put(f, row);
        }
      }
      if (opts.onProgress && summary.read % every === 0) opts.onProgress({ read: summary.read, exported: summary.exported, done: false });
    }

    for (const f of open) {
      const t = performance.now();
      const { rows, bytes } = await f.writer.close();
      f.seconds += (performance.now() - t) / 1000;
      renameSync(f.tmp, f.path);
      summary.files.push({ path: f.path, format: f.format, shape: f.shape, rows, bytes, seconds: round(f.seconds) });
    }
    open.length = 0;

    // Type violations are counted once per (report, key), whichever shape met them.
    const uniq = new Map<string, TypeViolation>();
    for (const v of violations) uniq.set(v.report + '\u0000' + v.key, v);
    summary.typeViolations = { count: uniq.size, examples: [...uniq.values()].slice(0, 20) };

    // Codebook and datapackage.json.
    const cbCsv = join(opts.outDir, 'codebook.csv');
    writeFileSync(cbCsv, '\uFEFF' + csvLine(CODEBOOK_COLUMNS) + cbRows.map(csvLine).join(''));
    const cbJson = join(opts.outDir, 'codebook.json');
    writeFileSync(cbJson, JSON.stringify({ columns: entries }, null, 1) + '\n');
    summary.files.push({ path: cbCsv, format: 'csv', shape: 'codebook', rows: cbRows.length, bytes: statSync(cbCsv).size });
    summary.files.push({ path: cbJson, format: 'json', shape: 'codebook', bytes: statSync(cbJson).size });

    const resources: ResourceFile[] = summary.files.map((f) => {
      const base = f.path.slice(opts.outDir.length).replace(/^[\\/]+/, '');
      if (f.shape === 'codebook') {
        return f.format === 'csv'
          ? { name: 'codebook', path: base, format: 'csv', bytes: f.bytes, rows: f.rows, columns: CODEBOOK_SCHEMA_COLUMNS, description: 'Codebook: every column and field with its Chinese labels, templates, type and unit.' }
          : { name: 'codebook-json', path: base, format: 'json', bytes: f.bytes, description: 'The codebook as JSON, with labels per template where they differ.' };
      }
      const shape = f.shape as Shape;
      return {
        name: `${stem}-${shape}-${f.format}`.toLowerCase().replace(/[^a-z0-9._-]/g, '-'),
        path: base,
        format: f.format,
        bytes: f.bytes,
        rows: f.rows,
        columns: columnsFor(shape),
        description: shape === 'wide'
          ? 'One row per report: source, metadata, export status, and every grid field of every template as a column (empty when the report\'s template has no such field or it was not found).'
          : 'One row per report and field: the field\'s Chinese labels, value (corrections applied), extracted value, confidence, and review status.',
      };
    });
    const dpPath = join(opts.outDir, 'datapackage.json');
    summary.seconds = round((performance.now() - t0) / 1000);
    writeFileSync(dpPath, JSON.stringify(dataPackage(resources, {
      nianbao: {
        filters: { ...filters, status: filters.status && filters.status.length ? filters.status : ['ok', 'approved'] },
        reports: summary.exported,
        byExportStatus: summary.byExportStatus,
        correctionsApplied: summary.correctionsApplied,
        valuesChanged: summary.valuesChanged,
      },
    }), null, 1) + '\n');
    summary.files.push({ path: dpPath, format: 'json', shape: 'datapackage', bytes: statSync(dpPath).size });
    opts.onProgress?.({ read: summary.read, exported: summary.exported, done: true });
    return summary;
  } catch (e) {
    // Close what is open (best effort) so no worker or stream is left behind, then drop the partial files.
    await Promise.allSettled(open.map((f) => f.writer.close()));
    cleanup();
    throw e;
  }
}

function round(s: number): number { return Math.round(s * 1000) / 1000; }

export interface ReadJsonlOptions {
  /** Skip lines that are not valid extractions instead of failing; `onInvalid` hears about each. */
  skipInvalid?: boolean;
  onInvalid?: (line: number, reason: string) => void;
}

/** Stream the records of a JSONL file of extractions (as `nianbao extract --jsonl` writes) or of {extraction, review} records. */
export async function* readExtractionsJsonl(path: string, opts: ReadJsonlOptions = {}): AsyncGenerator<ExportRecord> {
  if (!existsSync(path)) throw new ExportInputError(`${path}: no such file`);
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of rl) {
      n++;
      const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (!line.trim()) continue;
      let obj: unknown;
      let reason: string | null = null;
      try { obj = JSON.parse(line); } catch (e) { reason = `not JSON (${(e as Error).message})`; }
      let rec: ExportRecord | null = null;
      if (!reason) {
        rec = toRecord(obj);
        reason = invalidExtraction(rec.extraction);
      }
      if (reason) {
        if (!opts.skipInvalid) throw new ExportInputError(`${path}:${n}: ${reason}`, n);
        opts.onInvalid?.(n, reason);
        continue;
      }
      yield rec!;
    }
  } finally {
    rl.close();
  }
}
