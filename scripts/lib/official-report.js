'use strict';
/**
 * What the fixture scripts share: a seeded generator of official-format values that satisfy
 * the identities of grid.json, and the HTML of the official tables 二, 三, 四 with prose around
 * them. make-pdf-fixtures.js prints it to PDF; make-office-fixtures.js turns it into HTML,
 * DOCX and DOC. Kept here once so both make the same reports.
 */
const path = require('path');
const GRID = require(path.join(__dirname, '..', '..', 'src/grid/grid.json'));

// ---------------------------------------------------------------- random values

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ORGS = ['natural', 'commercial', 'research', 'social', 'legal', 'other_org'];
const S4 = ['upheld', 'corrected', 'other', 'pending'];

/** Random non-zero values for every field of a template, satisfying the identities of grid.json. */
function makeValues(template, seed) {
  const r = rng(seed);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const keys = GRID.templates[template].map((f) => f.key);
  const v = {};
  // s3: result rows are the leaves between carried_over and total
  const resultRows = [...new Set(keys.filter((k) => k.startsWith('s3.')).map((k) => k.slice(3, k.lastIndexOf('.'))))]
    .filter((row) => !['new', 'carried_over', 'total', 'carried_forward'].includes(row));
  for (const c of ORGS) {
    let total = 0;
    for (const row of resultRows) {
      const x = int(1, row === 'granted' ? 120 : 19);
      v[`s3.${row}.${c}`] = x;
      total += x;
    }
    const co = int(1, 9);
    const cf = int(1, 12);
    v[`s3.total.${c}`] = total;
    v[`s3.carried_over.${c}`] = co;
    v[`s3.carried_forward.${c}`] = cf;
    v[`s3.new.${c}`] = total + cf - co;
  }
  for (const row of [...resultRows, 'new', 'carried_over', 'total', 'carried_forward']) {
    v[`s3.${row}.total`] = ORGS.reduce((a, c) => a + v[`s3.${row}.${c}`], 0);
  }
  for (const g of ['review', 'suit_direct', 'suit_after_review']) {
    let t = 0;
    for (const c of S4) { v[`s4.${g}.${c}`] = int(1, 14); t += v[`s4.${g}.${c}`]; }
    v[`s4.${g}.total`] = t;
  }
  for (const k of keys) {
    if (!k.startsWith('s2.')) continue;
    if (k.endsWith('.change')) v[k] = r() < 0.3 ? -int(1, 9) : int(1, 30);
    else if (k === 's2.fees.amount') v[k] = Math.round((1 + r() * 300) * 100) / 100;
    else if (k === 's2.procurement.amount') v[k] = int(10, 900) * 1000;
    else v[k] = int(1, 999);
  }
  for (const k of keys) if (!(k in v)) throw new Error(`no value for ${k}`);
  return v;
}

// ---------------------------------------------------------------- HTML

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** The official s2 tables as one table (title rows inside), as most reports print them. */
function s2Table(template, v) {
  const td = (x, span) => `<td${span ? ` colspan="${span}"` : ''}>${esc(x)}</td>`;
  const title = (t) => `<tr><td colspan="4" class="title">${t}</td></tr>`;
  const rows = [];
  if (template === '2019') {
    rows.push(title('第二十条第（一）项'));
    rows.push(`<tr>${['信息内容', '本年新制作数量', '本年新公开数量', '对外公开总数量'].map((x) => td(x)).join('')}</tr>`);
    for (const [label, k] of [['规章', 'rules'], ['规范性文件', 'normative']]) {
      rows.push(`<tr>${td(label)}${td(v[`s2.${k}.made`])}${td(v[`s2.${k}.published`])}${td(v[`s2.${k}.total`])}</tr>`);
    }
    for (const [item, list] of [['（五）', [['行政许可', 'license'], ['其他对外管理服务事项', 'other_admin']]], ['（六）', [['行政处罚', 'penalty'], ['行政强制', 'coercion']]]]) {
      rows.push(title(`第二十条第${item}项`));
      rows.push(`<tr>${['信息内容', '上一年项目数量', '本年增/减', '处理决定数量'].map((x) => td(x)).join('')}</tr>`);
      for (const [label, k] of list) rows.push(`<tr>${td(label)}${td(v[`s2.${k}.prev`])}${td(v[`s2.${k}.change`])}${td(v[`s2.${k}.decisions`])}</tr>`);
    }
    rows.push(title('第二十条第（八）项'));
    rows.push(`<tr>${td('信息内容')}${td('上一年项目数量')}${td('本年增/减', 2)}</tr>`);
    rows.push(`<tr>${td('行政事业性收费')}${td(v['s2.fees.prev'])}${td(v['s2.fees.change'], 2)}</tr>`);
    rows.push(title('第二十条第（九）项'));
    rows.push(`<tr>${td('信息内容')}${td('采购项目数量')}${td('采购总金额', 2)}</tr>`);
    rows.push(`<tr>${td('政府集中采购')}${td(v['s2.procurement.count'])}${td(v['s2.procurement.amount'], 2)}</tr>`);
  } else {
    rows.push(title('第二十条第（一）项'));
    rows.push(`<tr>${['信息内容', '本年制发件数', '本年废止件数', '现行有效件数'].map((x) => td(x)).join('')}</tr>`);
    for (const [label, k] of [['规章', 'rules'], ['行政规范性文件', 'normative']]) {
      rows.push(`<tr>${td(label)}${td(v[`s2.${k}.issued`])}${td(v[`s2.${k}.repealed`])}${td(v[`s2.${k}.in_force`])}</tr>`);
    }
    rows.push(title('第二十条第（五）项'));
    rows.push(`<tr>${td('信息内容')}${td('本年处理决定数量', 3)}</tr>`);
    rows.push(`<tr>${td('行政许可')}${td(v['s2.license.decisions'], 3)}</tr>`);
    rows.push(title('第二十条第（六）项'));
    rows.push(`<tr>${td('信息内容')}${td('本年处理决定数量', 3)}</tr>`);
    rows.push(`<tr>${td('行政处罚')}${td(v['s2.penalty.decisions'], 3)}</tr>`);
    rows.push(`<tr>${td('行政强制')}${td(v['s2.coercion.decisions'], 3)}</tr>`);
    rows.push(title('第二十条第（八）项'));
    rows.push(`<tr>${td('信息内容')}${td('本年收费金额（单位：万元）', 3)}</tr>`);
    rows.push(`<tr>${td('行政事业性收费')}${td(v['s2.fees.amount'].toFixed(2), 3)}</tr>`);
  }
  return `<table class="grid">${rows.join('\n')}</table>`;
}

/** Leaf rows of the 三 table: [group label, group size, sub label, key] in print order. */
function s3Rows(template) {
  const rows = [];
  const fields = GRID.templates[template].filter((f) => f.key.startsWith('s3.') && f.key.endsWith('.natural'));
  for (const f of fields) rows.push({ key: f.key.slice(3, -'.natural'.length), label: f.row });
  return rows;
}

function s3Table(template, v, opts) {
  const td = (x, a = '') => `<td${a}>${esc(x)}</td>`;
  const cols = [...ORGS, 'total'];
  const vals = (row) => cols.map((c) => td(v[`s3.${row}.${c}`])).join('');
  const head = [
    `<tr>${td('（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', ' colspan="3" rowspan="3"')}${td('申请人情况', ' colspan="7"')}</tr>`,
    `<tr>${td('自然人', ' rowspan="2"')}${td('法人或其他组织', ' colspan="5"')}${td('总计', ' rowspan="2"')}</tr>`,
    `<tr>${['商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他'].map((x) => td(x)).join('')}</tr>`,
  ];
  const body = [];
  const leaves = s3Rows(template);
  // group the result rows: （三）不予公开 1..8 etc. Labels in grid.json read "<group> <sub>" on the first leaf.
  const resultLeaves = leaves.filter((l) => !['new', 'carried_over', 'carried_forward'].includes(l.key));
  const groups = [];
  let cur = null;
  for (const l of resultLeaves) {
    const label = l.label.replace(/^三、本年度办理结果\s*/, '');
    const m = /^(（[一二三四五六七]）\S*)\s+(.+)$/.exec(label);
    if (m) { cur = { head: m[1], leaves: [{ key: l.key, sub: m[2] }] }; groups.push(cur); }
    else if (/^\d+\./.test(label) && cur) cur.leaves.push({ key: l.key, sub: label });
    else { cur = null; groups.push({ head: label, leaves: [{ key: l.key, sub: null }] }); }
  }
  body.push(`<tr>${td('一、本年新收政府信息公开申请数量', ' colspan="3"')}${vals('new')}</tr>`);
  body.push(`<tr>${td('二、上年结转政府信息公开申请数量', ' colspan="3"')}${vals('carried_over')}</tr>`);
  const nResult = groups.reduce((a, g) => a + g.leaves.length, 0);
  let first = true;
  for (const g of groups) {
    g.leaves.forEach((l, i) => {
      let cells = '';
      if (first) { cells += td('三、本年度办理结果', ` rowspan="${nResult}"`); first = false; }
      if (l.sub === null) cells += td(g.head, ' colspan="2"');
      else {
        if (i === 0) cells += td(g.head, ` rowspan="${g.leaves.length}"`);
        cells += td(l.sub);
      }
      body.push(`<tr>${cells}${vals(l.key)}</tr>`);
    });
  }
  body.push(`<tr>${td('四、结转下年度继续办理', ' colspan="3"')}${vals('carried_forward')}</tr>`);
  const thead = opts.repeatHeader ? `<thead>${head.join('\n')}</thead><tbody>` : `<tbody>${head.join('\n')}`;
  return `<table class="grid s3">${thead}\n${body.join('\n')}</tbody></table>`;
}

function s4Table(v) {
  const td = (x, a = '') => `<td${a}>${esc(x)}</td>`;
  const heads = ['结果维持', '结果纠正', '其他结果', '尚未审结', '总计'];
  const keys = [...S4, 'total'];
  return `<table class="grid s4">
<tr>${td('行政复议', ' colspan="5"')}${td('行政诉讼', ' colspan="10"')}</tr>
<tr>${heads.map((h) => td(h, ' rowspan="2"')).join('')}${td('未经复议直接起诉', ' colspan="5"')}${td('复议后起诉', ' colspan="5"')}</tr>
<tr>${heads.map((h) => td(h)).join('')}${heads.map((h) => td(h)).join('')}</tr>
<tr>${['review', 'suit_direct', 'suit_after_review'].map((g) => keys.map((k) => td(v[`s4.${g}.${k}`])).join('')).join('')}</tr>
</table>`;
}

const PROSE = [
  '本年度，{A}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，围绕中心工作，不断深化政务公开，进一步提升政府工作透明度，切实保障人民群众的知情权、参与权、表达权和监督权。',
  '加强组织领导，明确主要负责同志亲自抓、分管负责同志具体抓、工作人员抓落实的工作机制，将政务公开工作纳入年度绩效考核，定期研究解决工作中遇到的困难和问题，推动各项任务落地见效。',
  '全年累计主动公开政府信息{P}条，其中通过政府门户网站公开{W}条，通过政务新媒体公开{M}条，及时回应社会关切，重点做好财政预决算、重大建设项目、公共资源配置、社会公益事业建设等领域的信息公开。',
  '规范依申请公开办理流程，严格按照受理、审查、处理、答复等环节办理，做到依法依规、按时答复。全年接受群众咨询{C}人次，均已按时办结，未发生因政府信息公开引发的不良影响。',
  '加强政府信息管理，建立健全政府信息公开属性源头认定机制，对拟公开的政府信息依法依规做好保密审查，防止泄露国家秘密和工作秘密，确保公开内容准确、规范、安全。',
  '强化平台建设，优化政府门户网站信息公开专栏设置，完善政策文件库和解读专栏，提升检索查阅的便利性，推动政务新媒体规范健康发展，拓宽公众获取政府信息的渠道。',
  '加强监督保障，组织开展政务公开业务培训，提升工作人员依法公开的意识和能力，主动接受社会监督，畅通意见反馈渠道，对群众反映的问题及时核实整改。',
];

function prose(i, agency, r) {
  const n = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  return PROSE[i % PROSE.length].replace('{A}', agency).replace('{P}', n(500, 3000)).replace('{W}', n(100, 400)).replace('{M}', n(50, 300)).replace('{C}', n(10, 900));
}


module.exports = { rng, ORGS, S4, makeValues, esc, s2Table, s3Rows, s3Table, s4Table, PROSE, prose };
