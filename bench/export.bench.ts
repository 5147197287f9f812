/**
 * Export benchmark: 10,000 extractions (synthetic, following the Extraction
 * contract: both templates, ~70% ok / 25% flagged / 5% failed, every cell with
 * evidence) exported to each format, wide and long, each format on its own.
 * All statuses are exported (--status ok,approved,flagged,failed) so every
 * report becomes rows. Also: the CLI path, reading the same reports from JSONL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { exportDataset, readExtractionsJsonl, FORMATS, type ExportRecord, type Format, type Shape } from '../src/export';
import { syntheticExtraction } from '../src/export/synthetic';

/** `cpuSeconds`: user + system CPU of the process over the run, thread pool included (zlib deflates there for XLSX): steadier than wall time on a shared machine. */
export interface BenchResult { name: string; format: Format; shape: Shape; reports: number; rows: number; bytes: number; seconds: number; cpuSeconds?: number }

export async function run(opts: { reports?: number; shapes?: Shape[]; log?: (s: string) => void } = {}): Promise<{ name: string; results: BenchResult[] }> {
  const n = opts.reports ?? 10_000;
  const log = opts.log ?? ((s: string) => process.stdout.write(s + '\n'));
  const shapes = opts.shapes ?? ['wide', 'long'];
  const records: ExportRecord[] = Array.from({ length: n }, (_, i) => ({ extraction: syntheticExtraction(i) }));
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-export-bench-'));
  const results: BenchResult[] = [];
  const filters = { status: ['ok', 'approved', 'flagged', 'failed'] as const };
  try {
    log(`export: ${n.toLocaleString('en')} extractions`);
    for (const shape of shapes) {
      for (const format of FORMATS) {
        const out = join(dir, `${shape}-${format}`);
        const t = performance.now();
        const c0 = process.cpuUsage();
        const s = await exportDataset(records, { outDir: out, formats: [format], shapes: [shape], filters: { status: [...filters.status] } });
        const seconds = (performance.now() - t) / 1000;
        const cpu = process.cpuUsage(c0);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        const f = s.files[0];
        results.push({ name: `export ${format} ${shape}`, format, shape, reports: s.exported, rows: f.rows ?? 0, bytes: f.bytes, seconds, cpuSeconds });
        log(`  ${format.padEnd(8)} ${shape.padEnd(5)} ${seconds.toFixed(2).padStart(7)} s  (cpu ${cpuSeconds.toFixed(2).padStart(6)} s)  ${String(f.rows).padStart(9)} rows  ${(f.bytes / 1048576).toFixed(1).padStart(7)} MB`);
      }
    }
    // The CLI path: JSONL in (as `nianbao extract --jsonl` writes), CSV wide out.
    const jsonl = join(dir, 'in.jsonl');
    writeFileSync(jsonl, records.map((r) => JSON.stringify(r.extraction)).join('\n') + '\n');
    const t = performance.now();
    const s = await exportDataset(readExtractionsJsonl(jsonl), { outDir: join(dir, 'from-jsonl'), formats: ['csv'], shapes: ['wide'], filters: { status: [...filters.status] } });
    const seconds = (performance.now() - t) / 1000;
    results.push({ name: 'export csv wide from jsonl', format: 'csv', shape: 'wide', reports: s.exported, rows: s.files[0].rows ?? 0, bytes: s.files[0].bytes, seconds });
    log(`  csv from JSONL input (wide) ${seconds.toFixed(2)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: 'export', results };
}

if (require.main === module) {
  run().catch((e) => { process.stderr.write(String(e?.stack ?? e) + '\n'); process.exitCode = 1; });
}
