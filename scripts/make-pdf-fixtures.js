#!/usr/bin/env node
/**
 * Makes the PDF fixtures under test/fixtures/files/pdf/ (run once; the outputs are committed).
 *
 *   node scripts/make-pdf-fixtures.js
 *
 * Needs Debian's chromium, LibreOffice (soffice), qpdf and fonts-noto-cjk. Every report is an
 * official-format HTML report with random non-zero values that satisfy the grid identities
 * (fixed seeds, so reruns give the same numbers); its <name>.expected.json holds the values.
 *
 *   ruled-2019.pdf           2019 template, chromium, ruled; running header and "— N —" page numbers;
 *                            the 三 table crosses a page break and repeats its header (<thead>)
 *   ruled-2021.pdf           2021 template, chromium, ruled; "第N页 共M页" footer; no repeated header
 *   lo-2021.pdf              2021 template converted by LibreOffice (lines drawn the Writer way)
 *   borderless-2021.pdf      2021 template, tables without any ruling lines
 *   split-header.pdf         short report, 三 table split over pages 1-2 with a repeated header
 *   split-noheader.pdf       the same without the repeated header
 *   scanned.pdf              a screenshot of a report page wrapped in a PDF (no text layer)
 *   encrypted.pdf            ruled-2021.pdf encrypted by qpdf with a user password
 *   truncated.pdf            the first 55% of ruled-2019.pdf
 *   garbage.pdf              %PDF- header followed by random bytes
 */
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'test/fixtures/files/pdf');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-pdf-'));

const { rng, makeValues, esc, s2Table, s3Table, s4Table, prose } = require('./lib/official-report');
function reportHtml({ template, year, agency, v, seed, paras = 5, border = true, repeatHeader = true, header, footer, fontPt = 12, pad = 3 }) {
  const r = rng(seed + 7);
  const p = (k) => Array.from({ length: k }, (_, i) => `<p>${esc(prose(i + Math.floor(r() * 7), agency, r))}</p>`).join('\n');
  const cellBorder = border ? '1px solid #000' : 'none';
  const margin = [];
  if (header) margin.push(`@top-center { content: "${header}"; font-size: 9pt; font-family: "Droid Sans Fallback"; }`);
  if (footer) margin.push(`@bottom-center { content: ${footer}; font-size: 10pt; font-family: "Droid Sans Fallback"; }`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(agency)}${year}年政府信息公开工作年度报告</title>
<style>
@page { size: A4; margin: 22mm 20mm; ${margin.join(' ')} }
body { font-family: "Droid Sans Fallback", "Noto Serif CJK SC", serif; font-size: ${fontPt}pt; line-height: 1.6; }
h1 { font-size: 18pt; text-align: center; font-weight: normal; }
h2 { font-size: 14pt; font-weight: normal; margin: 10pt 0 6pt; }
p { text-indent: 2em; margin: 0 0 4pt; text-align: justify; }
table.grid { border-collapse: collapse; width: 100%; margin: 6pt 0; font-size: ${fontPt - 2.5}pt; line-height: 1.3; }
table.grid td { border: ${cellBorder}; padding: ${pad}pt 4pt; text-align: center; }
table.s4 td { padding: 3pt 1pt; }
tr { break-inside: avoid; }
</style></head><body>
<h1>${esc(agency)}${year}年政府信息公开工作年度报告</h1>
<p>本报告根据《中华人民共和国政府信息公开条例》要求编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。本报告中所列数据的统计期限自${year}年1月1日起至${year}年12月31日止。</p>
<h2>一、总体情况</h2>
${p(paras)}
<h2>二、主动公开政府信息情况</h2>
${s2Table(template, v)}
<h2>三、收到和处理政府信息公开申请情况</h2>
${s3Table(template, v, { repeatHeader })}
<h2>四、政府信息公开行政复议、行政诉讼情况</h2>
${s4Table(v)}
<h2>五、存在的主要问题及改进情况</h2>
${p(Math.max(2, paras - 2))}
<h2>六、其他需要报告的事项</h2>
<p>本年度未收取信息处理费。</p>
<p style="text-align:right">${esc(agency)}</p>
<p style="text-align:right">${year + 1}年1月15日</p>
</body></html>`;
}

// ---------------------------------------------------------------- tools

function chromium(args) {
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', ...args], { stdio: ['ignore', 'ignore', 'ignore'], timeout: 120000 });
}

function printPdf(html, name) {
  const src = path.join(TMP, `${name}.html`);
  fs.writeFileSync(src, html);
  const out = path.join(OUT, `${name}.pdf`);
  chromium(['--no-pdf-header-footer', `--print-to-pdf=${out}`, `file://${src}`]);
  return out;
}

function writeExpected(name, spec) {
  const exp = { template: spec.template, year: spec.year, agency: spec.agency, fields: spec.v, notes: spec.notes };
  fs.writeFileSync(path.join(OUT, `${name}.expected.json`), JSON.stringify(exp, null, 1) + '\n');
}

function pages(pdf) {
  const info = execFileSync('pdfinfo', [pdf]).toString();
  return Number(/Pages:\s+(\d+)/.exec(info)[1]);
}

// ---------------------------------------------------------------- main

fs.mkdirSync(OUT, { recursive: true });

const specs = [
  { name: 'ruled-2019', template: '2019', year: 2020, agency: '江城市人民政府办公室', seed: 2019, paras: 14,
    header: '江城市人民政府办公室2020年政府信息公开工作年度报告', footer: '"— " counter(page) " —"', repeatHeader: true,
    notes: 'chromium; running header; "— N —" page numbers; 三 table crosses a page break with a repeated header' },
  { name: 'ruled-2021', template: '2021', year: 2022, agency: '河西区人民政府', seed: 2021, paras: 12,
    footer: '"第" counter(page) "页 共" counter(pages) "页"', repeatHeader: false, pad: 6,
    notes: 'chromium; "第N页 共M页" footer; 三 table crosses a page break without a repeated header' },
  { name: 'borderless-2021', template: '2021', year: 2021, agency: '青山县交通运输局', seed: 3021, paras: 3, border: false,
    footer: '"-" counter(page) "-"', repeatHeader: false, notes: 'chromium; tables without ruling lines' },
  { name: 'split-header', template: '2021', year: 2023, agency: '白云镇人民政府', seed: 4021, paras: 2, fontPt: 13, pad: 7,
    repeatHeader: true, notes: 'chromium; 三 table split over a page break, header rows repeated' },
  { name: 'split-noheader', template: '2021', year: 2023, agency: '白云镇人民政府', seed: 5021, paras: 2, fontPt: 13, pad: 7,
    repeatHeader: false, notes: 'chromium; 三 table split over a page break, no repeated header' },
];

for (const s of specs) {
  s.v = makeValues(s.template, s.seed);
  const pdf = printPdf(reportHtml(s), s.name);
  writeExpected(s.name, s);
  console.log(`${s.name}.pdf: ${pages(pdf)} pages`);
}

// LibreOffice: the same kind of report through Writer's HTML import and PDF export.
{
  const s = { name: 'lo-2021', template: '2021', year: 2022, agency: '东湖区教育局', seed: 6021, paras: 6, repeatHeader: false,
    notes: 'LibreOffice Writer (HTML import, PDF export)' };
  s.v = makeValues(s.template, s.seed);
  // Writer takes table borders from the border attribute rather than from CSS
  const html = reportHtml(s).replace(/<table class="grid([^"]*)">/g, '<table class="grid$1" border="1" cellspacing="0" cellpadding="3" width="100%">');
  const src = path.join(TMP, `${s.name}.html`);
  fs.writeFileSync(src, html);
  execFileSync('soffice', ['--headless', '--norestore', `-env:UserInstallation=file://${TMP}/lo-profile`, '--infilter=HTML (StarWriter)',
    '--convert-to', 'pdf:writer_pdf_Export', '--outdir', TMP, src], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 180000 });
  fs.copyFileSync(path.join(TMP, `${s.name}.pdf`), path.join(OUT, `${s.name}.pdf`));
  writeExpected(s.name, s);
  console.log(`${s.name}.pdf: ${pages(path.join(OUT, `${s.name}.pdf`))} pages`);
}

// Scanned: a screenshot of the first screen of a report, as the only content of a PDF.
{
  const s = { name: 'scanned', template: '2021', year: 2021, agency: '南湖街道办事处', seed: 7021, paras: 1 };
  s.v = makeValues(s.template, s.seed);
  const src = path.join(TMP, 'scan-src.html');
  fs.writeFileSync(src, reportHtml(s));
  const png = path.join(TMP, 'scan.png');
  chromium(['--window-size=900,1270', `--screenshot=${png}`, `file://${src}`]);
  const wrap = `<!doctype html><html><head><style>@page{size:A4;margin:0}body{margin:0}img{width:210mm}</style></head><body><img src="file://${png}"></body></html>`;
  printPdf(wrap, 'scanned');
  fs.writeFileSync(path.join(OUT, 'scanned.expected.json'), JSON.stringify({ error: 'pdf_no_text_layer', template: s.template, year: s.year, agency: s.agency }, null, 1) + '\n');
}

// Encrypted (user password), truncated, garbage.
execFileSync('qpdf', ['--encrypt', 'secret-user', 'secret-owner', '256', '--', path.join(OUT, 'ruled-2021.pdf'), path.join(OUT, 'encrypted.pdf')]);
fs.writeFileSync(path.join(OUT, 'encrypted.expected.json'), JSON.stringify({ error: 'pdf_encrypted' }, null, 1) + '\n');
{
  const full = fs.readFileSync(path.join(OUT, 'ruled-2019.pdf'));
  fs.writeFileSync(path.join(OUT, 'truncated.pdf'), full.subarray(0, Math.floor(full.length * 0.55)));
  fs.writeFileSync(path.join(OUT, 'truncated.expected.json'), JSON.stringify({ error: 'pdf_corrupt' }, null, 1) + '\n');
  const r = rng(99);
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(r() * 256);
  fs.writeFileSync(path.join(OUT, 'garbage.pdf'), Buffer.concat([Buffer.from('%PDF-1.7\n'), junk]));
  fs.writeFileSync(path.join(OUT, 'garbage.expected.json'), JSON.stringify({ error: 'pdf_corrupt' }, null, 1) + '\n');
}

fs.rmSync(TMP, { recursive: true, force: true });
for (const f of fs.readdirSync(OUT).filter((f) => f.endsWith('.pdf')).sort()) {
  console.log(`${f}\t${fs.statSync(path.join(OUT, f)).size} bytes`);
}
