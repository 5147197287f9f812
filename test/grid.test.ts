import { readFileSync, existsSync } from 'fs';
import { join } from 'path';
import { gridKeys, PROSE_FIELDS, gridFields } from '../src/grid';
import { identities } from '../src/grid/identities';
import { layout } from '../src/grid/layout';

const shared = join(__dirname, '..', '..', 'shared', 'grid', 'grid.json');

test('the bundled grid.json is the shared one', () => {
  if (!existsSync(shared)) return; // a clone without shared/ beside it still has its copy
  expect(readFileSync(join(__dirname, '..', 'src', 'grid', 'grid.json'), 'utf8')).toBe(readFileSync(shared, 'utf8'));
});

test('both templates have the official number of fields, unique keys', () => {
  expect(gridKeys('2019')).toHaveLength(198);
  expect(gridKeys('2021')).toHaveLength(200);
  for (const t of ['2019', '2021'] as const) expect(new Set(gridKeys(t)).size).toBe(gridKeys(t).length);
  expect(PROSE_FIELDS.map((p) => p.key)).toEqual(['p.proactive_total', 'p.requests_total', 'p.consultations', 'p.reviews', 'p.lawsuits']);
});

test('identities only name fields of their template and cover every s3/s4 field', () => {
  for (const t of ['2019', '2021'] as const) {
    const keys = new Set(gridKeys(t));
    const covered = new Set<string>();
    for (const id of identities(t)) for (const k of [...id.lhs, ...id.rhs]) {
      expect(keys.has(k)).toBe(true);
      covered.add(k);
    }
    for (const k of keys) if (!k.startsWith('s2.')) expect(covered.has(k)).toBe(true);
  }
  // 7 balance + 7 results + one per s3 row (2019: new, carried_over, 18 result rows, total,
  // carried_forward = 23; 2021 splits （六）其他处理 into 3) + 3 s4 groups
  expect(identities('2019')).toHaveLength(7 + 7 + 23 + 3);
  expect(identities('2021')).toHaveLength(7 + 7 + 25 + 3);
});

test('the layout places every field exactly once, in grid order', () => {
  for (const t of ['2019', '2021'] as const) {
    const slots = layout(t).items.filter((i) => i.kind === 'value').map((i) => (i as { field: string }).field);
    expect(slots).toEqual(gridFields(t).map((f) => f.key));
  }
});
