/**
 * The arithmetic identities of grid.json as data: each says sum(lhs) == sum(rhs).
 * `source` points at the sentence of grid.json it implements.
 */
import { S3_COLS, S3_PARTY_COLS, S4_GROUPS, S4_PARTS, s3ResultRows, s3Rows, type TableTemplate } from './index';

export interface Identity {
  id: string;
  lhs: string[];
  rhs: string[];
  /** Index into grid.json `identities`. */
  source: number;
  /** Human wording for flags and the review UI. */
  label: string;
}

function build(template: TableTemplate): Identity[] {
  const out: Identity[] = [];
  for (const c of S3_COLS) {
    out.push({
      id: `s3.balance.${c}`,
      lhs: [`s3.new.${c}`, `s3.carried_over.${c}`],
      rhs: [`s3.total.${c}`, `s3.carried_forward.${c}`],
      source: 0,
      label: `三 ${c}: 本年新收 + 上年结转 = 办理结果总计 + 结转下年度`,
    });
  }
  const results = s3ResultRows(template);
  for (const c of S3_COLS) {
    out.push({
      id: `s3.results.${c}`,
      lhs: [`s3.total.${c}`],
      rhs: results.map((r) => `s3.${r}.${c}`),
      source: 1,
      label: `三 ${c}: （七）总计 = 各项办理结果之和`,
    });
  }
  for (const r of s3Rows(template)) {
    out.push({
      id: `s3.row.${r}`,
      lhs: [`s3.${r}.total`],
      rhs: S3_PARTY_COLS.map((c) => `s3.${r}.${c}`),
      source: 2,
      label: `三 ${r}: 总计 = 自然人 + 法人或其他组织各列`,
    });
  }
  for (const g of S4_GROUPS) {
    out.push({
      id: `s4.${g}`,
      lhs: [`s4.${g}.total`],
      rhs: S4_PARTS.map((p) => `s4.${g}.${p}`),
      source: 3,
      label: `四 ${g}: 总计 = 维持 + 纠正 + 其他 + 尚未审结`,
    });
  }
  return out;
}

const cache: Partial<Record<TableTemplate, Identity[]>> = {};
export function identities(template: TableTemplate): Identity[] {
  return (cache[template] ??= build(template));
}

/** For each key, the identities it takes part in. */
const byKeyCache: Partial<Record<TableTemplate, Map<string, Identity[]>>> = {};
export function identitiesByKey(template: TableTemplate): Map<string, Identity[]> {
  let m = byKeyCache[template];
  if (!m) {
    m = new Map();
    for (const id of identities(template)) {
      for (const k of [...id.lhs, ...id.rhs]) {
        const list = m.get(k) ?? [];
        list.push(id);
        m.set(k, list);
      }
    }
    byKeyCache[template] = m;
  }
  return m;
}
