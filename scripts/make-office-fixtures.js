#!/usr/bin/env node
/**
 * Makes the HTML, DOCX and DOC fixtures under test/fixtures/files/{html,docx,doc}/ (run once;
 * the outputs are committed). Needs LibreOffice (soffice) for the DOCX and DOC conversions.
 *
 *   node scripts/make-office-fixtures.js
 *
 * Every report is an official-format report with random non-zero values that satisfy the
 * identities of grid.json (fixed seeds: reruns give the same numbers; the value generator and
 * table markup are those of make-pdf-fixtures.js). Each file has <name>.expected.json beside it:
 * { template, year, agency, fields, notes } or { error } for inputs that must fail.
 *
 *   html/plain-2019.html          UTF-8 report, <meta charset="utf-8">
 *   html/gov-page-2021.html       full government article page: nav, breadcrumbs, sidebar, share/print/QR, footer, scripts
 *   html/gbk-wrong-meta-2019.html GBK bytes, <meta charset="utf-8"> (wrong)
 *   html/gbk-no-meta-2021.html    GBK bytes, no charset declared anywhere
 *   html/layout-tables-2019.html  old-style page: nested layout tables, <font>, menu cell, breadcrumbs, gb2312
 *   html/word-2021.html           Word "save as HTML" (gb2312 declared, MsoNormal, <o:p>, deep spans, wrapped source lines)
 *   html/blank-cells-2021.html    zero cells printed blank / &nbsp; (expected value 0)
 *   docx/lo-2019.docx, lo-2021.docx   LibreOffice Writer HTML import → Word 2007 XML
 *   doc/lo-2019.doc, lo-2021.doc      LibreOffice Writer HTML import → Word 97
 *   doc/html-as-doc-2019.doc      Word-exported HTML saved under a .doc name
 *   doc/mht-as-doc-2021.doc       Word "single file web page" (MIME HTML, quoted-printable gb2312) saved as .doc
 *   doc/structure.doc, docx/structure.docx  multi-paragraph cells, blank cell, row and column spans (expected grid)
 *   docx/corrupt.docx             a truncated zip                  (error docx_corrupt)
 *   doc/corrupt.doc               OLE2 magic followed by junk      (error doc_corrupt)
 */
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { execFileSync } = require('child_process');
const iconv = require('iconv-lite');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'test/fixtures/files');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-office-'));

const { rng, makeValues, esc, s2Table, s3Table, s4Table, prose } = require('./lib/official-report');
// ---------------------------------------------------------------- report HTML

function body(s, r) {
  const p = (k) => Array.from({ length: k }, (_, i) => `<p>${esc(prose(i + Math.floor(r() * 7), s.agency, r))}</p>`).join('\n');
  const tables = (html) => (s.tableAttrs ? html.replace(/<table class="grid([^"]*)">/g, `<table class="grid$1" ${s.tableAttrs}>`) : html);
  return `<h1>${esc(s.agency)}${s.year}年政府信息公开工作年度报告</h1>
<p>本报告根据《中华人民共和国政府信息公开条例》要求编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。本报告中所列数据的统计期限自${s.year}年1月1日起至${s.year}年12月31日止。</p>
<h2>一、总体情况</h2>
${p(s.paras ?? 3)}
<h2>二、主动公开政府信息情况</h2>
${tables(s2Table(s.template, s.display))}
<h2>三、收到和处理政府信息公开申请情况</h2>
${tables(s3Table(s.template, s.display, { repeatHeader: false }))}
<h2>四、政府信息公开行政复议、行政诉讼情况</h2>
${tables(s4Table(s.display))}
<h2>五、存在的主要问题及改进情况</h2>
${p(2)}
<h2>六、其他需要报告的事项</h2>
<p>本年度未收取信息处理费。</p>
<p style="text-align:right">${esc(s.agency)}</p>
<p style="text-align:right">${s.year + 1}年1月15日</p>`;
}

function plainHtml(s, meta = '<meta charset="utf-8">') {
  const r = rng(s.seed + 7);
  return `<!doctype html><html><head>${meta}<title>${esc(s.agency)}${s.year}年政府信息公开工作年度报告</title>
<style>table.grid{border-collapse:collapse} table.grid td{border:1px solid #000;padding:3px}</style></head><body>
${body(s, r)}
</body></html>`;
}

function govPage(s) {
  const r = rng(s.seed + 7);
  const nav = ['首页', '政务公开', '政务服务', '互动交流', '走进' + s.agency.slice(0, 3), '专题专栏'].map((x, i) => `<li><a href="/c${i}/">${x}</a></li>`).join('');
  const side = ['政府信息公开指南', '政府信息公开制度', '法定主动公开内容', '政府信息公开年报', '依申请公开'].map((x, i) => `<li><a href="/x${i}/">${x}</a></li>`).join('');
  const inner = body(s, r).replace(/^<h1>.*<\/h1>\n/, '');
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>${esc(s.agency)}${s.year}年政府信息公开工作年度报告_${esc(s.agency)}门户网站</title>
<meta name="ArticleTitle" content="${esc(s.agency)}${s.year}年政府信息公开工作年度报告">
<link rel="stylesheet" href="/css/main.css">
<script>var _hmt = _hmt || []; (function() { var hm = document.createElement("script"); hm.src = "https://hm.example/hm.js?x"; })();</script>
<style>.nav li{display:inline} .hidden{display:none}</style>
</head><body>
<div class="top-bar"><span>欢迎访问${esc(s.agency)}门户网站</span> <a href="#">无障碍浏览</a> <a href="#">长者模式</a> <a href="#">登录</a> <a href="#">注册</a></div>
<div class="header"><div class="logo"><img src="/img/logo.png" alt="${esc(s.agency)}"></div>
<div class="search"><form action="/search"><input name="q" placeholder="请输入关键字"><button>搜索</button></form></div></div>
<div class="nav"><ul>${nav}</ul></div>
<div class="main">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/nb/">政府信息公开年报</a></div>
<div class="left-side"><h3>信息公开</h3><ul>${side}</ul></div>
<div class="article">
<h1 class="article-title">${esc(s.agency)}${s.year}年政府信息公开工作年度报告</h1>
<div class="article-info"><span>发布时间：${s.year + 1}-01-20 09:30</span><span>来源：${esc(s.agency)}</span><span>浏览次数：<script>document.write(1234)</script></span>
<span class="font-size">字号：【大 中 小】</span></div>
<div id="zoom" class="TRS_Editor">
${inner}
</div>
<div class="bdsharebuttonbox"><span>分享到：</span><a class="bds_weixin" href="#">微信</a><a class="bds_tsina" href="#">微博</a></div>
<div class="print-close"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="qrcode"><img src="/qr.png" alt=""><p>扫一扫在手机打开当前页</p></div>
<div class="related"><h4>相关链接</h4><ul><li><a href="/a/1.html">${esc(s.agency)}${s.year - 1}年政府信息公开工作年度报告</a></li></ul></div>
</div></div>
<div class="footer"><p>主办单位：${esc(s.agency)} 承办单位：${esc(s.agency)}办公室</p>
<p>网站标识码：1234567890 <a href="https://beian.miit.gov.cn/">京ICP备12345678号-1</a> 公网安备 11010502030143号</p>
<p>地址：人民路1号 电话：0871-1234567 邮编：650000</p></div>
<script src="/js/jquery.min.js"></script><script>$(function(){ $(".nav").show(); /* 2019 年 规章 99 */ });</script>
</body></html>`;
}

/** Word "save as HTML": namespaces, MsoNormal, <o:p>, nested spans, source lines wrapped inside Chinese text. */
function wordHtml(s) {
  const r = rng(s.seed + 7);
  const wrap = (text) => {
    // Word wraps its source at ~76 columns, also in the middle of Chinese text
    let out = '';
    let col = 0;
    for (const ch of text) {
      out += ch;
      col += ch.charCodeAt(0) > 0x7f ? 2 : 1;
      if (col >= 76 && !/[<&]/.test(ch)) { out += '\r\n'; col = 0; }
    }
    return out;
  };
  const para = (t, extra = '') => `<p class=MsoNormal${extra} style='text-indent:32.0pt;line-height:28.0pt'><span style='font-size:16.0pt;font-family:仿宋_GB2312'>${wrap(esc(t))}<span lang=EN-US><o:p></o:p></span></span></p>`;
  const wcell = (inner, attrs) => `<td${attrs} style='border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt'>
  <p class=MsoNormal align=center style='text-align:center'><span lang=EN-US style='font-size:10.5pt;font-family:宋体'><span style='mso-spacerun:yes'>${inner === '' ? '' : wrap(inner)}</span><o:p>&nbsp;</o:p></span></p>
  </td>`;
  const wordTable = (html, width) => {
    const t = html
      .replace(/<table class="grid[^"]*">/, `<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;mso-table-layout-alt:fixed'>`)
      .replace(/<\/?(thead|tbody)>/g, '')
      .replace(/<td([^>]*)>([^<]*)<\/td>/g, (_, attrs, inner) => wcell(inner, attrs.replace(/"/g, '').replace(/ class=title/, '')))
      .replace(/<tr>/g, "<tr style='mso-yfti-irow:0;height:20.0pt'>");
    const widths = `<![if !supportMisalignedColumns]>\n<tr height=0>${Array.from({ length: width }, () => "<td width=60 style='border:none'></td>").join('')}</tr>\n<![endif]>`;
    return t.replace('</table>', `${widths}\n</table>`);
  };
  const paras = Array.from({ length: s.paras ?? 3 }, (_, i) => para(prose(i + Math.floor(r() * 7), s.agency, r))).join('\n');
  const heading = (t) => `<p class=MsoNormal style='text-indent:32.0pt'><b><span style='font-size:16.0pt;font-family:黑体'>${esc(t)}<span lang=EN-US><o:p></o:p></span></span></b></p>`;
  return `<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml"
xmlns="http://www.w3.org/TR/REC-html40">

<head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<meta name=Originator content="Microsoft Word 15">
<title>${esc(s.agency)}</title>
<!--[if gte mso 9]><xml>
 <o:DocumentProperties>
  <o:Author>Administrator</o:Author>
  <o:Pages>6</o:Pages>
 </o:DocumentProperties>
</xml><![endif]-->
<style>
<!--
 /* Font Definitions */
 @font-face {font-family:宋体; panose-1:2 1 6 0 3 1 1 1 1 1;}
p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; text-align:justify; font-size:10.5pt; font-family:"Calibri",sans-serif;}
@page WordSection1 {size:595.3pt 841.9pt; margin:72.0pt 90.0pt 72.0pt 90.0pt;}
div.WordSection1 {page:WordSection1;}
-->
</style>
</head>

<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>

<div class=WordSection1 style='layout-grid:15.6pt'>

<p class=MsoNormal align=center style='text-align:center'><span style='font-size:22.0pt;font-family:方正小标宋简体'>${esc(s.agency)}${s.year}<span lang=EN-US><o:p></o:p></span></span></p>
<p class=MsoNormal align=center style='text-align:center'><span style='font-size:22.0pt;font-family:方正小标宋简体'>年政府信息公开工作年度报告<span lang=EN-US><o:p></o:p></span></span></p>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
${para(`本报告根据《中华人民共和国政府信息公开条例》要求编制。本报告中所列数据的统计期限自${s.year}年1月1日起至${s.year}年12月31日止。`)}
${heading('一、总体情况')}
${paras}
${heading('二、主动公开政府信息情况')}
${wordTable(s2Table(s.template, s.display), 4)}
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
${heading('三、收到和处理政府信息公开申请情况')}
${wordTable(s3Table(s.template, s.display, { repeatHeader: false }), 10)}
${heading('四、政府信息公开行政复议、行政诉讼情况')}
${wordTable(s4Table(s.display), 15)}
${heading('五、存在的主要问题及改进情况')}
${para('一是政务公开工作人员业务能力有待提高；二是政策解读形式较为单一。下一步将加强培训，丰富解读形式。')}
${heading('六、其他需要报告的事项')}
${para('本年度未收取信息处理费。')}
<p class=MsoNormal align=right style='text-align:right'><span style='font-size:16.0pt'>${esc(s.agency)}<span lang=EN-US><o:p></o:p></span></span></p>
<p class=MsoNormal align=right style='text-align:right'><span lang=EN-US style='font-size:16.0pt'>${s.year + 1}</span><span style='font-size:16.0pt'>年<span lang=EN-US>1</span>月<span lang=EN-US>15</span>日<span lang=EN-US><o:p></o:p></span></span></p>

</div>

</body>

</html>
`;
}

/** An old-style site: layout tables nested three deep, <font> tags, menu cell, GB2312. */
function layoutTablePage(s) {
  const r = rng(s.seed + 7);
  const inner = body(s, r).replace(/^<h1>.*<\/h1>\n/, '').replace(/<table class="grid([^"]*)">/g, '<table class="grid$1" border="1" cellspacing="0" cellpadding="2" width="100%">');
  const menu = ['机构概况', '政策文件', '规划计划', '财政信息', '政府信息公开年报', '人事信息'].map((x) => `<tr><td height="26"><a href="/m/${x}.htm"><font color="#000000">${x}</font></a></td></tr>`).join('');
  return `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>${esc(s.agency)}</title></head>
<body leftmargin="0" topmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td><img src="/images/top.jpg" width="1000" height="150"></td></tr>
<tr><td height="30" background="/images/navbg.gif"><font color="#FFFFFF"><a href="/">网站首页</a> | <a href="/zwgk">政务公开</a> | <a href="/bsfw">办事服务</a> | <a href="/hdjl">互动交流</a></font></td></tr></table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr>
<td width="200" valign="top"><table width="100%" border="0" cellspacing="0" cellpadding="0"><tr><td class="lmbt">信息公开目录</td></tr>${menu}</table></td>
<td width="800" valign="top"><table width="96%" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td height="30">您现在的位置：<a href="/">首页</a> &gt;&gt; <a href="/zwgk">政务公开</a> &gt;&gt; 年度报告</td></tr>
<tr><td align="center" height="50"><font size="4"><b>${esc(s.agency)}${s.year}年政府信息公开工作年度报告</b></font></td></tr>
<tr><td align="center"><font color="#666666">发布日期：${s.year + 1}-03-10 &nbsp; 点击数：<script>document.write(88)</script></font></td></tr>
<tr><td><font style="font-size:14px;line-height:26px">
${inner}
</font></td></tr>
<tr><td align="right"><a href="javascript:window.print()">[打印本页]</a> <a href="javascript:window.close()">[关闭窗口]</a></td></tr>
</table></td></tr></table>
<table width="1000" border="0" align="center"><tr><td align="center" bgcolor="#EEEEEE">版权所有：${esc(s.agency)} &nbsp; 技术支持：某某网络科技有限公司<br>滇ICP备05001234号 &nbsp; 网站标识码：5300000012</td></tr></table>
</body></html>`;
}

// ---------------------------------------------------------------- tools

function write(dir, name, bytes, expected) {
  fs.mkdirSync(path.join(OUT, dir), { recursive: true });
  fs.writeFileSync(path.join(OUT, dir, name), bytes);
  fs.writeFileSync(path.join(OUT, dir, name.replace(/\.[^.]+$/, '.expected.json')), JSON.stringify(expected, null, 1) + '\n');
  console.log(`${dir}/${name}: ${bytes.length} bytes`);
}

function expected(s) {
  return { template: s.template, year: s.year, agency: s.agency, fields: s.v, notes: s.notes };
}

function soffice(html, name, target) {
  const src = path.join(TMP, `${name}.html`);
  fs.writeFileSync(src, html);
  const filter = target === 'docx' ? 'docx:MS Word 2007 XML' : 'doc:MS Word 97';
  execFileSync('soffice', ['--headless', '--norestore', `-env:UserInstallation=file://${TMP}/lo-profile`, '--infilter=HTML (StarWriter)',
    '--convert-to', filter, '--outdir', TMP, src], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 180000 });
  return fs.readFileSync(path.join(TMP, `${name}.${target}`));
}

function spec(o) {
  const s = { paras: 3, ...o };
  s.v = makeValues(s.template, s.seed);
  s.display = { ...s.v };
  return s;
}

// ---------------------------------------------------------------- main

const BORDER = 'border="1" cellspacing="0" cellpadding="3" width="100%"';

{
  const s = spec({ template: '2019', year: 2019, agency: '红河县民政局', seed: 11019, notes: 'UTF-8 HTML, <meta charset>' });
  write('html', 'plain-2019.html', Buffer.from(plainHtml(s)), expected(s));
}
{
  const s = spec({ template: '2021', year: 2021, agency: '新平县人民政府办公室', seed: 12021, notes: 'full government page with nav, breadcrumbs, sidebar, share/print/QR blocks and footer' });
  write('html', 'gov-page-2021.html', Buffer.from(govPage(s)), expected(s));
}
{
  const s = spec({ template: '2019', year: 2020, agency: '临沧市双江县勐勐镇人民政府', seed: 13020, notes: 'GBK bytes, <meta charset="utf-8"> (wrong)' });
  write('html', 'gbk-wrong-meta-2019.html', iconv.encode(plainHtml(s, '<meta charset="utf-8">'), 'gbk'), expected(s));
}
{
  const s = spec({ template: '2021', year: 2022, agency: '澄江市自然资源局', seed: 14022, notes: 'GBK bytes, no charset declared' });
  write('html', 'gbk-no-meta-2021.html', iconv.encode(plainHtml(s, ''), 'gbk'), expected(s));
}
{
  const s = spec({ template: '2019', year: 2020, agency: '弥渡县密祉镇人民政府', seed: 17020, notes: 'old-style page: nested layout tables, <font>, menu cell, gb2312' });
  write('html', 'layout-tables-2019.html', iconv.encode(layoutTablePage(s), 'gbk'), expected(s));
}
{
  const s = spec({ template: '2021', year: 2023, agency: '祥云县卫生健康局', seed: 15023, notes: 'Word "save as HTML", gb2312' });
  write('html', 'word-2021.html', iconv.encode(wordHtml(s), 'gbk'), expected(s));
}
{
  const s = spec({ template: '2021', year: 2021, agency: '宾川县金牛镇人民政府', seed: 16021, notes: 'zero cells printed blank or &nbsp; (expected 0); totals still add up' });
  // zero out a few leaf cells and fix the sums; print zeros blank
  const zero = ['denied.state_secret', 'denied.law_forbidden', 'rejected.excessive', 'other.no_fee'];
  const cols = ['natural', 'commercial', 'research', 'social', 'legal', 'other_org'];
  for (const row of zero) for (const c of cols) {
    const x = s.v[`s3.${row}.${c}`];
    s.v[`s3.${row}.${c}`] = 0;
    s.v[`s3.${row}.total`] -= x;
    s.v[`s3.total.${c}`] -= x;
    s.v['s3.total.total'] -= x;
    s.v[`s3.new.${c}`] -= x;
    s.v['s3.new.total'] -= x;
  }
  s.v['s4.suit_after_review.total'] -= s.v['s4.suit_after_review.other'];
  s.v['s4.suit_after_review.other'] = 0;
  s.display = Object.fromEntries(Object.entries(s.v).map(([k, x], i) => [k, x === 0 ? (i % 2 ? '' : '\u00a0') : x]));
  const html = plainHtml(s).replace(/<td>\u00a0<\/td>/g, '<td>&nbsp;</td>');
  write('html', 'blank-cells-2021.html', Buffer.from(html), expected(s));
}
for (const [template, year, agency, seed] of [['2019', 2019, '昆明市西山区教育体育局', 21019], ['2021', 2022, '玉溪市红塔区人民政府', 22022]]) {
  const s = spec({ template, year, agency, seed, tableAttrs: BORDER, notes: 'LibreOffice Writer HTML import → DOCX' });
  write('docx', `lo-${template}.docx`, soffice(plainHtml(s), `lo-${template}-docx`, 'docx'), expected(s));
}
for (const [template, year, agency, seed] of [['2019', 2020, '大理市财政局', 31020], ['2021', 2021, '丽江市古城区司法局', 32021]]) {
  const s = spec({ template, year, agency, seed, tableAttrs: BORDER, notes: 'LibreOffice Writer HTML import → Word 97 DOC' });
  write('doc', `lo-${template}.doc`, soffice(plainHtml(s), `lo-${template}-doc`, 'doc'), expected(s));
}
{
  const s = spec({ template: '2019', year: 2019, agency: '保山市隆阳区水务局', seed: 33019, notes: 'Word-exported HTML (gb2312) saved as .doc' });
  write('doc', 'html-as-doc-2019.doc', iconv.encode(wordHtml(s), 'gbk'), expected(s));
}
{
  // Word "single file web page" (MIME HTML, quoted-printable gb2312) saved under a .doc name
  const s = spec({ template: '2021', year: 2022, agency: '永胜县程海镇人民政府', seed: 34022, notes: 'Word single-file web page (MHT, quoted-printable gb2312) saved as .doc' });
  const html = iconv.encode(wordHtml(s), 'gbk');
  let qp = '';
  let line = '';
  for (const byte of html) {
    let tok = byte === 0x0a ? '\n' : byte === 0x0d ? '' : byte >= 0x80 || byte === 0x3d ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
    if (tok === '\n') { qp += line + '\r\n'; line = ''; continue; }
    if (line.length + tok.length > 75) { qp += line + '=\r\n'; line = ''; }
    line += tok;
  }
  qp += line;
  const boundary = '----=_NextPart_01D8C2A1.5E3B7F40';
  const mht = `MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="${boundary}"\r\n\r\n` +
    `This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n--${boundary}\r\nContent-Location: file:///C:/report.htm\r\n` +
    `Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset="gb2312"\r\n\r\n${qp}\r\n\r\n` +
    `--${boundary}\r\nContent-Location: file:///C:/report.files/filelist.xml\r\nContent-Transfer-Encoding: quoted-printable\r\n` +
    `Content-Type: text/xml; charset="utf-8"\r\n\r\n<xml xmlns:o=3D"urn:schemas-microsoft-com:office:office"></xml>\r\n--${boundary}--\r\n`;
  write('doc', 'mht-as-doc-2021.doc', Buffer.from(mht, 'latin1'), expected(s));
}
{
  // structural: multi-paragraph cells, a blank cell, spans both ways, a table right after a paragraph
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>结构</title></head><body>
<p>表格之前的段落</p>
<table ${BORDER}>
<tr><td rowspan="2"><p>三、本年度</p><p>办理结果</p></td><td colspan="2">合并两列</td><td>末列</td></tr>
<tr><td>1</td><td></td><td>3</td></tr>
<tr><td>甲</td><td>4</td><td colspan="2"><p>五</p><p>六</p></td></tr>
</table>
<p>表格之后的段落</p></body></html>`;
  const grid = [
    ['三、本年度\n办理结果', '合并两列', '合并两列', '末列'],
    ['三、本年度\n办理结果', '1', '', '3'],
    ['甲', '4', '五\n六', '五\n六'],
  ];
  const exp = { notes: 'structure only: expected expanded grid of the one table', grid, before: '表格之前的段落', after: '表格之后的段落' };
  write('doc', 'structure.doc', soffice(html, 'structure-doc', 'doc'), exp);
  write('docx', 'structure.docx', soffice(html, 'structure-docx', 'docx'), exp);
}
{
  const good = fs.readFileSync(path.join(OUT, 'docx/lo-2021.docx'));
  write('docx', 'corrupt.docx', good.subarray(0, Math.floor(good.length * 0.6)), { error: 'docx_corrupt', notes: 'first 60% of lo-2021.docx' });
  const r = rng(99);
  const junk = Buffer.alloc(6000);
  for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(r() * 256);
  const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), junk]);
  write('doc', 'corrupt.doc', ole, { error: 'doc_corrupt', notes: 'OLE2 magic followed by random bytes' });
}
fs.rmSync(TMP, { recursive: true, force: true });
