/**
 * Prose over PDF page breaks (issue 13.7), on Chromium prints with its own running header (date,
 * title) and footer (URL, page n/m): a figure sentence cut by a page break keeps its figure, last
 * year's figure in the same paragraph does not win, 诉讼 without 行政 is read, and a title wrapped
 * inside its keyword still names the agency. lookalike-a.pdf carries look-alike code points in its
 * text layer (⺠ U+2EA0, ⼈ U+2F08, 年 U+F98E…, issue 13.3): none may reach the extraction. Made
 * by scripts/make-prose-break-pdfs.js.
 */
import { hasLookalikeIdeographs } from '../src/normalize/radicals';
import { readFileSync } from 'fs';
import { join } from 'path';
import { extractBytes } from '../src/pipeline/extract';

const DIR = join(__dirname, 'fixtures/files/pdf-prose');

describe.each(['break-a', 'break-c', 'lookalike-a'])('%s.pdf', (name) => {
  it('reads every figure of the report year, the year and the agency', async () => {
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8'));
    const ex = await extractBytes(readFileSync(join(DIR, `${name}.pdf`)), { path: `${name}.pdf` });
    const prose = Object.fromEntries(Object.entries(ex.fields).filter(([k]) => k.startsWith('p.')));
    expect(prose).toEqual(expected.fields);
    expect(ex.meta).toEqual({ agency: expected.agency, year: expected.year, template: 'free' });
    expect(ex.status).toBe('ok');
    expect(hasLookalikeIdeographs(JSON.stringify(ex))).toBe(false);
  }, 60_000);
});
