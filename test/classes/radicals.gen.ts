/**
 * 13.3 Look-alike ideographs from PDF fonts and Word/WPS exports: reports of the fixture layouts
 * whose text (title, agency, labels, prose, signature) carries Kangxi radicals, CJK Radicals
 * Supplement or CJK Compatibility Ideographs in place of the unified ideographs they render as.
 * Producers do it two ways, both drawn here: a font maps some glyphs consistently (every 民 of
 * the document becomes ⺠), or scattered runs of text come from such a font (a share of
 * characters at random positions). The grid must come out as the clean report's, the agency in
 * unified ideographs, and no look-alike left anywhere in the extraction.
 */
import type { ClassDoc, ClassGenerator } from './harness';
import { makeDoc, type Layout } from '../fixtures/docs';
import { Rng } from '../fixtures/prng';
import { withLookalikes } from '../fixtures/render/lookalikes';

const LAYOUTS: { layout: Layout; template: '2019' | '2021' | 'free' }[] = [
  { layout: 'html', template: '2021' },
  { layout: 'html', template: '2019' },
  { layout: 'clean-tabs', template: '2021' },
  { layout: 'cell-per-line', template: '2019' },
  { layout: 'cell-per-line', template: '2021' },
  { layout: 'traditional', template: '2021' },
  { layout: 'free', template: 'free' },
];

export const radicals: ClassGenerator = {
  id: 'radicals',
  klass: '13.3',
  title: 'CJK radicals and compatibility ideographs in place of unified ideographs',
  testDocs: 28,
  make(seed, n) {
    const rng = new Rng(seed * 7717 + 13);
    const docs: ClassDoc[] = [];
    for (let i = 0; i < n; i++) {
      const spec = LAYOUTS[i % LAYOUTS.length];
      const d = makeDoc({ ...spec, seed: rng.int(1, 2 ** 31), id: `rad-${seed}-${i}-${spec.layout}-${spec.template}` });
      const r = rng.fork(i);
      const { text, damage } = withLookalikes(d.bytes.toString('utf8'), r, d.name.endsWith('.html'));
      const mode = damage.mode;
      const scatter = damage.scatter;
      const damaged = text;
      docs.push({
        bytes: Buffer.from(damaged, 'utf8'),
        name: d.name,
        expected: { ...d.expected, variant: `${d.expected.variant}/${mode}${scatter ? `@${scatter}` : ''}`, unifiedText: true },
      });
    }
    return docs;
  },
};
