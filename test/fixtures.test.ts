/**
 * Tests of the fixture generator itself: the oracle must be right before it judges the core.
 */
import * as cheerio from 'cheerio';
import {
  brokenIdentities, buildCorpus, composeTableReport, expectedHidden, garble, generateGrid, identities, makeDoc,
  officialTables, renderCellPerLine, renderCleanTabs, renderDropped, renderHtml, renderTabRows, Rng, SCALES, templateKeys,
  messyFormat, toTraditional, withSeparators,
  AGENCIES, LAYOUTS, type FixtureDoc, type Grid, type Template,
} from './fixtures';
import { evaluateDoc, sameAgency, summarize } from './fixtures/evaluate';
import type { Extraction } from '../src/model/extraction';

const TEMPLATES: Template[] = ['2019', '2021'];
const SIGNED = /\.change$/; // 2019 本年增/减 may be negative

describe('generateGrid', () => {
  it.each(TEMPLATES)('template %s: complete, valid and plausible over many seeds', (t) => {
    for (const scale of SCALES) {
      for (let seed = 1; seed <= 40; seed++) {
        const g = generateGrid(t, scale, seed);
        expect(Object.keys(g)).toEqual(templateKeys(t));
        expect(brokenIdentities(t, g)).toEqual([]);
        // Collect violations so one expect reports them all (and the loop stays fast).
        const bad = Object.entries(g).filter(([k, v]) => {
          const decimals = /\.amount$/.test(k) ? 2 : 0;
          const scaled = v * 10 ** decimals;
          return !Number.isFinite(v) || Math.abs(scaled - Math.round(scaled)) > 1e-6 ||
            (SIGNED.test(k) ? v < -g[k.replace('change', 'prev')] : v < 0);
        });
        expect(bad).toEqual([]);
      }
    }
  });

  it('counts identities from the grid wording: 7 balance + 7 result sums + one per s3 row + 3 s4 groups', () => {
    expect(identities('2019')).toHaveLength(7 + 7 + 23 + 3);
    expect(identities('2021')).toHaveLength(7 + 7 + 25 + 3);
  });

  it('identities agree with a direct reading of grid.json on one grid', () => {
    const g = generateGrid('2021', 'city', 5);
    const cols = ['natural', 'commercial', 'research', 'social', 'legal', 'other_org', 'total'];
    for (const c of cols) {
      expect(g[`s3.new.${c}`] + g[`s3.carried_over.${c}`]).toBe(g[`s3.total.${c}`] + g[`s3.carried_forward.${c}`]);
      const results = templateKeys('2021').filter((k) => k.endsWith(`.${c}`) && /^s3\.(granted|partial|denied|unable|rejected|other)\./.test(k));
      expect(results).toHaveLength(21); // 2021: 予以公开, 部分公开, 8 不予公开, 3 无法提供, 5 不予处理, 3 其他处理
      expect(results.reduce((a, k) => a + g[k], 0)).toBe(g[`s3.total.${c}`]);
    }
    for (const grp of ['review', 'suit_direct', 'suit_after_review'])
      expect(g[`s4.${grp}.upheld`] + g[`s4.${grp}.corrected`] + g[`s4.${grp}.other`] + g[`s4.${grp}.pending`]).toBe(g[`s4.${grp}.total`]);
  });

  it('scales differ in magnitude: township < county < city', () => {
    const mean = (scale: (typeof SCALES)[number]) =>
      Array.from({ length: 30 }, (_, i) => generateGrid('2021', scale, 100 + i)['s3.new.total']).reduce((a, b) => a + b, 0) / 30;
    const [town, county, city] = SCALES.map(mean);
    expect(town).toBeLessThan(10);
    expect(county).toBeGreaterThan(town);
    expect(city).toBeGreaterThan(county * 5);
  });

  it('is deterministic per seed and varies across seeds', () => {
    expect(generateGrid('2019', 'county', 42)).toEqual(generateGrid('2019', 'county', 42));
    expect(generateGrid('2019', 'county', 42)).not.toEqual(generateGrid('2019', 'county', 43));
    expect(generateGrid('2019', 'county', new Rng(9))).toEqual(generateGrid('2019', 'county', 9));
  });
});

describe('expectedHidden (the oracle for unprinted cells)', () => {
  const g: Grid = generateGrid('2019', 'county', 11);

  it('solves a cell one identity determines', () => {
    expect(expectedHidden('2019', g, ['s3.new.total'])).toEqual({ 's3.new.total': g['s3.new.total'] });
    expect(expectedHidden('2019', g, ['s4.review.upheld'])).toEqual({ 's4.review.upheld': g['s4.review.upheld'] });
  });

  it('leaves cells no identity covers null (s2)', () => {
    expect(expectedHidden('2019', g, ['s2.license.change'])).toEqual({ 's2.license.change': null });
  });

  it('solves chains and linear combinations, not only single-unknown equations', () => {
    // new.natural and new.total are both hidden: column balance gives natural, then the row gives total.
    const hidden = ['s3.new.natural', 's3.new.total', 's3.total.natural'];
    const got = expectedHidden('2019', g, hidden);
    expect(got).toEqual({ 's3.new.natural': g['s3.new.natural'], 's3.new.total': g['s3.new.total'], 's3.total.natural': g['s3.total.natural'] });
  });

  it('forces blanks to 0 only when non-negative parts must sum to zero', () => {
    const z = { ...generateGrid('2021', 'township', 3) };
    for (const k of Object.keys(z)) if (k.startsWith('s4.')) z[k] = 0;
    const parts = ['s4.review.upheld', 's4.review.corrected', 's4.review.other', 's4.review.pending'];
    expect(expectedHidden('2021', z, parts)).toEqual(Object.fromEntries(parts.map((k) => [k, 0])));
    // With the total blank too, an all-blank group proves nothing.
    expect(expectedHidden('2021', z, [...parts, 's4.review.total'])['s4.review.total']).toBeNull();
  });

  it('refuses to solve hidden cells of a grid whose identities do not hold (fixture bug guard)', () => {
    const bad = { ...g, 's3.new.natural': g['s3.new.natural'] + 1 };
    expect(() => expectedHidden('2019', bad, ['s3.new.total'])).toThrow(/fixture bug/);
    expect(expectedHidden('2019', bad, [])).toEqual({});
  });
});

/** Numeric cells between the headings of section 二 and section 五, in reading order. */
function tableNumbers(text: string): string[] {
  const start = text.indexOf('\n二、');
  const end = text.indexOf('\n五、');
  return text
    .slice(start, end)
    .split('\n')
    .flatMap((l) => l.split('\t'))
    .map((c) => c.trim())
    .filter((c) => /^-?\d+(\.\d+)?$/.test(c));
}

function printedValues(t: Template, g: Grid, hidden: Set<string> = new Set()): string[] {
  const tabs = officialTables(t);
  return [...tabs.s2, tabs.s3, tabs.s4]
    .flatMap((tab) => tab.rows.flat())
    .filter((c) => c.key && !hidden.has(c.key))
    .map((c) => String(g[c.key!]));
}

describe('renderers', () => {
  const agency = AGENCIES.find((a) => a.scale === 'city')!;
  const setup = (t: Template, seed: number) => {
    const g = generateGrid(t, 'city', seed);
    return { g, report: composeTableReport(new Rng(seed), t, t === '2019' ? 2020 : 2022, agency, g) };
  };

  it.each(TEMPLATES)('cell-per-line (%s) prints every value in table order, tab-indented', (t) => {
    const { g, report } = setup(t, 21);
    const { text, hidden } = renderCellPerLine(report, new Rng(1));
    expect(hidden.size).toBe(0);
    expect(tableNumbers(text)).toEqual(printedValues(t, g));
    expect(text).toContain('\t（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）');
    expect(text).toContain(`${report.year}年`);
  });

  it.each(TEMPLATES)('clean-tabs (%s) prints one row per line with every value', (t) => {
    const { g, report } = setup(t, 22);
    const { text } = renderCleanTabs(report, new Rng(2));
    expect(tableNumbers(text)).toEqual(printedValues(t, g));
    const s3Rows = text.split('\n').filter((l) => l.startsWith('一、本年新收政府信息公开申请数量\t'));
    expect(s3Rows).toHaveLength(1);
    expect(s3Rows[0].split('\t').slice(-7).map(Number)).toEqual(
      ['natural', 'commercial', 'research', 'social', 'legal', 'other_org', 'total'].map((c) => g[`s3.new.${c}`]),
    );
  });

  it.each(TEMPLATES)('dropped (%s) prints every value, one per line, and loses label characters', (t) => {
    const { g, report } = setup(t, 26);
    const { text } = renderDropped(report, new Rng(6));
    expect(text).not.toContain('\t');
    expect(tableNumbers(text)).toEqual(printedValues(t, g));
    expect(text).not.toContain('（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）');
  });

  it('traditional: converted script, separators and full-width digits, same numbers once normalised', () => {
    const { g, report } = setup('2021', 27);
    const rng = new Rng(7);
    const { text } = renderCleanTabs(report, rng, messyFormat(new Rng(8)));
    const trad = toTraditional(text);
    expect(trad).toContain('年度報告');
    const plain = trad.replace(/[０-９]/g, (c) => String(c.charCodeAt(0) - 0xff10)).replace(/(\d),(?=\d{3})/g, '$1');
    expect(tableNumbers(plain)).toEqual(printedValues('2021', g));
    expect(withSeparators(1234567.5)).toBe('1,234,567.5');
    expect(withSeparators(-1234)).toBe('-1,234');
  });

  it('tab-rows prints every value except the hidden ones, and hides what it omits', () => {
    const { g, report } = setup('2019', 23);
    const { text, hidden } = renderTabRows(report, new Rng(3), String, { omitTables: 2, dropTrailing: 3 });
    expect(tableNumbers(text)).toEqual(printedValues('2019', g, hidden));
    const omittedTableKeys = [...hidden].filter((k) => k.startsWith('s2.'));
    expect(omittedTableKeys.length).toBeGreaterThanOrEqual(2 * 2);
    expect(hidden.size).toBeGreaterThanOrEqual(omittedTableKeys.length + 1);
  });

  it.each(TEMPLATES)('html (%s) has real tables with spans, page furniture, and the values in order', (t) => {
    const { g, report } = setup(t, 24);
    const { text, hidden } = renderHtml(report, new Rng(4), String, { word: true });
    expect(hidden.size).toBe(0);
    const $ = cheerio.load(text);
    expect($('table')).not.toHaveLength(0);
    expect($('td[rowspan]').length).toBeGreaterThan(3);
    expect($('td[colspan]').length).toBeGreaterThan(3);
    expect($('script').length).toBeGreaterThan(0);
    expect(text).toContain('扫一扫');
    const cells = $('td').toArray().map((el) => $(el).text().trim()).filter((s) => /^-?\d+(\.\d+)?$/.test(s));
    expect(cells).toEqual(printedValues(t, g));
  });

  it('html with blank zeros prints &nbsp; for exactly the zero cells', () => {
    const { g, report } = setup('2021', 25);
    const { text, hidden } = renderHtml(report, new Rng(5), String, { blankZeros: true });
    const zeros = Object.keys(g).filter((k) => g[k] === 0);
    expect([...hidden].sort()).toEqual(zeros.sort());
    expect((text.match(/>&nbsp;</g) ?? []).length).toBeGreaterThanOrEqual(zeros.length);
  });

  it('garble loses characters but keeps at least half the Han characters and no closing brackets', () => {
    const rng = new Rng(6);
    for (let i = 0; i < 200; i++) {
      const src = '（二）部分公开（区分处理的，只计这一情形，不计其他情形）';
      const out = garble(rng, src, 0.3);
      expect(out).not.toMatch(/[）)（]/);
      const han = (s: string) => (s.match(/\p{Script=Han}/gu) ?? []).length;
      expect(han(out)).toBeGreaterThanOrEqual(Math.ceil(han(src) / 2));
      expect(han(out)).toBeLessThanOrEqual(han(src));
    }
  });
});

describe('corpus', () => {
  let corpus: FixtureDoc[];
  beforeAll(() => {
    corpus = buildCorpus();
  });

  it('has at least 100 documents over every layout × template, with unique ids', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    expect(new Set(corpus.map((d) => d.expected.id)).size).toBe(corpus.length);
    for (const layout of LAYOUTS) {
      const templates = new Set(corpus.filter((d) => d.expected.layout === layout).map((d) => d.expected.template));
      expect([...templates].sort()).toEqual(layout === 'free' ? ['free'] : ['2019', '2021']);
    }
  });

  it('is deterministic for a seed and different for another', () => {
    const again = buildCorpus(30, 1);
    corpus.slice(0, 30).forEach((d, i) => {
      expect(again[i].bytes.equals(d.bytes)).toBe(true);
      expect(again[i].expected).toEqual(d.expected);
    });
    const other = buildCorpus(30, 2);
    expect(other.filter((d, i) => d.bytes.equals(corpus[i].bytes)).length).toBe(0);
  });

  it('expects every template key, the prose totals, and years in the template range', () => {
    for (const { expected: e } of corpus) {
      expect(typeof e.fields['p.proactive_total']).toBe('number');
      if (e.template === 'free') {
        expect(Object.keys(e.fields).every((k) => k.startsWith('p.'))).toBe(true);
        continue;
      }
      expect(templateKeys(e.template).filter((k) => !(k in e.fields))).toEqual([]);
      expect(e.template === '2019' ? e.year <= 2020 : e.year >= 2021).toBe(true);
    }
  });

  it('mustFlag exactly when information is lost or misprinted', () => {
    for (const { expected: e } of corpus) {
      // a blank cell of an HTML grid prints 0: html loses nothing
      if (['cell-per-line', 'dropped', 'clean-tabs', 'traditional', 'free', 'html'].includes(e.layout)) expect(e.mustFlag).toBe(false);
      if (e.layout === 'printed-error') expect(e.mustFlag).toBe(true);
      const hasNull = Object.values(e.fields).some((v) => v === null);
      if (hasNull) expect(e.mustFlag).toBe(true);
    }
    expect(corpus.filter((d) => d.expected.layout === 'tab-rows' && d.expected.mustFlag).length).toBeGreaterThan(0);
    expect(corpus.filter((d) => d.expected.variant.startsWith('html/blank')).length).toBeGreaterThan(0);
  });

  it('expected values satisfy the identities, except in printed-error documents', () => {
    for (const { expected: e } of corpus) {
      if (e.template === 'free') continue;
      const vals = e.fields;
      const complete = templateKeys(e.template).every((k) => vals[k] !== null);
      const broken = brokenIdentities(e.template, vals);
      if (e.layout === 'printed-error') expect(broken.length).toBeGreaterThan(0);
      else if (complete) expect(broken).toEqual([]);
    }
  });

  it('every document states its year and agency, and its p.* figures in the text', () => {
    for (const d of corpus) {
      const e = d.expected;
      const text = d.bytes.toString('utf8');
      const plain = text.replace(/[０-９]/g, (c) => String(c.charCodeAt(0) - 0xff10)).replace(/(\d),(?=\d{3})/g, '$1');
      expect(plain).toContain(`${e.year}年`);
      for (const [k, v] of Object.entries(e.fields)) if (k.startsWith('p.')) expect(plain).toContain(String(v));
      if (e.layout !== 'traditional') expect(text.replace(/\n/g, '')).toContain(e.agency);
    }
  });

  it('traditional documents are in traditional script', () => {
    const trad = corpus.filter((d) => d.expected.layout === 'traditional');
    for (const d of trad) expect(d.bytes.toString('utf8')).toMatch(/報告/);
  });

  it('makeDoc honours forced HTML options (clean sources for PDF/DOCX fixtures)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const d = makeDoc({ layout: 'html', template: '2021', seed, scale: 'township', html: { blankZeros: false } });
      expect(d.expected.mustFlag).toBe(false);
      expect(d.name.endsWith('.html')).toBe(true);
    }
  });
});

describe('evaluateDoc', () => {
  const doc = makeDoc({ layout: 'tab-rows', template: '2021', seed: 77, scale: 'county' });
  const e = doc.expected;
  const extraction = (fields: Record<string, number | null>, status: Extraction['status']): Extraction => ({
    source: { sha256: 'x', format: 'text' },
    meta: { agency: e.agency, year: e.year, template: e.template },
    fields, cells: {}, checks: [], flags: [], status, pipeline: 'test',
  });

  it('scores a perfect extraction as all right', () => {
    const r = evaluateDoc(e, extraction({ ...e.fields }, 'flagged'));
    expect(r.allRight).toBe(true);
    expect(r.fieldsRight).toBe(r.fieldsTotal);
    expect(r.wrongOk).toBe(false);
  });

  it('catches a wrong value, a 0 for a null, an absent key, and wrong-ok', () => {
    const key = Object.keys(e.fields).find((k) => typeof e.fields[k] === 'number')!;
    const fields: Record<string, number | null> = { ...e.fields, [key]: (e.fields[key] as number) + 1 };
    const nullKey = Object.keys(e.fields).find((k) => e.fields[k] === null);
    if (nullKey) fields[nullKey] = 0;
    delete fields['s3.new.total'];
    const r = evaluateDoc(e, extraction(fields, 'ok'));
    expect(r.wrong.map((w) => w.key).sort()).toEqual([key, 's3.new.total', ...(nullKey ? [nullKey] : [])].sort());
    expect(r.wrongOk).toBe(true);
    const s = summarize([r]);
    expect(s.overall.wrongOk).toEqual([e.id]);
    expect(s.overall.fieldAccuracy).toBeLessThan(1);
  });

  it('compares agencies across scripts and with or without 人民政府, but not different agencies', () => {
    expect(sameAgency('隆德县城关镇人民政府', '隆德縣城關鎮人民政府')).toBe(true);
    expect(sameAgency('隆德县城关镇人民政府', '隆德县城关镇')).toBe(true);
    expect(sameAgency('隆德县城关镇人民政府', '城关镇人民政府')).toBe(false);
    expect(sameAgency('隆德县城关镇人民政府', null)).toBe(false);
  });
});
