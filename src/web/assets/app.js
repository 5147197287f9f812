// nianbao review UI: keyboard, source highlight and writes. Plain browser JavaScript, no build step.
// Every text from the server's data goes into the page through textContent, never as markup.
'use strict';

const $ = (s, r = document) => r.querySelector(s);
const $$ = (s, r = document) => Array.from(r.querySelectorAll(s));

function el(tag, props = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

let toastTimer = 0;
function toast(msg, kind = 'ok', ms = 3500) {
  const t = $('#toast');
  if (!t) return;
  t.textContent = msg;
  t.className = 'toast ' + kind;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, ms);
}

function typing(e) {
  const t = e.target;
  return t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
}

function overlayOpen() {
  return $$('.overlay').find((o) => !o.hidden) || null;
}

function closeOverlays() {
  let any = false;
  for (const o of $$('.overlay')) if (!o.hidden) { o.hidden = true; any = true; }
  return any;
}

function toggleHelp() {
  const h = $('#help');
  if (h) h.hidden = !h.hidden;
}

// ------------------------------------------------------------------ queue

function queuePage() {
  const rows = () => $$('#queue tbody tr');
  let sel = 0;
  const mark = (i, scroll = true) => {
    const rs = rows();
    if (!rs.length) return;
    sel = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach((r, j) => r.classList.toggle('sel', j === sel));
    if (scroll) rs[sel].scrollIntoView({ block: 'nearest' });
  };
  mark(0, false);
  const open = () => { const r = rows()[sel]; if (r) location.href = r.dataset.href; };

  document.addEventListener('click', (e) => {
    if (e.target.closest('#btn-help')) { toggleHelp(); return; }
    const tr = e.target.closest('#queue tbody tr');
    if (tr && !e.target.closest('a')) location.href = tr.dataset.href;
  });
  for (const s of $$('#filters select')) s.addEventListener('change', () => $('#filters').submit());

  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { if (closeOverlays()) return; if (typing(e)) e.target.blur(); return; }
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    if (k === '?') { toggleHelp(); e.preventDefault(); return; }
    if (overlayOpen()) return;
    if (k === 'j' || k === 'ArrowDown') { mark(sel + 1); e.preventDefault(); }
    else if (k === 'k' || k === 'ArrowUp') { mark(sel - 1); e.preventDefault(); }
    else if (k === 'Enter' || k === 'o') { open(); e.preventDefault(); }
    else if (k === 'n') { const a = $('#page-next'); if (a) location.href = a.href; }
    else if (k === 'p') { const a = $('#page-prev'); if (a) location.href = a.href; }
    else if (k === '/') { const q = $('#q'); if (q) { q.focus(); q.select(); e.preventDefault(); } }
  });
}

// ------------------------------------------------------------------ review

const ZH = {
  method: { read: '读取', inferred: '推算', blank: '空白', missing: '缺失', prose: '正文' },
  placement: { anchored: '按本行标签', bounded: '锚定标签之间', ordered: '仅按顺序', realigned: '按勾稽关系重排', ambiguous: '无法确定' },
  action: { accept: '批准', reject: '驳回', correct: '更正', comment: '备注' },
  flag: {
    not_found: '未找到', blank_cell: '空白单元格', inferred: '推算值', identity_failed: '勾稽不符', ambiguous_row: '行歧义',
    row_realigned: '行重排', low_confidence: '低置信度', implausible_value: '不合理数值', unit_converted: '单位换算',
    prose_uncertain: '正文数字不确定', prose_table_mismatch: '正文与表格不符', meta_missing: '缺机关或年度',
    template_uncertain: '模板不确定', no_tables: '未找到表格', tables_as_images: '表格为图片',
  },
};

function fmt(v) {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
}

function reviewPage() {
  let data = JSON.parse($('#page-data').textContent);
  let selected = null;
  let checkIdx = -1;
  let editing = null;
  let approveArmed = 0;
  let busy = false;

  // ---- reviewer name (kept in the browser unless basic auth names the reviewer)
  const restoreName = () => {
    const inp = $('#reviewer');
    const saved = localStorage.getItem('nianbao.reviewer');
    if (inp && saved && !data.reviewerFixed) inp.value = saved;
  };
  restoreName();
  document.addEventListener('input', (e) => {
    if (e.target.id === 'reviewer') localStorage.setItem('nianbao.reviewer', e.target.value.trim());
  });
  const reviewerName = () => { const i = $('#reviewer'); return (i && i.value.trim()) || data.reviewer; };

  const cell = (key) => $(`td.v[data-key="${CSS.escape(key)}"]`);
  const keyIndex = (key) => data.keys.indexOf(key);

  // ---- detail panel
  function row(label, value) {
    if (value === null || value === undefined || value === '') return null;
    return el('tr', {}, el('th', { text: label }), el('td', { text: String(value) }));
  }

  function renderDetail(key) {
    const f = data.fields[key];
    const box = $('#detail');
    box.replaceChildren();
    if (!f) return;
    const where = [f.section, f.table, f.row, f.col].filter(Boolean).join(' › ') || (key === 'meta.year' ? '基本信息 › 年度' : key);
    box.append(el('div', { class: 'dhead' }, el('code', { text: key }), ' ', el('span', { class: 'where', text: where })));
    const big = el('div', { class: 'dval' }, el('span', { class: 'big', text: fmt(f.value) }));
    if (f.corrected) big.append(' ', el('s', { text: fmt(f.extracted), title: '提取值' }), el('span', { class: 'muted', text: `  （${f.corrected.by} 更正）` }));
    if (f.sourceError) big.append(' ', el('span', { class: 'tag srcerr', text: '源文件错误' }));
    box.append(big);
    const t = el('table', { class: 'dtab' });
    const pos = f.pos || {};
    const posText = [pos.page ? `第 ${pos.page} 页` : '', pos.line ? `第 ${pos.line} 行` : '', pos.table !== undefined ? `表 ${pos.table}` : '',
      pos.row !== undefined ? `行 ${pos.row}` : '', pos.col !== undefined ? `列 ${pos.col}` : ''].filter(Boolean).join(' · ');
    for (const r of [
      row('提取值', f.extracted === null ? '—' : fmt(f.extracted)),
      row('方式', f.method ? (ZH.method[f.method] || f.method) : '（无）'),
      row('置信度', f.confidence === null ? null : f.confidence.toFixed(3)),
      row('原文', f.raw),
      row('所在行标签', f.label ? `${f.label}${f.labelScore !== undefined && f.labelScore < 1 ? `（相似度 ${f.labelScore.toFixed(2)}）` : ''}` : null),
      row('定位', f.placement ? (ZH.placement[f.placement] || f.placement) : null),
      row('位置', posText),
      row('单位', f.unit ? `${f.unit} × ${f.factor}` : null),
      row('推算自', f.via),
      row('原句', f.sentence),
      row('说明', f.note),
    ]) if (r) t.append(r);
    box.append(t);
    if (f.flags.length) {
      const ul = el('ul', { class: 'dflags' });
      for (const x of f.flags) ul.append(el('li', {}, el('b', { text: ZH.flag[x.code] || x.code }), ' ', x.message));
      box.append(el('h3', { text: '标记' }), ul);
    }
    if (f.checks.length) {
      const ul = el('ul', { class: 'dchecks' });
      for (const c of f.checks) {
        ul.append(el('li', { class: c.ok ? 'ok' : c.skipped ? 'skip' : 'bad' }, el('span', { class: 'mark', text: c.ok ? '✓' : c.skipped ? '…' : '✗' }), ' ', el('code', { text: c.id }), ' ', c.detail));
      }
      box.append(el('h3', { text: '勾稽检查' }), ul);
    }
    if (f.history.length) {
      const ul = el('ul', { class: 'dhist' });
      for (const h of f.history.slice().reverse()) {
        ul.append(el('li', { text: `${h.at.replace('T', ' ').slice(0, 19)} ${h.by} ${ZH.action[h.action] || h.action}${h.action === 'correct' ? ' → ' + fmt(h.value) : ''}${h.note ? ' · ' + h.note : ''}` }));
      }
      box.append(el('h3', { text: '记录' }), ul);
    }
    box.append(el('p', { class: 'keys muted', text: 'e 更正 · u 恢复提取值 · s 源文件错误 · n 下一个待核字段 · f 下一项不符' }));
  }

  // ---- selection
  function select(key, opts = {}) {
    if (!key || !data.fields[key]) return;
    if (editing) cancelEdit();
    for (const c of $$('td.v.sel')) c.classList.remove('sel');
    selected = key;
    const c = cell(key);
    if (c) {
      c.classList.add('sel');
      c.focus({ preventScroll: true });
      if (opts.scroll !== false) c.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
    history.replaceState(null, '', '#' + encodeURIComponent(key));
    renderDetail(key);
    showSource(key);
  }

  function move(dir) {
    const cur = selected && cell(selected);
    const all = $$('td.v[data-key]');
    if (!cur) { if (all[0]) select(all[0].dataset.key); return; }
    const a = cur.getBoundingClientRect();
    const ax = (a.left + a.right) / 2;
    const ay = (a.top + a.bottom) / 2;
    let best = null;
    let bestScore = Infinity;
    for (const c of all) {
      if (c === cur) continue;
      const b = c.getBoundingClientRect();
      const bx = (b.left + b.right) / 2;
      const by = (b.top + b.bottom) / 2;
      let score;
      if (dir === 'down') { if (b.top < a.bottom - 2) continue; score = (by - ay) * 4 + Math.abs(bx - ax); }
      else if (dir === 'up') { if (b.bottom > a.top + 2) continue; score = (ay - by) * 4 + Math.abs(bx - ax); }
      else if (dir === 'right') { if (b.left < a.right - 2 || Math.abs(by - ay) > a.height / 2) continue; score = bx - ax; }
      else { if (b.right > a.left + 2 || Math.abs(by - ay) > a.height / 2) continue; score = ax - bx; }
      if (score < bestScore) { bestScore = score; best = c; }
    }
    if (!best && (dir === 'right' || dir === 'left')) {
      const i = all.indexOf(cur) + (dir === 'right' ? 1 : -1);
      best = all[i] || null;
    }
    if (best) select(best.dataset.key);
  }

  function nextFlagged(step) {
    const list = data.flaggedKeys;
    if (!list.length) { toast('这份报告没有待核字段', 'info'); return; }
    const i = selected ? keyIndex(selected) : -1;
    let target;
    if (step > 0) target = list.find((k) => keyIndex(k) > i) || list[0];
    else target = list.slice().reverse().find((k) => keyIndex(k) < i) || list[list.length - 1];
    select(target);
  }

  function nextCheck(step) {
    const list = data.failedChecks;
    for (const c of $$('td.v.chk')) c.classList.remove('chk');
    for (const li of $$('#checks li.on')) li.classList.remove('on');
    if (!list.length) { toast('没有不符的勾稽检查', 'info'); return; }
    checkIdx = (checkIdx + step + list.length) % list.length;
    const ch = list[checkIdx];
    for (const k of ch.fields) { const c = cell(k); if (c) c.classList.add('chk'); }
    const li = $(`#checks li[data-check="${checkIdx}"]`);
    if (li) li.classList.add('on');
    const first = ch.fields.find((k) => data.fields[k] && data.fields[k].value !== null) || ch.fields[0];
    select(first);
    toast(`${checkIdx + 1}/${list.length} ${ch.detail}`, 'info', 6000);
  }

  // ---- source panel
  const src = { mode: data.format === 'pdf' ? 'pdf' : 'recovered', pdf: null, page: 0, pages: 0, recovered: false, rendering: null };

  async function loadPdf() {
    if (src.pdf) return src.pdf;
    const lib = await import('/pdfjs/pdf.min.mjs');
    lib.GlobalWorkerOptions.workerSrc = '/pdfjs/pdf.worker.min.mjs';
    const task = lib.getDocument({
      url: data.pdf, cMapUrl: '/pdfjs/cmaps/', cMapPacked: true, standardFontDataUrl: '/pdfjs/standard_fonts/',
      wasmUrl: '/pdfjs/wasm/', iccUrl: '/pdfjs/iccs/', isEvalSupported: false, withCredentials: true,
    });
    src.pdf = await task.promise;
    src.pages = src.pdf.numPages;
    return src.pdf;
  }

  async function renderPdfPage(n) {
    const pdf = await loadPdf();
    n = Math.max(1, Math.min(pdf.numPages, n));
    const body = $('#src-body');
    let wrap = $('.pdfpage', body);
    if (src.page === n && wrap) return wrap;
    const pg = await pdf.getPage(n);
    const base = pg.getViewport({ scale: 1 });
    const cssWidth = Math.max(300, body.clientWidth - 28); // room for the vertical scrollbar
    const scale = cssWidth / base.width;
    const vp = pg.getViewport({ scale });
    const dpr = window.devicePixelRatio || 1;
    const canvas = el('canvas', { class: 'pdfcanvas' });
    canvas.width = Math.floor(vp.width * dpr);
    canvas.height = Math.floor(vp.height * dpr);
    canvas.style.width = vp.width + 'px';
    canvas.style.height = vp.height + 'px';
    canvas.dataset.page = String(n);
    canvas.dataset.pageWidth = String(base.width);
    canvas.dataset.pageHeight = String(base.height);
    wrap = el('div', { class: 'pdfpage' }, canvas, el('div', { class: 'hl', hidden: '' }));
    wrap.style.width = vp.width + 'px';
    wrap.style.height = vp.height + 'px';
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (src.rendering) { try { src.rendering.cancel(); } catch { /* done already */ } }
    src.rendering = pg.render({ canvasContext: ctx, canvas, viewport: vp });
    try { await src.rendering.promise; } catch (e) { if (e && e.name === 'RenderingCancelledException') return null; throw e; }
    src.rendering = null;
    body.replaceChildren(wrap);
    wrap._vp = vp;
    src.page = n;
    $('#src-page').textContent = `${n} / ${pdf.numPages}`;
    wrap.classList.add('rendered');
    return wrap;
  }

  async function ensureRecovered() {
    if (src.recovered) return;
    const body = $('#src-body');
    body.replaceChildren(el('p', { class: 'muted', text: '载入中…' }));
    const res = await fetch(`/r/${data.id}/recovered`);
    const html = await res.text();
    // The fragment is built by the server from the document model with every text escaped.
    body.innerHTML = html;
    src.recovered = true;
    $('#src-page').textContent = '';
  }

  function norm(s) { return (s || '').replace(/\s+/g, ''); }

  function highlightRecovered(f) {
    const body = $('#src-body');
    for (const x of $$('.hl', body)) x.classList.remove('hl');
    const pos = f.pos || {};
    let target = null;
    if (pos.table !== undefined && pos.row !== undefined) target = $(`table[data-table="${pos.table}"] td[data-r="${pos.row}"][data-c="${pos.col}"]`, body);
    if (!target && pos.line) target = $(`[data-line="${pos.line}"]`, body);
    if (!target && f.sentence) {
      const needle = norm(f.sentence).slice(0, 16);
      target = $$('.para, .ln', body).find((p) => norm(p.textContent).includes(needle)) || null;
    }
    if (target) {
      target.classList.add('hl');
      target.scrollIntoView({ block: 'center', inline: 'nearest' });
    }
    return !!target;
  }

  async function showSource(key) {
    const f = data.fields[key];
    if (!f) return;
    const title = $('#src-title');
    const pos = f.pos || {};
    try {
      if (src.mode === 'pdf') {
        if (!pos.page) {
          title.textContent = f.method === 'inferred' ? '推算值：源文件中没有印出这个数' : f.method === 'prose' ? '正文数字：按 v 在恢复的文本中查看原句' : '源文件中没有这个数的位置';
          const wrap = await renderPdfPage(src.page || 1);
          if (wrap) $('.hl', wrap).hidden = true;
          return;
        }
        const wrap = await renderPdfPage(pos.page);
        if (!wrap || selected !== key) return;
        const hl = $('.hl', wrap);
        if (pos.bbox) {
          const r = wrap._vp.convertToViewportRectangle(pos.bbox);
          const x = Math.min(r[0], r[2]);
          const y = Math.min(r[1], r[3]);
          hl.style.left = (x - 3) + 'px';
          hl.style.top = (y - 3) + 'px';
          hl.style.width = (Math.abs(r[2] - r[0]) + 6) + 'px';
          hl.style.height = (Math.abs(r[3] - r[1]) + 6) + 'px';
          hl.dataset.key = key;
          hl.hidden = false;
          hl.scrollIntoView({ block: 'center', inline: 'nearest' });
          title.textContent = `第 ${pos.page} 页 · 原文 “${f.raw ?? ''}”`;
        } else {
          hl.hidden = true;
          title.textContent = `第 ${pos.page} 页`;
        }
      } else {
        await ensureRecovered();
        if (selected !== key) return;
        const found = highlightRecovered(f);
        title.textContent = found
          ? (pos.line ? `第 ${pos.line} 行` : pos.table !== undefined ? `表 ${pos.table} · 行 ${pos.row} · 列 ${pos.col}` : '原句')
          : (f.method === 'inferred' ? '推算值：源文件中没有印出这个数' : '源文件中没有这个数的位置');
      }
    } catch (e) {
      title.textContent = '无法显示源文件：' + (e && e.message ? e.message : e);
    }
  }

  async function toggleView() {
    if (data.format !== 'pdf') return;
    src.mode = src.mode === 'pdf' ? 'recovered' : 'pdf';
    src.page = 0;
    src.recovered = false;
    const b = $('#btn-view');
    if (b) b.firstChild.textContent = src.mode === 'pdf' ? '恢复的表格 ' : 'PDF 页面 ';
    if (selected) await showSource(selected);
    else if (src.mode === 'pdf') await renderPdfPage(1);
    else await ensureRecovered();
  }

  async function turnPage(step) {
    if (src.mode !== 'pdf' || !src.pdf) return;
    const n = src.page + step;
    if (n < 1 || n > src.pages) return;
    const wrap = await renderPdfPage(n);
    if (wrap) {
      const hl = $('.hl', wrap);
      const f = selected && data.fields[selected];
      hl.hidden = true;
      if (f && f.pos && f.pos.page === n && f.pos.bbox) showSource(selected);
    }
  }

  // ---- writes
  async function post(action, body) {
    if (busy) return null;
    busy = true;
    try {
      const res = await fetch(`/api/r/${data.id}/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...body, version: data.version, reviewer: reviewerName() }),
      });
      let j;
      try { j = await res.json(); } catch { j = { message: res.statusText }; }
      if (res.ok) {
        toast(j.message || '已保存', 'ok');
        await refresh();
        return j;
      }
      if (res.status === 409) {
        const lines = (j.changes || []).map((c) => c.text).join('\n');
        toast(`${j.message}${lines ? '\n' + lines : ''}`, 'err conflict', 20000);
        await refresh();
        return null;
      }
      toast(j.message || `错误 ${res.status}`, res.status === 422 ? 'warn' : 'err', 8000);
      return { status: res.status, ...j };
    } catch (e) {
      toast('网络错误：' + e.message, 'err', 8000);
      return null;
    } finally {
      busy = false;
    }
  }

  async function refresh() {
    const res = await fetch(location.pathname + location.search, { cache: 'no-store' });
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const next = JSON.parse(doc.getElementById('page-data').textContent);
    $('#grid-panel').replaceWith(doc.getElementById('grid-panel'));
    $('header.top').replaceWith(doc.querySelector('header.top'));
    data = next;
    restoreName();
    checkIdx = -1;
    if (selected && data.fields[selected]) {
      const c = cell(selected);
      if (c) { c.classList.add('sel'); c.focus({ preventScroll: true }); }
      renderDetail(selected);
    }
  }

  function startEdit(initial) {
    if (!selected) { toast('先选择一个数字', 'info'); return; }
    const c = cell(selected);
    const f = data.fields[selected];
    if (!c || !f) return;
    editing = { key: selected, cell: c, html: Array.from(c.childNodes) };
    const input = el('input', { class: 'edit', inputmode: 'decimal', autocomplete: 'off', 'aria-label': '更正值' });
    input.value = initial !== undefined ? initial : f.value === null ? '' : fmt(f.value);
    c.replaceChildren(input);
    c.classList.add('editing');
    input.focus();
    if (initial === undefined) input.select();
    input.addEventListener('keydown', async (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        e.stopPropagation();
        const v = input.value.trim();
        const key = editing.key;
        const cur = data.fields[key].value;
        if ((v === '' && cur === null) || (v !== '' && Number(v.replace(/[,，]/g, '')) === cur)) { cancelEdit(); return; }
        input.disabled = true;
        const r = await post('correct', { field: key, value: v === '' ? null : v });
        if (r && r.status) { input.disabled = false; input.focus(); return; }
        editing = null;
        select(key, { scroll: false });
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        cancelEdit();
      }
    });
  }

  function cancelEdit() {
    if (!editing) return;
    const { cell: c, html, key } = editing;
    editing = null;
    c.replaceChildren(...html);
    c.classList.remove('editing');
    if (key === selected) c.focus({ preventScroll: true });
  }

  async function revert() {
    const f = selected && data.fields[selected];
    if (!f) return;
    if (!f.corrected) { toast('这个数字没有被更正', 'info'); return; }
    await post('correct', { field: selected, value: f.extracted, note: '恢复提取值' });
  }

  async function markSourceError() {
    if (!selected) { toast('先选择一个数字', 'info'); return; }
    await post('source-error', { field: selected, on: !data.fields[selected].sourceError });
  }

  async function doApprove() {
    const force = Date.now() - approveArmed < 8000;
    const r = await post('approve', { force });
    if (r && r.status === 422) approveArmed = Date.now();
    else approveArmed = 0;
  }

  function openReject() {
    const o = $('#reject');
    o.hidden = false;
    const n = $('#reject-note');
    if (n) n.value = '';
  }

  async function doReject(reason) {
    const note = ($('#reject-note') || {}).value || '';
    $('#reject').hidden = true;
    await post('reject', { reason, note });
  }

  // ---- events
  document.addEventListener('click', (e) => {
    const t = e.target;
    const td = t.closest('td.v[data-key]');
    if (td && !td.classList.contains('editing')) { select(td.dataset.key); return; }
    if (t.closest('#btn-help')) { toggleHelp(); return; }
    if (t.closest('#btn-approve')) { doApprove(); return; }
    if (t.closest('#btn-reject')) { openReject(); return; }
    if (t.closest('#btn-view')) { toggleView(); return; }
    if (t.closest('#src-prev')) { e.preventDefault(); turnPage(-1); return; }
    if (t.closest('#src-next')) { e.preventDefault(); turnPage(1); return; }
    const li = t.closest('#checks li[data-check]');
    if (li) { checkIdx = Number(li.dataset.check) - 1; nextCheck(1); return; }
    const reason = t.closest('#reject .reasons li');
    if (reason) { doReject(['not_report', 'unreadable', 'duplicate', 'other'][$$('#reject .reasons li').indexOf(reason)]); return; }
    if (t.classList && t.classList.contains('overlay')) closeOverlays();
  });
  document.addEventListener('dblclick', (e) => {
    const td = e.target.closest('td.v[data-key]');
    if (td) { select(td.dataset.key); startEdit(); }
  });

  document.addEventListener('keydown', (e) => {
    const k = e.key;
    if (k === 'Escape') {
      if (editing) { cancelEdit(); return; }
      if (closeOverlays()) return;
      if (typing(e)) { e.target.blur(); return; }
      $('#toast').hidden = true;
      return;
    }
    const rej = $('#reject');
    if (rej && !rej.hidden) {
      if (e.target.id === 'reject-note') { if (k === 'Enter') { e.preventDefault(); doReject('other'); } return; }
      const i = ['1', '2', '3', '4'].indexOf(k);
      if (i >= 0) { e.preventDefault(); doReject(['not_report', 'unreadable', 'duplicate', 'other'][i]); }
      return;
    }
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (k === '?') { toggleHelp(); e.preventDefault(); return; }
    if (overlayOpen()) return;
    const go = (id) => { const a = $(id); if (a) location.href = a.href; else toast(id === '#next' ? '后面没有待核报告了' : '前面没有待核报告了', 'info'); };
    switch (k) {
      case 'j': go('#next'); break;
      case 'k': go('#prev'); break;
      case 'g': location.href = data.nav.queue; break;
      case 'ArrowRight': case 'l': move('right'); break;
      case 'ArrowLeft': case 'h': move('left'); break;
      case 'ArrowDown': move('down'); break;
      case 'ArrowUp': move('up'); break;
      case 'n': nextFlagged(1); break;
      case 'N': nextFlagged(-1); break;
      case 'f': nextCheck(1); break;
      case 'F': nextCheck(-1); break;
      case 'e': case 'Enter': startEdit(); break;
      case 'u': revert(); break;
      case 's': markSourceError(); break;
      case 'a': doApprove(); break;
      case 'x': openReject(); break;
      case 'v': toggleView(); break;
      case '[': turnPage(-1); break;
      case ']': turnPage(1); break;
      case 'r': refresh().then(() => toast('已载入最新内容', 'info')); break;
      default:
        if (/^[0-9-]$/.test(k) && selected) { startEdit(k); break; }
        return;
    }
    e.preventDefault();
  });

  // ---- start: the field in the URL, else the first flagged one, else the source's first page
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash && data.fields[fromHash]) select(fromHash);
  else if (data.flaggedKeys.length) select(data.flaggedKeys[0]);
  else if (data.format === 'pdf') renderPdfPage(1).catch((e) => { $('#src-title').textContent = '无法显示 PDF：' + e.message; });
  else ensureRecovered();
}

if (document.body.classList.contains('page-review')) reviewPage();
else if (document.body.classList.contains('page-queue')) queuePage();
else document.addEventListener('keydown', (e) => { if (e.key === 'g') location.href = '/queue'; });
