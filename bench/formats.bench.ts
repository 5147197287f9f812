/**
 * PDF reader benchmark: documents and pages per second in one process over the PDF fixtures
 * (test/fixtures/files/pdf, readable ones only), the reader alone and the whole pipeline, and
 * poppler's `pdftotext -layout` over the same files in the same run (one process per file, as a
 * shell-out would be), so the figures compare as a ratio on a noisy or shared machine. The reader's
 * CPU time (process.cpuUsage: this thread and libuv's pool, where pdf.js inflates streams) is given
 * too, and the CPU ratio against pdftotext's (its children's CPU time from /proc): on a shared
 * machine they move much less than wall time.
 *
 * `wide` (runWideCorpus): the same comparison for the whole pipeline on a wider corpus made at bench
 * time by several producers (bench/pdf-corpus.ts), per producer.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { readPdfBytes } from '../src/read/pdf';
import { extractBytes } from '../src/pipeline/extract';
import { evaluateDoc } from '../test/fixtures/evaluate';
import { pdfCorpus } from './pdf-corpus';

function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

/** CPU seconds (user + system) of this process's waited-for children, from /proc (Linux). */
function childCpuSeconds(): number | null {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 16 and 17 of stat (cutime, cstime) are 14 and 15 after the command name
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return null;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run() {
  const fixtures = await runFixtures();
  return { ...fixtures, wide: await runWideCorpus() };
}

/** The readable PDF fixtures: reader and pipeline docs/s against pdftotext on the same files. */
async function runFixtures() {
  const dir = path.join(repoRoot(), 'test/fixtures/files/pdf');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.pdf')).sort()
    .filter((f) => !JSON.parse(fs.readFileSync(path.join(dir, f.replace(/\.pdf$/, '.expected.json')), 'utf8')).error);
  const docs = files.map((f) => ({ name: f, bytes: new Uint8Array(fs.readFileSync(path.join(dir, f))) }));
  let pages = 0;
  for (const d of docs) pages += (await readPdfBytes(d.bytes)).pages ?? 0; // warm-up
  const rounds = 5;
  const reader: number[] = [];
  const readerCpu: number[] = [];
  const pipeline: number[] = [];
  const poppler: number[] = [];
  const popplerCpu: number[] = [];
  let havePoppler = true;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    const c = process.cpuUsage();
    for (const d of docs) await readPdfBytes(d.bytes);
    reader.push((performance.now() - t) / 1000);
    const used = process.cpuUsage(c);
    readerCpu.push((used.user + used.system) / 1e6);
    t = performance.now();
    for (const d of docs) await extractBytes(d.bytes, { path: d.name });
    pipeline.push((performance.now() - t) / 1000);
    if (havePoppler) {
      try {
        t = performance.now();
        const c0 = childCpuSeconds();
        for (const f of files) execFileSync('pdftotext', ['-layout', path.join(dir, f), '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
        poppler.push((performance.now() - t) / 1000);
        const c1 = childCpuSeconds();
        if (c0 !== null && c1 !== null) popplerCpu.push(c1 - c0);
      } catch {
        havePoppler = false;
      }
    }
  }
  const rs = median(reader);
  const ps = median(pipeline);
  const result: Record<string, unknown> = {
    docs: docs.length,
    pages,
    mb: Number((docs.reduce((a, d) => a + d.bytes.length, 0) / 2 ** 20).toFixed(2)),
    reader: {
      docsPerSec: +(docs.length / rs).toFixed(2),
      pagesPerSec: +(pages / rs).toFixed(1),
      msPerDoc: +((rs * 1000) / docs.length).toFixed(0),
      cpuMsPerDoc: +((median(readerCpu) * 1000) / docs.length).toFixed(0),
      docsPerCpuSec: +(docs.length / median(readerCpu)).toFixed(2),
    },
    pipeline: { docsPerSec: +(docs.length / ps).toFixed(2), pagesPerSec: +(pages / ps).toFixed(1) },
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (havePoppler && poppler.length) {
    const pp = median(poppler);
    result.pdftotext = { docsPerSec: +(docs.length / pp).toFixed(2), pagesPerSec: +(pages / pp).toFixed(1) };
    /** Reader time ÷ pdftotext time over the same files (>1: slower than poppler). */
    result.readerVsPdftotext = +(rs / pp).toFixed(2);
    // CPU time moves less than wall time on a shared machine (pdftotext's includes its process start)
    if (popplerCpu.length && median(popplerCpu) > 0) {
      result.readerVsPdftotextCpu = +(median(readerCpu) / median(popplerCpu)).toFixed(2);
    }
  }
  return result;
}

/**
 * Issue 14: the whole pipeline (extractBytes) in one thread on PDFs it was not tuned on — the wider
 * corpus of bench/pdf-corpus.ts (Chromium, LibreOffice from HTML and from DOCX, Word-like and
 * WPS-like text emission) — against `pdftotext -layout` run file by file on the same files in the
 * same run, rounds interleaved. `pipelineVsPdftotext` is docs/s of the pipeline ÷ docs/s of
 * pdftotext (the target is ≥ 0.5); per producer too, and the share of fields right as a check
 * that the speed is not bought with wrong numbers. Set NIANBAO_PDF_CORPUS=<dir> to keep the corpus.
 */
export async function runWideCorpus(perProducer = Number(process.env.NIANBAO_PDF_CORPUS_N ?? 8)) {
  const corpus = pdfCorpus(perProducer);
  try {
    const docs = corpus.docs.map((d) => ({ ...d, path: path.join(corpus.dir, d.file), bytes: new Uint8Array(fs.readFileSync(path.join(corpus.dir, d.file))) }));
    const producers = [...new Set(docs.map((d) => d.producer))];
    let pages = 0;
    let fieldsRight = 0;
    let fieldsTotal = 0;
    for (const d of docs) {
      pages += (await readPdfBytes(d.bytes)).pages ?? 0;
      const ex = await extractBytes(d.bytes, { path: d.file }); // warm-up, and the accuracy check
      const r = evaluateDoc(d.expected, ex);
      fieldsRight += r.fieldsRight;
      fieldsTotal += r.fieldsTotal;
    }
    const rounds = 3;
    const pipe = new Map<string, number[]>(producers.map((p) => [p, []]));
    const pop = new Map<string, number[]>(producers.map((p) => [p, []]));
    const pipeCpu: number[] = [];
    const popCpu: number[] = [];
    // the same pipeline with the reader's pdf.js patches off (message clone, one-call inflate, font
    // programs not converted: src/read/pdf/pdfjs.ts), interleaved, to show what they are worth here now
    const offWall: number[] = [];
    const offCpu: number[] = [];
    const g = globalThis as { __nianbaoClone?: string; __nianbaoInflate?: string; __nianbaoFontPrograms?: string };
    let havePoppler = true;
    for (let r = 0; r < rounds; r++) {
      let cpu = 0;
      let ccpu = 0;
      for (const p of producers) {
        const mine = docs.filter((d) => d.producer === p);
        let t = performance.now();
        const c = process.cpuUsage();
        for (const d of mine) await extractBytes(d.bytes, { path: d.file });
        pipe.get(p)!.push((performance.now() - t) / 1000);
        const used = process.cpuUsage(c);
        cpu += (used.user + used.system) / 1e6;
        if (!havePoppler) continue;
        try {
          t = performance.now();
          const c0 = childCpuSeconds();
          for (const d of mine) execFileSync('pdftotext', ['-layout', d.path, '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
          pop.get(p)!.push((performance.now() - t) / 1000);
          const c1 = childCpuSeconds();
          if (c0 !== null && c1 !== null) ccpu += c1 - c0;
        } catch {
          havePoppler = false;
        }
      }
      pipeCpu.push(cpu);
      popCpu.push(ccpu);
      g.__nianbaoClone = 'native';
      g.__nianbaoInflate = 'stream';
      g.__nianbaoFontPrograms = 'load';
      try {
        const t = performance.now();
        const c = process.cpuUsage();
        for (const d of docs) await extractBytes(d.bytes, { path: d.file });
        offWall.push((performance.now() - t) / 1000);
        const used = process.cpuUsage(c);
        offCpu.push((used.user + used.system) / 1e6);
      } finally {
        delete g.__nianbaoClone;
        delete g.__nianbaoInflate;
        delete g.__nianbaoFontPrograms;
      }
    }
    const byProducer: Record<string, unknown> = {};
    let pipeTotal = 0;
    let popTotal = 0;
    for (const p of producers) {
      const n = docs.filter((d) => d.producer === p).length;
      const ps = median(pipe.get(p)!);
      pipeTotal += ps;
      const row: Record<string, number> = { docs: n, pipelineMsPerDoc: +((ps * 1000) / n).toFixed(1) };
      if (havePoppler) {
        const pp = median(pop.get(p)!);
        popTotal += pp;
        row.pdftotextMsPerDoc = +((pp * 1000) / n).toFixed(1);
        row.pipelineVsPdftotext = +(pp / ps).toFixed(2);
      }
      byProducer[p] = row;
    }
    const out: Record<string, unknown> = {
      docs: docs.length,
      pages,
      producers: byProducer,
      skipped: corpus.skipped,
      fieldsRight: fieldsTotal ? +(fieldsRight / fieldsTotal).toFixed(4) : null,
      pipeline: { docsPerSec: +(docs.length / pipeTotal).toFixed(2), msPerDoc: +((pipeTotal * 1000) / docs.length).toFixed(1) },
    };
    if (havePoppler) {
      out.pdftotext = { docsPerSec: +(docs.length / popTotal).toFixed(2), msPerDoc: +((popTotal * 1000) / docs.length).toFixed(1) };
      /** Pipeline docs/s ÷ pdftotext docs/s, one thread (target ≥ 0.5). */
      out.pipelineVsPdftotext = +(popTotal / pipeTotal).toFixed(2);
      // CPU time moves much less than wall time on a shared machine (pdftotext's includes its process start)
      if (median(popCpu) > 0) out.pipelineVsPdftotextCpu = +(median(popCpu) / median(pipeCpu)).toFixed(2);
      out.patchesOff = {
        pipelineVsPdftotext: +(popTotal / median(offWall)).toFixed(2),
        pipelineVsPdftotextCpu: median(popCpu) > 0 ? +(median(popCpu) / median(offCpu)).toFixed(2) : null,
      };
    }
    return out;
  } finally {
    if (corpus.temporary) fs.rmSync(corpus.dir, { recursive: true, force: true });
  }
}
