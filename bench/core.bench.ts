/**
 * Core benchmark: extraction throughput in one process over the fixture corpus, text
 * and HTML documents separately (warm-up, then several rounds, median). Each round also
 * times a reference pass over the same bytes (decode + regex + JSON round trip), so the
 * figures can be compared as ratios on a noisy or shared machine.
 */
import { performance } from 'perf_hooks';
import { extractBytes } from '../src/pipeline/extract';
import { buildCorpus } from '../test/fixtures/corpus';
import type { FixtureDoc } from '../test/fixtures/docs';

export interface KindResult {
  docs: number;
  mb: number;
  /** Median over rounds. */
  docsPerSec: number;
  refDocsPerSec: number;
  /** Core time ÷ reference time over the same bytes (median of per-round ratios). */
  refMultiple: number;
  msPerDocMedian: number;
}

const decoder = new TextDecoder('utf-8');

/** A plain pass over the bytes every extractor must at least make: decode, find the numbers, serialise. */
function referencePass(bytes: Uint8Array): number {
  const text = decoder.decode(bytes).replace(/<[^>]*>/g, ' ');
  const nums = (text.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
  return (JSON.parse(JSON.stringify({ lines: text.split('\n'), nums })) as { nums: number[] }).nums.length;
}

async function timeCore(docs: FixtureDoc[]): Promise<number> {
  const t = performance.now();
  for (const d of docs) {
    const ex = await extractBytes(d.bytes, { path: d.name });
    if (ex.status === 'failed' && ex.error?.code === 'internal') throw new Error(`${d.name}: ${ex.error.message}`);
  }
  return (performance.now() - t) / 1000;
}

function timeReference(docs: FixtureDoc[]): number {
  const t = performance.now();
  let sink = 0;
  for (const d of docs) sink += referencePass(d.bytes);
  if (sink < 0) throw new Error('unreachable');
  return (performance.now() - t) / 1000;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function run(opts: { docs?: number; rounds?: number; log?: (s: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((s: string) => process.stdout.write(s + '\n'));
  const rounds = opts.rounds ?? 5;
  const corpus = buildCorpus(opts.docs ?? 120, 1);
  const kinds: Record<'text' | 'html', FixtureDoc[]> = {
    text: corpus.filter((d) => d.name.endsWith('.txt')),
    html: corpus.filter((d) => d.name.endsWith('.html')),
  };
  log(`core: ${kinds.text.length} text + ${kinds.html.length} HTML documents, ${rounds} rounds after a warm-up`);

  for (const docs of Object.values(kinds)) {
    await timeCore(docs);
    timeReference(docs);
  }

  const out: Record<string, KindResult> = {};
  for (const [kind, docs] of Object.entries(kinds)) {
    const core: number[] = [];
    const ref: number[] = [];
    // Alternate core and reference within each round so both see the same machine state.
    for (let r = 0; r < rounds; r++) {
      core.push(await timeCore(docs));
      ref.push(timeReference(docs));
    }
    const bytes = docs.reduce((a, d) => a + d.bytes.length, 0);
    out[kind] = {
      docs: docs.length,
      mb: +(bytes / 1048576).toFixed(2),
      docsPerSec: +(docs.length / median(core)).toFixed(1),
      refDocsPerSec: +(docs.length / median(ref)).toFixed(1),
      refMultiple: +median(core.map((c, i) => c / ref[i])).toFixed(1),
      msPerDocMedian: +((median(core) * 1000) / docs.length).toFixed(2),
    };
    const k = out[kind];
    log(`  ${kind.padEnd(4)} ${String(k.docsPerSec).padStart(8)} docs/s  (${k.msPerDocMedian} ms/doc; ${k.refMultiple}× the reference pass at ${k.refDocsPerSec} docs/s)`);
  }
  const peakRssMB = +(process.resourceUsage().maxRSS / 1024).toFixed(1);
  log(`  peak RSS ${peakRssMB} MB`);
  return { name: 'core', rounds, ...out, peakRssMB };
}

if (require.main === module) {
  run().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exitCode = 1;
  });
}
