#!/usr/bin/env node
/**
 * Makes test/fixtures/files/pdf-text/chromium-type3.pdf (run once; the output is committed): a small
 * report page printed by Chromium in Noto Serif CJK, an OpenType (CFF) font, which Skia writes as
 * Type 3 fonts — one per run of up to 256 glyphs, each glyph a content stream of its own — as
 * Chromium does for most CJK reports printed on Linux. The reader must read it the same whichever way
 * pdf.js's messages are copied (test/read-pdf-clone.test.ts).
 *
 *   node scripts/make-type3-pdf.js
 *
 * Needs Debian's chromium and fonts-noto-cjk.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const OUT = path.resolve(__dirname, '..', 'test/fixtures/files/pdf-text');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-type3-'));
const html = `<!doctype html><html><head><meta charset="utf-8"><style>body{font-family:"Noto Serif CJK SC",serif;font-size:11pt}
td{border:1px solid #000;padding:2px 6px;text-align:center} table{border-collapse:collapse}</style></head><body>
<h2>某某县人民政府2023年政府信息公开工作年度报告</h2>
<p>全年主动公开政府信息1740条，其中网站公开382条。</p>
<table><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>12</td><td>0</td><td>1,024</td></tr><tr><td>行政规范性文件</td><td>3</td><td>45</td><td>6</td></tr></table>
<p style="font-family:sans-serif">本年度共收到政府信息公开申请 57 件。</p></body></html>`;
fs.mkdirSync(OUT, { recursive: true });
const src = path.join(TMP, 'type3.html');
fs.writeFileSync(src, html);
execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-pdf-header-footer', `--print-to-pdf=${path.join(OUT, 'chromium-type3.pdf')}`,
  `file://${src}`], { stdio: ['ignore', 'ignore', 'ignore'], timeout: 120000 });
fs.rmSync(TMP, { recursive: true, force: true });
console.log(`chromium-type3.pdf\t${fs.statSync(path.join(OUT, 'chromium-type3.pdf')).size} bytes`);
