/** The five real scraped samples: template, year, agency, every table value, prose figures, status. */
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { extractBytes } from '../src/pipeline/extract';
import { gridKeys } from '../src/grid';
import type { Extraction } from '../src/model/extraction';

const dir = join(__dirname, '..', 'samples');
const files = readdirSync(dir).sort();
const results = new Map<string, Extraction>();

beforeAll(async () => {
  for (const f of files) results.set(f.slice(0, 3), await extractBytes(readFileSync(join(dir, f)), { path: f }));
});

const get = (id: string) => results.get(id)!;
const prose = (x: Extraction) => Object.fromEntries(Object.entries(x.fields).filter(([k]) => k.startsWith('p.')));
const tableKeys = (x: Extraction) => Object.keys(x.fields).filter((k) => !k.startsWith('p.'));

test('the five samples are bundled', () => {
  expect(files).toHaveLength(5);
});

test('000: prose-only 2020 report of 峨口镇人民政府', () => {
  const x = get('000');
  expect(x.meta).toEqual({ agency: '峨口镇人民政府', year: 2020, template: 'free' });
  expect(tableKeys(x)).toEqual([]);
  expect(prose(x)).toEqual({ 'p.proactive_total': 122, 'p.requests_total': 0, 'p.consultations': 321, 'p.reviews': 0, 'p.lawsuits': 0 });
  expect(x.status).toBe('ok');
  expect(x.cells['p.consultations'].evidence.sentence).toContain('321次');
});

test('001: one cell per line, 2019 format, every value read', () => {
  const x = get('001');
  expect(x.meta).toEqual({ agency: '同江市同江镇人民政府', year: 2020, template: '2019' });
  expect(tableKeys(x).sort()).toEqual(gridKeys('2019').sort());
  for (const k of gridKeys('2019')) {
    expect([k, x.fields[k]]).toEqual([k, 0]);
    expect(x.cells[k].evidence.method).toBe('read');
    expect(x.cells[k].confidence).toBeGreaterThanOrEqual(0.95);
  }
  expect(x.fields['p.proactive_total']).toBe(192);
  expect(x.checks.length).toBeGreaterThan(30);
  expect(x.checks.every((c) => c.ok)).toBe(true);
  expect(x.status).toBe('ok');
  // provenance: the line of the source the number came from
  expect(x.cells['s3.new.natural'].evidence.pos?.line).toBeGreaterThan(50);
});

test('002: dropped characters and a missing row label, 2021 format', () => {
  const x = get('002');
  expect(x.meta).toEqual({ agency: '隆德县城关镇人民政府', year: 2021, template: '2021' });
  expect(tableKeys(x).sort()).toEqual(gridKeys('2021').sort());
  for (const k of gridKeys('2021')) expect([k, x.fields[k]]).toEqual([k, 0]);
  // 规章's label is gone: placed as the exact run between the header and 行政规范性文件
  expect(x.cells['s2.rules.issued'].evidence.placement).toBe('bounded');
  expect(x.cells['s2.license.decisions'].evidence.label).toBe('行政许');
  expect(x.fields['p.proactive_total']).toBe(78);
  expect(x.fields['p.requests_total']).toBe(0);
  expect(x.status).toBe('ok');
});

test('003: prose-only 2019 report of 甸中镇人民政府, weaker sentences flagged', () => {
  const x = get('003');
  expect(x.meta).toEqual({ agency: '甸中镇人民政府', year: 2019, template: 'free' });
  expect(prose(x)).toEqual({ 'p.proactive_total': 569, 'p.reviews': 0, 'p.lawsuits': 0 });
  expect(x.status).toBe('flagged');
  expect(x.flags.map((f) => f.field).sort()).toEqual(['p.lawsuits', 'p.proactive_total', 'p.reviews']);
});

test('004: tab rows with labels missing, section 二 tables absent → null and flagged', () => {
  const x = get('004');
  expect(x.meta).toEqual({ agency: '固原市原州区开城镇人民政府', year: 2020, template: '2019' });
  const missing = gridKeys('2019').filter((k) => /^s2\.(license|other_admin|penalty|coercion|fees|procurement)\./.test(k));
  expect(missing).toHaveLength(16);
  for (const k of gridKeys('2019')) {
    if (missing.includes(k)) {
      expect([k, x.fields[k]]).toEqual([k, null]);
      expect(x.flags.some((f) => f.code === 'not_found' && f.field === k)).toBe(true);
    } else expect([k, x.fields[k]]).toEqual([k, 0]);
  }
  expect(x.status).toBe('flagged');
  expect(x.fields['p.proactive_total']).toBe(125);
});

test('every output follows the contract', () => {
  for (const x of results.values()) {
    expect(x.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(x.source.format).toBe('text');
    expect(['ok', 'flagged', 'failed']).toContain(x.status);
    for (const [k, c] of Object.entries(x.cells)) {
      expect(k in x.fields).toBe(true);
      expect(c.confidence).toBeGreaterThanOrEqual(0);
      expect(c.confidence).toBeLessThanOrEqual(1);
      expect(typeof c.inferred).toBe('boolean');
    }
    for (const c of x.checks) expect(typeof c.ok).toBe('boolean');
  }
});
