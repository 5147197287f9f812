/** HTML helpers: every text that reaches the page goes through `esc`; no source HTML is ever emitted. */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v).replace(/[&<>"']/g, (c) => ESC[c]);
}

/** JSON for a <script type="application/json"> block: `<` escaped so no tag can close the block. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
}

export function page(title: string, body: string, opts: { bodyClass?: string; data?: unknown } = {}): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · nianbao 年报审核</title>
<link rel="stylesheet" href="/static/app.css">
<script type="module" src="/static/app.js"></script>
</head>
<body class="${esc(opts.bodyClass ?? '')}">
${opts.data !== undefined ? `<script type="application/json" id="page-data">${jsonForScript(opts.data)}</script>\n` : ''}${body}
<div id="toast" role="status" aria-live="polite" hidden></div>
</body>
</html>`;
}

export const STATUS_ZH: Record<string, string> = { ok: '通过', flagged: '待核', failed: '失败' };
export const DECISION_ZH: Record<string, string> = { approved: '已批准', rejected: '已驳回', todo: '待审核' };
export const FORMAT_ZH: Record<string, string> = { pdf: 'PDF', html: 'HTML', docx: 'DOCX', doc: 'DOC', text: '文本', unknown: '未知' };

export const FLAG_ZH: Record<string, string> = {
  not_found: '未找到',
  blank_cell: '空白单元格',
  inferred: '推算值',
  identity_failed: '勾稽不符',
  ambiguous_row: '行歧义',
  row_realigned: '行重排',
  low_confidence: '低置信度',
  implausible_value: '不合理数值',
  unit_converted: '单位换算',
  prose_uncertain: '正文数字不确定',
  prose_table_mismatch: '正文与表格不符',
  meta_missing: '缺机关或年度',
  template_uncertain: '模板不确定',
  no_tables: '未找到表格',
  tables_as_images: '表格为图片',
  carry_over_mismatch: '结转与上年不符',
  duplicate_report: '重复报告',
  year_hint_mismatch: '年度与栏目标题不符',
};

export const METHOD_ZH: Record<string, string> = {
  read: '读取', inferred: '推算', blank: '空白', missing: '缺失', prose: '正文',
};

export const PLACEMENT_ZH: Record<string, string> = {
  anchored: '按本行标签', bounded: '锚定标签之间', ordered: '仅按顺序', realigned: '按勾稽关系重排', ambiguous: '无法确定',
};

export const REJECT_REASONS: Record<string, string> = {
  not_report: '不是年度报告',
  unreadable: '无法读取',
  duplicate: '重复报告',
  other: '其他',
};
