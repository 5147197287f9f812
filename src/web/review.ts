/** The review view of one report: the grid laid out like the official tables, beside the source. */
import type { Check, Extraction } from '../model/extraction';
import type { ExtractionRow, ReviewRow } from '../store/types';
import { fieldInfo, type TableTemplate } from '../grid';
import { esc, fmtNum, page, DECISION_ZH, FLAG_ZH, FORMAT_ZH, METHOD_ZH, PLACEMENT_ZH, STATUS_ZH } from './html';
import { gridLayout, layoutKeys, proseFields, type MatrixTable, type S4Table } from './layout';
import { currentChecks, effectiveValue, failedByField, type FoldedReview } from './state';

export interface ReviewPageInput {
  row: ExtractionRow;
  folded: FoldedReview;
  reviews: ReviewRow[];
  version: number;
  nav: { next: number | null; prev: number | null; queue: string; qs: string };
  reviewer: string;
  /** True when the reviewer name comes from basic auth (not editable). */
  reviewerFixed: boolean;
  /**
   * Every other copy of this report (same agency and year) the duplicate checks linked, by extraction id:
   * the first report's one duplicate flag names only its earliest copy.
   */
  copies?: number[];
}

export interface FieldData {
  key: string;
  section?: string;
  table?: string;
  row?: string;
  col?: string;
  value: number | null;
  extracted: number | null;
  corrected: { value: number | null; by: string; at: string; note: string | null } | null;
  sourceError: { by: string; at: string; note: string | null } | null;
  confidence: number | null;
  method: string | null;
  raw?: string;
  placement?: string;
  label?: string;
  labelScore?: number;
  note?: string;
  via?: string;
  sentence?: string;
  unit?: string;
  factor?: number;
  pos?: Record<string, unknown>;
  flags: { code: string; message: string }[];
  checks: { id: string; ok: boolean; skipped: boolean; detail: string }[];
  history: { action: string; value: number | null; by: string; at: string; note: string | null }[];
}

function templateOf(ex: Extraction): TableTemplate | null {
  const t = ex.meta?.template;
  return t === '2019' || t === '2021' ? t : null;
}

/** Per-field data for the detail panel and the source highlight. */
export function fieldData(ex: Extraction, folded: FoldedReview, checks: Check[], reviews: ReviewRow[], keys: string[]): Record<string, FieldData> {
  const out: Record<string, FieldData> = {};
  for (const key of keys) {
    const cell = ex.cells?.[key];
    const info = fieldInfo(key);
    const ev = cell?.evidence;
    const extracted = key === 'meta.year' ? ex.meta?.year ?? null : ex.fields?.[key] ?? null;
    out[key] = {
      key,
      section: info?.section,
      table: info?.table,
      row: info?.row,
      col: info?.col,
      value: effectiveValue(ex, folded, key),
      extracted,
      corrected: folded.corrections[key] ?? null,
      sourceError: folded.sourceErrors[key] ?? null,
      confidence: cell ? cell.confidence : null,
      method: ev?.method ?? null,
      raw: ev?.raw,
      placement: ev?.placement,
      label: ev?.label,
      labelScore: ev?.labelScore,
      note: ev?.note,
      via: ev?.via,
      sentence: ev?.sentence,
      unit: ev?.unit,
      factor: ev?.factor,
      pos: ev?.pos as Record<string, unknown> | undefined,
      flags: (ex.flags ?? []).filter((f) => f.field === key).map((f) => ({ code: f.code, message: f.message })),
      checks: checks.filter((c) => (c.fields ?? []).includes(key)).map((c) => ({ id: c.id, ok: c.ok, skipped: !!c.skipped, detail: c.detail })),
      history: reviews.filter((r) => r.field === key).map((r) => ({ action: r.action, value: r.value, by: r.reviewer, at: r.createdAt.toISOString(), note: r.note })),
    };
  }
  return out;
}

function valueCell(key: string | null, d: Record<string, FieldData>, failed: Map<string, Check[]>): string {
  if (!key) return '<td class="x"></td>';
  const f = d[key];
  if (!f) return `<td class="v nil" data-key="${esc(key)}" tabindex="-1">—</td>`;
  const cls = ['v'];
  const tips: string[] = [];
  if (f.flags.length) { cls.push('fl'); tips.push(...f.flags.map((x) => `${FLAG_ZH[x.code] ?? x.code}：${x.message}`)); }
  const bad = failed.get(key);
  if (bad?.length) { cls.push('bad'); tips.push(...bad.map((c) => c.detail)); }
  if (f.value === null) cls.push('nil');
  if (f.method === 'inferred') cls.push('inf');
  if (f.confidence !== null && f.confidence < 0.95) cls.push('low');
  if (f.corrected) cls.push('cor');
  if (f.sourceError) { cls.push('srcerr'); tips.push('已标为源文件自身错误'); }
  let body = `<span class="val">${f.value === null ? '—' : esc(fmtNum(f.value))}</span>`;
  if (f.corrected) body += `<s class="ext" title="提取值">${f.extracted === null ? '—' : esc(fmtNum(f.extracted))}</s>`;
  if (f.sourceError) body += '<i class="mk" title="源文件错误">源</i>';
  const title = tips.length ? ` title="${esc(tips.join('\n'))}"` : '';
  return `<td class="${cls.join(' ')}" data-key="${esc(key)}" tabindex="-1"${title}>${body}</td>`;
}

function matrixHtml(t: MatrixTable, d: Record<string, FieldData>, failed: Map<string, Check[]>, s3: boolean): string {
  const out: string[] = ['<table class="grid">'];
  if (t.title) out.push(`<caption>${esc(t.title)}</caption>`);
  if (s3) {
    // 三: 申请人情况 → 自然人 | 法人或其他组织 (商业企业 … 其他) | 总计
    const mid = t.cols.slice(1, t.cols.length - 1);
    out.push(`<thead><tr><th rowspan="3" class="corner">本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和</th><th colspan="${t.cols.length}">申请人情况</th></tr>`);
    out.push(`<tr><th rowspan="2">${esc(t.cols[0])}</th><th colspan="${mid.length}">法人或其他组织</th><th rowspan="2">${esc(t.cols[t.cols.length - 1])}</th></tr>`);
    out.push(`<tr>${mid.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`);
  } else {
    out.push(`<thead><tr><th class="corner">${esc(t.corner)}</th>${t.cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`);
  }
  out.push('<tbody>');
  for (const r of t.rows) {
    const indent = /^\d\./.test(r.label) || /^（[一二三四五六七]）/.test(r.label) ? ' class="rl sub"' : ' class="rl"';
    out.push(`<tr><th${indent}>${esc(r.label)}</th>${r.keys.map((k) => valueCell(k, d, failed)).join('')}</tr>`);
  }
  out.push('</tbody></table>');
  return out.join('');
}

function s4Html(t: S4Table, d: Record<string, FieldData>, failed: Map<string, Check[]>): string {
  const review = t.groups.filter((g) => !g.label.startsWith('行政诉讼'));
  const suits = t.groups.filter((g) => g.label.startsWith('行政诉讼'));
  const out: string[] = ['<table class="grid s4"><thead>'];
  const n = (gs: typeof t.groups) => gs.reduce((s, g) => s + g.cols.length, 0);
  out.push(`<tr>${review.map((g) => `<th colspan="${g.cols.length}" rowspan="2">${esc(g.label)}</th>`).join('')}${suits.length ? `<th colspan="${n(suits)}">行政诉讼</th>` : ''}</tr>`);
  out.push(`<tr>${suits.map((g) => `<th colspan="${g.cols.length}">${esc(g.label.replace(/^行政诉讼\s*/, ''))}</th>`).join('')}</tr>`);
  out.push(`<tr>${t.groups.map((g) => g.cols.map((c) => `<th class="narrow">${esc(c)}</th>`).join('')).join('')}</tr></thead>`);
  out.push(`<tbody><tr>${t.groups.map((g) => g.keys.map((k) => valueCell(k, d, failed)).join('')).join('')}</tr></tbody></table>`);
  return out.join('');
}

function checksHtml(checks: Check[], changed: string[], d: Record<string, FieldData>): string {
  const failed = checks.filter((c) => !c.ok && !c.skipped);
  const skipped = checks.filter((c) => c.skipped).length;
  const fixed = checks.filter((c) => c.ok && changed.includes(c.id));
  const items = failed.map((c, i) => {
    const fields = c.fields ?? [];
    const src = fields.some((k) => d[k]?.sourceError) ? ' <span class="tag">已标源文件错误</span>' : '';
    return `<li class="chk-bad" data-check="${i}" data-fields="${esc(fields.join(' '))}"><code>${esc(c.id)}</code> ${esc(c.detail)}${src}</li>`;
  });
  const ok = checks.filter((c) => c.ok).length;
  return `<section class="checks" id="checks"><h2>勾稽检查 <small>${ok} 项成立 · ${failed.length} 项不符${skipped ? ` · ${skipped} 项无法计算` : ''}</small></h2>
${failed.length ? `<ol class="bad-list">${items.join('')}</ol>` : '<p class="good">全部可计算的勾稽关系成立。</p>'}
${fixed.length ? `<p class="fixed">更正后成立：${fixed.map((c) => `<code>${esc(c.id)}</code>`).join(' ')}</p>` : ''}</section>`;
}

function historyHtml(reviews: ReviewRow[]): string {
  if (!reviews.length) return '<p class="muted">尚无审核记录。</p>';
  const zh: Record<string, string> = { accept: '批准', reject: '驳回', correct: '更正', comment: '备注' };
  const rows = [...reviews].reverse().slice(0, 50).map((r) => `<tr><td>${esc(r.createdAt.toISOString().replace('T', ' ').slice(0, 19))}</td><td>${esc(r.reviewer)}</td><td>${esc(zh[r.action] ?? r.action)}</td><td>${esc(r.field ?? '整份报告')}</td><td>${r.value === null ? '' : esc(fmtNum(r.value))}</td><td>${esc(r.note ?? '')}</td></tr>`);
  return `<table class="hist"><thead><tr><th>时间 (UTC)</th><th>审核人</th><th>操作</th><th>字段</th><th>值</th><th>备注</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function reviewPage(inp: ReviewPageInput): string {
  const { row, folded, reviews, version, nav } = inp;
  const ex = row.extraction;
  const template = templateOf(ex);
  const { checks, changed } = currentChecks(ex, folded);
  const failed = failedByField(checks);
  const prose = proseFields();
  const gridKeys = template ? layoutKeys(template) : [];
  const keys = ['meta.year', ...gridKeys, ...prose.map((p) => p.key)];
  const d = fieldData(ex, folded, checks, reviews, keys);
  const format = ex.source?.format ?? 'unknown';
  const decision = folded.decision;
  const title = `${ex.meta?.agency ?? '（未识别机关）'} ${ex.meta?.year ?? ''}`;
  const failedChecks = checks.filter((c) => !c.ok && !c.skipped);

  const flaggedKeys = keys.filter((k) => d[k] && (d[k].flags.length || failed.has(k)));
  const data = {
    id: row.id,
    version,
    format,
    template: ex.meta?.template ?? null,
    status: row.status,
    decision,
    reviewer: inp.reviewer,
    reviewerFixed: inp.reviewerFixed,
    keys,
    flaggedKeys,
    failedChecks: failedChecks.map((c) => ({ id: c.id, fields: c.fields ?? [], detail: c.detail })),
    unresolved: failedChecks.filter((c) => !(c.fields ?? []).some((k) => folded.sourceErrors[k])).length,
    fields: d,
    nav,
    pdf: format === 'pdf' ? `/r/${row.id}/pdf` : null,
  };

  const statusBadge = `<span class="badge st-${esc(row.status)}">${esc(STATUS_ZH[row.status] ?? row.status)}</span>`;
  const decisionBadge = `<span class="badge dec-${esc(decision ?? 'todo')}" id="decision">${esc(DECISION_ZH[decision ?? 'todo'])}${decision && folded.decisionBy ? ` · ${esc(folded.decisionBy)}` : ''}</span>`;
  const nCorr = Object.keys(folded.corrections).length;
  const flagsSummary = (ex.flags ?? []).length + (row.crossFlags ?? []).length;

  const metaRows = [
    ['机关', esc(ex.meta?.agency ?? '—')],
    ['年度', valueCell('meta.year', d, failed)],
    ['模板', esc(ex.meta?.template ?? '—')],
    ['格式', esc(FORMAT_ZH[format] ?? format) + (ex.source?.encoding ? ` · ${esc(ex.source.encoding)}` : '')],
    ['来源', `<span class="path">${esc(ex.source?.uri ?? ex.source?.path ?? '')}</span>`],
    ['SHA-256', `<code>${esc(row.sha256.slice(0, 16))}…</code>`],
  ];
  const metaHtml = `<table class="meta">${metaRows.map(([k, v]) => `<tr><th>${k}</th>${v.startsWith('<td') ? v : `<td>${v}</td>`}</tr>`).join('')}</table>`;

  const copies = (inp.copies ?? []).filter((c) => c !== row.id);
  const MAX_COPIES = 50;
  const copyLinks = (f: { code: string; other: number }) => (f.code === 'duplicate_report' && copies.length > 1
    ? ` <span class="copies">共 ${copies.length} 份副本：${copies.slice(0, MAX_COPIES).map((c) => `<a href="/r/${c}">#${c}</a>`).join(' ')}${copies.length > MAX_COPIES ? ' …' : ''}</span>`
    : ` <a href="/r/${f.other}">#${f.other}</a>`);
  const cross = (row.crossFlags ?? []).map((f) => `<li><b>${esc(FLAG_ZH[f.code] ?? f.code)}</b> ${esc(f.message)}${copyLinks(f)}</li>`);
  const docFlags = (ex.flags ?? []).filter((f) => !f.field).map((f) => `<li><b>${esc(FLAG_ZH[f.code] ?? f.code)}</b> ${esc(f.message)}</li>`);
  const flagList = cross.length || docFlags.length ? `<ul class="docflags">${docFlags.join('')}${cross.join('')}</ul>` : '';
  const errorHtml = ex.error ? `<p class="error">提取失败：<code>${esc(ex.error.code)}</code> ${esc(ex.error.message)}</p>` : '';

  let sections = '';
  if (template) {
    for (const s of gridLayout(template)) {
      const tables = s.tables.map((t) => (t.kind === 'matrix' ? matrixHtml(t, d, failed, s.id === 's3') : s4Html(t, d, failed))).join('');
      sections += `<section class="sec" id="${s.id}"><h2>${esc(s.title)}</h2>${tables}</section>`;
    }
  } else if (!ex.error) {
    sections += '<p class="muted">没有官方表格（模板 free）：只有正文中的数字。</p>';
  }
  const proseHtml = `<section class="sec" id="prose"><h2>正文中的数字</h2><table class="grid prose"><tbody>${prose.map((p) => `<tr><th class="rl">${esc(p.label)}</th>${valueCell(p.key, d, failed)}</tr>`).join('')}</tbody></table></section>`;

  const reviewerInput = inp.reviewerFixed
    ? `<span class="who" title="由登录确定">审核人：${esc(inp.reviewer)}</span>`
    : `<label class="who">审核人 <input id="reviewer" value="${esc(inp.reviewer)}" maxlength="64" size="8" autocomplete="off"></label>`;

  const body = `
<header class="top">
  <a class="back" href="${esc(nav.queue)}" title="返回队列 (g)">← 队列</a>
  <h1>${esc(title)}</h1>
  ${statusBadge}${decisionBadge}
  <span class="facts">#${row.id} · 版本 <b id="version">${version}</b> · ${flagsSummary} 个标记 · ${failedChecks.length} 项勾稽不符 · ${nCorr} 处更正</span>
  <span class="spacer"></span>
  <nav class="navbtns">
    ${nav.prev ? `<a href="/r/${nav.prev}${esc(nav.qs)}" id="prev" title="上一份待核 (k)">‹ 上一份</a>` : '<span class="off">‹ 上一份</span>'}
    ${nav.next ? `<a href="/r/${nav.next}${esc(nav.qs)}" id="next" title="下一份待核 (j)">下一份 ›</a>` : '<span class="off">下一份 ›</span>'}
  </nav>
  ${reviewerInput}
  <button type="button" id="btn-approve" class="ok" title="批准 (a)">批准 <kbd>a</kbd></button>
  <button type="button" id="btn-reject" class="no" title="驳回 (x)">驳回 <kbd>x</kbd></button>
  <button type="button" id="btn-help" title="快捷键 (?)">?</button>
</header>
<main class="review" id="review">
  <div class="gridpane" id="grid-panel">
    ${errorHtml}${flagList}
    <section class="sec" id="meta"><h2>基本信息</h2>${metaHtml}</section>
    ${sections}
    ${proseHtml}
    ${checksHtml(checks, changed, d)}
    <section class="sec" id="history"><h2>审核记录</h2>${historyHtml(reviews)}</section>
  </div>
  <div class="side">
    <section id="detail" class="detail" aria-live="polite"><p class="muted">选择一个数字（方向键、n 下一个待核字段、f 下一项不符的勾稽）查看它的来源。</p></section>
    <section id="source" class="source">
      <div class="srcbar"><span id="src-title">源文件</span><span class="spacer"></span>
        ${format === 'pdf' ? '<button type="button" id="btn-view" title="切换 页面 / 恢复的表格 (v)">恢复的表格 <kbd>v</kbd></button>' : ''}
        <a href="#" id="src-prev" title="上一页 ([)">‹</a> <span id="src-page"></span> <a href="#" id="src-next" title="下一页 (])">›</a></div>
      <div id="src-body" class="srcbody"><p class="muted">载入中…</p></div>
    </section>
  </div>
</main>
<div id="help" class="overlay" hidden>
  <div class="box" role="dialog" aria-label="快捷键">
    <h2>快捷键</h2>
    <table>
      <tr><td><kbd>j</kbd> / <kbd>k</kbd></td><td>下一份 / 上一份待核报告</td></tr>
      <tr><td><kbd>←</kbd><kbd>→</kbd><kbd>↑</kbd><kbd>↓</kbd></td><td>在表格中移动</td></tr>
      <tr><td><kbd>n</kbd> / <kbd>N</kbd></td><td>下一个 / 上一个有标记的字段</td></tr>
      <tr><td><kbd>f</kbd> / <kbd>F</kbd></td><td>下一项 / 上一项不符的勾稽检查</td></tr>
      <tr><td><kbd>e</kbd> 或 <kbd>Enter</kbd>（或直接输入数字）</td><td>更正所选数字；<kbd>Enter</kbd> 保存，<kbd>Esc</kbd> 取消，空值表示“无此数”</td></tr>
      <tr><td><kbd>u</kbd></td><td>恢复为提取值</td></tr>
      <tr><td><kbd>s</kbd></td><td>标记 / 取消：源文件自身错误（报告印错的数字，保留原样）</td></tr>
      <tr><td><kbd>a</kbd></td><td>批准整份报告（仍有未处理的不符时再按一次确认）</td></tr>
      <tr><td><kbd>x</kbd></td><td>驳回：<kbd>1</kbd> 不是年度报告 · <kbd>2</kbd> 无法读取 · <kbd>3</kbd> 重复 · <kbd>4</kbd> 其他</td></tr>
      <tr><td><kbd>v</kbd></td><td>PDF：切换 页面 / 恢复的表格</td></tr>
      <tr><td><kbd>[</kbd> / <kbd>]</kbd></td><td>源文件上一页 / 下一页</td></tr>
      <tr><td><kbd>r</kbd></td><td>重新载入最新内容</td></tr>
      <tr><td><kbd>g</kbd></td><td>返回队列</td></tr>
      <tr><td><kbd>?</kbd> / <kbd>Esc</kbd></td><td>显示 / 关闭本帮助</td></tr>
    </table>
  </div>
</div>
<div id="reject" class="overlay" hidden>
  <div class="box" role="dialog" aria-label="驳回">
    <h2>驳回这份报告</h2>
    <ol class="reasons"><li><kbd>1</kbd> 不是年度报告</li><li><kbd>2</kbd> 无法读取</li><li><kbd>3</kbd> 重复报告</li><li><kbd>4</kbd> 其他</li></ol>
    <label>备注 <input id="reject-note" maxlength="500" autocomplete="off"></label>
    <p class="muted">按数字键选择原因，<kbd>Esc</kbd> 取消。</p>
  </div>
</div>`;
  return page(title, body, { bodyClass: 'page-review', data });
}

export { METHOD_ZH, PLACEMENT_ZH };
