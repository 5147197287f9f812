/**
 * Column definitions of the export: the report metadata columns, the grid
 * fields (the union of every template's keys, in grid.json order, then the
 * prose figures p.*), and the long-shape columns. The grid keys are the
 * public contract: they are used as column names exactly as in grid.json.
 */
import grid from '../grid/grid.json';

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean';
export type Shape = 'wide' | 'long';

export interface ColumnDef {
  /** Column name (for grid fields: the grid key). */
  name: string;
  type: ColumnType;
  description: string;
  /** 'meta': report-level column; 'field': a grid or prose field; 'long': a column of the long shape only. */
  kind: 'meta' | 'field' | 'long';
  /** Which shapes carry this column. Grid fields are columns of wide, and values of `key` in long. */
  shapes: Shape[];
  unit?: string;
  section?: string;
  table?: string;
  row?: string;
  col?: string;
  /** Templates a field belongs to ('2019', '2021'; prose fields belong to every template incl. 'free'). */
  templates?: string[];
  /** Labels per template when they differ between templates. */
  labelsByTemplate?: Record<string, { section?: string; table?: string; row?: string; col?: string }>;
}

interface GridEntry { key: string; section?: string; table?: string; row?: string; col?: string }
interface ProseEntry { key: string; meaning: string }
interface GridFile { templates: Record<string, GridEntry[]>; prose_fields: ProseEntry[] }

const GRID = grid as unknown as GridFile;

/** Unit of a grid field, from its key and column label. */
export function unitOf(key: string, col: string | undefined): string {
  if (col && col.includes('万元')) return '万元';
  if (/\.amount$/.test(key)) return '万元';
  if (/^s2\.(license|other_admin|penalty|coercion|fees)\.(prev|change)$/.test(key)) return '项';
  if (key === 's2.procurement.count') return '项';
  return '件';
}

const PROSE_UNITS: Record<string, string> = {
  'p.proactive_total': '条',
  'p.requests_total': '件',
  'p.consultations': '次',
  'p.reviews': '件',
  'p.lawsuits': '件',
};

function fieldDescription(e: Omit<GridEntry, "key">, unit: string): string {
  const parts = [e.section, e.table, e.row, e.col].filter((s): s is string => !!s);
  return parts.join(' › ') + `（${unit}）`;
}

let FIELD_CACHE: ColumnDef[] | null = null;

/** Every grid field of every template (union, first-seen order), then the prose fields. */
export function fieldColumns(): ColumnDef[] {
  if (FIELD_CACHE) return FIELD_CACHE;
  const byKey = new Map<string, ColumnDef>();
  const templateIds = Object.keys(GRID.templates).sort();
  for (const t of templateIds) {
    for (const e of GRID.templates[t]) {
      const labels = { section: e.section, table: e.table, row: e.row, col: e.col };
      let def = byKey.get(e.key);
      if (!def) {
        const unit = unitOf(e.key, e.col);
        def = {
          name: e.key,
          type: unit === '万元' ? 'number' : 'integer',
          kind: 'field',
          shapes: ['wide', 'long'],
          unit,
          section: e.section,
          table: e.table,
          row: e.row,
          col: e.col,
          templates: [],
          labelsByTemplate: {},
          description: fieldDescription(e, unit),
        };
        byKey.set(e.key, def);
      }
      def.templates!.push(t);
      def.labelsByTemplate![t] = labels;
    }
  }
  // Collapse labels that differ between templates into one readable label.
  for (const def of byKey.values()) {
    const lbt = def.labelsByTemplate!;
    const ts = Object.keys(lbt);
    for (const part of ['section', 'table', 'row', 'col'] as const) {
      const distinct = new Set(ts.map((t) => lbt[t][part] ?? ''));
      if (distinct.size > 1) {
        def[part] = ts.map((t) => `${t}: ${lbt[t][part] ?? ''}`).join('; ');
      }
    }
    const differ = ts.length > 1 && ts.some((t) => JSON.stringify(lbt[t]) !== JSON.stringify(lbt[ts[0]]));
    if (!differ) delete def.labelsByTemplate;
    else def.description = ts.map((t) => `${t}: ${fieldDescription(lbt[t], def.unit!)}`).join('; ');
  }
  const out = [...byKey.values()];
  for (const p of GRID.prose_fields) {
    const unit = PROSE_UNITS[p.key] ?? '件';
    const zh = p.meaning.split(/[,，(（]/)[0].trim();
    out.push({
      name: p.key,
      type: 'integer',
      kind: 'field',
      shapes: ['wide', 'long'],
      unit,
      section: '正文（文字表述）',
      row: zh,
      templates: [...templateIds, 'free'],
      description: `Figure stated in the report's prose: ${p.meaning}`,
    });
  }
  FIELD_CACHE = out;
  return out;
}

/** Keys of one template (grid fields in order; prose fields are added by the caller). */
export function templateKeys(template: string): string[] {
  return (GRID.templates[template] ?? []).map((e) => e.key);
}

export function proseKeys(): string[] {
  return GRID.prose_fields.map((p) => p.key);
}

export function templateIds(): string[] {
  return Object.keys(GRID.templates).sort();
}

/** Labels of a field as printed in one template's table (falls back to the first template that has it). */
export function labelsFor(key: string, template: string | null): { section: string | null; table: string | null; row: string | null; col: string | null } {
  const def = fieldIndex().get(key);
  if (!def) return { section: null, table: null, row: null, col: null };
  const l = def.labelsByTemplate && template && def.labelsByTemplate[template]
    ? def.labelsByTemplate[template]
    : def.labelsByTemplate
      ? def.labelsByTemplate[Object.keys(def.labelsByTemplate)[0]]
      : def;
  return { section: l.section ?? null, table: l.table ?? null, row: l.row ?? null, col: l.col ?? null };
}

let INDEX: Map<string, ColumnDef> | null = null;
export function fieldIndex(): Map<string, ColumnDef> {
  if (!INDEX) INDEX = new Map(fieldColumns().map((c) => [c.name, c]));
  return INDEX;
}

const m = (name: string, type: ColumnType, description: string, shapes: Shape[] = ['wide', 'long']): ColumnDef =>
  ({ name, type, description, kind: 'meta', shapes });

/** Report-level columns, present in the wide shape (and, the identifying ones, in the long shape). */
export const META_COLUMNS: ColumnDef[] = [
  m('report_id', 'string', 'Report identifier: the store id when exported from the store, otherwise the SHA-256 of the source bytes.'),
  m('agency', 'string', '发布机关 Agency that published the report (after review corrections).'),
  m('year', 'integer', '年度 Year the report covers (after review corrections).'),
  m('template', 'string', "Table format of the report: '2019' (国办公开办函〔2019〕60号), '2021' (国办公开办函〔2021〕30号) or 'free' (figures in prose only)."),
  m('export_status', 'string', "Why the report is in this export: 'ok' (extracted, every check held, not reviewed), 'approved' (approved by a reviewer; corrections applied), 'flagged' (extraction flagged and not yet approved; only exported on request), 'rejected' or 'failed' (only exported on request)."),
  m('status', 'string', "Extraction status from the pipeline: 'ok', 'flagged' or 'failed'."),
  m('review_status', 'string', "Reviewer decision: 'approved', 'rejected', or empty when not reviewed.", ['wide']),
  m('source_path', 'string', 'Path of the source file, when extracted from a file.', ['wide']),
  m('source_uri', 'string', 'Address the source was fetched from, when known.', ['wide']),
  m('source_sha256', 'string', 'SHA-256 of the source bytes.', ['wide']),
  m('source_format', 'string', 'Format of the source (pdf, html, docx, doc, text…).', ['wide']),
  m('pipeline', 'string', 'Version of the pipeline that produced the extraction.', ['wide']),
  m('n_flags', 'integer', 'Number of flags raised on the report (by the pipeline, and by cross-document checks in the store).', ['wide']),
  m('flag_codes', 'string', 'Distinct flag codes raised on the report, space separated.', ['wide']),
  m('n_checks_failed', 'integer', 'Number of arithmetic checks that failed (skipped checks not counted).', ['wide']),
  m('n_corrected', 'integer', 'Number of values in the report replaced by a reviewer correction.', ['wide']),
];

/** Columns of the long shape after the identifying meta columns. */
export const LONG_COLUMNS: ColumnDef[] = [
  { name: 'key', type: 'string', kind: 'long', shapes: ['long'], description: 'Grid key of the field (see the field rows of this codebook).' },
  { name: 'section', type: 'string', kind: 'long', shapes: ['long'], description: '表格所在部分 Section of the report the field belongs to, as printed in the official table.' },
  { name: 'table', type: 'string', kind: 'long', shapes: ['long'], description: '表格 Sub-table (第二十条第（一）项…), when the section has several.' },
  { name: 'row', type: 'string', kind: 'long', shapes: ['long'], description: '行 Row label of the official table.' },
  { name: 'col', type: 'string', kind: 'long', shapes: ['long'], description: '列 Column label of the official table.' },
  { name: 'unit', type: 'string', kind: 'long', shapes: ['long'], description: '单位 Unit of the value (件, 项, 条, 次, 万元).' },
  { name: 'value', type: 'number', kind: 'long', shapes: ['long'], description: 'Value of the field: the reviewer correction when there is one, else the extracted value. Empty when not found.' },
  { name: 'extracted_value', type: 'number', kind: 'long', shapes: ['long'], description: 'Value the pipeline extracted, before any correction.' },
  { name: 'confidence', type: 'number', kind: 'long', shapes: ['long'], description: 'Confidence of the extracted value, 0..1 (empty when the pipeline recorded none).' },
  { name: 'inferred', type: 'boolean', kind: 'long', shapes: ['long'], description: 'True when the extracted value was solved from the arithmetic identities rather than printed.' },
  { name: 'method', type: 'string', kind: 'long', shapes: ['long'], description: "How the extracted value was obtained: read, inferred, blank, missing, prose." },
  { name: 'reviewed', type: 'boolean', kind: 'long', shapes: ['long'], description: 'True when the report was approved by a reviewer.' },
  { name: 'corrected', type: 'boolean', kind: 'long', shapes: ['long'], description: 'True when a reviewer correction replaced the extracted value.' },
  { name: 'corrected_by', type: 'string', kind: 'long', shapes: ['long'], description: 'Reviewer who made the correction.' },
  { name: 'corrected_at', type: 'string', kind: 'long', shapes: ['long'], description: 'When the correction was made (ISO 8601).' },
];

/** Columns of a shape, in file order. */
export function columnsFor(shape: Shape): ColumnDef[] {
  if (shape === 'wide') return [...META_COLUMNS, ...fieldColumns()];
  return [...META_COLUMNS.filter((c) => c.shapes.includes('long')), ...LONG_COLUMNS];
}
