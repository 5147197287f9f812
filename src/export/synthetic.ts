/**
 * Synthetic extractions that follow the Extraction contract, for the export
 * tests and benchmark (and for trying the export without a corpus).
 * Deterministic: the same index always gives the same extraction.
 */
import { createHash } from 'crypto';
import type { Cell, Extraction, Flag, Status, TemplateId } from '../model/extraction';
import { proseKeys, templateKeys } from './columns';

const COLS = ['natural', 'commercial', 'research', 'social', 'legal', 'other_org'];
const AGENCIES = ['峨口镇人民政府', '忻州市教育局', '北京市海淀区人民政府', '广东省财政厅', '上海市"浦东新区"司法局', '成都市, 武侯区卫生健康局'];

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  /** Force a status; by default about 70% ok, 25% flagged, 5% failed. */
  status?: Status;
  template?: TemplateId;
}

export function syntheticExtraction(i: number, opts: SyntheticOptions = {}): Extraction {
  const r = rng(i * 7919 + 17);
  const int = (max: number) => Math.floor(r() * (max + 1));
  const roll = r();
  const status: Status = opts.status ?? (roll < 0.7 ? 'ok' : roll < 0.95 ? 'flagged' : 'failed');
  const template: TemplateId = opts.template ?? (r() < 0.5 ? '2019' : '2021');
  const year = template === '2019' ? 2019 + int(1) : 2021 + int(3);
  const sha256 = createHash('sha256').update(`synthetic-${i}`).digest('hex');
  const source = { path: `reports/${i}.txt`, sha256, format: 'text' as const, encoding: 'utf-8', bytes: 10000 + i };
  const agency = AGENCIES[i % AGENCIES.length] + (i >= AGENCIES.length ? ` ${i}` : '');
  if (status === 'failed') {
    return {
      source, meta: { agency: null, year: null, template: null }, fields: {}, cells: {}, checks: [], flags: [],
      status, error: { code: 'not_annual_report', message: 'no annual-report heading found' }, pipeline: '0.1.0',
    };
  }
  const fields: Record<string, number | null> = {};
  const cells: Record<string, Cell> = {};
  for (const k of templateKeys(template)) {
    let v: number | null;
    if (/\.amount$/.test(k)) v = Math.round(r() * 100000) / 100; // 万元, two decimals
    else if (/\.change$/.test(k)) v = int(20) - 10;
    else v = r() < 0.05 ? null : int(k.startsWith('s3.') ? 30 : 500);
    fields[k] = v;
  }
  // Row totals of section 三 add up, as the identities require.
  for (const k of Object.keys(fields)) {
    const m = /^(s3\..+)\.total$/.exec(k);
    if (!m) continue;
    let sum = 0;
    for (const c of COLS) sum += fields[`${m[1]}.${c}`] ?? 0;
    fields[k] = sum;
  }
  for (const k of proseKeys()) fields[k] = r() < 0.5 ? int(2000) : null;
  for (const [k, v] of Object.entries(fields)) {
    const inferred = v !== null && r() < 0.03;
    cells[k] = {
      confidence: v === null ? 0 : Math.round((0.6 + r() * 0.4) * 1000) / 1000,
      inferred,
      evidence: v === null
        ? { method: 'missing' }
        : inferred ? { method: 'inferred', via: 's3 row total' } : { method: k.startsWith('p.') ? 'prose' : 'read', raw: String(v), label: k },
    };
  }
  const flags: Flag[] = status === 'flagged'
    ? [{ code: 'identity_failed', field: 's3.total.total', message: 's3.total.total ≠ sum of result rows' }, { code: 'low_confidence', field: 's2.rules.total', message: 'weak label' }]
    : [];
  return {
    source,
    meta: { agency, year, template },
    fields,
    cells,
    checks: [
      { id: 's3.rows', ok: true, detail: 'row totals add up', fields: ['s3.new.total'] },
      { id: 's3.balance', ok: status !== 'flagged', detail: status === 'flagged' ? '3 + 0 ≠ 2 + 0' : 'holds' },
    ],
    flags,
    status,
    pipeline: '0.1.0',
  };
}
