#!/usr/bin/env node
/**
 * Makes test/fixtures/files/pdf-prose/*.pdf (run once; the output is committed): short prose-only
 * reports printed by Chromium on small pages with its own running header (date, title) and footer
 * (URL, page n/m), so that figure sentences run over page breaks with real page furniture between
 * their halves (issue 13.7). Each variant pads the text differently so the breaks fall in different
 * sentences; lookalike-a prints look-alike radicals and compatibility ideographs into the text
 * layer (issue 13.3). The expected figures go to <name>.expected.json; test/prose-pdf.test.ts
 * reads them.
 *
 *   node scripts/make-prose-break-pdfs.js
 *
 * Needs Debian's chromium and fonts-droid-fallback (Chromium prints CJK as Type 3 fonts: about 220 KB a file, so two variants only); poppler's pdftotext only to print where the breaks fell.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const OUT = path.resolve(__dirname, '..', 'test/fixtures/files/pdf-prose');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-prose-'));

const FILLER = [
  '坚持以公开为常态、不公开为例外，进一步规范政府信息公开工作流程，切实保障人民群众的知情权、参与权、表达权和监督权。',
  '严格落实保密审查制度，按照“谁公开、谁审查、谁负责”的原则，做好信息发布前的审核把关。',
  '依托政府门户网站、政务新媒体和公开栏等平台，及时发布涉及群众切身利益的各类信息。',
  '加强工作人员业务培训，提升政务公开队伍的能力和水平。',
];

function report(v) {
  const y = v.year;
  const pad = (n) => FILLER.slice(0, n).concat(FILLER.slice(0, Math.max(0, n - FILLER.length))).map((s) => `<p>${s}</p>`).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${v.agency}${y}年政府信息公开工作年度报告</title><style>
@page { size: 105mm 148mm; margin: 16mm 10mm 14mm 10mm; }
body { font-family: 'Droid Sans Fallback', sans-serif; font-size: ${v.pt}pt; line-height: 1.5; }
p { text-indent: 2em; margin: 0 0 0.3em 0; text-align: justify; }
h1 { font-size: ${v.pt + 3}pt; text-align: center; } h2 { font-size: ${v.pt + 1}pt; }
</style></head><body>
<h1>${v.agency}${y}年政府信息公开工作年度报告</h1>
<p>根据《中华人民共和国政府信息公开条例》要求，特向社会公布${v.agency}${y}年政府信息公开工作年度报告。本报告中所列数据的统计期限自${y}年1月1日起至${y}年12月31日止。</p>
<h2>一、总体情况</h2>
${pad(v.pad)}
<h2>二、主动公开政府信息情况</h2>
<p>${y - 1}年，主动公开政府信息${v.prev}条。${y}年，我镇通过政府门户网站、政务新媒体、公开栏等渠道共主动公开各类政府信息${v.proactive}条，较上年增加${v.proactive - v.prev}条，其中通过门户网站公开${v.web}条。</p>
<h2>三、依申请公开政府信息情况</h2>
<p>${pad(1).replace(/<\/?p>/g, '')}全年共受理公民、法人和其他组织提出的政府信息公开申请${v.requests}件，均在法定期限内予以答复，未发生逾期答复的情况。</p>
<h2>四、咨询处理情况</h2>
<p>通过电话、现场、网上等方式接受群众咨询${v.consultations}人次，较上年增加${v.consultations > 3 ? 3 : 1}人次，群众满意度进一步提高。</p>
<h2>五、行政复议和行政诉讼情况</h2>
<p>全年发生信息公开类行政复议${v.reviews}件，诉讼${v.lawsuits}件，上年度发生行政复议${v.reviews + 2}件。</p>
<h2>六、存在的问题及改进措施</h2>
${pad(2)}
<p style="text-align:right">${v.short}</p><p style="text-align:right">${y + 1}年1月20日</p>
</body></html>`;
}

const VARIANTS = [
  { name: 'break-a', agency: '隆德县城关镇人民政府', short: '城关镇人民政府', year: 2021, pt: 11, pad: 2, prev: 180, proactive: 236, web: 120, requests: 7, consultations: 45, reviews: 1, lawsuits: 2 },
  { name: 'lookalike-a', lookalikes: true, agency: '固原市原州区人民政府', short: '原州区人民政府', year: 2022, pt: 11, pad: 1, prev: 800, proactive: 934, web: 500, requests: 31, consultations: 260, reviews: 4, lawsuits: 2 },
  { name: 'break-c', agency: '峨山县甸中镇人民政府', short: '甸中镇人民政府', year: 2022, pt: 10.5, pad: 4, prev: 300, proactive: 412, web: 201, requests: 12, consultations: 77, reviews: 2, lawsuits: 0 },
];

/** Does a page break fall inside a figure sentence, before its number? (pdftotext: pages end in \f) */
function splitsFigure(pdf, v) {
  const pages = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).split('\f').map((p) => p.replace(/\s+/g, ''));
  const figures = [v.proactive, v.requests, v.consultations, v.reviews, v.lawsuits].map(String);
  for (let i = 0; i + 1 < pages.length; i++) {
    const tail = pages[i].slice(pages[i].lastIndexOf('。') + 1);
    const head = pages[i + 1].slice(0, 80);
    if (/主动公开|申请|咨询|复议|诉讼|接受|受理/.test(tail) && figures.some((f) => new RegExp(`(^|\\D)${f}(条|件|人次)`).test(head.split('。')[0]))) return true;
  }
  return false;
}

function print(src, pdf) {
  // header and footer on: Chromium prints the date and title at the top, the URL and n/m at the bottom of every page
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--print-to-pdf=${pdf}`, `file://${src}`], { stdio: ['ignore', 'ignore', 'ignore'], timeout: 120000 });
}

/**
 * Look-alike code points as some fonts' exports carry them (issue 13.3): Radicals Supplement,
 * Kangxi and compatibility forms for characters of the name and the figure sentences.
 */
const LOOKALIKES = { 民: '⺠', 门: '⻔', 长: '⻓', 见: '⻅', 人: '⼈', 年: '\uf98e', 不: '\uf967', 行: '\ufa08' };
function withLookalikes(html) {
  return html.replace(/>([^<]+)</g, (_m, t) => `>${Array.from(t, (c) => LOOKALIKES[c] ?? c).join('')}<`);
}

fs.mkdirSync(OUT, { recursive: true });
for (const base of VARIANTS) {
  const src = path.join(TMP, `${base.name}.html`);
  const pdf = path.join(OUT, `${base.name}.pdf`);
  let v = base;
  // the first padding and size (from the variant's own) whose page breaks cut a figure sentence before its number
  search: for (let pad = base.pad; pad < base.pad + 6; pad++) {
    for (const pt of [base.pt, base.pt + 0.5, base.pt - 0.5, base.pt + 1]) {
      v = { ...base, pad, pt };
      fs.writeFileSync(src, v.lookalikes ? withLookalikes(report(v)) : report(v));
      print(src, pdf);
      if (v.lookalikes || splitsFigure(pdf, v)) break search;
    }
  }
  const expected = {
    year: v.year, agency: v.agency,
    fields: { 'p.proactive_total': v.proactive, 'p.requests_total': v.requests, 'p.consultations': v.consultations, 'p.reviews': v.reviews, 'p.lawsuits': v.lawsuits },
  };
  fs.writeFileSync(path.join(OUT, `${v.name}.expected.json`), JSON.stringify(expected, null, 1) + '\n');
  console.log(`${v.name}.pdf\t${fs.statSync(pdf).size} bytes\tpad ${v.pad} ${v.pt}pt\tfigure sentence cut: ${splitsFigure(pdf, v)}`);
}
fs.rmSync(TMP, { recursive: true, force: true });
