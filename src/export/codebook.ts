/**
 * The codebook (every column and every field, with Chinese labels, templates,
 * type and unit) and the Frictionless Data Package descriptor.
 */
import { columnsFor, fieldColumns, type ColumnDef, type ColumnType, type Shape } from './columns';
import type { Row } from './rows';
import type { Format } from './writers';

export const CODEBOOK_COLUMNS = ['key', 'kind', 'shapes', 'section', 'table', 'row', 'col', 'templates', 'type', 'unit', 'description'];

export interface CodebookEntry {
  key: string;
  kind: 'meta' | 'field' | 'long';
  shapes: Shape[];
  section: string | null;
  table: string | null;
  row: string | null;
  col: string | null;
  templates: string[];
  type: ColumnType;
  unit: string | null;
  description: string;
  labels_by_template?: ColumnDef['labelsByTemplate'];
}

/** Every column of the exported shapes, then every grid/prose field (columns of wide, values of `key` in long). */
export function codebookEntries(shapes: Shape[]): CodebookEntry[] {
  const out: CodebookEntry[] = [];
  const seen = new Set<string>();
  const entry = (c: ColumnDef, s: Shape[]): CodebookEntry => ({
    key: c.name,
    kind: c.kind,
    shapes: s,
    section: c.section ?? null,
    table: c.table ?? null,
    row: c.row ?? null,
    col: c.col ?? null,
    templates: c.templates ?? [],
    type: c.type,
    unit: c.unit ?? null,
    description: c.description,
    ...(c.labelsByTemplate ? { labels_by_template: c.labelsByTemplate } : {}),
  });
  for (const shape of shapes) {
    for (const c of columnsFor(shape)) {
      if (c.kind === 'field' || seen.has(c.name)) continue;
      seen.add(c.name);
      out.push(entry(c, c.shapes.filter((s) => shapes.includes(s))));
    }
  }
  for (const f of fieldColumns()) out.push(entry(f, shapes));
  return out;
}

export function codebookRows(entries: CodebookEntry[]): Row[] {
  return entries.map((e) => [e.key, e.kind, e.shapes.join(' '), e.section, e.table, e.row, e.col, e.templates.join(' '), e.type, e.unit, e.description]);
}

export const CODEBOOK_SCHEMA_COLUMNS: ColumnDef[] = CODEBOOK_COLUMNS.map((name) => ({
  name, type: 'string' as const, kind: 'meta' as const, shapes: [],
  description: ({
    key: 'Column name, or grid key of a field.',
    kind: "'meta' (report column), 'long' (column of the long shape), 'field' (grid or prose field: a column of wide, a value of `key` in long).",
    shapes: 'Exported shapes the entry applies to.',
    section: '部分 Section label (Chinese, as in the official table).',
    table: '表格 Sub-table label.',
    row: '行 Row label.',
    col: '列 Column label.',
    templates: 'Templates whose table has this field.',
    type: 'Table Schema type: string, integer, number, boolean.',
    unit: '单位 Unit.',
    description: 'What the column holds.',
  } as Record<string, string>)[name],
}));

const MEDIATYPE: Record<Format, string> = {
  csv: 'text/csv',
  jsonl: 'application/jsonl',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  parquet: 'application/vnd.apache.parquet',
};

export interface TableSchemaField {
  name: string;
  type: ColumnType;
  title?: string;
  description: string;
  unit?: string;
  constraints?: Record<string, unknown>;
}

export function tableSchema(columns: ColumnDef[]): { fields: TableSchemaField[]; missingValues: string[] } {
  return {
    fields: columns.map((c) => {
      const title = c.kind === 'field' ? [c.section, c.table, c.row, c.col].filter(Boolean).join(' › ') : undefined;
      const f: TableSchemaField = { name: c.name, type: c.type, description: c.description };
      if (title) f.title = title;
      if (c.unit) f.unit = c.unit;
      if (c.name === 'export_status') f.constraints = { enum: ['ok', 'approved', 'flagged', 'rejected', 'failed'] };
      if (c.name === 'report_id') f.constraints = { required: true };
      if (c.name === 'confidence') f.constraints = { minimum: 0, maximum: 1 };
      return f;
    }),
    missingValues: [''],
  };
}

export interface ResourceFile {
  name: string;
  path: string;
  format: Format | 'json';
  bytes: number;
  columns?: ColumnDef[];
  rows?: number;
  description: string;
}

/** A Frictionless Data Package descriptor for the written files. */
export function dataPackage(resources: ResourceFile[], extra: Record<string, unknown>): Record<string, unknown> {
  return {
    profile: 'tabular-data-package',
    name: 'nianbao-export',
    title: '政府信息公开工作年度报告 — extracted statistics (nianbao export)',
    description: 'Statistics of Chinese government information disclosure annual reports (政府信息公开工作年度报告), extracted and checked by nianbao. Grid keys follow nianbao\'s grid.json; see codebook.csv for the Chinese labels and units.',
    created: new Date().toISOString(),
    licenses: [],
    resources: resources.map((r) => {
      const res: Record<string, unknown> = {
        name: r.name,
        path: r.path,
        profile: r.format === 'csv' ? 'tabular-data-resource' : 'data-resource',
        format: r.format,
        mediatype: r.format === 'json' ? 'application/json' : MEDIATYPE[r.format],
        bytes: r.bytes,
        description: r.description,
      };
      if (r.format === 'csv') {
        res.encoding = 'utf-8';
        res.dialect = { delimiter: ',', lineTerminator: '\r\n', quoteChar: '"', doubleQuote: true, header: true };
      } else if (r.format === 'jsonl') {
        res.encoding = 'utf-8';
      }
      if (r.rows !== undefined) res.rows = r.rows;
      if (r.columns) res.schema = tableSchema(r.columns);
      return res;
    }),
    ...extra,
  };
}
