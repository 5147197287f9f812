/**
 * 13.1 Blank cells in a real table grid. Agencies leave zero cells empty (`<td></td>`, `&nbsp;`,
 * an empty Word cell): sometimes a few cells, sometimes every zero, sometimes whole blocks (every
 * 复议后起诉 column, an applicant column no one used). In a true grid (HTML, Word) a blank reads
 * as 0 and the report is `ok` where the identities hold.
 *
 * Also drawn: a blank where the agency left out a non-zero figure (a row's 总计): the identities
 * solve it, and it must be flagged `inferred`. The control (blankCellsText): text dumps (tab rows,
 * a cell per line) with blank zero cells, whose blanks may be lost cells: never `ok` unless the
 * identities determine every one of them.
 */
import type { ClassDoc, ClassGenerator } from './harness';
import { compose, renderCells, type CellLayout } from './cells';
import { Rng } from '../fixtures/prng';
import type { Grid } from '../fixtures/grid-gen';
import { S3_APPLICANT_COLS, templateSpec, templateKeys, type Template } from '../fixtures/grid-spec';
import { expectedHidden } from '../fixtures/solve';

/** How a blank cell is printed, per layout family (markup for HTML). */
const HTML_BLANKS = ['', '&nbsp;', ' ', '&#160;', '\u3000', '<br>', '<span></span>', '<span>&nbsp;</span>', '\n'];
const TEXT_BLANKS = ['', ' ', '\u3000'];

type Mode = 'all-zeros' | 'some-zeros' | 'blocks';

/** Zero whole blocks the way agencies leave them: every 复议后起诉 cell, an applicant column, a 行政诉讼 group. */
function zeroBlocks(rng: Rng, t: Template, g: Grid): Grid {
  const spec = templateSpec(t);
  const blocks = rng.shuffle(['suit_after_review', 'suit_direct', 'research', 'social', 'legal']).slice(0, rng.int(1, 3));
  for (const b of blocks) {
    const grp = spec.s4.find((x) => x.id === b);
    if (grp) for (const k of grp.keys) g[k] = 0;
    if ((S3_APPLICANT_COLS as readonly string[]).includes(b)) {
      for (const r of spec.s3.rows) g[`s3.${r.id}.${b}`] = 0;
      for (const r of spec.s3.rows) g[`s3.${r.id}.total`] = S3_APPLICANT_COLS.reduce((a, c) => a + g[`s3.${r.id}.${c}`], 0);
    }
  }
  return g;
}

function makeOne(seed: number, i: number, text: boolean): ClassDoc {
  const rng = new Rng(seed * 7919 + i + (text ? 5000 : 0));
  const template: Template = rng.chance(0.5) ? '2019' : '2021';
  // a true grid (HTML, Word HTML, DOCX) that must be ok, 1 in 5 with a left-out figure; or a text dump
  const kind = text ? 'text' : rng.chance(0.8) ? 'grid' : 'missing';
  const mode: Mode = rng.pick(['all-zeros', 'some-zeros', 'blocks'] as const);
  const c = compose(rng.int(1, 1e9), template, undefined, mode === 'blocks' ? (g, r) => zeroBlocks(r, template, g) : undefined);
  const layout: CellLayout = kind === 'text' ? rng.pick(['clean-tabs', 'cell-per-line'] as const) : rng.pick(['html', 'html-word', 'docx'] as const);
  const html = layout.startsWith('html');
  const blanks = html ? HTML_BLANKS : TEXT_BLANKS;
  // one blank style per document, or a mix
  const style = rng.chance(0.6) ? rng.pick(blanks) : null;
  const br = rng.fork(3);
  const blank = new Set<string>();
  for (const k of templateKeys(template)) if (c.grid[k] === 0 && (mode !== 'some-zeros' || br.chance(0.5))) blank.add(k);
  // a left-out figure: a non-zero 总计 of an s3 row, which its row identity determines
  let leftOut: string | undefined;
  if (kind === 'missing') {
    const totals = templateKeys(template).filter((k) => /^s3\..+\.total$/.test(k) && c.grid[k] > 0);
    leftOut = totals.length ? br.pick(totals) : undefined;
    if (leftOut) blank.add(leftOut);
  }
  const cell = (key: string, v: number) => (blank.has(key) ? (style ?? br.pick(blanks)) : html ? String(v) : String(v));
  const { bytes, ext } = renderCells(layout, c, cell);

  const keys = templateKeys(template);
  const fields: Record<string, number | null> = {};
  let mustFlag = false;
  if (kind === 'text') {
    // a text dump's blank may be a lost cell: what the identities determine, else unknown
    const solved = expectedHidden(template, c.grid, blank);
    for (const k of keys) fields[k] = k in solved ? solved[k] : c.grid[k];
    mustFlag = blank.size > 0;
  } else for (const k of keys) fields[k] = c.grid[k];
  Object.assign(fields, c.report.prose);
  const id = `blank${text ? '-text' : ''}-${seed}-${i}`;
  return {
    bytes,
    name: `${id}.${ext}`,
    expected: {
      id,
      layout: layout === 'clean-tabs' || layout === 'cell-per-line' ? layout : 'html',
      variant: `${kind}/${layout}/${mode}${style === null ? '/mixed' : ''}`,
      template,
      year: c.year,
      agency: c.agency.name,
      scale: c.agency.scale,
      fields,
      mustFlag,
      ...(leftOut ? { flagWith: 'inferred' as const } : {}),
    },
  };
}

export const blankCells: ClassGenerator = {
  id: 'blank-cells',
  klass: '13.1',
  title: 'blank cells of a real table grid read as 0; text dumps keep their caution',
  make: (seed, n) => Array.from({ length: n }, (_, i) => makeOne(seed, i, false)),
};

/**
 * The control: the same blanks in text dumps (tab rows, a cell per line), where a blank may be a
 * lost cell. They must never be `ok` unless the identities determine every blank.
 */
export const blankCellsText: ClassGenerator = {
  id: 'blank-cells-text',
  klass: '13.1',
  title: 'blank cells in text dumps keep their caution (never ok unless determined)',
  make: (seed, n) => Array.from({ length: n }, (_, i) => makeOne(seed, i, true)),
  testDocs: 12,
  // Reason: a blank of a text dump cannot be told from a lost cell, so numbers shift into the
  // blanks' slots and the document is flagged (today's caution, kept on purpose: about half the
  // fields come out wrong, all flagged). What this control asserts is that none is ok.
  targets: { fieldAccuracy: 0, nonZeroAccuracy: 0, flagRateOnCorrect: 1 },
};
