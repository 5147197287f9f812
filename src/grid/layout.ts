/**
 * The printed shape of each official template as one expected sequence: for every table,
 * its title and headers, then each row's labels followed by its value slots and a row end.
 * Built from grid.json, so the keys and labels are the canonical ones.
 */
import { labelKey } from '../normalize/text';
import { gridFields, type TableTemplate } from './index';

export type LabelRole = 'section' | 'title' | 'header' | 'group' | 'row';

export type LayoutItem =
  | { kind: 'label'; text: string; key: string; role: LabelRole; row: number; weight: number }
  | { kind: 'value'; field: string; row: number }
  | { kind: 'end'; row: number };

export interface LayoutRow {
  index: number;
  /** Table id: 's2.(一)', 's3', 's4'. */
  table: string;
  fields: string[];
  /** Official row label (for flags). */
  label: string;
}

export interface Layout {
  template: TableTemplate;
  items: LayoutItem[];
  rows: LayoutRow[];
  /** Label items, numbered, for the similarity matrix. */
  labels: Extract<LayoutItem, { kind: 'label' }>[];
}

const WEIGHT: Record<LabelRole, number> = { section: 1, title: 3, header: 0.6, group: 4, row: 6 };

const SECTION = {
  s2: '二、主动公开政府信息情况',
  s3: '三、收到和处理政府信息公开申请情况',
  s4: '四、政府信息公开行政复议、行政诉讼情况',
};
const S3_HEADERS = ['（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', '申请人情况', '自然人', '法人或其他组织', '总计', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他'];
const S4_HEADERS = ['行政复议', '行政诉讼', '结果维持', '结果纠正', '其他结果', '尚未审结', '总计', '未经复议直接起诉', '复议后起诉', '结果维持', '结果纠正', '其他结果', '尚未审结', '总计', '结果维持', '结果纠正', '其他结果', '尚未审结', '总计'];

function build(template: TableTemplate): Layout {
  const items: LayoutItem[] = [];
  const rows: LayoutRow[] = [];
  const label = (text: string, role: LabelRole, row: number) =>
    items.push({ kind: 'label', text, key: labelKey(text), role, row, weight: WEIGHT[role] });
  const fields = gridFields(template);

  // Group fields into printed rows, in grid order.
  type Row = { table: string; section: 's2' | 's3' | 's4'; label: string; fields: string[] };
  const printed: Row[] = [];
  for (const f of fields) {
    const section = f.key.slice(0, 2) as 's2' | 's3' | 's4';
    const table = section === 's2' ? `s2.${f.table}` : section;
    const last = printed[printed.length - 1];
    const rowKey = f.key.slice(0, f.key.lastIndexOf('.'));
    // s4 prints all three groups in one line: keep them as three rows (one per identity group).
    if (last && last.table === table && last.fields[0].slice(0, last.fields[0].lastIndexOf('.')) === rowKey) last.fields.push(f.key);
    else printed.push({ table, section, label: f.row, fields: [f.key] });
  }

  let prevTable = '';
  let prevSection = '';
  for (const r of printed) {
    const index = rows.length;
    if (r.section !== prevSection) label(SECTION[r.section], 'section', index);
    if (r.table !== prevTable) {
      if (r.section === 's2') {
        const f = fields.find((x) => x.key === r.fields[0])!;
        label(f.table!, 'title', index);
        label('信息内容', 'header', index);
        for (const k of r.fields) label(fields.find((x) => x.key === k)!.col, 'header', index);
      } else if (r.section === 's3') {
        for (const h of S3_HEADERS) label(h, 'header', index);
      } else {
        for (const h of S4_HEADERS) label(h, 'header', index);
      }
    }
    if (r.section !== 's4') {
      // "三、本年度办理结果 （一）予以公开": a group label, then the row's own label.
      const parts = r.label.split(/\s+/);
      parts.forEach((p, i) => label(p, i === parts.length - 1 ? 'row' : 'group', index));
    }
    for (const k of r.fields) items.push({ kind: 'value', field: k, row: index });
    if (r.section !== 's4' || r.fields[0].startsWith('s4.suit_after_review')) items.push({ kind: 'end', row: index });
    rows.push({ index, table: r.table, fields: r.fields, label: r.label });
    prevTable = r.table;
    prevSection = r.section;
  }
  const labels = items.filter((i): i is Extract<LayoutItem, { kind: 'label' }> => i.kind === 'label');
  return { template, items, rows, labels };
}

const cache: Partial<Record<TableTemplate, Layout>> = {};
export function layout(template: TableTemplate): Layout {
  return (cache[template] ??= build(template));
}
