/**
 * 13.5 Pages that are not reports, mixed with true reports that are short, prose-only or lost
 * their tables. Not reports: an agency's 年报 column page (many years' report titles as links),
 * search results for 年度报告 (titles as links, snippets of the reports' first sentences), a
 * 政府信息公开指南 page, a news list with report news among the headlines; as HTML in site chrome
 * (furniture class names known or not) or as a text copy of the list. They must fail
 * `not_annual_report`. True reports: a prose-only report (text or an HTML article in chrome with
 * a list of other years' reports beside it) must come out right; a 2021-format report whose tables
 * are missing entirely must not be rejected (flagged no_tables).
 */
import { makeDoc } from '../fixtures/docs';
import { Rng } from '../fixtures/prng';
import { AGENCIES, PHRASES, type Agency } from '../fixtures/render/report';
import type { ClassDoc, ClassGenerator } from './harness';
import { articleHref, esc, randomDate, sitePage, siteName } from './site';

type Kind = 'column' | 'search' | 'guide' | 'news' | 'prose-report' | 'prose-report-html' | 'lost-tables' | 'short-report-html';
const KINDS: Kind[] = ['column', 'search', 'guide', 'news', 'prose-report', 'prose-report-html', 'lost-tables', 'short-report-html'];
const WEIGHTS = [2, 2, 2, 2, 1.5, 2, 1, 1.5];

const reportTitle = (rng: Rng, agency: string, year: number) =>
  rng.pick([
    `${agency}${year}年政府信息公开工作年度报告`,
    `${agency}${year}年度政府信息公开工作年度报告`,
    `${year}年${agency}政府信息公开工作年度报告`,
    `${agency}关于${year}年政府信息公开工作年度报告`,
    `${agency}${year}年政务公开工作年度报告`,
  ]);

function departments(rng: Rng, a: Agency): string[] {
  const base = siteName(a.name).replace(/人民政府$/, '');
  return rng.shuffle(['发展和改革局', '教育局', '财政局', '自然资源局', '住房和城乡建设局', '卫生健康局', '市场监督管理局', '应急管理局', '民政局', '司法局']).slice(0, rng.int(2, 6)).map((d) => base + d);
}

function listItems(rng: Rng, items: { title: string; date: string }[], asText: boolean): string {
  if (asText) return items.map((i) => `${i.title}${rng.pick(['  ', '\t', ' '])}${i.date}`).join('\n');
  const li = rng.chance(0.5);
  return li
    ? `<ul class="${rng.pick(['list', 'lb', 'news_list', 'xxgk-list'])}">${items.map((i) => `<li><a href="${articleHref(rng, 2023)}" target="_blank" title="${esc(i.title)}">${esc(i.title)}</a><span>${i.date}</span></li>`).join('\n')}</ul>`
    : `<table class="${rng.pick(['tb', 'list_tb'])}">${items.map((i) => `<tr><td class="bt"><a href="${articleHref(rng, 2023)}">${esc(i.title)}</a></td><td>${i.date}</td></tr>`).join('\n')}</table>`;
}

const pager = (rng: Rng) => `<div class="${rng.pick(['page', 'fy', 'pagination'])}">共${rng.int(2, 9)}页 <a href="#">首页</a> <a href="#">上一页</a> <a href="#">1</a> <a href="#">2</a> <a href="#">下一页</a> <a href="#">尾页</a></div>`;

function columnPage(rng: Rng, a: Agency, asText: boolean): string {
  const last = rng.int(2019, 2024);
  const n = rng.int(3, 12);
  const orgs = rng.chance(0.4) ? departments(rng, a) : [a.name];
  const items: { title: string; date: string }[] = [];
  for (let k = 0; k < n; k++) {
    const year = last - (orgs.length > 1 ? Math.floor(k / orgs.length) : k);
    const org = orgs[k % orgs.length];
    items.push({ title: reportTitle(rng, org, year), date: randomDate(rng, year + 1) });
  }
  const col = rng.pick(['政府信息公开年报', '信息公开年报', '年度报告', '政府信息公开工作年度报告', '政务公开年报']);
  if (asText) return [col, '', listItems(rng, items, true), '', rng.chance(0.5) ? `共${rng.int(2, 5)}页` : ''].join('\n');
  const main = `<div class="${rng.pick(['lm_title', 'column-name', 'tit'])}">${col}</div>\n${listItems(rng, items, false)}\n${rng.chance(0.6) ? pager(rng) : ''}`;
  return sitePage(rng, { site: siteName(a.name), title: col, crumbs: ['政务公开', '政府信息公开', col], main });
}

function searchPage(rng: Rng, a: Agency): string {
  const q = rng.pick(['年度报告', '政府信息公开年度报告', '年报', '信息公开工作年度报告']);
  const n = rng.int(4, 10);
  const items: string[] = [];
  for (let k = 0; k < n; k++) {
    const org = rng.pick(AGENCIES).name;
    const year = rng.int(2015, 2024);
    const t = reportTitle(rng, org, year).replace(q, `<em>${q}</em>`);
    const snippet = rng.pick([
      `根据《中华人民共和国政府信息公开条例》要求，特向社会公布${org}${year}年政府信息公开工作年度报告。本报告中所列数据的统计期限自${year}年1月1日起…`,
      `…${year}年，${org}共主动公开政府信息${rng.int(20, 3000)}条，收到政府信息公开申请${rng.int(0, 80)}件…`,
      `…本年度报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况…等部分组成…`,
      `${org}认真贯彻落实政府信息公开条例，全年累计受理依申请公开${rng.int(0, 40)}件，接受咨询${rng.int(0, 300)}次…`,
    ]);
    items.push(`<div class="${rng.pick(['result', 'search-item', 'jg'])}"><h3><a href="${articleHref(rng, year + 1)}">${t}</a></h3><p class="${rng.pick(['abs', 'summary', 'nr'])}">${snippet}</p><span class="url">${siteName(org)} ${randomDate(rng, year + 1)}</span></div>`);
  }
  const main = `<div class="${rng.pick(['s-head', 'sr-top'])}">找到约${rng.int(20, 900)}条结果，用时0.0${rng.int(1, 9)}秒</div>\n${items.join('\n')}\n${pager(rng)}`;
  // (a user may have searched for a whole report title: the page's <title> then names a report)
  const title = rng.chance(0.3) ? `${reportTitle(rng, a.name, rng.int(2019, 2024))} - 搜索结果` : rng.pick(['搜索结果', `${q} - 站内搜索`, '全文检索']);
  return sitePage(rng, { site: siteName(a.name), title, crumbs: ['搜索'], main });
}

function guidePage(rng: Rng, a: Agency): string {
  const name = a.name;
  const phone = `0${rng.int(310, 999)}-${rng.int(2000000, 8999999)}`;
  const sections: [string, string[]][] = [
    [rng.pick(['一、主动公开', '一、主动公开的政府信息']), [
      `（一）公开范围。${name}主动公开本机关的机构职能、规范性文件、发展规划、财政预决算、行政许可和行政处罚等政府信息。`,
      `（二）公开方式。通过${siteName(name)}门户网站、政务新媒体、政府公报、政务服务中心和公开栏等方式公开。`,
      `（三）公开时限。属于主动公开范围的政府信息，应当自形成或者变更之日起${rng.pick(['20', '二十'])}个工作日内予以公开。`,
    ]],
    [rng.pick(['二、依申请公开', '二、依申请公开政府信息']), [
      `（一）受理机构。${name}政务公开办公室，办公地址：${siteName(name).replace(/人民政府$/, '')}${rng.pick(['人民路', '建设路', '中山路'])}${rng.int(1, 300)}号，联系电话：${phone}。`,
      '（二）申请方式。申请人可以通过当面提交、邮政寄送、网上申请等方式提出申请，并填写《政府信息公开申请表》。',
      `（三）处理程序。能够当场答复的，当场予以答复；不能当场答复的，自收到申请之日起${rng.pick(['20', '二十'])}个工作日内予以答复，需要延长答复期限的，延长期限最长不超过20个工作日。`,
    ]],
    [rng.pick(['三、收费标准', '三、收费']), ['行政机关依申请提供政府信息，不收取费用。但是，申请人申请公开政府信息的数量、频次明显超过合理范围的，行政机关可以收取信息处理费。']],
    [rng.pick(['四、监督和救济', '四、监督方式', '四、救济方式']), [
      `公民、法人或者其他组织认为${name}在政府信息公开工作中侵犯其合法权益的，可以向上一级行政机关或者政府信息公开工作主管部门投诉、举报，也可以依法申请行政复议或者提起行政诉讼。`,
    ]],
    [rng.pick(['五、年度报告', '五、其他']), [`${name}于每年1月31日前公布本机关上一年度政府信息公开工作年度报告。`]],
  ];
  const title = rng.pick([`${name}政府信息公开指南`, `${name}政府信息公开指南（${rng.int(2019, 2024)}年版）`, `政府信息公开指南`]);
  const intro = rng.chance(0.6) ? `<p>为了更好地为公民、法人和其他组织提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。</p>` : '';
  const body = sections.map(([h, ps]) => `<p><strong>${h}</strong></p>${ps.map((p) => `<p>${esc(p)}</p>`).join('')}`).join('\n');
  const main = `<h1>${esc(title)}</h1><div class="${rng.pick(['TRS_Editor', 'article-content', 'zwnr'])}">${intro}${body}</div>`;
  return sitePage(rng, { site: siteName(name), title, crumbs: ['政务公开', '政府信息公开指南'], main });
}

function newsPage(rng: Rng, a: Agency, asText: boolean): string {
  const site = siteName(a.name);
  const base = site.replace(/人民政府$/, '');
  const heads = [
    () => `${base}召开${rng.int(2019, 2024)}年${rng.pick(['春季农业生产', '安全生产', '优化营商环境', '乡村振兴'])}工作会议`,
    () => `${base}发布${rng.int(2019, 2023)}年政府信息公开工作年度报告`,
    () => `关于报送${rng.int(2019, 2023)}年度政府信息公开工作年度报告的通知`,
    () => `${rng.pick(['县', '市', '区'])}领导调研${rng.pick(['重点项目建设', '防汛工作', '教育工作', '文旅产业'])}`,
    () => `${base}${rng.int(2019, 2024)}年政府信息公开工作年度报告解读`,
    () => `我${rng.pick(['县', '市', '区'])}开展${rng.pick(['政务公开日', '普法宣传', '消防演练'])}活动`,
    () => `${base}举办政务公开业务培训班`,
  ];
  const n = rng.int(6, 15);
  const items = Array.from({ length: n }, () => ({ title: rng.pick(heads)(), date: randomDate(rng, rng.int(2020, 2024)) }));
  const col = rng.pick(['工作动态', '新闻动态', '政务要闻', '通知公告', '部门动态']);
  if (asText) return [col, '', listItems(rng, items, true)].join('\n');
  const main = `<div class="${rng.pick(['lm_title', 'column-name', 'tit'])}">${col}</div>\n${listItems(rng, items, false)}\n${pager(rng)}`;
  return sitePage(rng, { site, title: col, crumbs: ['新闻中心', col], main });
}

/** A prose-only report as an article page: the report's paragraphs, a list of other years' reports beside it. */
function reportArticle(rng: Rng, text: string, agency: string, year: number): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const [title, ...body] = lines;
  const related = Array.from({ length: rng.int(2, 6) }, (_, k) => ({ title: reportTitle(rng, agency, year - 1 - k), date: randomDate(rng, year - k) }));
  const side = rng.chance(0.7)
    ? `<div class="${rng.pick(['xgwz', 'related', 'xglj'])}"><div class="tit">${rng.pick(['相关文章', '往年年报', '相关链接'])}</div>${listItems(rng, related, false)}</div>`
    : '';
  const info = `<div class="${rng.pick(['info', 'xx', 'article-info'])}">发布时间：${randomDate(rng, year + 1)} 来源：${agency}</div>`;
  const main = `<h1>${esc(title)}</h1>${info}<div class="${rng.pick(['TRS_Editor', 'article-content', 'zwnr', 'wzxq'])}">${body.map((l) => `<p>${esc(l)}</p>`).join('\n')}</div>${side}`;
  return sitePage(rng, { site: siteName(agency), title, crumbs: ['政务公开', '政府信息公开年报'], main });
}

/** A 2021-format report whose tables were lost: title, intro, the official headings, no table and no figures. */
function lostTables(rng: Rng, a: Agency, year: number): string {
  const title = reportTitle(rng, a.name, year);
  const lines = [
    title,
    `根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）要求，特向社会公布本报告。`,
    `本报告中所列数据的统计期限自${year}年1月1日起至${year}年12月31日止。`,
    '一、总体情况',
    '坚持以公开为常态、不公开为例外，进一步规范政府信息公开工作流程。',
    '二、主动公开政府信息情况',
    '三、收到和处理政府信息公开申请情况',
    '四、政府信息公开行政复议、行政诉讼情况',
    '五、存在的主要问题及改进情况',
    '下一步，将进一步加强组织领导，完善工作机制。',
    '六、其他需要报告的事项',
    '无。',
    a.short,
    `${year + 1}年${rng.int(1, 3)}月${rng.int(1, 28)}日`,
  ];
  return lines.join('\n\n');
}

/** A short older report: title, the statistics period, one or two figure sentences, no headings; other years' reports linked beside it. */
function shortReport(rng: Rng, a: Agency): { html: string; year: number; fields: Record<string, number> } {
  const year = rng.int(2010, 2018);
  const fields: Record<string, number> = { 'p.proactive_total': rng.int(5, 300) };
  const t = `${a.name}${year}年政府信息公开工作年度报告`;
  const sentences = [rng.pick(PHRASES['p.proactive_total'])(String(fields['p.proactive_total']), year)];
  if (rng.chance(0.6)) {
    fields['p.requests_total'] = rng.int(0, 9);
    sentences.push(rng.pick(PHRASES['p.requests_total'])(String(fields['p.requests_total']), year));
  }
  const paras = [
    rng.pick([`本报告中所列数据的统计期限自${year}年1月1日起至${year}年12月31日止。`, `本年度报告由${a.short}编制。`]),
    sentences.join(rng.pick(['', '同时，'])),
    rng.pick(['下一步，我们将继续做好政府信息公开工作。', '政府信息公开工作仍存在不足，将进一步改进。']),
    a.short,
    `${year + 1}年${rng.int(1, 3)}月${rng.int(1, 28)}日`,
  ];
  const related = Array.from({ length: rng.int(2, 5) }, (_, k) => ({ title: reportTitle(rng, a.name, year - 1 - k), date: randomDate(rng, year - k) }));
  const main = `<h1>${esc(t)}</h1><div class="${rng.pick(['TRS_Editor', 'article-content', 'zwnr'])}">${paras.map((p) => `<p>${esc(p)}</p>`).join('')}</div><div class="${rng.pick(['xgwz', 'related', 'wnnb'])}"><div class="tit">往年年报</div>${listItems(rng, related, false)}</div>`;
  return { html: sitePage(rng, { site: siteName(a.name), title: t, crumbs: ['政务公开', '政府信息公开年报'], main }), year, fields };
}

export const notReports: ClassGenerator = {
  id: 'not-reports',
  klass: '13.5',
  title: 'pages that are not reports (column, search, 指南, news list) fail not_annual_report; short and prose-only reports do not',
  testDocs: 28,
  make(seed: number, n: number): ClassDoc[] {
    const out: ClassDoc[] = [];
    for (let i = 0; i < n; i++) {
      const rng = new Rng(seed * 7919 + i * 104729 + 13);
      const kind = KINDS[rng.weighted(WEIGHTS)];
      const a = rng.pick(AGENCIES);
      const id = `not-reports-${seed}-${i}-${kind}`;
      const base = { id, layout: 'free' as const, variant: kind, template: 'free' as const, year: 0, agency: a.name, scale: a.scale, fields: {}, mustFlag: false };
      const asText = rng.chance(0.3);
      switch (kind) {
        case 'column':
        case 'news': {
          const s = kind === 'column' ? columnPage(rng, a, asText) : newsPage(rng, a, asText);
          out.push({ bytes: Buffer.from(s, 'utf8'), name: `${id}.${asText ? 'txt' : 'html'}`, expected: { ...base, variant: `${kind}${asText ? '/text' : ''}`, failWith: 'not_annual_report' } });
          break;
        }
        case 'search':
          out.push({ bytes: Buffer.from(searchPage(rng, a), 'utf8'), name: `${id}.html`, expected: { ...base, failWith: 'not_annual_report' } });
          break;
        case 'guide':
          out.push({ bytes: Buffer.from(guidePage(rng, a), 'utf8'), name: `${id}.html`, expected: { ...base, failWith: 'not_annual_report' } });
          break;
        case 'prose-report':
        case 'prose-report-html': {
          const d = makeDoc({ layout: 'free', template: 'free', seed: seed * 1000 + i, id });
          const bytes = kind === 'prose-report' ? d.bytes : Buffer.from(reportArticle(rng, d.bytes.toString('utf8'), d.expected.agency, d.expected.year), 'utf8');
          out.push({ bytes, name: `${id}.${kind === 'prose-report' ? 'txt' : 'html'}`, expected: { ...d.expected, variant: kind } });
          break;
        }
        case 'short-report-html': {
          const s = shortReport(rng, a);
          out.push({ bytes: Buffer.from(s.html, 'utf8'), name: `${id}.html`, expected: { ...base, year: s.year, fields: s.fields } });
          break;
        }
        case 'lost-tables': {
          const year = rng.int(2021, 2024);
          out.push({
            bytes: Buffer.from(lostTables(rng, a, year), 'utf8'),
            name: `${id}.txt`,
            expected: { ...base, year, mustFlag: true, flagWith: 'no_tables' },
          });
          break;
        }
      }
    }
    return out;
  },
};
