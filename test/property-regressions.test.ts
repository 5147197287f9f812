/**
 * Counterexamples found by test/property.test.ts, shrunk, kept as regression tests.
 *
 * In the tab-rows layout (one table row per line, labels blank or gone), a row that lost a cell
 * and a later row that gained one used to be read as one run of numbers across the line break:
 * every row "took all its slots" and the document came out `ok` with a wrong number. The core
 * now treats a row whose numbers come from two printed lines as irregular (src/map/place.ts).
 */
import { buildCase, type MCase } from './robust/mutate';
import { extractBytes } from '../src/pipeline/extract';
import { sameValue } from './fixtures/evaluate';

async function wrongOk(c: MCase): Promise<string[]> {
  const b = buildCase(c);
  const ex = await extractBytes(Buffer.from(b.text, 'utf8'), { path: b.name });
  if (ex.status !== 'ok') return [];
  const wrong = Object.entries(b.expected).filter(([k, v]) => !sameValue(v, ex.fields[k])).map(([k, v]) => `${k}: want ${v} got ${ex.fields[k]}`);
  return ex.meta.template === c.template ? wrong : [`template ${ex.meta.template}`, ...wrong];
}

describe('property counterexamples (tab rows: a number moved across a line break)', () => {
  // s2 第二十条第（一）项, 2019, labels blank: "\t0\t0" (规章 lost 本年新制作) then
  // "\t1\t1\t0\t6" (规范性文件 with 本年新制作 printed twice) → s2.rules.total = 1 (printed 0), status ok.
  test('2019 township seed 1: delete s2.rules.made, duplicate s2.normative.made', async () => {
    const c: MCase = { template: '2019', scale: 'township', seed: 1, layout: 'tab-rows', traditional: false, mutations: [{ kind: 'delete', a: 0 }, { kind: 'duplicate', a: 2 }] };
    expect(await wrongOk(c)).toEqual([]);
  });

  // 2019 city, Traditional script: 行政许可 row loses 上一年项目数量, 其他对外管理服务事项 prints 本年增/减 twice
  // → s2.license.prev/change/decisions all shifted, status ok.
  test('2019 city seed 2147483634 (traditional): delete s2.license.prev, duplicate s2.other_admin.change', async () => {
    const c: MCase = { template: '2019', scale: 'city', seed: 2147483634, layout: 'tab-rows', traditional: true, mutations: [{ kind: 'delete', a: 6 }, { kind: 'duplicate', a: 9 }] };
    expect(await wrongOk(c)).toEqual([]);
  });

  test('2019 city seed 2090886209 (traditional): delete s2.license.decisions, duplicate s2.other_admin.change', async () => {
    const c: MCase = { template: '2019', scale: 'city', seed: 2090886209, layout: 'tab-rows', traditional: true, mutations: [{ kind: 'delete', a: 8 }, { kind: 'duplicate', a: 9 }] };
    expect(await wrongOk(c)).toEqual([]);
  });
});
