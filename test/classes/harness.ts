/**
 * One harness for the unseen-layout classes (issue 13) and the scans (issue 15): each class has a
 * generator (`<name>.gen.ts` in this folder) that makes randomised documents with their expected
 * grid, and every class is scored the same way, so the held-out figures in the notes compare.
 *
 * Seeds: generators are tuned on TUNING_SEEDS; HELD_OUT_SEED is run only to report (never to
 * tune). The test (test/classes.test.ts) asserts the targets on the first tuning seed; the report
 * (node dist/test/classes/report.js) prints any seed.
 */
import { readdirSync } from 'fs';
import type { ErrorCode, Extraction, FlagCode } from '../../src/model/extraction';
import { extractBytes } from '../../src/pipeline/extract';
import { hasLookalikeIdeographs } from '../../src/normalize/radicals';
import { evaluateDoc, sameValue, type DocResult } from '../fixtures/evaluate';
import type { Expectation } from '../fixtures/docs';

export const TUNING_SEEDS = [1, 2, 3] as const;
/** Reported, never tuned on. */
export const HELD_OUT_SEED = 7919;

export interface ClassExpectation extends Expectation {
  /** The document is not a report (or cannot be read): it must fail with this code. */
  failWith?: ErrorCode;
  /** The document must carry this flag (so it is never ok). */
  flagWith?: FlagCode;
  /** No organisation name is printed: meta.agency must be null (with meta_missing); `agency` is then ignored. */
  agencyMissing?: boolean;
  /** No look-alike radical or compatibility ideograph may be left in any text of the extraction (13.3). */
  unifiedText?: boolean;
  /** The agency must be the whole name (sameAgency forgives a missing trailing 人民政府). */
  agencyExact?: boolean;
}

export interface ClassDoc {
  bytes: Buffer;
  /** File name with its extension (the reader sniffs the bytes; the name is provenance). */
  name: string;
  expected: ClassExpectation;
  /** Files that go beside it on disk (a saved crawl: `attachments/report.pdf` → bytes). */
  files?: Record<string, Buffer>;
}

export interface ClassGenerator {
  /** Short id, e.g. 'blank-cells'. */
  id: string;
  /** Which issue class it covers, e.g. '13.1'. */
  klass: string;
  title: string;
  make(seed: number, n: number): ClassDoc[] | Promise<ClassDoc[]>;
  /** Documents per seed in the test (keep the suite fast); the report may ask for more. */
  testDocs?: number;
  /** How to extract when the bytes alone are not the input (a saved crawl on disk). Default extractBytes. */
  extract?(doc: ClassDoc): Promise<Extraction>;
  /** Field accuracy the test asserts (default 0.98) and the flag rate on fully correct documents (default 0.03). */
  targets?: { fieldAccuracy?: number; nonZeroAccuracy?: number; flagRateOnCorrect?: number };
}

export interface ClassDocResult extends DocResult {
  /** Expected failure/flag met (true when none was expected). */
  outcomeRight: boolean;
  nonZeroTotal: number;
  nonZeroRight: number;
}

export interface ClassReport {
  id: string;
  klass: string;
  seed: number;
  docs: number;
  fieldsTotal: number;
  fieldsRight: number;
  fieldAccuracy: number;
  nonZeroTotal: number;
  nonZeroRight: number;
  nonZeroAccuracy: number;
  ok: number;
  flagged: number;
  failed: number;
  /** `ok` although a field, the meta or the expected outcome is wrong. Must be empty. */
  wrongOk: string[];
  /** Expected a failure code or a flag and did not get it. */
  outcomeWrong: string[];
  correctClean: number;
  flaggedCorrect: number;
  flagRateOnCorrect: number;
  results: ClassDocResult[];
}

export function evaluateClassDoc(exp: ClassExpectation, ex: Extraction, ms = 0): ClassDocResult {
  let nonZeroTotal = 0;
  let nonZeroRight = 0;
  for (const [k, v] of Object.entries(exp.fields)) {
    if (v === null || v === 0) continue;
    nonZeroTotal++;
    if (sameValue(v, ex.fields[k])) nonZeroRight++;
  }
  if (exp.failWith) {
    const right = ex.status === 'failed' && ex.error?.code === exp.failWith;
    return {
      ...evaluateDoc({ ...exp, fields: {} }, ex, ms),
      allRight: right,
      wrongOk: ex.status === 'ok',
      mustFlagOk: ex.status === 'ok',
      outcomeRight: right,
      nonZeroTotal: 0,
      nonZeroRight: 0,
    };
  }
  const r = evaluateDoc(exp, ex, ms);
  if (exp.agencyExact && !exp.agencyMissing) {
    r.meta.agency = r.meta.agency && ex.meta.agency?.replace(/\s+/g, '') === exp.agency;
    r.allRight = r.wrong.length === 0 && r.meta.template && r.meta.year && r.meta.agency;
  }
  if (exp.agencyMissing) {
    r.meta.agency = ex.meta.agency === null && ex.flags.some((f) => f.code === 'meta_missing' && f.field === 'meta.agency');
    r.allRight = r.wrong.length === 0 && r.meta.template && r.meta.year && r.meta.agency;
  }
  const flagRight = !exp.flagWith || (ex.status !== 'ok' && ex.flags.some((f) => f.code === exp.flagWith));
  const textRight = !exp.unifiedText || !hasLookalikeIdeographs(JSON.stringify(ex));
  const outcomeRight = flagRight && textRight && ex.status !== 'failed';
  return {
    ...r,
    allRight: r.allRight && outcomeRight,
    wrongOk: ex.status === 'ok' && !(r.allRight && outcomeRight),
    outcomeRight,
    nonZeroTotal,
    nonZeroRight,
  };
}

export async function runClass(gen: ClassGenerator, seed: number, n = gen.testDocs ?? 24): Promise<ClassReport> {
  const docs = await gen.make(seed, n);
  const results: ClassDocResult[] = [];
  for (const d of docs) {
    const t0 = performance.now();
    const ex = gen.extract ? await gen.extract(d) : await extractBytes(d.bytes, { path: d.name });
    results.push(evaluateClassDoc(d.expected, ex, performance.now() - t0));
  }
  const sum = (f: (r: ClassDocResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const fieldsTotal = sum((r) => r.fieldsTotal);
  const fieldsRight = sum((r) => r.fieldsRight);
  const nonZeroTotal = sum((r) => r.nonZeroTotal);
  const nonZeroRight = sum((r) => r.nonZeroRight);
  const clean = results.filter((r) => r.allRight && !r.mustFlag && !docs.find((d) => d.expected.id === r.id)?.expected.flagWith && !docs.find((d) => d.expected.id === r.id)?.expected.failWith);
  const flaggedCorrect = clean.filter((r) => r.status !== 'ok').length;
  return {
    id: gen.id,
    klass: gen.klass,
    seed,
    docs: results.length,
    fieldsTotal,
    fieldsRight,
    fieldAccuracy: fieldsTotal ? fieldsRight / fieldsTotal : 1,
    nonZeroTotal,
    nonZeroRight,
    nonZeroAccuracy: nonZeroTotal ? nonZeroRight / nonZeroTotal : 1,
    ok: results.filter((r) => r.status === 'ok').length,
    flagged: results.filter((r) => r.status === 'flagged').length,
    failed: results.filter((r) => r.status === 'failed').length,
    wrongOk: results.filter((r) => r.wrongOk || r.mustFlagOk).map((r) => r.id),
    outcomeWrong: results.filter((r) => !r.outcomeRight).map((r) => r.id),
    correctClean: clean.length,
    flaggedCorrect,
    flagRateOnCorrect: clean.length ? flaggedCorrect / clean.length : 0,
    results,
  };
}

/** Every `*.gen.ts` (or built `.gen.js`) in this folder, sorted by class. */
export function loadGenerators(): ClassGenerator[] {
  const files = readdirSync(__dirname).filter((f) => /\.gen\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'));
  const gens: ClassGenerator[] = [];
  for (const f of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require(`./${f}`);
    for (const v of Object.values(m)) if (v && typeof v === 'object' && 'make' in v && 'klass' in v) gens.push(v as ClassGenerator);
  }
  const num = (k: string) => k.split('.').map(Number);
  return gens.sort((a, b) => {
    const [x, y] = [num(a.klass), num(b.klass)];
    return x[0] - y[0] || (x[1] ?? 0) - (y[1] ?? 0) || a.id.localeCompare(b.id);
  });
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function formatReports(rs: ClassReport[]): string {
  const head = ['class', 'id', 'seed', 'docs', 'fields', 'non-zero', 'ok/flag/fail', 'wrong-ok', 'outcome-wrong', 'flagged-correct'];
  const rows = rs.map((r) => [
    r.klass,
    r.id,
    String(r.seed),
    String(r.docs),
    `${pct(r.fieldAccuracy)} (${r.fieldsRight}/${r.fieldsTotal})`,
    `${pct(r.nonZeroAccuracy)} (${r.nonZeroRight}/${r.nonZeroTotal})`,
    `${r.ok}/${r.flagged}/${r.failed}`,
    String(r.wrongOk.length),
    String(r.outcomeWrong.length),
    `${r.flaggedCorrect}/${r.correctClean} (${pct(r.flagRateOnCorrect)})`,
  ]);
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ')).join('\n');
}

/** Wrong fields and outcomes of the imperfect documents, for tuning. */
export function formatClassMistakes(r: ClassReport, limit = 4): string {
  return r.results
    .filter((x) => !x.allRight)
    .map((x) => {
      const meta = Object.entries(x.meta).filter(([, ok]) => !ok).map(([k]) => k);
      const w = x.wrong.slice(0, limit).map((f) => `${f.key}: want ${f.expected} got ${f.got}`);
      return `${x.id} [${x.variant}] ${x.status}${x.error ? ` (${x.error})` : ''}${x.outcomeRight ? '' : ' outcome wrong'}${meta.length ? ` meta: ${meta.join(',')}` : ''}${w.length ? `\n    ${w.join('\n    ')}` : ''}`;
    })
    .join('\n');
}
