/**
 * Accuracy of the whole pipeline on the generated fixture corpus (every layout, both
 * templates, prose-only reports). The expectations come from the generator, not the core.
 */
import { buildCorpus } from './fixtures/corpus';
import { evaluateCorpus, formatMistakes, formatSummary, TARGETS, type DocResult, type Summary } from './fixtures/evaluate';

describe('accuracy on the fixture corpus', () => {
  let results: DocResult[];
  let summary: Summary;

  beforeAll(async () => {
    ({ results, summary } = await evaluateCorpus(buildCorpus(120, 1)));
    // Figures go to the CI log whether or not the assertions pass.
    const mistakes = formatMistakes(results.filter((r) => !r.allRight).slice(0, 8), 4);
    console.log(`${formatSummary(summary)}\n\nby variant:\n${formatSummary(summary, true)}\n\nfirst mistakes:\n${mistakes || 'none'}`);
  }, 300_000);

  it(`field accuracy is at least ${TARGETS.fieldAccuracy}`, () => {
    expect(summary.overall.fieldAccuracy).toBeGreaterThanOrEqual(TARGETS.fieldAccuracy);
  });

  it('no document comes out ok with a wrong field or wrong meta', () => {
    expect(summary.overall.wrongOk).toEqual([]);
  });

  it('template and year are right on every document', () => {
    expect(results.filter((r) => !r.meta.template || !r.meta.year).map((r) => r.id)).toEqual([]);
  });

  it('no document that lost information or misprints a total comes out ok', () => {
    expect(summary.overall.mustFlagOk).toEqual([]);
  });
});
