#!/usr/bin/env node
/**
 * Makes test/fixtures/files/pdf-text/text-effects.pdf (run once; the output is committed): one page
 * that sets text in the ways the PDF text state allows — letter and word spacing, rise (sup/sub),
 * rotation, skew, horizontal scaling, vertical writing, tiny and large sizes, mixed fonts, a ruled
 * table — so the reader's own text layout (src/read/pdf/glyphs.ts) can be checked against pdf.js's
 * getTextContent line by line (test/read-pdf-glyphs.test.ts).
 *
 *   node scripts/make-text-effects-pdf.js
 *
 * Needs Debian's chromium and fonts-droid-fallback (CJK glyphs).
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const OUT = path.resolve(__dirname, '..', 'test/fixtures/files/pdf-text');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-text-'));

const html = `<!doctype html><html><head><meta charset="utf-8"><style>
body { font-family: serif; }
.ls { letter-spacing: 4px; } .ws { word-spacing: 12px; }
.rot { display: inline-block; transform: rotate(90deg); } .skew { display: inline-block; transform: skewX(-15deg); }
.wide { display: inline-block; transform: scaleX(1.6); transform-origin: left; }
.v { writing-mode: vertical-rl; height: 160px; }
td { border: 1px solid #000; padding: 2px 6px; } td.n { text-align: right; }
</style></head><body>
<h1>某某县人民政府2023年政府信息公开工作年度报告</h1>
<p class="ls">字 间 距 加 宽 的 一 段 文 字 123 456</p>
<p class="ws">word spacing test with 12 34 and 5,678</p>
<p>上标x<sup>2</sup>和下标H<sub>2</sub>O，全年主动公开<b>1740</b>条，<i>其中</i>网站公开382条。</p>
<p><span class="rot">旋转文本 90</span> <span class="skew">倾斜 45</span> <span class="wide">拉宽 67</span></p>
<div class="v">竖排文字测试一二三</div>
<table cellspacing="0"><tr><td>行政许可</td><td class="n">12</td><td class="n">0</td><td class="n">1,024</td></tr>
<tr><td>其他对外管理服务事项</td><td class="n">3</td><td class="n">45</td><td class="n">6</td></tr></table>
<p style="font-size:6px">小字号 small 7</p><p style="font-size:30px">大字号 Big 8</p>
</body></html>`;

fs.mkdirSync(OUT, { recursive: true });
const src = path.join(TMP, 'text-effects.html');
fs.writeFileSync(src, html);
execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-pdf-header-footer', `--print-to-pdf=${path.join(OUT, 'text-effects.pdf')}`,
  `file://${src}`], { stdio: ['ignore', 'ignore', 'ignore'], timeout: 120000 });
fs.rmSync(TMP, { recursive: true, force: true });
console.log(`text-effects.pdf\t${fs.statSync(path.join(OUT, 'text-effects.pdf')).size} bytes`);
