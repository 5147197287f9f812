import * as fs from 'fs';
import * as path from 'path';
import { sniff } from '../src/sniff';
import { readDocument } from '../src/read';
import * as cheerio from 'cheerio';
import { MAX_HTML_BYTES, MAX_HTML_TAGS, htmlToDocument, nestingDepth, parseDom, readHtml, scanTags } from '../src/read/html';
import type { DomNode } from '../src/read/html/dom';
import type { DocumentModel, Table } from '../src/model/document';
import { FILES, checkGrid, expectedFor, spansConsistent } from './fixtures/files/html/grid-check';

async function readFile(rel: string): Promise<DocumentModel> {
  const bytes = fs.readFileSync(path.join(FILES, rel));
  return readDocument({ bytes, sniff: sniff(bytes, { name: rel }), name: rel });
}
const tables = (d: DocumentModel) => d.blocks.filter((b): b is Table => b.kind === 'table');
const allText = (d: DocumentModel) =>
  d.blocks.map((b) => (b.kind === 'paragraph' ? b.text : b.rows.map((r) => r.map((c) => c.text).join('|')).join('\n'))).join('\n');
const html = (body: string) => htmlToDocument(`<html><body>${body}</body></html>`, { format: 'html', origin: 'html', findContent: false });

const FIXTURES = ['html/plain-2019.html', 'html/gov-page-2021.html', 'html/gbk-wrong-meta-2019.html', 'html/gbk-no-meta-2021.html',
  'html/word-2021.html', 'html/blank-cells-2021.html', 'html/layout-tables-2019.html', 'doc/html-as-doc-2019.doc', 'doc/mht-as-doc-2021.doc'];

describe('HTML reader on fixture reports', () => {
  test.each(FIXTURES)('%s: every official field is read at its grid position', async (rel) => {
    const doc = await readFile(rel);
    const exp = expectedFor(path.join(FILES, rel));
    expect(doc.format).toBe('html');
    const check = checkGrid(doc, exp);
    expect(check.mismatches).toEqual([]);
    expect(check.matched).toBe(check.total);
    for (const t of tables(doc)) {
      expect(t.origin).toBe('html');
      expect(spansConsistent(t)).toEqual([]);
    }
    // agency and year are in the text the core sees
    expect(allText(doc).replace(/\s/g, '')).toContain(`${exp.agency}${exp.year}`);
  });

  test('full government page: article only, furniture dropped, title from <h1>', async () => {
    const doc = await readFile('html/gov-page-2021.html');
    expect(doc.title).toBe('新平县人民政府办公室2021年政府信息公开工作年度报告');
    const text = allText(doc);
    for (const junk of ['无障碍浏览', '请输入关键字', '走进', '当前位置', '政府信息公开指南', '发布时间', '字号', '分享到', '打印本页', '关闭窗口',
      '扫一扫', '相关链接', '网站标识码', 'ICP备', '_hmt', 'document.write', '$(function']) {
      expect(text).not.toContain(junk);
    }
    expect(tables(doc)).toHaveLength(3);
    expect(doc.blocks[0]).toMatchObject({ kind: 'paragraph', text: doc.title });
    expect(text).toContain('六、其他需要报告的事项');
    expect(text).toContain('2022年1月15日');
  });

  test('old-style page of nested layout tables: the report cell is found, menu and footer dropped', async () => {
    const doc = await readFile('html/layout-tables-2019.html');
    expect(doc.title).toBe('弥渡县密祉镇人民政府2020年政府信息公开工作年度报告');
    const text = allText(doc);
    for (const junk of ['网站首页', '信息公开目录', '财政信息', '您现在的位置', '发布日期', '点击数', '打印本页', '版权所有', 'ICP备']) {
      expect(text).not.toContain(junk);
    }
    expect(tables(doc)).toHaveLength(3);
    expect(doc.blocks[0]).toMatchObject({ kind: 'paragraph', text: doc.title, pos: { path: 'title' } });
  });

  test('Word single-file web page (MIME, quoted-printable) under a .doc name', async () => {
    const bytes = fs.readFileSync(path.join(FILES, 'doc/mht-as-doc-2021.doc'));
    const s = sniff(bytes, { name: 'mht-as-doc-2021.doc' });
    expect(s).toMatchObject({ format: 'html', encoding: 'gb18030' });
    expect(s.reason).toMatch(/MIME HTML/);
    const doc = await readHtml({ bytes, sniff: s });
    expect(doc.title).toBe('永胜县程海镇人民政府2022年政府信息公开工作年度报告');
    expect(allText(doc)).not.toMatch(/=\r?\n|=3D|Content-Type/);
  });

  test('the s3 table is expanded into a rectangular 10-column grid with spans repeated', async () => {
    const doc = await readFile('html/plain-2019.html');
    const s3 = tables(doc).find((t) => t.rows.some((r) => r[0]?.text.startsWith('一、本年新收')))!;
    expect(new Set(s3.rows.map((r) => r.length))).toEqual(new Set([10]));
    const corner = s3.rows[0][0];
    expect(corner).toMatchObject({ rowSpan: 3, colSpan: 3 });
    expect(s3.rows[2][2]).toMatchObject({ spanOf: [0, 0], text: corner.text });
    const results = s3.rows.findIndex((r) => r[0].text === '三、本年度办理结果' && !r[0].spanOf);
    const span = s3.rows[results][0].rowSpan!;
    expect(span).toBeGreaterThan(15);
    expect(s3.rows[results + span - 1][0].spanOf).toEqual([results, 0]);
    expect(s3.rows[results + span][0].text).toBe('四、结转下年度继续办理');
    expect(doc.encoding).toBe('utf-8');
  });

  test('Word-exported HTML: <o:p>, nbsp, wrapped source lines and column-width rows leave no trace', async () => {
    const doc = await readFile('html/word-2021.html');
    expect(doc.encoding).toBe('gb18030');
    const [s2, s3, s4] = tables(doc);
    // the trailing <tr height=0> of empty width cells is dropped
    for (const t of [s2, s3, s4]) expect(t.rows[t.rows.length - 1].some((c) => c.text !== '')).toBe(true);
    expect(s4.rows).toHaveLength(4);
    const labels = s3.rows.map((r) => r[2].text);
    expect(labels).toContain('一、本年新收政府信息公开申请数量');
    expect(labels).toContain('2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请');
    expect(allText(doc)).not.toMatch(/o:p|mso-|&nbsp;|\u00a0/);
    // the title printed over two paragraphs is joined when <title> only names the agency
    expect(doc.title).toBe('祥云县卫生健康局2023年政府信息公开工作年度报告');
  });

  test('blank cells and &nbsp; cells are kept as empty text', async () => {
    const doc = await readFile('html/blank-cells-2021.html');
    const s3 = tables(doc).find((t) => t.rows.some((r) => r[2]?.text === '1.属于国家秘密'))!;
    const row = s3.rows.find((r) => r[2].text === '1.属于国家秘密')!;
    expect(row.slice(3).map((c) => c.text)).toEqual(['', '', '', '', '', '', '']);
    expect(row.slice(3).every((c) => !c.spanOf)).toBe(true);
  });

  test('GBK page with a wrong charset is decoded with the sniffed encoding', async () => {
    const doc = await readFile('html/gbk-wrong-meta-2019.html');
    expect(doc.encoding).toBe('gb18030');
    expect(doc.title).toBe('临沧市双江县勐勐镇人民政府2020年政府信息公开工作年度报告');
  });
});

describe('HTML walk: grids and paragraphs', () => {
  test('rowspan/colspan: origin + spanOf copies, positions', () => {
    const d = html(`<p>前言</p><table>
      <tr><td rowspan="2" colspan="2">A</td><td>B</td></tr>
      <tr><td>C</td></tr>
      <tr><td>D</td><td colspan="2">E</td></tr></table><p>后记</p>`);
    const t = d.blocks[1] as Table;
    expect(t.kind).toBe('table');
    expect(t.pos.table).toBe(1);
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([['A', 'A', 'B'], ['A', 'A', 'C'], ['D', 'E', 'E']]);
    expect(t.rows[0][0]).toMatchObject({ rowSpan: 2, colSpan: 2, pos: { table: 1, row: 0, col: 0 } });
    expect(t.rows[1][1]).toMatchObject({ spanOf: [0, 0], pos: { table: 1, row: 1, col: 1 } });
    expect(t.rows[2][2].spanOf).toEqual([2, 1]);
    expect(spansConsistent(t)).toEqual([]);
    expect(d.blocks.map((b) => b.kind)).toEqual(['paragraph', 'table', 'paragraph']);
  });

  test('a rowspan beyond the table is clamped; overlapping spans do not crash', () => {
    const d = html(`<table><tr><td rowspan="9">A</td><td colspan="3">B</td></tr><tr><td rowspan="0">C</td><td>D</td></tr></table>`);
    const t = d.blocks[0] as Table;
    expect(t.rows).toHaveLength(2);
    expect(t.rows[0][0].rowSpan).toBe(2);
    expect(spansConsistent(t)).toEqual([]);
  });

  test('<br> and block elements split paragraphs; scripts, styles and hidden elements are skipped', () => {
    const d = html(`<div>第一行<br>第二行<span>续</span><p>第三段</p>尾巴</div><script>var x="不要"</script><style>p{}</style>
      <div style="display: none">隐藏</div><p>&nbsp;</p><p>  中文\n  换行  </p>`);
    expect(d.blocks.map((b) => (b.kind === 'paragraph' ? b.text : ''))).toEqual(['第一行', '第二行续', '第三段', '尾巴', '中文换行']);
  });

  test('a layout table around the article is not a data table', () => {
    const d = html(`<table><tr><td><p>正文一</p><table><tr><td>1</td><td>2</td></tr></table><p>正文二</p></td></tr></table>`);
    expect(d.blocks.map((b) => b.kind)).toEqual(['paragraph', 'table', 'paragraph']);
    expect((d.blocks[1] as Table).rows[0].map((c) => c.text)).toEqual(['1', '2']);
  });

  test('a <caption> becomes a paragraph before its table', () => {
    const d = html(`<table><caption>表一 收到和处理申请情况</caption><tr><td>a</td><td>b</td></tr></table>`);
    expect(d.blocks.map((b) => b.kind)).toEqual(['paragraph', 'table']);
    expect(d.blocks[0]).toMatchObject({ text: '表一 收到和处理申请情况' });
    expect((d.blocks[1] as Table).pos.table).toBe(1);
  });

  test('a multi-paragraph cell keeps its lines', () => {
    const d = html(`<table><tr><td><p>三、本年度</p><p>办理结果</p></td><td>1<br>2</td></tr><tr><td>x</td><td>y</td></tr></table>`);
    const t = d.blocks[0] as Table;
    expect(t.rows[0].map((c) => c.text)).toEqual(['三、本年度\n办理结果', '1\n2']);
  });

  test('an HTML page without any text is unreadable, not a crash', async () => {
    const bytes = Buffer.from('<html><head><title></title><script>1</script></head><body>  </body></html>');
    await expect(readHtml({ bytes, sniff: sniff(bytes) })).rejects.toMatchObject({ code: 'unreadable' });
  });

  test('deeply nested markup (within the limit) does not overflow the stack', () => {
    const depth = 1900;
    const d = html('<div>'.repeat(depth) + '深处的文字' + '</div>'.repeat(depth));
    expect(d.blocks.map((b) => (b.kind === 'paragraph' ? b.text : ''))).toEqual(['深处的文字']);
  });

  test('pathologically deep markup is refused quickly with a code', async () => {
    const depth = 100000;
    const bytes = Buffer.from('<html><body>' + '<div><b>'.repeat(depth) + 'x' + '</b></div>'.repeat(depth) + '</body></html>');
    const t0 = Date.now();
    await expect(readHtml({ bytes, sniff: sniff(bytes) })).rejects.toMatchObject({ code: 'unreadable' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('HTML parsing and limits', () => {
  /** Structure of a domhandler tree: types, names, attributes and text, parent links checked. */
  const dump = (n: DomNode, parent: DomNode | null = null): unknown => {
    expect(n.parent).toBe(parent);
    return [n.type, n.name ?? null, n.attribs ? { ...n.attribs } : null, n.data ?? null, (n.children ?? []).map((c) => dump(c, n))];
  };

  test('the DOM is the one cheerio.load builds (parse5, scripting on)', () => {
    const pages = ['html/gov-page-2021.html', 'html/word-2021.html', 'html/layout-tables-2019.html'].map((rel) => fs.readFileSync(path.join(FILES, rel), 'latin1'));
    pages.push('<table><tr><td>a<p>b<td>c</table><noscript><p>x</p></noscript><template><h1>t</h1></template><svg><title>s</title></svg><p>尾');
    // broken markup that moves nodes around (foster parenting, adoption agency, reopened
    // formatting elements, merged <html>/<body> attributes), doctypes, prototype-named attributes
    pages.push(
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><html __proto__="x" constructor="y"><body hidden><p>1',
      '<b><b><b><b x=1><b x=1><b x=1><b x=1><p>x</b>y', '<a><table><a>x</table></a>', '<table><b>x<tr><td>1</td></tr>y</table>',
      '<html a=1><body b=2><html c=3><body d=4 b=5>', '<!doctype html SYSTEM "about:legacy-compat"><p>x<table><p>y', '<p>x<table><p>y',
      '<math><annotation-xml encoding="text/html"><p>x</annotation-xml></math><svg xlink:href="a"><foreignObject><p>y</svg>',
      '<frameset><frame></frameset>', '<select><option>1<option>2</select><textarea>\n<p></textarea>', '<template><tr><td>1</template>',
    );
    for (const h of pages) {
      const root = cheerio.load(h).root().get(0) as unknown as DomNode;
      root.parent = null;
      expect(dump(parseDom(h))).toEqual(dump(root));
    }
  });

  test(`a page over ${MAX_HTML_BYTES} bytes is refused with too_large before it is decoded`, async () => {
    const bytes = Buffer.alloc(MAX_HTML_BYTES + 1, 0x20);
    bytes.write('<html><body><p>', 0);
    const t0 = Date.now();
    await expect(readHtml({ bytes, sniff: sniff(bytes.subarray(0, 4096)) })).rejects.toMatchObject({ code: 'too_large' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test(`a page of more than ${MAX_HTML_TAGS} tags is refused with too_large before it is parsed`, async () => {
    const bytes = Buffer.from('<html><body><table>' + '<tr><td>1</td><td>2</td></tr>'.repeat(MAX_HTML_TAGS / 3 + 1) + '</table></body></html>');
    const t0 = Date.now();
    await expect(readHtml({ bytes, sniff: sniff(bytes) })).rejects.toMatchObject({ code: 'too_large' });
    expect(Date.now() - t0).toBeLessThan(3000);
    // the DOCX path (mammoth's HTML) has no tag limit of its own
    const small = htmlToDocument('<table>' + '<tr><td>1</td></tr>'.repeat(10) + '</table>', { format: 'docx', origin: 'html', findContent: false });
    expect(small.blocks).toHaveLength(1);
  });

  test('the tag scan matches what the tag regex matches', () => {
    // the scan is a hand-written form of this loop
    const reference = (html: string) => {
      const re = /<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g;
      const autoclosed = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr',
        'param', 'keygen', 'p', 'li', 'td', 'th', 'tr', 'dt', 'dd', 'option', 'optgroup', 'thead', 'tbody', 'tfoot', 'colgroup', 'rt', 'rp', 'o:p']);
      let depth = 0;
      let max = 0;
      let tags = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(html))) {
        if (!m[1]) tags++;
        const name = m[2].toLowerCase();
        if (autoclosed.has(name) || m[3]) continue;
        if (name === 'script' || name === 'style') {
          const end = m[1] ? -1 : html.indexOf(`</${name}`, re.lastIndex);
          if (end > 0) re.lastIndex = end;
          continue;
        }
        if (m[1]) depth = Math.max(0, depth - 1);
        else if (++depth > max) max = depth;
      }
      return { depth: max, tags };
    };
    const parts = ['<', '>', '/', 'a', 'B', 'p', 'td', 'TBody', 'script', 'SCRIPT', 'Style', '</script', '</style>', 'colgroup', 'optgroup', 'o:p', 'O:P',
      'div', 'x1', '_', '-', ':', ' ', '\n', '"', '中', '<!--', '-->'];
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 20000; i++) {
      let h = '';
      for (let k = Math.floor(next() * 30); k > 0; k--) h += parts[Math.floor(next() * parts.length)];
      expect(scanTags(h)).toEqual(reference(h));
    }
    for (const rel of FIXTURES) {
      const h = fs.readFileSync(path.join(FILES, rel), 'latin1');
      expect(scanTags(h)).toEqual(reference(h));
    }
  });

  test('the nesting scan does not skip markup between two scripts', () => {
    const deep = '<div>'.repeat(2500) + 'x' + '</div>'.repeat(2500);
    expect(nestingDepth(`<script>a()</script>${deep}<script>b()</script>`)).toBeGreaterThanOrEqual(2500);
    expect(nestingDepth('<style>p{}</style><div><div></div></div><script>var s = "<div><div><div>";</script>')).toBe(2);
  });
});
