/**
 * The canonical grid laid out like the official tables: section 二 (one small table per
 * 第二十条 item), 三 (rows × applicant columns) and 四 (review and lawsuit groups side by side).
 */
import { gridFields, PROSE_FIELDS, type GridField, type TableTemplate } from '../grid';

export interface MatrixTable {
  kind: 'matrix';
  title?: string;
  /** Header label of the row-label column. */
  corner: string;
  cols: string[];
  rows: { label: string; keys: (string | null)[] }[];
}

export interface S4Table {
  kind: 's4';
  groups: { label: string; cols: string[]; keys: string[] }[];
}

export interface SectionLayout {
  id: 's2' | 's3' | 's4';
  title: string;
  tables: (MatrixTable | S4Table)[];
}

export const PROSE_ZH: Record<string, string> = {
  'p.proactive_total': '主动公开政府信息总数（条）',
  'p.requests_total': '本年收到政府信息公开申请（件）',
  'p.consultations': '接受咨询（次）',
  'p.reviews': '被申请行政复议（起）',
  'p.lawsuits': '被提起行政诉讼（起）',
};

export function proseFields(): { key: string; label: string }[] {
  return PROSE_FIELDS.map((p) => ({ key: p.key, label: PROSE_ZH[p.key] ?? p.meaning.split(',')[0] }));
}

function uniq<T>(xs: T[]): T[] {
  return xs.filter((x, i) => xs.indexOf(x) === i);
}

function matrix(fields: GridField[], corner: string, title?: string): MatrixTable {
  const cols = uniq(fields.map((f) => f.col));
  const rowLabels = uniq(fields.map((f) => f.row));
  return {
    kind: 'matrix',
    title,
    corner,
    cols,
    rows: rowLabels.map((label) => ({
      label,
      keys: cols.map((c) => fields.find((f) => f.row === label && f.col === c)?.key ?? null),
    })),
  };
}

const cache = new Map<string, SectionLayout[]>();

export function gridLayout(template: TableTemplate): SectionLayout[] {
  const hit = cache.get(template);
  if (hit) return hit;
  const fields = [...gridFields(template)];
  const bySection = (p: string) => fields.filter((f) => f.key.startsWith(p));
  const s2 = bySection('s2.');
  const s2Tables = uniq(s2.map((f) => f.table ?? '')).map((t) => matrix(s2.filter((f) => (f.table ?? '') === t), '信息内容', t || undefined));
  const s3 = bySection('s3.');
  const s4 = bySection('s4.');
  const groups = uniq(s4.map((f) => f.row)).map((label) => {
    const fs = s4.filter((f) => f.row === label);
    return { label, cols: fs.map((f) => f.col), keys: fs.map((f) => f.key) };
  });
  const out: SectionLayout[] = [
    { id: 's2', title: s2[0]?.section ?? '二、主动公开政府信息情况', tables: s2Tables },
    { id: 's3', title: s3[0]?.section ?? '三、收到和处理政府信息公开申请情况', tables: [matrix(s3, '申请人情况')] },
    { id: 's4', title: s4[0]?.section ?? '四、政府信息公开行政复议、行政诉讼情况', tables: [{ kind: 's4', groups }] },
  ];
  cache.set(template, out);
  return out;
}

/** Every key of the layout in reading order (for keyboard navigation and "next flagged field"). */
export function layoutKeys(template: TableTemplate): string[] {
  const keys: string[] = [];
  for (const s of gridLayout(template)) {
    for (const t of s.tables) {
      if (t.kind === 'matrix') for (const r of t.rows) for (const k of r.keys) { if (k) keys.push(k); }
      else for (const g of t.groups) keys.push(...g.keys);
    }
  }
  return keys;
}
