/**
 * Batch benchmark (issue 3): documents per second for each input format in one process, and the
 * peak memory of one `nianbao extract` run over 1,000 documents of every format (the built CLI
 * in a child process, its own peak RSS measured by test/robust/rss.js).
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, extname } from 'path';
import { extractBytes } from '../src/pipeline/extract';
import { buildCorpus } from '../test/fixtures/corpus';

const ROOT = join(__dirname, '..', '..');
const FILES = join(ROOT, 'test', 'fixtures', 'files');

/** Fixture files of a format that are readable reports (not the corrupt/encrypted/scanned cases). */
function reports(format: string): { name: string; bytes: Buffer }[] {
  const dir = join(FILES, format);
  return readdirSync(dir)
    .filter((f) => ['.pdf', '.docx', '.doc', '.html'].includes(extname(f)))
    .filter((f) => {
      const exp = JSON.parse(readFileSync(join(dir, f.replace(/\.[a-z]+$/, '.expected.json')), 'utf8'));
      return exp.fields && Object.keys(exp.fields).length > 0;
    })
    .map((f) => ({ name: f, bytes: readFileSync(join(dir, f)) }));
}

async function perFormat(): Promise<Record<string, { docs: number; docsPerSec: number; cpuMsPerDoc: number }>> {
  const corpus = buildCorpus(120, 7);
  const groups: Record<string, { name: string; bytes: Uint8Array }[]> = {
    text: corpus.filter((d) => d.name.endsWith('.txt')),
    html: corpus.filter((d) => d.name.endsWith('.html')),
    docx: reports('docx'),
    doc: reports('doc'),
    pdf: reports('pdf'),
  };
  const out: Record<string, { docs: number; docsPerSec: number; cpuMsPerDoc: number }> = {};
  for (const [format, docs] of Object.entries(groups)) {
    for (const d of docs) await extractBytes(d.bytes, { path: d.name }); // warm-up
    const rounds = format === 'pdf' ? 2 : 4;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) for (const d of docs) await extractBytes(d.bytes, { path: d.name });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    const n = rounds * docs.length;
    out[format] = { docs: n, docsPerSec: +(n / wall).toFixed(1), cpuMsPerDoc: +((cpu.user + cpu.system) / 1000 / n).toFixed(1) };
    console.log(`  ${format.padEnd(5)} ${out[format].docsPerSec} docs/s wall, ${out[format].cpuMsPerDoc} CPU ms/doc (${n} docs)`);
  }
  return out;
}

function batch(n = 1000): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-batch-'));
  try {
    const corpus = buildCorpus(200, 9);
    const binary = [...reports('pdf'), ...reports('docx'), ...reports('doc')];
    // 60% generated text/HTML reports, 40% PDF/DOCX/DOC fixture reports
    for (let i = 0; i < n; i++) {
      const d = i % 5 < 3 ? corpus[i % corpus.length] : binary[i % binary.length];
      writeFileSync(join(dir, `${String(i).padStart(4, '0')}-${d.name}`), d.bytes);
    }
    const out = join(dir, 'out.jsonl');
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--require', join(ROOT, 'test', 'robust', 'rss.js'), join(ROOT, 'bin', 'nianbao.js'), 'extract', '--quiet', '--jsonl', out, dir], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const seconds = (Date.now() - t0) / 1000;
    const m = /@@robust maxrss_kib=(\d+)/.exec(r.stderr ?? '');
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    const statuses: Record<string, number> = {};
    for (const l of lines) statuses[l.status] = (statuses[l.status] ?? 0) + 1;
    const res = { docs: lines.length, seconds, docsPerSec: +(lines.length / seconds).toFixed(1), peakRssMB: m ? Math.round(Number(m[1]) / 1024) : null, statuses, exit: r.status };
    console.log(`  batch: ${res.docs} documents in ${seconds.toFixed(1)} s, peak RSS ${res.peakRssMB} MB, ${JSON.stringify(statuses)}`);
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  console.log('batch: documents per second per format (one process), then 1,000 documents through the CLI');
  const formats = await perFormat();
  return { name: 'batch', formats, batch: batch(1000) };
}
