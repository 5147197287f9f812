import { normalizeText, labelKey, looksTraditional, toSimplified } from '../src/normalize/text';
import { parseCellValue } from '../src/normalize/number';

test('full-width digits and punctuation, spaced CJK, digit-CJK spacing', () => {
  expect(normalizeText('（一）１２３')).toBe('(一)123');
  expect(normalizeText('结 果 维 持')).toBe('结果维持');
  expect(normalizeText('开城镇 2020 年政府信息公开')).toBe('开城镇2020年政府信息公开');
  expect(normalizeText('\u3000 本年新\u00a0制作数量 ')).toBe('本年新制作数量');
  expect(labelKey('（二）部分公开（区分处理的，只计这一情形，不计其他情形）')).toBe('二部分公开区分处理的只计这一情形不计其他情形');
});

test('Traditional → Simplified, including phrases', () => {
  const t = '政府資訊公開工作年度報告 本年新收政府信息公開申請數量 結果維持';
  expect(looksTraditional(t)).toBe(true);
  expect(looksTraditional('政府信息公开工作年度报告')).toBe(false);
  expect(toSimplified(t)).toBe('政府信息公开工作年度报告 本年新收政府信息公开申请数量 结果维持');
});

test('cell values: numbers with separators, units, signs; explicit empties', () => {
  expect(parseCellValue('1,234')).toEqual({ kind: 'num', value: 1234 });
  expect(parseCellValue('251000元')).toEqual({ kind: 'num', value: 251000, unit: '元' });
  expect(parseCellValue('12.5万元')).toEqual({ kind: 'num', value: 12.5, unit: '万元' });
  expect(parseCellValue('-3')).toEqual({ kind: 'num', value: -3 });
  expect(parseCellValue(normalizeText('１２'))).toEqual({ kind: 'num', value: 12 });
  expect(parseCellValue('3件')).toEqual({ kind: 'num', value: 3, unit: '件' });
  for (const e of ['', '—', '/', '无', '-']) expect(parseCellValue(e)).toEqual({ kind: 'empty', empty: e });
  expect(parseCellValue('行政许可')).toBeNull();
  expect(parseCellValue('1 2')?.kind).toBe('num');
});

test('numbers as people format them: one number each, units and signs kept (13.8)', () => {
  const n = (s: string, grid = false) => parseCellValue(normalizeText(s), { grid });
  for (const s of ['1,234', '1，234', '１，２３４', "1'234", '1 234', '1\u00a0234', '1\u2009234', '1\u202f234', '１２３４', '+1234', '＋1,234'])
    expect([s, n(s, true)]).toEqual([s, { kind: 'num', value: 1234 }]);
  expect(n('11,398,889')).toEqual({ kind: 'num', value: 11398889 });
  expect(n('11 398 889', true)).toEqual({ kind: 'num', value: 11398889 });
  expect(n('-12')).toEqual({ kind: 'num', value: -12 });
  expect(n('－12')).toEqual({ kind: 'num', value: -12 });
  expect(n('− 12')).toEqual({ kind: 'num', value: -12 });
  expect(n('1,234.56万元')).toEqual({ kind: 'num', value: 1234.56, unit: '万元' });
  expect(n('251 000 元', true)).toEqual({ kind: 'num', value: 251000, unit: '元' });
  expect(n('０．５万元')).toEqual({ kind: 'num', value: 0.5, unit: '万元' });
  expect(n('12人次')).toEqual({ kind: 'num', value: 12, unit: '人次' });
  // in a grid cell spaced digits are one number; in a text dump they may be two cells: marked
  expect(n('1 2 3', true)).toEqual({ kind: 'num', value: 123 });
  expect(n('1 2 3')).toMatchObject({ kind: 'num', value: 123, split: true });
  expect(n('1 234')).toMatchObject({ kind: 'num', value: 1234, split: true });
  // a tab-separated cell of a text dump is bounded by its tabs: grouped thousands are one number
  expect(parseCellValue('1 234', { cell: true })).toEqual({ kind: 'num', value: 1234 });
  expect(parseCellValue('1 2', { cell: true })).toMatchObject({ kind: 'num', value: 12, split: true });
  expect(n('12 34', true)).toMatchObject({ kind: 'num', value: 1234, note: expect.stringMatching(/irregular/) });
  expect(n('12 34')).toBeNull();
  expect(n('1,23')).toBeNull();
});

import { guessMeta, arabicYears } from '../src/meta/meta';

test('report year and agency from title, masthead and signature', () => {
  expect(arabicYears('二〇二〇年度报告')).toBe('2020年度报告');
  const m = guessMeta(['XX县人民政府办公室', '二〇二一年政府信息公开工作年度报告', '本报告统计期限自2021年1月1日起至2021年12月31日止。', '……', 'XX县人民政府办公室', '2022年1月20日']);
  expect(m.year).toBe(2021);
  expect(m.agency).toBe('XX县人民政府办公室');
  // the publication date is not the report year; the statistics period decides when the title has no year
  const n = guessMeta(['关于印发政府信息公开工作年度报告的通知', '本报告中所列数据的统计期限自2020年1月1日起至2020年12月31日止。', '某某镇人民政府', '2021年1月15日']);
  expect(n.year).toBe(2020);
  expect(n.agency).toBe('某某镇人民政府');
});
