/**
 * 13.7 Prose in the wild: every p.* figure sentence composed from a vocabulary of time leads,
 * subjects, verbs, objects, quantity forms and tails (not from a list of whole sentences), among
 * distractors real reports carry — last year's figures (2020年主动公开…, 上年度…, 同期…), changes
 * (较上年增加15条, 同比增长12%), 诉讼 without 行政, 分别/均 pairs — with a 目录 after the title,
 * hard line wraps of text dumps (pdftotext) and page furniture (page numbers, a running header)
 * cutting figure sentences at a page break. Text dumps of free reports and of table reports, and
 * web pages of table reports (the prose figures then agree with the tables, as the core
 * cross-checks them).
 */
import type { ClassDoc, ClassGenerator } from './harness';
import { Rng } from '../fixtures/prng';
import { generateGrid, type Scale } from '../fixtures/grid-gen';
import { templateKeys } from '../fixtures/grid-spec';
import { composeTableReport } from '../fixtures/render/compose';
import { renderCellPerLine, renderCleanTabs } from '../fixtures/render/text';
import { renderHtml } from '../fixtures/render/html';
import { AGENCIES, filler, intro, problems, signatureDate, title, type Agency } from '../fixtures/render/report';

type Facts = Partial<Record<'p.proactive_total' | 'p.requests_total' | 'p.consultations' | 'p.reviews' | 'p.lawsuits', number>>;

const fmtNum = (rng: Rng, n: number) => (n >= 1000 && rng.chance(0.3) ? n.toLocaleString('en-US') : String(n));

/** A phrase assembled from slots, each drawn independently. */
function compose(rng: Rng, ...slots: (string | readonly string[])[]): string {
  return slots.map((s) => (typeof s === 'string' ? s : rng.pick(s))).join('');
}

function lead(rng: Rng, y: number): string {
  const when = rng.pick(['', `${y}年`, `${y}年度`, '本年度', '全年', '今年以来', '报告期内', `${y}年1月至12月`, `截至${y}年12月31日`]);
  const who = rng.pick(['', '我局', '本机关', '我单位', '我镇', '我办']);
  return when + (when && who && rng.chance(0.6) ? '，' : '') + who;
}

function proactive(rng: Rng, y: number, n: number, prev: number): string[] {
  const cur = compose(rng, lead(rng, y), ['', '共', '累计', '共计', '通过门户网站、政务新媒体等渠道'], ['主动公开', '主动发布', '主动公开发布'],
    ['政府信息', '各类政府信息', '各类信息', '信息', '政务信息', '政府信息数量'], [`${fmtNum(rng, n)}条`, `共计${fmtNum(rng, n)}条`, `为${fmtNum(rng, n)}条`, `达${fmtNum(rng, n)}条`]);
  const d = Math.abs(n - prev) || 1;
  const tail = rng.pick([
    '。', `，其中通过政府门户网站公开${rng.int(0, n)}条。`, `，较上年增长${rng.int(1, 40)}%。`, `，比上年${n >= prev ? '增加' : '减少'}${d}条。`,
    `，同比增长${rng.int(1, 30)}.${rng.int(0, 9)}%。`, `，较${y - 1}年的${prev}条有所${n >= prev ? '增加' : '减少'}。`, `（上年度为${prev}条）。`,
  ]);
  const out = [cur + tail];
  // last year's figure: its own sentence (before or after), or a change stated as a count
  const past = rng.pick([
    `${y - 1}年，主动公开政府信息${prev}条。`, `上年度主动公开政府信息${prev}条。`, `${y - 1}年同期主动公开各类信息${prev}条。`,
    `与${y - 1}年相比，主动公开信息数量${n >= prev ? '增加' : '减少'}${d}条。`, `去年全年主动发布政府信息${prev}条。`,
    `自${y - 3}年以来，累计主动公开政府信息${prev + n * 3}条。`, '',
  ]);
  if (past) rng.chance(0.5) ? out.unshift(past) : out.push(past);
  // both years in one sentence
  if (rng.chance(0.2)) return [`${y - 1}年主动公开政府信息${prev}条，${rng.pick([`${y}年`, '本年度', '今年'])}主动公开${fmtNum(rng, n)}条。`];
  return out;
}

function requests(rng: Rng, y: number, n: number): string {
  if (n === 0 && rng.chance(0.4)) return `${lead(rng, y)}未${rng.pick(['收到', '受理', '接到'])}${rng.pick(['政府信息公开申请', '依申请公开政府信息的申请'])}。`;
  const head = compose(rng, lead(rng, y), ['', '共', '共计'], ['受理', '收到', '接收', '新收', '办理'], ['', '群众提出的', '公民、法人和其他组织提出的'],
    ['政府信息公开申请', '依申请公开申请', '信息公开申请'], [`${n}件`, `共计${n}件`, `${n}件次`]);
  const tail = rng.pick(['。', '，均已按时答复。', `，较上年${rng.pick(['减少', '增加'])}${rng.int(1, 9)}件。`, `，同比增长${rng.int(1, 50)}%。`,
    `，另办理上年结转的政府信息公开申请${rng.int(1, 5)}件。`]);
  return head + tail;
}

function consultations(rng: Rng, y: number, n: number): string {
  return compose(rng, lead(rng, y), ['接受', '接待', '受理', '解答', '答复', '处理'], ['', '群众', '公众', '社会公众'], ['', '电话', '现场', '网上', '来电来访'], '咨询',
    [`${n}次`, `${n}人次`, `共${n}次`, `${n}件`], ['。', '，均及时予以答复。', `，较上年增加${rng.int(1, 30)}次。`]);
}

function reviewsLawsuits(rng: Rng, y: number, r: number, l: number): string {
  const forms: string[] = [
    `${lead(rng, y)}因政府信息公开被申请行政复议${r}起，被提起行政诉讼${l}起。`,
    `${lead(rng, y)}信息公开类行政复议${r}件，诉讼${l}件。`,
    `${lead(rng, y)}发生政府信息公开行政复议案件${r}件、行政诉讼案件${l}件。`,
    `${lead(rng, y)}行政复议和行政诉讼案件分别为${r}件和${l}件。`,
    `涉及政府信息公开的行政复议${r}起、行政诉讼${l}起。`,
  ];
  if (r === 0 && l === 0) forms.push('未发生因政府信息公开引起的行政复议和行政诉讼。', '无行政复议和行政诉讼案件。', '行政复议、行政诉讼均为0件。');
  if (r === 0 && l > 0) forms.push(`未发生政府信息公开行政复议案件，被提起行政诉讼${l}件。`);
  let s = rng.pick(forms);
  if (rng.chance(0.3)) s += `上年度发生行政复议${r + rng.int(1, 3)}件。`;
  return s;
}

const TOC_SECTIONS = ['一、总体情况', '（一）主动公开政府信息情况', '二、主动公开政府信息情况', '三、收到和处理政府信息公开申请情况', '四、政府信息公开行政复议、行政诉讼情况', '五、存在的主要问题及改进情况', '六、其他需要报告的事项'];

function toc(rng: Rng): string[] {
  const lead = rng.pick(['……', '…………', '..........', '·········', '——————']);
  let page = 1;
  return [rng.pick(['目录', '目  录']), ...TOC_SECTIONS.filter(() => rng.chance(0.8)).map((h) => `${h}${lead.repeat(rng.int(1, 3))}${(page += rng.int(0, 2))}`)];
}

/** A cut inside `s` that does not split a number (a page break or a wrap falls between characters). */
function cutPoint(rng: Rng, s: string, lo: number, hi: number): number {
  for (let t = 0; t < 20; t++) {
    const k = rng.int(lo, hi);
    if (k > 0 && k < s.length && !(/\d|[,.]/.test(s[k - 1]) && /\d|[,.]/.test(s[k]))) return k;
  }
  return -1;
}

/** Hard wrap at about `w` characters (a text dump of a PDF): never inside a number. */
function wrap(rng: Rng, s: string, w: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > w + 4) {
    let k = w;
    while (k < rest.length && /\d|[,.]/.test(rest[k - 1]) && /\d|[,.]/.test(rest[k])) k++;
    out.push(rest.slice(0, k));
    rest = rest.slice(k);
  }
  out.push(rest);
  return out;
}

interface Ctx { rng: Rng; header: string; footer: string; page: number; pages: number; wrapAt: number }

/** Page furniture at a break: the page number of the page ending, the running header of the next. */
function pageBreak(c: Ctx): string[] {
  const p = c.page++;
  const num = c.rng.pick([`第${p}页 共${c.pages}页`, `— ${p} —`, `- ${p} -`, `${p}/${c.pages}`, `${p}`, `第${p}页`]);
  // a footer naming the agency, alone or with the page number, is common in Word exports
  const parts = c.rng.pick([[num, '', c.header], [num], [c.header], ['', num, '', '', c.header, ''], [c.footer, num], [`${c.footer}  ${num}`], [c.footer]]);
  return parts;
}

/**
 * A figure paragraph as a dump prints it: wrapped or not, and cut by a page break half the time —
 * between two wrapped lines (a page ends after a full line), or anywhere in an unwrapped one.
 */
function printPara(c: Ctx, s: string, indent: string): string[] {
  const lines = c.wrapAt ? wrap(c.rng, s, c.wrapAt) : [s];
  const first = (l: string, i: number) => (i === 0 ? indent + l : l);
  if (!c.rng.chance(0.5)) return lines.map(first);
  if (lines.length > 1) {
    const k = c.rng.int(1, lines.length - 1);
    return [...lines.slice(0, k).map(first), ...pageBreak(c), ...lines.slice(k)];
  }
  const k = cutPoint(c.rng, s, 8, s.length - 2);
  if (k < 0) return lines.map(first);
  return [indent + s.slice(0, k), ...pageBreak(c), s.slice(k)];
}

function figureParagraphs(rng: Rng, y: number, f: Facts, prevProactive: number): string[] {
  const paras: string[] = [];
  paras.push(proactive(rng, y, f['p.proactive_total']!, prevProactive).join(''));
  if (f['p.requests_total'] !== undefined) paras.push(requests(rng, y, f['p.requests_total']));
  if (f['p.consultations'] !== undefined) paras.push(consultations(rng, y, f['p.consultations']));
  if (f['p.reviews'] !== undefined) paras.push(reviewsLawsuits(rng, y, f['p.reviews'], f['p.lawsuits']!));
  return rng.chance(0.3) ? [paras.join('')] : paras;
}

const PROACTIVE: Record<Scale, [number, number]> = { township: [30, 400], county: [200, 3000], city: [1500, 30000] };

export const proseWild: ClassGenerator = {
  id: 'prose-wild',
  klass: '13.7',
  title: 'figure sentences in the wild: wording, earlier years, 目录, page furniture inside sentences',
  testDocs: 30,
  make(seed, n) {
    const rng = new Rng(seed * 15485863 + 7);
    const docs: ClassDoc[] = [];
    for (let i = 0; i < n; i++) {
      const r = rng.fork(i);
      const agency: Agency = r.pick(AGENCIES);
      const layout = r.pick(['free', 'free', 'clean-tabs', 'cell-per-line', 'html'] as const);
      const template = layout === 'free' ? 'free' : r.pick(['2019', '2021'] as const);
      const year = template === '2019' ? r.int(2019, 2020) : template === '2021' ? r.int(2021, 2024) : r.int(2016, 2020);
      const facts: Facts = { 'p.proactive_total': r.int(...PROACTIVE[agency.scale]) };
      const prev = Math.max(1, facts['p.proactive_total']! + r.int(-80, 80));
      const fields: Record<string, number | null> = {};
      const ttl = title(agency.name, year);
      const c: Ctx = { rng: r.fork(9), header: ttl, footer: r.chance(0.5) ? agency.name : agency.short, page: 1, pages: r.int(4, 12), wrapAt: r.chance(0.4) ? r.int(26, 40) : 0 };
      const figureLines = (paras: string[], indent: string) => paras.flatMap((p) => [...printPara(c, p, indent), '']);
      let text: string;
      if (template === 'free') {
        const big = { township: 1, county: 8, city: 60 }[agency.scale];
        if (r.chance(0.8)) facts['p.requests_total'] = r.int(0, 6) * big;
        if (r.chance(0.7)) facts['p.consultations'] = r.int(0, 80) * big;
        if (r.chance(0.7)) {
          facts['p.reviews'] = r.chance(0.4) ? 0 : r.int(0, 3 * big);
          facts['p.lawsuits'] = r.chance(0.4) ? 0 : r.int(0, big);
        }
        const paras = figureParagraphs(r.fork(2), year, facts, prev);
        const indent = r.pick(['', '    ', '\u3000\u3000']);
        text = [
          ttl, '', ...(r.chance(0.4) ? [...toc(r), ''] : []),
          ...intro(r, { agency, year, template: 'free' }).flatMap((s) => [indent + s, '']),
          '一、总体情况', '', ...filler(r, 2).flatMap((s) => [indent + s, '']),
          '二、政府信息公开情况', '', ...figureLines(paras, indent),
          '三、存在的问题及改进措施', '', ...problems(r).flatMap((s) => [indent + s, '']),
          agency.short, '', signatureDate(r, year), '',
        ].join('\n');
      } else {
        const grid = generateGrid(template, agency.scale, r.fork(3));
        const rep = composeTableReport(r.fork(4), template, year, agency, grid);
        if (r.chance(0.5)) facts['p.requests_total'] = grid['s3.new.total'];
        if (r.chance(0.5)) facts['p.consultations'] = r.int(0, agency.scale === 'city' ? 5000 : 200);
        if (r.chance(0.5)) {
          facts['p.reviews'] = grid['s4.review.total'];
          facts['p.lawsuits'] = grid['s4.suit_direct.total'] + grid['s4.suit_after_review.total'];
        }
        const MARK = '\u0002FIGURES\u0002';
        // the lead filler, the figure paragraphs, the two trailing fillers
        rep.overview = [rep.overview[0], () => MARK, ...rep.overview.slice(-2)];
        rep.prose = facts;
        const paras = figureParagraphs(r.fork(2), year, facts, prev);
        if (layout === 'html') {
          // a web page: paragraphs as <p> (or <br> lines inside Word's spans), no page furniture
          const word = r.chance(0.4);
          text = renderHtml(rep, r.fork(5), String, { blankZeros: false, word, s2Merged: r.chance(0.5) }).text;
          text = text.replace(MARK, paras.join(word ? '<br>' : '</p>\n<p style="text-indent:2em">'));
        } else {
          text = (layout === 'clean-tabs' ? renderCleanTabs : renderCellPerLine)(rep, r.fork(5), String).text;
          const at = text.indexOf(MARK);
          const lineStart = text.lastIndexOf('\n', at) + 1;
          const indent = text.slice(lineStart, at);
          text = text.slice(0, lineStart) + figureLines(paras, indent).join('\n') + text.slice(at + MARK.length);
        }
        if (r.chance(0.4)) {
          const body = text.indexOf('根据《中华人民共和国政府信息公开条例》');
          const start = text.lastIndexOf('\n', body) + 1;
          text = `${text.slice(0, start)}${toc(r).join('\n')}\n\n${text.slice(start)}`;
        }
        for (const k of templateKeys(template)) fields[k] = grid[k];
      }
      Object.assign(fields, facts);
      const id = `prose-${seed}-${i}`;
      docs.push({
        bytes: Buffer.from(text, 'utf8'),
        name: `${id}.${layout === 'html' ? 'html' : 'txt'}`,
        expected: {
          id, layout: template === 'free' ? 'free' : layout, variant: `${layout}${c.wrapAt ? '/wrap' : ''}${c.page > 1 ? '/pagebreak' : ''}`,
          template, year, agency: agency.name, scale: agency.scale, fields, mustFlag: false,
        },
      });
    }
    return docs;
  },
};
