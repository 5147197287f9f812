/**
 * Export of real extractions: the samples in samples/*.txt run through the
 * pipeline (extractBytes), then exported and read back.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { extractBytes } from '../src/pipeline/extract';
import { exportDataset } from '../src/export';
import type { Extraction } from '../src/model/extraction';

const SAMPLES = join(__dirname, '..', 'samples');

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

test('real extractions of the samples export with their extracted values', async () => {
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.txt')).sort();
  expect(files.length).toBeGreaterThan(0);
  const exts: Extraction[] = [];
  for (const f of files) exts.push(await extractBytes(new Uint8Array(readFileSync(join(SAMPLES, f))), { path: join('samples', f) }));
  const out = mkdtempSync(join(tmpdir(), 'nianbao-export-samples-'));
  try {
    const s = await exportDataset(exts.map((extraction) => ({ extraction })), {
      outDir: out, formats: ['csv'], shapes: ['wide', 'long'], filters: { status: ['ok', 'flagged', 'failed'] },
    });
    expect(s.exported).toBe(exts.length);
    const text = readFileSync(join(out, 'reports_wide.csv'), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(rows.length).toBe(exts.length);
    const col = (name: string) => header.indexOf(name);
    exts.forEach((ex, i) => {
      const row = rows[i];
      expect(row[col('source_sha256')]).toBe(ex.source.sha256);
      expect(row[col('status')]).toBe(ex.status);
      expect(row[col('source_path')]).toBe(ex.source.path);
      for (const [k, v] of Object.entries(ex.fields)) {
        if (col(k) < 0) throw new Error(`extraction field ${k} is not a grid key`);
        expect([k, row[col(k)] === '' ? null : Number(row[col(k)])]).toEqual([k, v]);
      }
    });
    const real = exts.filter((e) => e.status !== 'failed');
    // Long rows: each non-failed report contributes its template's keys plus the prose keys.
    const long = parseCsv(readFileSync(join(out, 'reports_long.csv'), 'utf8').slice(1)).slice(1);
    const ids = new Set(long.map((r) => r[0]));
    for (const e of real) expect(ids.has(e.source.sha256)).toBe(true);
    if (!real.length) console.warn('export.samples: every sample extraction failed (core not in yet?):', exts.map((e) => e.error?.code).join(', '));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
