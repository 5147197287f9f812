/**
 * Export from the store (PGlite in memory): reviews folded into approvals and
 * corrections, which win over the extracted values; and the CLI's --db.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { openStore, type Store } from '../src/store';
import { exportDataset } from '../src/export';
import { storeRecords } from '../src/export/store';
import { syntheticExtraction } from '../src/export/synthetic';
import * as cli from '../src/cli/commands/export';

function rowsOf(path: string): Record<string, string>[] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  // The fields used here carry no quotes or commas; agencies with commas are avoided below.
  const [header, ...lines] = text.trimEnd().split('\r\n').map((l) => l.split(','));
  return lines.map((l) => Object.fromEntries(header.map((h, i) => [h, l[i]])));
}

let dir: string;
let store: Store;
const ids: number[] = [];
const exts = [0, 1, 2, 3, 6, 7].map((i) => syntheticExtraction(i, { status: i % 2 ? 'flagged' : 'ok', template: '2021' }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nianbao-export-store-'));
  store = await openStore({ dataDir: dir, pgliteDir: 'memory://' });
  for (const e of exts) ids.push((await store.saveExtraction(e)).id);
  // ids[1] (flagged): corrected twice, then approved. ids[2] (ok): rejected. ids[3] (flagged): a correction, not approved.
  await store.addReview({ extractionId: ids[1], field: 's3.new.natural', action: 'correct', value: 11, reviewer: 'alice' });
  await store.addReview({ extractionId: ids[1], field: 's3.new.natural', action: 'correct', value: 12, reviewer: 'bob' });
  await store.addReview({ extractionId: ids[1], field: null, action: 'accept', reviewer: 'bob' });
  await store.addReview({ extractionId: ids[2], field: null, action: 'reject', reviewer: 'alice' });
  await store.addReview({ extractionId: ids[3], field: 's3.new.legal', action: 'correct', value: 3, reviewer: 'alice' });
}, 60000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('storeRecords folds reviews; corrections win; default filter keeps ok and approved', async () => {
  const out = join(dir, 'out1');
  const s = await exportDataset(storeRecords(store, { pageSize: 2 }), { outDir: out, formats: ['csv'], shapes: ['wide'] });
  expect(s.read).toBe(exts.length);
  const rows = rowsOf(join(out, 'reports_wide.csv'));
  const byId = new Map(rows.map((r) => [r.report_id, r]));
  // ok reports (indexes 0, 4) and the approved flagged one (1); not the rejected (2) nor the unapproved flagged (3, 5).
  expect([...byId.keys()].sort()).toEqual([ids[0], ids[1], ids[4]].map(String).sort());
  const approved = byId.get(String(ids[1]))!;
  expect(approved.export_status).toBe('approved');
  expect(approved.review_status).toBe('approved');
  expect(approved['s3.new.natural']).toBe('12');
  expect(approved.n_corrected).toBe('1');
  expect(s.correctionsApplied).toBe(1);
  expect(s.valuesChanged).toBe(exts[1].fields['s3.new.natural'] === 12 ? 0 : 1);
  expect(byId.get(String(ids[0]))!['s3.new.natural']).toBe(String(exts[0].fields['s3.new.natural']));
});

test('nianbao export --db DIR with --status flagged', async () => {
  // The CLI opens its own store: use a file-backed PGlite directory.
  const dataDir = join(dir, 'db');
  const s2 = await openStore({ dataDir });
  const id = (await s2.saveExtraction(exts[3])).id;
  await s2.addReview({ extractionId: id, field: 's3.new.legal', action: 'correct', value: 3, reviewer: 'alice' });
  await s2.saveExtraction(exts[0]);
  await s2.close();
  const out = join(dir, 'out2');
  const o = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  let code: number;
  try { code = await cli.run(['--db', dataDir, '--out', out, '--status', 'flagged', '--quiet']); } finally { o.mockRestore(); }
  expect(code).toBe(0);
  const rows = rowsOf(join(out, 'reports_wide.csv'));
  expect(rows.length).toBe(1);
  expect(rows[0].report_id).toBe(String(id));
  expect(rows[0].export_status).toBe('flagged');
  expect(rows[0]['s3.new.legal']).toBe('3');
}, 60000);
