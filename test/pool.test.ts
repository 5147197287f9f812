/**
 * The extraction thread pool (src/pool) and the ordered runner `nianbao extract` drives it with:
 * input order kept whatever the finishing order, threads as asked, a time limit and a crash that cost one
 * document and not the batch, and bounded documents in flight. Uses the built thread script (dist/).
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { createExtractPool, ExtractPool } from '../src/pool/extract-pool';
import { mapOrdered } from '../src/pool/ordered';
import { extractBytes } from '../src/pipeline/extract';
import { heavyPdf } from './helpers/heavy-pdf';

jest.setTimeout(60_000);

const root = join(__dirname, '..');
const samples = readdirSync(join(root, 'samples')).sort().map((f) => ({ name: f, bytes: readFileSync(join(root, 'samples', f)) }));
const threadPool = (size: number, timeoutMs: number, extra: { heapLimitMb?: number } = {}) =>
  new ExtractPool({ size, timeoutMs, mode: 'thread', recycleAfter: 1000, ...extra });

test('createExtractPool: threads by default, inline with threads 0', async () => {
  const pool = createExtractPool({ threads: 1, timeoutMs: 30_000 });
  const inline = createExtractPool({ threads: 0, timeoutMs: 30_000 });
  try {
    expect(pool.mode).toBe('thread');
    expect(inline.mode).toBe('inline');
    const [a, b] = await Promise.all([pool.extract(samples[1].bytes, { path: samples[1].name }), inline.extract(samples[1].bytes, { path: samples[1].name })]);
    expect(a).toEqual(await extractBytes(samples[1].bytes, { path: samples[1].name }));
    expect(b).toEqual(a);
    const j = await pool.runJson(samples[1].bytes, { path: samples[1].name }, { indent: 2 });
    expect(j.status).toBe(a.status);
    expect(j.json).toBe(JSON.stringify(a, null, 2));
  } finally {
    await pool.close();
    await inline.close();
  }
});

test('results come out in input order when a slow document comes first; both threads work', async () => {
  const slow = { name: 'slow.pdf', bytes: heavyPdf({ pages: 60, ops: 20_000, kind: 'state' }) };
  const docs = [slow, ...samples, ...samples];
  const pool = threadPool(2, 60_000);
  const finished: string[] = [];
  const emitted: string[] = [];
  try {
    await mapOrdered(
      docs.map((d, i) => ({ ...d, key: `${i}:${d.name}` })),
      async (d) => {
        const r = await pool.runJson(new Uint8Array(d.bytes), { path: d.name });
        finished.push(d.key);
        return r;
      },
      (r, d) => {
        expect(JSON.parse(r.json).source.path).toBe(d.name);
        emitted.push(d.key);
      },
      { concurrency: 4, window: 32 },
    );
  } finally {
    await pool.close();
  }
  expect(emitted).toEqual(docs.map((d, i) => `${i}:${d.name}`));
  // the slow one finished after later documents (extracted meanwhile by the other thread)
  expect(finished.indexOf(`0:slow.pdf`)).toBeGreaterThan(0);
  expect(pool.peakBusy).toBe(2);
  expect(pool.threadsStarted).toBe(2);
});

test('threads as asked: never more busy at once, and all of them used', async () => {
  for (const size of [1, 3]) {
    const pool = threadPool(size, 60_000);
    try {
      await Promise.all(Array.from({ length: 3 * size }, (_, i) => pool.extract(samples[i % samples.length].bytes, { path: 'x.txt' })));
      expect(pool.peakBusy).toBe(size);
      expect(pool.threadsStarted).toBe(size);
    } finally {
      await pool.close();
    }
  }
});

test('a document over the time limit is a timeout failure; its thread is replaced and the next document extracts', async () => {
  const pool = threadPool(1, 1500);
  try {
    const t0 = Date.now();
    const stuck = await pool.run(heavyPdf({ pages: 300, ops: 100_000, kind: 'state' }), { path: 'stuck.pdf' });
    expect(stuck.timedOut).toBe(true);
    expect(stuck.ext.status).toBe('failed');
    expect(stuck.ext.error?.code).toBe('timeout');
    expect(stuck.ext.source.path).toBe('stuck.pdf');
    expect(Date.now() - t0).toBeLessThan(15_000); // (the document alone runs for over a minute)
    const next = await pool.extract(samples[0].bytes, { path: samples[0].name });
    expect(next.status).toBe('ok');
    expect(pool.threadsStarted).toBe(2);
  } finally {
    await pool.close();
  }
});

test('a thread that crashes (out of its heap) costs only its document; it is replaced', async () => {
  const pool = threadPool(1, 60_000, { heapLimitMb: 64 });
  try {
    const [crashed, after] = await Promise.all([
      pool.extract(heavyPdf({ pages: 300, ops: 20_000, kind: 'text' }), { path: 'huge.pdf' }),
      pool.extract(samples[0].bytes, { path: samples[0].name }), // queued behind it on the one thread
    ]);
    expect(crashed.status).toBe('failed');
    expect(crashed.error?.code).toBe('internal');
    expect(crashed.error?.message).toMatch(/crashed.*memory/i);
    expect(after.status).toBe('ok');
    expect(pool.threadsStarted).toBe(2);
  } finally {
    await pool.close();
  }
});

describe('mapOrdered', () => {
  test('bounded: at most `concurrency` running and `window` held behind a slow head; input pulled lazily', async () => {
    let release!: () => void;
    const head = new Promise<void>((r) => (release = r));
    let pulled = 0;
    let running = 0;
    let maxRunning = 0;
    async function* items() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const emitted: number[] = [];
    const run = mapOrdered(
      items(),
      async (i) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await (i === 0 ? head : new Promise((r) => setTimeout(r, (i * 7) % 5)));
        running--;
        return i * 2;
      },
      (r) => void emitted.push(r),
      { concurrency: 3, window: 8 },
    );
    await new Promise((r) => setTimeout(r, 200));
    // the head is still running: 7 later ones are done and held, nothing more started
    expect(emitted).toEqual([]);
    expect(pulled).toBe(8);
    release();
    const stats = await run;
    expect(emitted).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    expect(maxRunning).toBe(3);
    expect(stats.peakRunning).toBe(3);
    expect(stats.peakHeld).toBe(8);
  });

  test('a rejection stops the run once the calls in flight have settled', async () => {
    let settled = 0;
    await expect(
      mapOrdered(
        [1, 2, 3, 4, 5, 6],
        async (i) => {
          await new Promise((r) => setTimeout(r, i === 2 ? 1 : 30));
          settled++;
          if (i === 2) throw new Error('boom');
          return i;
        },
        () => undefined,
        { concurrency: 3, window: 4 },
      ),
    ).rejects.toThrow('boom');
    expect(settled).toBe(3);
  });

  test('no items, and a window smaller than the concurrency', async () => {
    expect(await mapOrdered([], async () => 1, () => undefined, { concurrency: 2, window: 4 })).toEqual({ peakRunning: 0, peakHeld: 0 });
    const out: number[] = [];
    const stats = await mapOrdered([3, 1, 2], async (i) => i, (r) => void out.push(r), { concurrency: 4, window: 1 });
    expect(out).toEqual([3, 1, 2]);
    expect(stats.peakHeld).toBeLessThanOrEqual(4);
  });
});
