/**
 * Review writes. Every write names the version of the report the reviewer saw; the version is
 * checked and bumped in one UPDATE (optimistic locking), so of two reviewers writing from the
 * same version one succeeds and the other gets a 409 naming who changed what, and nothing is
 * overwritten. Writes go to the store's review log (which the export folds) and to the audit log
 * with the old and new values.
 */
import type { Store, ReviewAction } from '../store/types';
import { fieldInfo } from '../grid';
import { PROSE_FIELDS } from '../grid';
import { REJECT_REASONS } from './html';
import { currentChecks, effectiveValue, fold, versionOf, SOURCE_ERROR, SOURCE_ERROR_CLEARED } from './state';

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly body: Record<string, unknown> = {}) { super(message); }
}

export interface WriteResult { ok: true; version: number; message: string }

const PROSE = new Set(PROSE_FIELDS.map((p) => p.key));

export function editableField(key: unknown): key is string {
  return typeof key === 'string' && (key === 'meta.year' || PROSE.has(key) || !!fieldInfo(key));
}

export function parseValue(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Math.abs(v) > 1e12) throw new HttpError(400, `不是有效的数字：${v}`);
    return v;
  }
  if (typeof v === 'string') {
    const s = v.trim().replace(/[，,\s]/g, '').replace(/[０-９．－]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
    if (s === '' || s === '—' || s === '-' || s === '无') return null;
    if (!/^-?\d+(\.\d+)?$/.test(s)) throw new HttpError(400, `不是有效的数字：${v}`);
    return parseValue(Number(s));
  }
  throw new HttpError(400, 'value must be a number, a numeric string or null');
}

function reviewerOf(name: unknown, fallback: string): string {
  const s = typeof name === 'string' ? name.trim().slice(0, 64) : '';
  return s || fallback;
}

async function conflict(store: Store, id: number, expected: number): Promise<HttpError> {
  const cur = await versionOf(store, id);
  const changes = await store.query<{ actor: string; action: string; at: string; detail: Record<string, unknown> | null }>(
    `SELECT actor, action, at, detail FROM audit_log WHERE entity = 'extraction' AND entity_id = $1 AND action LIKE 'web.%'
     AND (detail->>'version')::int > $2 ORDER BY id`, [String(id), expected]);
  const zh: Record<string, string> = { 'web.correct': '更正', 'web.approve': '批准', 'web.reject': '驳回', 'web.source_error': '标记源文件错误' };
  const list = changes.map((c) => {
    const d = c.detail ?? {};
    const what = d.field ? `${d.field}: ${d.old ?? '—'} → ${d.new ?? '—'}` : `${d.old ?? '待审核'} → ${d.new ?? ''}`;
    return { by: c.actor, action: c.action, at: new Date(c.at).toISOString(), field: d.field ?? null, old: d.old ?? null, new: d.new ?? null, text: `${c.actor} ${zh[c.action] ?? c.action} ${what}` };
  });
  const who = cur.updatedBy ? `${cur.updatedBy}${cur.updatedAt ? ` 于 ${cur.updatedAt.replace('T', ' ').slice(0, 19)} (UTC)` : ''}` : '另一位审核人';
  return new HttpError(409, `冲突：这份报告已被 ${who} 修改（您看到的是第 ${expected} 版，现在是第 ${cur.version} 版）。您的修改没有保存；页面已载入最新内容，请核对后重做。`, {
    error: 'conflict', version: cur.version, yourVersion: expected, changes: list,
  });
}

/** Check and bump the version in one statement. */
async function bump(store: Store, id: number, expected: unknown, actor: string): Promise<number> {
  if (typeof expected !== 'number' || !Number.isInteger(expected) || expected < 0) throw new HttpError(400, 'version (the version you saw) is required');
  await store.query('INSERT INTO web_review_state (extraction_id) VALUES ($1) ON CONFLICT (extraction_id) DO NOTHING', [id]);
  const rows = await store.query<{ version: number }>(
    `UPDATE web_review_state SET version = version + 1, updated_by = $3, updated_at = now()
     WHERE extraction_id = $1 AND version = $2 RETURNING version`, [id, expected, actor]);
  if (!rows[0]) throw await conflict(store, id, expected);
  return Number(rows[0].version);
}

async function load(store: Store, id: number) {
  const row = await store.getExtraction(id);
  if (!row) throw new HttpError(404, `没有编号为 ${id} 的报告`);
  const reviews = await store.listReviews(id);
  return { row, reviews, folded: fold(reviews) };
}

async function review(store: Store, id: number, action: ReviewAction, field: string | null, value: number | null, reviewer: string, note: string | null) {
  return store.addReview({ extractionId: id, field, action, value, reviewer, note });
}

export interface Body { version?: unknown; field?: unknown; value?: unknown; note?: unknown; reviewer?: unknown; reason?: unknown; on?: unknown; force?: unknown }

export async function correct(store: Store, id: number, b: Body, who: string): Promise<WriteResult> {
  if (!editableField(b.field)) throw new HttpError(400, `不能更正字段 ${String(b.field)}`);
  const field = b.field;
  const value = parseValue(b.value);
  if (field === 'meta.year' && value !== null && (!Number.isInteger(value) || value < 2000 || value > 2100)) throw new HttpError(400, '年度应为 2000–2100 之间的整数');
  const { row, folded } = await load(store, id);
  const reviewer = reviewerOf(b.reviewer, who);
  const old = effectiveValue(row.extraction, folded, field);
  const extracted = field === 'meta.year' ? row.extraction.meta?.year ?? null : row.extraction.fields?.[field] ?? null;
  const version = await bump(store, id, b.version, reviewer);
  const note = typeof b.note === 'string' && b.note.trim() ? b.note.trim().slice(0, 500) : null;
  const r = await review(store, id, 'correct', field, value, reviewer, note);
  await store.audit({ actor: reviewer, action: 'web.correct', entity: 'extraction', entityId: id, detail: { field, old, new: value, extracted, version, review: r.id, note } });
  return { ok: true, version, message: `已更正 ${field}：${old ?? '—'} → ${value ?? '—'}` };
}

export async function approve(store: Store, id: number, b: Body, who: string): Promise<WriteResult> {
  const { row, folded } = await load(store, id);
  const reviewer = reviewerOf(b.reviewer, who);
  const { checks } = currentChecks(row.extraction, folded);
  const unresolved = checks.filter((c) => !c.ok && !c.skipped && !(c.fields ?? []).some((k) => folded.sourceErrors[k]));
  if (unresolved.length && b.force !== true) {
    throw new HttpError(422, `还有 ${unresolved.length} 项勾稽不符未处理（更正数字，或用 s 标为源文件错误）。再按一次 a 仍然批准。`, {
      error: 'unresolved', checks: unresolved.map((c) => ({ id: c.id, detail: c.detail })),
    });
  }
  const version = await bump(store, id, b.version, reviewer);
  const note = typeof b.note === 'string' && b.note.trim() ? b.note.trim().slice(0, 500) : null;
  const r = await review(store, id, 'accept', null, null, reviewer, note);
  await store.query(`UPDATE web_review_state SET decision = 'approved' WHERE extraction_id = $1`, [id]);
  await store.audit({ actor: reviewer, action: 'web.approve', entity: 'extraction', entityId: id, detail: { old: folded.decision, new: 'approved', version, review: r.id, unresolved: unresolved.map((c) => c.id) } });
  return { ok: true, version, message: '已批准' };
}

export async function reject(store: Store, id: number, b: Body, who: string): Promise<WriteResult> {
  const reason = typeof b.reason === 'string' && REJECT_REASONS[b.reason] ? b.reason : null;
  if (!reason) throw new HttpError(400, `驳回需要原因：${Object.keys(REJECT_REASONS).join(', ')}`);
  const { folded } = await load(store, id);
  const reviewer = reviewerOf(b.reviewer, who);
  const version = await bump(store, id, b.version, reviewer);
  const extra = typeof b.note === 'string' && b.note.trim() ? ` — ${b.note.trim().slice(0, 500)}` : '';
  const note = `${reason}: ${REJECT_REASONS[reason]}${extra}`;
  const r = await review(store, id, 'reject', null, null, reviewer, note);
  await store.query(`UPDATE web_review_state SET decision = 'rejected' WHERE extraction_id = $1`, [id]);
  await store.audit({ actor: reviewer, action: 'web.reject', entity: 'extraction', entityId: id, detail: { old: folded.decision, new: 'rejected', reason, note, version, review: r.id } });
  return { ok: true, version, message: `已驳回（${REJECT_REASONS[reason]}）` };
}

export async function sourceError(store: Store, id: number, b: Body, who: string): Promise<WriteResult> {
  if (!editableField(b.field)) throw new HttpError(400, `不能标记字段 ${String(b.field)}`);
  const field = b.field;
  const { folded } = await load(store, id);
  const reviewer = reviewerOf(b.reviewer, who);
  const was = !!folded.sourceErrors[field];
  const on = typeof b.on === 'boolean' ? b.on : !was;
  const version = await bump(store, id, b.version, reviewer);
  const extra = typeof b.note === 'string' && b.note.trim() ? `: ${b.note.trim().slice(0, 500)}` : '';
  const r = await review(store, id, 'comment', field, null, reviewer, (on ? SOURCE_ERROR : SOURCE_ERROR_CLEARED) + extra);
  await store.audit({ actor: reviewer, action: 'web.source_error', entity: 'extraction', entityId: id, detail: { field, old: was, new: on, version, review: r.id } });
  return { ok: true, version, message: on ? `${field} 已标为源文件错误` : `${field} 已取消源文件错误标记` };
}
