/** Plausibility that knows scale (issue 13.2): only values that cannot be true are implausible. */
import { agencyLevel, implausible } from '../src/score/plausible';

test('the level of an agency comes from its name', () => {
  const cases: [string, string | null][] = [
    ['隆德县城关镇人民政府', 'township'], ['德清县武康街道办事处', 'township'], ['桐乡市乌镇镇人民政府', 'township'],
    ['临泉县自然资源和规划局', 'county'], ['长沙县住房和城乡建设局', 'county'], ['西宁市城东区人民政府', 'county'], ['彭阳县人民政府办公室', 'county'],
    ['固原市生态环境局', 'city'], ['南昌市人民政府', 'city'], ['洛阳市公安局', 'city'],
    ['广西壮族自治区人民政府', null], ['国务院办公厅', null], ['', null],
  ];
  for (const [a, level] of cases) expect([a, agencyLevel(a)]).toEqual([a, level]);
});

test('city-scale figures are plausible; what cannot be true is not', () => {
  const city = { level: 'city' as const, values: {} };
  expect(implausible('s2.license.decisions', 11_398_889, city)).toBeNull();
  expect(implausible('s2.penalty.decisions', 6_937_489, city)).toBeNull();
  expect(implausible('s2.fees.amount', 1234.56, city)).toBeNull();
  expect(implausible('s2.license.change', -12, { level: 'city', values: { 's2.license.prev': 40 } })).toBeNull();
  // unknown level: judged as a city
  expect(implausible('s2.license.decisions', 11_398_889, { level: null, values: {} })).toBeNull();

  expect(implausible('s3.new.natural', -1, city)).toMatch(/negative/);
  expect(implausible('s2.penalty.decisions', 12.5, city)).toMatch(/whole/);
  expect(implausible('s2.license.change', -50, { level: 'city', values: { 's2.license.prev': 40 } })).toMatch(/below zero/);
  expect(implausible('s2.license.decisions', 3e9, city)).toMatch(/beyond/);
  expect(implausible('s2.license.decisions', 5_000_000, { level: 'township', values: {} })).toMatch(/beyond/);
  expect(implausible('s3.new.natural', 25, { level: 'township', values: {} })).toBeNull();
  expect(implausible('s3.granted.natural', 3, city, '万元')).toMatch(/money/);
});
