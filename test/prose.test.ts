/**
 * Prose in the wild (issue 13.7) and agency names (13.4), case by case: each rule on the
 * sentences that made it, and on the ones that must not trigger it.
 */
import { proseFigures, proseReading } from '../src/prose/figures';
import { furnitureIndices, runningText, TABLE_BREAK } from '../src/prose/running-text';
import { guessMeta, isOrganisationName } from '../src/meta/meta';

const value = (paras: string[], key: string, year = 2021) => proseFigures(paras, { year }).find((f) => f.key === key)?.value;

describe('prose figures', () => {
  it('reads 诉讼 without 行政 and pairs', () => {
    expect(value(['信息公开类行政复议7件,诉讼9件。'], 'p.lawsuits')).toBe(9);
    expect(value(['信息公开类行政复议7件,诉讼9件。'], 'p.reviews')).toBe(7);
    expect(value(['行政复议和行政诉讼案件分别为3件和2件。'], 'p.reviews')).toBe(3);
    expect(value(['行政复议和行政诉讼案件分别为3件和2件。'], 'p.lawsuits')).toBe(2);
    expect(value(['行政复议、行政诉讼均为0件。'], 'p.lawsuits')).toBe(0);
    // the number after 复议后…诉讼 is not a review count
    expect(value(['因政府信息公开被申请行政复议后提起诉讼2件。'], 'p.reviews')).toBeUndefined();
  });

  it('takes the report year, never an earlier one or a change', () => {
    expect(value(['2020年主动公开政府信息100条,2021年主动公开122条。'], 'p.proactive_total')).toBe(122);
    expect(value(['上年度主动公开政府信息100条。本年度主动公开政府信息122条。'], 'p.proactive_total')).toBe(122);
    expect(value(['去年全年主动发布政府信息99条。全年主动公开政府信息122条,较上年增加23条。'], 'p.proactive_total')).toBe(122);
    expect(value(['与2020年相比,主动公开信息数量增加15条。主动公开政府信息122条。'], 'p.proactive_total')).toBe(122);
    expect(value(['根据《2020年政务公开工作要点》,主动公开政府信息122条。'], 'p.proactive_total')).toBe(122);
    expect(value(['办理上年结转的政府信息公开申请2件。'], 'p.requests_total')).toBeUndefined();
  });

  it('reports a field that only an earlier year states as set aside', () => {
    const r = proseReading(['2020年主动公开政府信息100条。'], { year: 2021 });
    expect(r.figures.find((f) => f.key === 'p.proactive_total')).toBeUndefined();
    expect(r.setAside).toEqual([expect.objectContaining({ key: 'p.proactive_total', value: 100, reason: 'dated to another year' })]);
  });

  it('joins a sentence cut by a page break, a wrap or furniture, and skips a table of contents', () => {
    const title = '某某县人民政府2021年政府信息公开工作年度报告';
    const paras = [title, '目录', '一、总体情况……………1', '二、主动公开政府信息情况……3', '全年主动公开政', '第2页 共8页', title, '府信息122条。', '本年度我局解答群众咨询45', '3', '次,均及时答复。'];
    expect(value(paras, 'p.proactive_total')).toBe(122);
    expect(value(paras, 'p.consultations')).toBe(45);
    expect(runningText(paras).some((p) => p.includes('……'))).toBe(false);
  });

  it('drops a footer naming the agency where it cuts a sentence, and keeps the signature', () => {
    const paras = ['全年共受理政府信息公开', '某某县人民政府办公室  第2页', '申请12件。', '某某县人民政府办公室', '2022年1月5日'];
    expect(value(paras, 'p.requests_total')).toBe(12);
    expect(runningText(paras)).toEqual(['全年共受理政府信息公开申请12件。', '某某县人民政府办公室', '2022年1月5日']);
  });

  it('never runs table cells dumped one per line together', () => {
    const cells = ['规章', '0', '0', '3', '规范性文件', '1', '2', '3', '（二）部分公开（区分处理的，只计这一情形，不计其他情形）', '4', '5'];
    expect(runningText(cells)).toEqual(cells);
    // a text paragraph never continues over a table either
    expect(runningText(['全年主动公开政府信息', TABLE_BREAK, '122条。'])).toEqual(['全年主动公开政府信息', '122条。']);
  });

  it('marks bare page numbers as furniture only beside a running header or inside cut running text', () => {
    const title = '某某县人民政府2021年政府信息公开工作年度报告';
    const paras = [title, '本年度主动公开政府信息数量为122条，其中通过门户网站', '2', '公开80条。', '本年增/减', '-3', '5', '— 3 —', title, '规章', '0', '7'];
    expect([...furnitureIndices(paras)].sort((a, b) => a - b)).toEqual([2, 7, 8]);
  });
});

describe('agency names', () => {
  it('accepts organisation names and rejects fragments', () => {
    for (const n of ['隆德县城关镇人民政府', '固原市生态环境局', '德清县武康街道办事处', '彭阳县人民政府办公室', '某某经济技术开发区管理委员会', '全椒县教育局', '本溪市档案馆']) expect([n, isOrganisationName(n)]).toEqual([n, true]);
    for (const n of ['，我局共收到', '我局', '本机关', '2021年政府信息公开', '某某县人民政府门户网站', '根据上级要求', '全县各乡镇']) expect([n, isOrganisationName(n)]).toEqual([n, false]);
  });

  it('gives meta_missing (null) rather than a sentence fragment', () => {
    const m = guessMeta(['2021年政府信息公开工作年度报告', '2021年，我局共收到政府信息公开申请5件。', '本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。', '2022年1月5日']);
    expect(m.agency).toBeNull();
    expect(m.year).toBe(2021);
  });

  it('merges title, masthead and signature as before', () => {
    expect(guessMeta(['关岭布依族苗族自治县教育局2021年政府信息公开工作年度报告', '正文。']).agency).toBe('关岭布依族苗族自治县教育局');
    expect(guessMeta(['《某某县城关镇2021年政务公开工作年度报告》', '正文。', '城关镇人民政府', '2022年1月5日']).agency).toBe('某某县城关镇人民政府');
    expect(guessMeta(['某某县人民政府办公室关于2021年度政府信息公开工作情况的报告', '正文。']).agency).toBe('某某县人民政府办公室');
  });
});
