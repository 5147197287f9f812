/**
 * The canonical grid in code, read from grid.json (a copy of shared/grid/grid.json;
 * a test checks they are the same). Keys are the project's public contract.
 */
import gridJson from './grid.json';

export type TableTemplate = '2019' | '2021';

export interface GridField {
  key: string;
  section: string;
  table?: string;
  row: string;
  col: string;
}

export interface ProseField {
  key: string;
  meaning: string;
}

interface GridFile {
  about: string;
  templates: Record<TableTemplate, GridField[]>;
  prose_fields: ProseField[];
  identities: string[];
}

const grid = gridJson as unknown as GridFile;

export const TEMPLATES: TableTemplate[] = ['2019', '2021'];
export const GRID_ABOUT = grid.about;
export const IDENTITY_TEXTS: readonly string[] = grid.identities;

export function gridFields(template: TableTemplate): readonly GridField[] {
  return grid.templates[template];
}

export function gridKeys(template: TableTemplate): string[] {
  return grid.templates[template].map((f) => f.key);
}

export const PROSE_FIELDS: readonly ProseField[] = grid.prose_fields;

const fieldIndex = new Map<string, GridField>();
for (const t of TEMPLATES) for (const f of grid.templates[t]) if (!fieldIndex.has(f.key)) fieldIndex.set(f.key, f);

/** Labels of a key (first template that has it), or undefined. */
export function fieldInfo(key: string): GridField | undefined {
  return fieldIndex.get(key);
}

/** The s3 columns, in printed order. */
export const S3_COLS = ['natural', 'commercial', 'research', 'social', 'legal', 'other_org', 'total'] as const;
export const S3_PARTY_COLS = S3_COLS.slice(0, 6);
export const S4_GROUPS = ['review', 'suit_direct', 'suit_after_review'] as const;
export const S4_PARTS = ['upheld', 'corrected', 'other', 'pending'] as const;

/** The s3 row ids (the key between 's3.' and the column), in printed order. */
export function s3Rows(template: TableTemplate): string[] {
  const rows: string[] = [];
  for (const f of grid.templates[template]) {
    if (!f.key.startsWith('s3.')) continue;
    const row = f.key.slice(3, f.key.lastIndexOf('.'));
    if (rows[rows.length - 1] !== row) rows.push(row);
  }
  return rows;
}

/** Result rows of 三 (granted … other), whose sum per column is the total row. */
export function s3ResultRows(template: TableTemplate): string[] {
  return s3Rows(template).filter((r) => !['new', 'carried_over', 'total', 'carried_forward'].includes(r));
}
