/**
 * Look-alike ideographs (issue 13.3): the Radicals Supplement table covers its whole block, the
 * Kangxi block and the compatibility ideographs go through NFKC, nothing else changes, and the
 * readers hand the core unified text (the one place: src/read/index.ts).
 */
import { RADICALS_SUPPLEMENT, hasLookalikeIdeographs, unifyIdeographs } from '../src/normalize/radicals';
import { normalizeText } from '../src/normalize/text';
import { readDocument } from '../src/read';
import { sniff } from '../src/sniff';
import { extractBytes } from '../src/pipeline/extract';
import { documentHtml, linesHtml } from '../src/web/source';

const UNIFIED = /^[\u3400-\u4dbf\u4e00-\u9fff]$|^[\u{20000}-\u{3134f}]$/u;

describe('look-alike ideographs', () => {
  it('maps every assigned Radicals Supplement code point but U+2E80 to one unified ideograph', () => {
    const unassigned = new Set([0x2e9a]);
    for (let c = 0x2e81; c <= 0x2ef3; c++) {
      if (unassigned.has(c)) continue;
      const ch = String.fromCodePoint(c);
      const u = RADICALS_SUPPLEMENT.get(ch);
      expect([c.toString(16), u && UNIFIED.test(u)]).toEqual([c.toString(16), true]);
      expect(unifyIdeographs(ch)).toBe(u);
    }
    expect(RADICALS_SUPPLEMENT.size).toBe(0x2ef3 - 0x2e81 + 1 - unassigned.size);
  });

  it('gives the forms the issue names', () => {
    const pairs = '⺠民 ⻔门 ⻋车 ⻓长 ⻅见 ⻛风 ⻜飞 ⻢马 ⻥鱼 ⻦鸟 ⻩黄 ⻬齐 ⻮齿 ⺟母';
    for (const p of pairs.split(' ')) expect(unifyIdeographs(p[0])).toBe(p[1]);
    expect(unifyIdeographs('隆德县城关镇⼈⺠政府')).toBe('隆德县城关镇人民政府');
  });

  it('maps the whole Kangxi block and the compatibility ideographs to unified ideographs', () => {
    for (let c = 0x2f00; c <= 0x2fd5; c++) expect(UNIFIED.test(unifyIdeographs(String.fromCodePoint(c)))).toBe(true);
    // twelve code points of the compatibility block are unified ideographs themselves (no decomposition); U+FA6E/F are unassigned
    const selfUnified = new Set([0xfa0e, 0xfa0f, 0xfa11, 0xfa13, 0xfa14, 0xfa1f, 0xfa21, 0xfa23, 0xfa24, 0xfa27, 0xfa28, 0xfa29, 0xfa6e, 0xfa6f]);
    for (let c = 0xf900; c <= 0xfad9; c++) {
      const ch = String.fromCodePoint(c);
      expect([c.toString(16), selfUnified.has(c) ? unifyIdeographs(ch) === ch : UNIFIED.test(unifyIdeographs(ch))]).toEqual([c.toString(16), true]);
    }
    expect(unifyIdeographs('\u{2f800}')).toBe('丽');
  });

  it('leaves full-width digits, punctuation, enclosed numerals and ordinary text as they are', () => {
    const s = '（一）１２３，㈠ ① 主动公开政府信息１２２条。ABC 12';
    expect(unifyIdeographs(s)).toBe(s);
    // the core's normaliser still folds full-width forms, and now the radicals too
    expect(normalizeText('（一）１２３人⺠')).toBe('(一)123人民');
  });

  it('reaches the document model, the extraction and the review page through the readers', async () => {
    const agency = '固原市⽣态环境局'; // ⽣ = U+2F63 (Kangxi)
    const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${agency}2021年政府信息公开工作年度报告</title></head><body>
<h1>${agency}2021年政府信息公开工作年度报告</h1><p>本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。</p>
<p>2021年主动公开政府信息122条。</p><table><tr><td>⻔户网站</td><td>3</td></tr></table><p>固原市⽣态环境局</p><p>2022年1月10日</p></body></html>`;
    const bytes = Buffer.from(html, 'utf8');
    const doc = await readDocument({ bytes, sniff: sniff(bytes, { name: 'a.html' }) });
    const texts = [doc.title ?? '', ...doc.blocks.flatMap((b) => (b.kind === 'paragraph' ? [b.text] : b.rows.flat().map((c) => c.text)))];
    expect(texts.filter(hasLookalikeIdeographs)).toEqual([]);
    expect(texts).toContain('门户网站');
    expect(documentHtml(doc)).toContain('固原市生态环境局');
    const ex = await extractBytes(bytes, { path: 'a.html' });
    expect(ex.meta.agency).toBe('固原市生态环境局');
    expect(hasLookalikeIdeographs(JSON.stringify(ex))).toBe(false);
    expect(linesHtml('人⺠政府')).toContain('人民政府');
  });
});
