/**
 * Rows of each shape, as arrays aligned with `columnsFor(shape)`.
 * Values are typed by the column: string | number | boolean | null.
 */
import { columnsFor, fieldColumns, labelsFor, fieldIndex, type ColumnDef } from './columns';
import type { ResolvedReport } from './records';
import { failedChecks as countFailedChecks } from '../model/extraction';

export type Value = string | number | boolean | null;
export type Row = Value[];

export interface TypeViolation { report: string; key: string; value: number; expected: string }

/** A value for a column of the given type; non-integers in integer columns are reported and left empty. */
function fit(v: number | null, col: ColumnDef, r: ResolvedReport, violations: TypeViolation[]): number | null {
  if (v === null) return null;
  if (col.type === 'integer' && (!Number.isInteger(v) || Math.abs(v) > 2147483647)) {
    violations.push({ report: r.id, key: col.name, value: v, expected: 'integer (32-bit)' });
    return null;
  }
  return v;
}

export function failedChecks(r: ResolvedReport): number {
  return countFailedChecks(r.extraction.checks);
}

function metaValues(r: ResolvedReport): Record<string, Value> {
  const ex = r.extraction;
  const flags: { code: string }[] = [...(ex.flags ?? []), ...r.crossFlags];
  return {
    report_id: r.id,
    agency: r.agency,
    year: r.year,
    template: r.template,
    export_status: r.exportStatus,
    status: ex.status,
    review_status: r.review?.status ?? null,
    source_path: ex.source?.path ?? null,
    source_uri: ex.source?.uri ?? null,
    source_sha256: ex.source?.sha256 ?? null,
    source_format: ex.source?.format ?? null,
    pipeline: ex.pipeline ?? null,
    n_flags: flags.length,
    flag_codes: [...new Set(flags.map((f) => f.code))].join(' ') || null,
    n_checks_failed: failedChecks(r),
    n_corrected: r.correctionsApplied,
  };
}

export class WideRows {
  readonly columns = columnsFor('wide');
  private readonly metaNames: string[];
  private readonly fields = fieldColumns();
  constructor(private readonly violations: TypeViolation[]) {
    this.metaNames = this.columns.filter((c) => c.kind === 'meta').map((c) => c.name);
  }
  row(r: ResolvedReport): Row {
    const meta = metaValues(r);
    const row: Row = new Array(this.columns.length);
    let i = 0;
    for (const n of this.metaNames) row[i++] = meta[n] ?? null;
    for (const f of this.fields) {
      const fv = r.values.get(f.name);
      row[i++] = fv ? fit(fv.value, f, r, this.violations) : null;
    }
    return row;
  }
}

interface LongField { key: string; def: ColumnDef; labels: Value[] }

export class LongRows {
  readonly columns = columnsFor('long');
  private readonly index = fieldIndex();
  /** Per template: each key with its definition and label cells, computed once. */
  private readonly cache = new Map<string, Map<string, LongField>>();
  constructor(private readonly violations: TypeViolation[]) {}
  private field(key: string, template: string | null): LongField {
    const t = template ?? '';
    let m = this.cache.get(t);
    if (!m) this.cache.set(t, (m = new Map()));
    let f = m.get(key);
    if (!f) {
      const def = this.index.get(key)!;
      const l = labelsFor(key, template);
      f = { key, def, labels: [key, l.section, l.table, l.row, l.col, def.unit ?? null] };
      m.set(key, f);
    }
    return f;
  }
  *rows(r: ResolvedReport): Generator<Row> {
    const reviewed = r.review?.status === 'approved';
    const cells = r.extraction.cells ?? {};
    for (const key of r.keys) {
      const { def, labels } = this.field(key, r.template);
      const fv = r.values.get(key)!;
      const cell = cells[key];
      // The long value column is a number: fractional values survive, but integer fields are still checked.
      if (def.type === 'integer' && fv.value !== null) fit(fv.value, def, r, this.violations);
      yield [
        r.id, r.agency, r.year, r.template, r.exportStatus, r.extraction.status,
        labels[0], labels[1], labels[2], labels[3], labels[4], labels[5],
        fv.value, fv.extracted,
        typeof cell?.confidence === 'number' && Number.isFinite(cell.confidence) ? cell.confidence : null,
        cell ? !!cell.inferred : null,
        cell?.evidence?.method ?? null,
        reviewed,
        fv.corrected,
        fv.by, fv.at,
      ];
    }
  }
}
