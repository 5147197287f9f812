/** The queue page: filters, counts, one page of reports. */
import { esc, page, DECISION_ZH, FLAG_ZH, FORMAT_ZH, STATUS_ZH } from './html';
import { FLAG_CODES, FORMATS, TEMPLATES, filterQuery, type QueueCounts, type QueueFilter, type QueuePage } from './queue';

function opt(value: string, label: string, cur: string | undefined): string {
  return `<option value="${esc(value)}"${cur === value ? ' selected' : ''}>${esc(label)}</option>`;
}

export function queuePageHtml(f: QueueFilter, counts: QueueCounts, pg: QueuePage, limit: number): string {
  const link = (extra: Partial<QueueFilter>, label: string, n: number, active: boolean) => {
    const q = filterQuery({ ...f, ...extra } as QueueFilter);
    return `<a class="count${active ? ' on' : ''}" href="/queue${esc(q)}">${esc(label)} <b>${n.toLocaleString('en')}</b></a>`;
  };
  const countsHtml = `<div class="counts">
  ${link({ status: undefined, review: undefined }, '全部', counts.total, !f.status && !f.review)}
  <span class="sep">状态</span>
  ${['flagged', 'failed', 'ok'].map((s) => link({ status: s }, STATUS_ZH[s], counts.byStatus[s] ?? 0, f.status === s)).join('')}
  <span class="sep">审核</span>
  ${['todo', 'approved', 'rejected'].map((s) => link({ review: s }, DECISION_ZH[s], counts.byReview[s] ?? 0, f.review === s)).join('')}
  <span class="sep">当前筛选</span><b id="matching">${counts.matching.toLocaleString('en')}</b>
</div>`;

  const form = `<form class="filters" method="get" action="/queue" id="filters">
  <label>状态 <select name="status">${opt('', '全部', f.status)}${['flagged', 'failed', 'ok'].map((s) => opt(s, STATUS_ZH[s], f.status)).join('')}</select></label>
  <label>审核 <select name="review">${opt('', '全部', f.review)}${['todo', 'approved', 'rejected'].map((s) => opt(s, DECISION_ZH[s], f.review)).join('')}</select></label>
  <label>标记 <select name="flag">${opt('', '全部', f.flag)}${FLAG_CODES.map((c) => opt(c, `${FLAG_ZH[c] ?? c} (${c})`, f.flag)).join('')}</select></label>
  <label>年度 <input name="year" inputmode="numeric" pattern="\\d{4}" size="5" value="${esc(f.year ?? '')}"></label>
  <label>模板 <select name="template">${opt('', '全部', f.template)}${TEMPLATES.map((t) => opt(t, t === 'none' ? '未识别' : t, f.template)).join('')}</select></label>
  <label>格式 <select name="format">${opt('', '全部', f.format)}${FORMATS.map((t) => opt(t, FORMAT_ZH[t] ?? t, f.format)).join('')}</select></label>
  <label>机关 / 地区 <input name="q" id="q" size="16" value="${esc(f.q ?? '')}" placeholder="如 海淀、教育局"></label>
  <button type="submit">筛选</button> <a href="/queue">清除</a>
</form>`;

  const qs = filterQuery(f);
  const rows = pg.rows.map((r, i) => {
    const codes = r.flagCodes.slice(0, 4).map((c) => `<span class="tag fl-${esc(c)}">${esc(FLAG_ZH[c] ?? c)}</span>`).join('') + (r.flagCodes.length > 4 ? '…' : '');
    return `<tr data-href="/r/${r.id}${esc(qs)}" data-i="${i}">
<td class="num"><a href="/r/${r.id}${esc(qs)}">#${r.id}</a></td>
<td>${esc(r.agency ?? '（未识别）')}<div class="path">${esc(r.path ?? '')}</div></td>
<td>${esc(r.year ?? '—')}</td><td>${esc(r.template ?? '—')}</td><td>${esc(FORMAT_ZH[r.format ?? 'unknown'] ?? r.format)}</td>
<td><span class="badge st-${esc(r.status)}">${esc(STATUS_ZH[r.status] ?? r.status)}</span></td>
<td><span class="badge dec-${esc(r.decision ?? 'todo')}">${esc(DECISION_ZH[r.decision ?? 'todo'])}</span></td>
<td class="num">${r.nFlags}</td><td class="num${r.nFailed ? ' badn' : ''}">${r.nFailed}</td><td class="num">${r.nCorrected || ''}</td>
<td>${codes}</td></tr>`;
  });
  const nav = `<nav class="pager">
  ${pg.hasPrev && pg.first ? `<a id="page-prev" href="/queue${esc(filterQuery(f, { before: pg.first, limit }))}">‹ 上一页</a>` : '<span class="off">‹ 上一页</span>'}
  ${pg.hasNext && pg.last ? `<a id="page-next" href="/queue${esc(filterQuery(f, { after: pg.last, limit }))}">下一页 ›</a>` : '<span class="off">下一页 ›</span>'}
  <a href="/queue${esc(qs)}">第一页</a>
</nav>`;
  const table = pg.rows.length
    ? `<table class="queue" id="queue"><thead><tr><th>#</th><th>机关</th><th>年度</th><th>模板</th><th>格式</th><th>状态</th><th>审核</th><th>标记</th><th>不符</th><th>更正</th><th>标记类型</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '<p class="muted empty">没有符合条件的报告。</p>';
  const body = `<header class="top"><h1>nianbao 年报审核 · 队列</h1><span class="spacer"></span><span class="muted">待核在前 · <kbd>j</kbd>/<kbd>k</kbd> 移动 · <kbd>Enter</kbd> 打开 · <kbd>/</kbd> 搜索 · <kbd>?</kbd> 帮助</span><button type="button" id="btn-help">?</button></header>
<main class="queuepage">${countsHtml}${form}${nav}${table}${nav}</main>
<div id="help" class="overlay" hidden><div class="box" role="dialog" aria-label="快捷键"><h2>快捷键（队列）</h2><table>
<tr><td><kbd>j</kbd> / <kbd>k</kbd></td><td>下一行 / 上一行</td></tr>
<tr><td><kbd>Enter</kbd> 或 <kbd>o</kbd></td><td>打开所选报告</td></tr>
<tr><td><kbd>n</kbd> / <kbd>p</kbd></td><td>下一页 / 上一页</td></tr>
<tr><td><kbd>/</kbd></td><td>搜索机关或地区</td></tr>
<tr><td><kbd>?</kbd> / <kbd>Esc</kbd></td><td>显示 / 关闭本帮助</td></tr></table></div></div>`;
  return page('队列', body, { bodyClass: 'page-queue' });
}
