/**
 * `nianbao extract` on a folder of PDFs against poppler's `pdftotext -layout` on the same files in
 * the same run (issue 14): the built CLI with `--jobs 1` (one extraction thread) and with its default
 * pool (a thread per core), and pdftotext file by file (one process per file, as a shell-out would be)
 * and, for reference, `cores` files at a time. The folder is the readable PDF fixtures repeated to
 * BENCH_EXTRACT_DOCS files (default 132), plus every PDF under NIANBAO_BENCH_PDF_DIR if set (an outside
 * corpus). Ways alternate over BENCH_EXTRACT_ROUNDS rounds (default 3) and the median is reported, so a
 * shared machine's load falls on all of them alike; CPU is the children's (all their threads), from /proc.
 */
import { spawn, spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { availableParallelism, loadavg, tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'nianbao.js');

/** CPU seconds (user + system) of this process's waited-for children (and their threads), from /proc. */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100; // cutime, cstime
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function walkPdfs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walkPdfs(p));
    else if (/\.pdf$/i.test(e)) out.push(p);
  }
  return out;
}

/** The readable fixture PDFs (those whose expected result is not an error). */
function fixturePdfs(): string[] {
  const dir = join(ROOT, 'test', 'fixtures', 'files', 'pdf');
  const own = readdirSync(dir)
    .filter((f) => f.endsWith('.pdf'))
    .filter((f) => !JSON.parse(readFileSync(join(dir, f.replace(/\.pdf$/, '.expected.json')), 'utf8')).error)
    .map((f) => join(dir, f));
  const more = join(ROOT, 'test', 'fixtures', 'files', 'pdf-text');
  return [...own, ...(existsSync(more) ? walkPdfs(more) : [])].sort();
}

interface Way {
  name: string;
  seconds: number[];
  cpu: number[];
}

function timed(way: Way, f: () => void | Promise<void>): Promise<void> {
  const c0 = childCpuSeconds();
  const t0 = process.hrtime.bigint();
  return Promise.resolve(f()).then(() => {
    way.seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    way.cpu.push(childCpuSeconds() - c0);
  });
}

function pdftotextOne(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('pdftotext', ['-layout', file, '-'], { stdio: ['ignore', 'ignore', 'ignore'] });
    p.on('error', reject);
    p.on('exit', () => resolve());
  });
}

async function pdftotextParallel(files: string[], at: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: at }, async () => {
    while (next < files.length) await pdftotextOne(files[next++]);
  }));
}

function extract(dir: string, out: string, jobs?: number): string {
  const args = [BIN, 'extract', '--jsonl', out, ...(jobs != null ? ['--jobs', String(jobs)] : []), dir];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`nianbao extract failed (${r.status}): ${r.stderr}`);
  return r.stderr.trim();
}

export async function run(): Promise<Record<string, unknown>> {
  const want = Number(process.env.BENCH_EXTRACT_DOCS ?? 132);
  const rounds = Math.max(1, Number(process.env.BENCH_EXTRACT_ROUNDS ?? 3));
  const cores = availableParallelism();
  const hasPdftotext = spawnSync('pdftotext', ['-v']).error == null;
  const work = mkdtempSync(join(tmpdir(), 'nianbao-extract-bench-'));
  try {
    const dir = join(work, 'in');
    mkdirSync(dir);
    const fixtures = fixturePdfs();
    for (let i = 0; i < want; i++) copyFileSync(fixtures[i % fixtures.length], join(dir, `${String(i).padStart(4, '0')}-${fixtures[i % fixtures.length].split('/').pop()}`));
    const outside = process.env.NIANBAO_BENCH_PDF_DIR ? walkPdfs(process.env.NIANBAO_BENCH_PDF_DIR) : [];
    outside.forEach((f, i) => copyFileSync(f, join(dir, `x${String(i).padStart(4, '0')}.pdf`)));
    const files = readdirSync(dir).sort().map((f) => join(dir, f));
    const n = files.length;
    console.log(`extract: ${n} PDFs (${want} from ${fixtures.length} fixtures${outside.length ? `, ${outside.length} from ${process.env.NIANBAO_BENCH_PDF_DIR}` : ''}), ${rounds} rounds, ${cores} cores`);

    const load0 = loadavg()[0].toFixed(2);
    const ways: Record<string, Way> = {};
    const way = (name: string) => (ways[name] ??= { name, seconds: [], cpu: [] });
    const summaries: Record<string, string> = {};
    const outs: Record<string, string> = {};
    for (let r = 0; r < rounds; r++) {
      if (hasPdftotext) {
        await timed(way('pdftotext -layout, file by file'), async () => {
          for (const f of files) await pdftotextOne(f);
        });
        await timed(way(`pdftotext -layout, ${cores} at a time`), () => pdftotextParallel(files, cores));
      }
      for (const [name, jobs] of [['nianbao extract --jobs 1', 1], ['nianbao extract (default pool)', undefined]] as const) {
        const out = join(work, `out-${jobs ?? 'default'}.jsonl`);
        await timed(way(name), () => void (summaries[name] = extract(dir, out, jobs)));
        outs[name] = readFileSync(out, 'utf8');
      }
    }
    const [one, pooled] = Object.values(outs);
    if (one !== pooled) throw new Error('extract --jobs 1 and the default pool wrote different output');

    const result: Record<string, unknown> = { docs: n, rounds, cores, loadBefore: load0, loadAfter: loadavg()[0].toFixed(2) };
    const rate = (w: Way) => n / median(w.seconds);
    const base = ways['pdftotext -layout, file by file'];
    for (const w of Object.values(ways)) {
      const docsPerSec = +rate(w).toFixed(1);
      const cpuMsPerDoc = +((median(w.cpu) / n) * 1000).toFixed(1);
      const vsPdftotext = base ? +(rate(w) / rate(base)).toFixed(2) : null;
      result[w.name] = { docsPerSec, cpuMsPerDoc, vsPdftotext, seconds: w.seconds.map((s) => +s.toFixed(2)) };
      console.log(`  ${w.name.padEnd(34)} ${String(docsPerSec).padStart(6)} docs/s  ${String(cpuMsPerDoc).padStart(6)} CPU ms/doc${vsPdftotext != null ? `  ${vsPdftotext}× pdftotext` : ''}`);
    }
    if (!base) console.log('  (pdftotext not installed: no comparison)');
    console.log(`  load average ${load0} before, ${result.loadAfter} after (on ${cores} cores: above ${cores}, wall figures measure the other load too)`);
    for (const [name, s] of Object.entries(summaries)) console.log(`  ${name}: ${s.replace(/^nianbao extract: /, '')}`);
    result.summaries = summaries;
    return { name: 'extract', ...result };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
