#!/usr/bin/env node
/**
 * Makes test/fixtures/files/pdf-images/: text reports printed by Chromium whose official tables are
 * pictures (issue 13 class 6). Run once; the outputs are committed (tests never need Chromium).
 *
 *   node scripts/make-image-table-fixtures.js
 *
 * Needs Debian's chromium, ImageMagick (convert) and fonts-droid-fallback or fonts-noto-cjk (Droid first: Noto Serif
 * maps some glyphs to CJK radicals, class 13.3, which this fixture set is not about). Each table (二, 三, 四) is
 * rendered alone and screenshotted, reduced to a few grey levels, and the report's HTML shows
 * the pictures where the tables belong; Chromium prints it to PDF (Skia image XObjects).
 *
 *   headings-2021.pdf   2021 template, section headings printed, one picture per table
 *   noheadings-2019.pdf 2019 template (the 2020 report), no section headings, pictures only
 *   figures-2021.pdf    2021 template, headings, prose figures in 一、总体情况, a small emblem picture at the top
 */
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { execFileSync } = require('child_process');
const { makeValues, esc, s2Table, s3Table, s4Table } = require('./lib/official-report');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'test/fixtures/files/pdf-images');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-imgpdf-'));

function chromium(args) {
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', ...args], { stdio: ['ignore', 'ignore', 'ignore'], timeout: 120000 });
}

const STYLE = `body { font-family: "Droid Sans Fallback", "Noto Sans CJK SC", sans-serif; font-size: 12pt; margin: 8px; }
table.grid { border-collapse: collapse; width: 100%; font-size: 10pt; line-height: 1.3; }
table.grid td { border: 1px solid #000; padding: 3pt 4pt; text-align: center; }`;

/** One table rendered alone → a grey PNG; returns its file and pixel height. */
function tablePicture(name, tableHtml, height) {
  const src = path.join(TMP, `${name}.html`);
  fs.writeFileSync(src, `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head><body>${tableHtml}</body></html>`);
  const raw = path.join(TMP, `${name}-raw.png`);
  chromium([`--screenshot=${raw}`, `--window-size=900,${height}`, `file://${src}`]);
  const out = path.join(TMP, `${name}.png`);
  execFileSync('convert', [raw, '-trim', '-colorspace', 'Gray', '-colors', '4', out]);
  return out;
}

function emblem() {
  const out = path.join(TMP, 'emblem.png');
  execFileSync('convert', ['-size', '64x64', 'xc:white', '-fill', 'red', '-draw', 'circle 32,32 32,4', out]);
  return out;
}

function reportHtml(s, pics) {
  const h = (t) => (s.headings ? `<h2>${t}</h2>` : '');
  const img = (f) => `<p class="pic"><img src="file://${f}" style="width:100%"></p>`;
  const figures = s.figures ? `<p>${s.year}年主动公开政府信息${s.proactive}条。全年累计受理依申请公开政府信息${s.requests}件。</p>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(s.agency)}${s.year}年政府信息公开工作年度报告</title>
<style>@page { size: A4; margin: 22mm 20mm; } body { font-family: "Droid Sans Fallback", "Noto Serif CJK SC", serif; font-size: 12pt; line-height: 1.6; }
h1 { font-size: 18pt; text-align: center; font-weight: normal; } h2 { font-size: 14pt; font-weight: normal; } p { text-indent: 2em; margin: 0 0 4pt; }
p.pic { text-indent: 0; } img { break-inside: avoid; }</style></head><body>
${s.emblem ? `<p class="pic" style="text-align:center"><img src="file://${emblem()}" style="width:40px"></p>` : ''}
<h1>${esc(s.agency)}${s.year}年政府信息公开工作年度报告</h1>
<p>根据《中华人民共和国政府信息公开条例》要求，特向社会公布本报告。本报告中所列数据的统计期限自${s.year}年1月1日起至${s.year}年12月31日止。</p>
${h('一、总体情况')}
<p>坚持以公开为常态、不公开为例外，进一步规范政府信息公开工作流程。</p>
${figures}
${h('二、主动公开政府信息情况')}
${img(pics.s2)}
${h('三、收到和处理政府信息公开申请情况')}
${img(pics.s3)}
${h('四、政府信息公开行政复议、行政诉讼情况')}
${img(pics.s4)}
${h('五、存在的主要问题及改进情况')}
<p>政府信息公开工作虽取得一定成效，但仍存在公开内容不够全面等问题。</p>
${h('六、其他需要报告的事项')}
<p>本年度未收取信息处理费。</p>
<p style="text-align:right">${esc(s.agency)}</p>
<p style="text-align:right">${s.year + 1}年1月15日</p>
</body></html>`;
}

const specs = [
  { name: 'headings-2021', template: '2021', year: 2022, agency: '南湖区人民政府办公室', seed: 6021, headings: true },
  { name: 'noheadings-2019', template: '2019', year: 2020, agency: '东山县农业农村局', seed: 6019, headings: false },
  { name: 'figures-2021', template: '2021', year: 2023, agency: '北林镇人民政府', seed: 7021, headings: true, figures: true, emblem: true, proactive: 236, requests: 4 },
];

fs.mkdirSync(OUT, { recursive: true });
for (const s of specs) {
  const v = makeValues(s.template, s.seed);
  const pics = {
    s2: tablePicture(`${s.name}-s2`, s2Table(s.template, v), 1400),
    s3: tablePicture(`${s.name}-s3`, s3Table(s.template, v, { repeatHeader: false }), 1400),
    s4: tablePicture(`${s.name}-s4`, s4Table(v), 600),
  };
  const src = path.join(TMP, `${s.name}.html`);
  fs.writeFileSync(src, reportHtml(s, pics));
  const out = path.join(OUT, `${s.name}.pdf`);
  chromium(['--no-pdf-header-footer', '--allow-file-access-from-files', `--print-to-pdf=${out}`, `file://${src}`]);
  const fields = s.figures ? { 'p.proactive_total': s.proactive, 'p.requests_total': s.requests } : {};
  fs.writeFileSync(path.join(OUT, `${s.name}.expected.json`), JSON.stringify({ template: 'free', year: s.year, agency: s.agency, flag: 'tables_as_images', fields, notes: `chromium; ${s.template} tables as pictures${s.headings ? '' : ', no section headings'}` }, null, 1) + '\n');
  console.log(`${s.name}.pdf: ${fs.statSync(out).size} bytes`);
}
fs.rmSync(TMP, { recursive: true, force: true });
