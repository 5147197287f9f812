/**
 * The core on generated reports with non-zero values: specific situations a reviewer relies on,
 * beyond the corpus-wide accuracy figures (test/accuracy.test.ts).
 */
import { makeDoc } from './fixtures';
import { extractBytes, extractDocument } from '../src/pipeline/extract';
import { readDocument } from '../src/read';
import { sniff } from '../src/sniff';
import type { Table } from '../src/model/document';
import { gridKeys } from '../src/grid';
import type { Extraction } from '../src/model/extraction';

async function run(spec: Parameters<typeof makeDoc>[0]) {
  const doc = makeDoc(spec);
  const x = await extractBytes(doc.bytes, { path: doc.name });
  return { doc, x };
}
const wrong = (x: Extraction, fields: Record<string, number | null>) =>
  Object.entries(fields).filter(([k, v]) => x.fields[k] !== v && !(typeof v === 'number' && Math.abs((x.fields[k] ?? NaN) - v) < 1e-6));

test.each(['2019', '2021'] as const)('a clean %s report comes out ok, every value read and confident', async (template) => {
  const { doc, x } = await run({ layout: 'clean-tabs', template, seed: 11, scale: 'city' });
  expect(wrong(x, doc.expected.fields)).toEqual([]);
  expect(x.status).toBe('ok');
  expect(x.meta.template).toBe(template);
  for (const k of gridKeys(template)) {
    expect(x.cells[k].evidence.method).toBe('read');
    expect(x.cells[k].confidence).toBeGreaterThanOrEqual(0.95);
  }
  // non-zero values, so a shifted column could not hide
  expect(gridKeys(template).filter((k) => (x.fields[k] ?? 0) !== 0).length).toBeGreaterThan(40);
});

test('the agency\'s own arithmetic error: flagged, printed values kept, the failed check named', async () => {
  const { doc, x } = await run({ layout: 'printed-error', template: '2021', seed: 5, scale: 'county' });
  expect(x.status).toBe('flagged');
  expect(wrong(x, doc.expected.fields)).toEqual([]);
  const failed = x.checks.filter((c) => !c.ok && !c.skipped);
  expect(failed.length).toBeGreaterThan(0);
  expect(x.flags.filter((f) => f.code === 'identity_failed').length).toBe(failed.length);
  expect(failed[0].detail).toContain('≠');
  for (const c of failed) for (const k of c.fields!) expect(x.cells[k].failed).toContain(c.id);
});

test('a value moved into another column is never passed as ok', async () => {
  const { doc } = await run({ layout: 'clean-tabs', template: '2019', seed: 3, scale: 'county' });
  const lines = doc.bytes.toString('utf8').split('\n');
  // swap two unequal numbers inside one s3 row
  const i = lines.findIndex((l) => l.startsWith('二、上年结转') || l.includes('予以公开'));
  const cells = lines[i].split('\t');
  const nums = cells.map((c, j) => [c, j] as const).filter(([c]) => /^\d+$/.test(c));
  const pair = nums.find(([a], n) => nums.slice(n + 1).some(([b]) => b !== a))!;
  const other = nums.find(([b]) => b !== pair[0])!;
  [cells[pair[1]], cells[other[1]]] = [cells[other[1]], cells[pair[1]]];
  lines[i] = cells.join('\t');
  const x = await extractBytes(Buffer.from(lines.join('\n')), { path: 'swapped.txt' });
  expect(x.status).toBe('flagged');
  expect(x.flags.some((f) => f.code === 'identity_failed')).toBe(true);
});

test('tab rows with lost label cells and dropped trailing cells: values recovered, inferred ones flagged', async () => {
  for (const seed of [1, 2, 3, 4]) {
    const { doc, x } = await run({ layout: 'tab-rows', template: '2021', seed, scale: 'city' });
    expect(wrong(x, doc.expected.fields)).toEqual([]);
    if (doc.expected.mustFlag) expect(x.status).toBe('flagged');
    for (const [k, c] of Object.entries(x.cells)) {
      if (c.inferred) {
        expect(x.flags.some((f) => f.code === 'inferred' && f.field === k)).toBe(true);
        expect(c.confidence).toBeLessThan(0.95);
      }
    }
  }
});

test('Traditional characters and full-width digits give the same values', async () => {
  const { doc, x } = await run({ layout: 'traditional', template: '2019', seed: 8, scale: 'city' });
  expect(doc.bytes.toString('utf8')).toMatch(/[資開請報]/);
  expect(wrong(x, doc.expected.fields)).toEqual([]);
  expect(x.meta.template).toBe('2019');
});

test('HTML with blank zero cells: a blank cell of a real grid reads as 0, confident where its identities hold', async () => {
  const { doc, x } = await run({ layout: 'html', template: '2021', seed: 21, scale: 'township', html: { blankZeros: true } });
  expect(wrong(x, doc.expected.fields)).toEqual([]);
  const blanks = Object.entries(x.cells).filter(([, c]) => c.evidence.method === 'blank');
  expect(blanks.length).toBeGreaterThan(20);
  for (const [k, c] of blanks) {
    expect(x.fields[k]).toBe(0);
    expect(c.evidence.raw).toBe('');
    expect(c.inferred).toBe(false);
    if (c.passed?.length) expect(c.confidence).toBeGreaterThanOrEqual(0.95);
  }
  expect(x.flags.filter((f) => f.code === 'blank_cell' || f.code === 'inferred')).toEqual([]);
  expect(x.status).toBe('ok');
});

test('HTML with a blank cell where a figure is missing: the blank is solved from the identities and flagged', async () => {
  const d = makeDoc({ layout: 'html', template: '2021', seed: 21, scale: 'county', html: { blankZeros: false } });
  const model = await readDocument({ bytes: d.bytes, sniff: sniff(d.bytes, { name: d.name }), name: d.name });
  const clean = extractDocument(model, { sha256: '', format: 'html' });
  expect(clean.status).toBe('ok');
  // blank the printed total of a row whose parts are not all zero
  const key = Object.keys(clean.fields).find((k) => /^s3\.[a-z_.]+\.total$/.test(k) && (clean.fields[k] ?? 0) > 0)!;
  const pos = clean.cells[key].evidence.pos!;
  const table = model.blocks[pos.table!] as Table;
  table.rows[pos.row!][pos.col!].text = '';
  const x = extractDocument(model, { sha256: '', format: 'html' });
  expect(x.fields[key]).toBe(clean.fields[key]);
  expect(x.cells[key].inferred).toBe(true);
  expect(x.flags.some((f) => f.code === 'inferred' && f.field === key)).toBe(true);
  expect(x.status).toBe('flagged');
  // every other field as before
  for (const k of Object.keys(clean.fields)) if (k !== key) expect([k, x.fields[k]]).toEqual([k, clean.fields[k]]);
});

test('blank cells of a ruled PDF grid read as 0 too; of a text-aligned PDF table they do not', async () => {
  const d = makeDoc({ layout: 'html', template: '2019', seed: 33, scale: 'township', html: { blankZeros: true } });
  const model = await readDocument({ bytes: d.bytes, sniff: sniff(d.bytes, { name: d.name }), name: d.name });
  const as = (origin: Table['origin']) => ({
    ...model,
    format: 'pdf' as const,
    blocks: model.blocks.map((b) => (b.kind === 'table' ? { ...b, origin } : b)),
  });
  const lattice = extractDocument(as('pdf-lattice'), { sha256: '', format: 'pdf' });
  expect(wrong(lattice, d.expected.fields)).toEqual([]);
  expect(lattice.status).toBe('ok');
  expect(Object.values(lattice.cells).filter((c) => c.evidence.method === 'blank').length).toBeGreaterThan(20);
  // a table recovered from text alignment alone may have lost a cell where it shows a blank
  const stream = extractDocument(as('pdf-stream'), { sha256: '', format: 'pdf' });
  expect(stream.status).toBe('flagged');
  for (const c of Object.values(stream.cells)) if (c.evidence.method === 'blank') expect(c.inferred || c.confidence < 0.95).toBe(true);
});

test('a grid whose every value cell is blank is not read as all zeros', async () => {
  const d = makeDoc({ layout: 'html', template: '2021', seed: 34, scale: 'county', html: { blankZeros: false } });
  const model = await readDocument({ bytes: d.bytes, sniff: sniff(d.bytes, { name: d.name }), name: d.name });
  // a reader that lost every digit: every number cell of every table empty
  for (const b of model.blocks) if (b.kind === 'table') for (const r of b.rows) for (const c of r) if (/^[\d.,]+$/.test(c.text.trim())) c.text = '';
  const x = extractDocument(model, { sha256: '', format: 'html' });
  expect(x.status).toBe('flagged');
  expect(Object.values(x.fields).filter((v) => v === 0).length).toBeLessThan(10);
});

test('a prose-only report: template free, figures from sentences', async () => {
  const { doc, x } = await run({ layout: 'free', template: 'free', seed: 2 });
  expect(x.meta.template).toBe('free');
  expect(wrong(x, doc.expected.fields)).toEqual([]);
  expect(Object.keys(x.fields).every((k) => k.startsWith('p.'))).toBe(true);
});

test('not an annual report, and unreadable input, fail with their codes', async () => {
  const notReport = await extractBytes(Buffer.from('<html><body><h1>招聘公告</h1><p>我单位招聘工作人员5名，报名时间为3月1日至3月10日。</p></body></html>'), { path: 'x.html' });
  expect(notReport.status).toBe('failed');
  expect(notReport.error?.code).toBe('not_annual_report');
  const empty = await extractBytes(new Uint8Array(0), { path: 'e.txt' });
  expect(empty.error?.code).toBe('empty_input');
});

test('an amount printed in 元 in a 万元 column is converted, with the unit and factor in the evidence', async () => {
  const { compose, renderCells } = await import('./classes/cells');
  const c = compose(5, '2019', 'city', (g) => ({ ...g, 's2.procurement.count': 3, 's2.procurement.amount': 25.1 }));
  const { bytes } = renderCells('html', c, (k, v) => (k === 's2.procurement.amount' ? '251,000 元' : String(v)));
  const x = await extractBytes(bytes, { path: 'x.html' });
  expect(x.fields['s2.procurement.amount']).toBeCloseTo(25.1, 9);
  expect(x.cells['s2.procurement.amount'].evidence).toMatchObject({ method: 'read', raw: '251,000 元', unit: '元', factor: 1e-4 });
  expect(x.status).toBe('ok');
});
