/**
 * Group commit of the workers' extraction writes (src/queue/store-writer.ts) against the real PostgreSQL:
 * writes gathered into shared transactions, each job answered only after its own commit, and one bad
 * write failing alone.
 */
import { openStore, type Store } from '../src/store';
import { prepareExtraction } from '../src/store/prepare';
import type { Extraction } from '../src/model/extraction';
import { PIPELINE_VERSION, sha256 } from '../src/pipeline/extract';
import { StoreWriter } from '../src/queue/store-writer';
import { isStoreUnavailable } from '../src/queue/stages';
import { DATABASE_URL, dropSchema, tempDir, uniqueName } from './helpers/services';

const sha = (n: number) => sha256(new TextEncoder().encode('writer doc ' + n));

function ext(n: number, agency: string | null = null, status: Extraction['status'] = 'ok'): Extraction {
  return {
    source: { sha256: sha(n), format: 'text', bytes: 10 },
    meta: { agency, year: agency ? 2021 : null, template: agency ? '2021' : null },
    fields: { 's3.new.total': n },
    cells: {},
    checks: [{ id: 'c1', ok: true, detail: 'holds' }],
    flags: [],
    status,
    pipeline: PIPELINE_VERSION,
  };
}

const schema = uniqueName('nbtest_writer');
const blobs = tempDir('nb-writer-');
let store: Store;

beforeAll(async () => {
  store = await openStore({ databaseUrl: DATABASE_URL, schema, blobDir: blobs.dir });
}, 60000);
afterAll(async () => {
  await store?.close();
  await dropSchema(schema);
  blobs.remove();
});

test('writes that come while others are on their way share one transaction; each resolves after its commit', async () => {
  const writer = new StoreWriter(store, { maxBatch: 8, lingerMs: 5000, isUnavailable: isStoreUnavailable });
  // three extractions on their way: the first two writes wait for the third, then all go together
  const done = [writer.expect(), writer.expect(), writer.expect()];
  const results: number[] = [];
  const write = (n: number, i: number) => {
    const p = writer.write({ prepared: prepareExtraction(ext(n, '辛县')), actor: 'worker' }).then((r) => (results.push(r.id), r));
    done[i]();
    return p;
  };
  const writes = [write(1, 0), write(2, 1)];
  await new Promise((r) => setTimeout(r, 100));
  expect(results).toHaveLength(0); // still gathering: the third is on its way
  writes.push(write(3, 2)); // the last one expected: the batch goes now, not after the linger
  const rows = await Promise.all(writes);
  expect(writer.batches).toBe(1);
  expect(writer.writes).toBe(3);
  // committed when resolved: another connection sees every row
  const seen = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM extractions WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
  expect(Number(seen[0].n)).toBe(3);
  // the same agency in one batch: the later two are duplicates of the first, as if stored one by one
  expect(rows.map((r) => r.crossChecks)).toEqual([0, 1, 1]);
});

test('with nothing on its way a write goes at once; a full batch goes without waiting', async () => {
  const writer = new StoreWriter(store, { maxBatch: 2, lingerMs: 60000, isUnavailable: isStoreUnavailable });
  const t0 = Date.now();
  await writer.write({ prepared: prepareExtraction(ext(10)) });
  const coming = [writer.expect(), writer.expect(), writer.expect()];
  const two = [writer.write({ prepared: prepareExtraction(ext(11)) }), writer.write({ prepared: prepareExtraction(ext(12)) })];
  await Promise.all(two);
  expect(Date.now() - t0).toBeLessThan(30000); // neither waited for the linger
  expect(writer.batches).toBe(2);
  coming.forEach((f) => f());
});

test('a write the database refuses fails alone; the others of its batch are stored', async () => {
  const writer = new StoreWriter(store, { maxBatch: 8, lingerMs: 5000, isUnavailable: isStoreUnavailable });
  const done = [writer.expect(), writer.expect(), writer.expect()];
  const good1 = writer.write({ prepared: prepareExtraction(ext(20)) });
  const bad = writer.write({ prepared: { ...prepareExtraction(ext(21)), status: 'bogus' as 'ok' } });
  const good2 = writer.write({ prepared: prepareExtraction(ext(22)) });
  done.forEach((f) => f());
  await expect(bad).rejects.toThrow(/check constraint/);
  const [a, b] = await Promise.all([good1, good2]);
  expect((await store.getExtraction(a.id))?.sha256).toBe(sha(20));
  expect((await store.getExtraction(b.id))?.sha256).toBe(sha(22));
  expect(await store.findExtraction(sha(21))).toBeNull();
  // the shared attempt, then each alone
  expect(writer.batches).toBe(1);
});

test('drain stores what is waiting', async () => {
  const writer = new StoreWriter(store, { maxBatch: 8, lingerMs: 60000, isUnavailable: isStoreUnavailable });
  const coming = writer.expect();
  const w = writer.write({ prepared: prepareExtraction(ext(30)) });
  await writer.drain();
  expect((await w).sha256).toBe(sha(30));
  coming();
});
