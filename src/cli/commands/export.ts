/**
 * `nianbao export`: write the cleaned dataset (CSV, XLSX, Parquet, JSONL; wide
 * or long) with its codebook and datapackage.json.
 */
import { existsSync } from 'fs';
import { resolve as resolvePath } from 'path';
import { exportDataset, readExtractionsJsonl, ExportInputError, FORMATS, SHAPES, type ExportRecord, type ExportStatus, type Filters, type Format, type Shape } from '../../export';
import { EXPORT_STATUSES } from '../../export/records';
import { storeRecords } from '../../export/store';
import { XLSX_MAX_ROWS } from '../../export/writers';

export const summary = 'export the checked dataset (CSV, XLSX, Parquet, JSONL) with a codebook and datapackage.json';

export const help = `Usage: nianbao export --from FILE.jsonl --out DIR [options]
       nianbao export --db [DIR|URL] --out DIR [options]

Writes the reports as data files, plus codebook.csv, codebook.json and a
Frictionless datapackage.json, into DIR. Reviewed corrections win over
extracted values; the summary says how many values were corrected.

Input (one of):
  --from FILE.jsonl     extractions written by \`nianbao extract --jsonl\`
                        (lines may also be {"extraction":…, "review":…} records)
  --db [DIR|URL]        the nianbao store, with reviews and corrections: alone it
                        uses DATABASE_URL or NIANBAO_DATA (default ./.nianbao); a
                        directory is a PGlite data dir, postgres://… a server
  --pipeline VERSION    with --db: extractions of this pipeline version only
                        (default: the newest extraction of each document)

Output:
  --out DIR             output directory (created if missing; files in it are replaced)
  --format LIST         csv, xlsx, parquet, jsonl; repeatable or comma list (default csv)
  --shape LIST          wide (one row per report) or long (one row per report and
                        field); repeatable or comma list (default wide)
  --name STEM           data file names are STEM_<shape>.<ext> (default reports)

Filters (default: reports that are ok, or approved by a reviewer):
  --status LIST         ok, approved, flagged, rejected, failed (comma list)
  --include-flagged     also export flagged reports not yet approved
  --template LIST       2019, 2021, free, none
  --year LIST           years or ranges: 2021 | 2019,2020 | 2019-2022
  --agency TEXT         agency name contains TEXT (repeatable: any of them)

Other:
  --skip-invalid        skip input lines that are not extractions (default: stop with the line number)
  --quiet               no progress line
  -h, --help            this help

Columns: the wide shape has report_id, agency, year, template, export_status
(ok | approved | flagged…), status, review_status, source_*, flag counts, then
every grid key (e.g. s3.new.natural) as a column. The codebook gives each
column's Chinese section/table/row/column labels, templates, type and unit.

Examples:
  nianbao extract --jsonl out/extractions.jsonl samples/
  nianbao export --from out/extractions.jsonl --out out/export --format csv,xlsx,parquet
  nianbao export --from out/extractions.jsonl --out out/long --shape long --format parquet --year 2021-2023 --agency 教育局
`;

class UsageError extends Error {}

interface Args {
  from?: string;
  db?: string | true;
  out?: string;
  formats: Format[];
  shapes: Shape[];
  name?: string;
  pipeline?: string;
  filters: Filters;
  includeFlagged: boolean;
  skipInvalid: boolean;
  quiet: boolean;
}

function list(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

function parseYears(v: string): number[] {
  const out: number[] = [];
  for (const part of list(v)) {
    const m = /^(\d{4})(?:\s*[-–~]\s*(\d{4}))?$/.exec(part);
    if (!m) throw new UsageError(`--year: '${part}' is not a year or a range like 2019-2021`);
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    if (b < a) throw new UsageError(`--year: range '${part}' ends before it starts`);
    for (let y = a; y <= b; y++) out.push(y);
  }
  return out;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = { formats: [], shapes: [], filters: {}, includeFlagged: false, skipInvalid: false, quiet: false };
  const statuses: ExportStatus[] = [];
  const templates: string[] = [];
  const years: number[] = [];
  const agencies: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) { inline = arg.slice(eq + 1); arg = arg.slice(0, eq); }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--from': a.from = value(); break;
      case '--db': {
        if (inline !== undefined) a.db = inline;
        else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) a.db = argv[++i];
        else a.db = true;
        break;
      }
      case '--out': case '-o': a.out = value(); break;
      case '--format': case '-f':
        for (const f of list(value())) {
          if (!FORMATS.includes(f as Format)) throw new UsageError(`--format: unknown format '${f}' (expected ${FORMATS.join(', ')})`);
          a.formats.push(f as Format);
        }
        break;
      case '--shape':
        for (const s of list(value())) {
          if (!SHAPES.includes(s as Shape)) throw new UsageError(`--shape: unknown shape '${s}' (expected wide or long)`);
          a.shapes.push(s as Shape);
        }
        break;
      case '--name': a.name = value(); break;
      case '--pipeline': a.pipeline = value(); break;
      case '--status':
        for (const s of list(value())) {
          if (!EXPORT_STATUSES.includes(s as ExportStatus)) throw new UsageError(`--status: unknown status '${s}' (expected ${EXPORT_STATUSES.join(', ')})`);
          statuses.push(s as ExportStatus);
        }
        break;
      case '--include-flagged': a.includeFlagged = true; break;
      case '--template':
        for (const t of list(value())) {
          if (!['2019', '2021', 'free', 'none'].includes(t)) throw new UsageError(`--template: unknown template '${t}' (expected 2019, 2021, free or none)`);
          templates.push(t);
        }
        break;
      case '--year': years.push(...parseYears(value())); break;
      case '--agency': { const v = value().trim(); if (!v) throw new UsageError('--agency needs a non-empty text'); agencies.push(v); break; }
      case '--skip-invalid': a.skipInvalid = true; break;
      case '--quiet': case '-q': a.quiet = true; break;
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
    }
  }
  if (!a.formats.length) a.formats = ['csv'];
  if (!a.shapes.length) a.shapes = ['wide'];
  if (a.includeFlagged) {
    if (!statuses.length) statuses.push('ok', 'approved');
    if (!statuses.includes('flagged')) statuses.push('flagged');
  }
  if (statuses.length) a.filters.status = [...new Set(statuses)];
  if (templates.length) a.filters.template = templates;
  if (years.length) a.filters.year = [...new Set(years)];
  if (agencies.length) a.filters.agency = agencies;
  return a;
}

/** Records from the store: `--db` alone uses DATABASE_URL / NIANBAO_DATA; `--db DIR` a PGlite data dir; `--db postgres://…` a server. */
async function* storeInput(db: string | true, pipeline: string | undefined): AsyncGenerator<ExportRecord> {
  // Loaded lazily: the database drivers are only needed for --db.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { openStore, storeConfigFromEnv } = require('../../store') as typeof import('../../store');
  const cfg = storeConfigFromEnv();
  if (db !== true) {
    if (/^postgres(ql)?:\/\//.test(db)) cfg.databaseUrl = db;
    else { delete cfg.databaseUrl; cfg.dataDir = db; delete cfg.pgliteDir; }
  }
  const store = await openStore(cfg);
  try {
    yield* storeRecords(store, { pipeline });
  } finally {
    await store.close();
  }
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}

export async function run(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    if (!args.from && !args.db) throw new UsageError('give the input: --from FILE.jsonl (or --db)');
    if (args.from && args.db) throw new UsageError('give one input: --from or --db, not both');
    if (!args.out) throw new UsageError('give the output directory: --out DIR');
    if (args.from && !existsSync(args.from)) throw new UsageError(`--from: ${args.from}: no such file`);
    if (args.pipeline && !args.db) throw new UsageError('--pipeline goes with --db');
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nianbao export: ${e.message}\nRun \`nianbao export --help\` for the options.\n`);
      return 2;
    }
    throw e;
  }

  const err = process.stderr;
  const tty = !!err.isTTY;
  let invalid = 0;
  const started = Date.now();
  let lastLine = 0;
  const progress = (p: { read: number; exported: number; done: boolean }) => {
    if (args.quiet) return;
    const now = Date.now();
    // A live line on a terminal; otherwise a line every 10 s, and only for exports that take that long.
    if (!p.done && !tty && now - lastLine < 10_000) return;
    if (!p.done && tty && now - lastLine < 200) return;
    if (p.done && !tty && lastLine === 0) return;
    lastLine = now;
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? Math.round(p.read / secs) : 0;
    const line = `export: ${p.read.toLocaleString('en')} read, ${p.exported.toLocaleString('en')} exported (${rate.toLocaleString('en')}/s)`;
    err.write(tty ? `\r${line}${p.done ? '\n' : ''}` : line + '\n');
  };

  try {
    const records = args.from
      ? readExtractionsJsonl(args.from, {
        skipInvalid: args.skipInvalid,
        onInvalid: (line, reason) => {
          invalid++;
          if (invalid <= 10) err.write(`nianbao export: skipped ${args.from}:${line}: ${reason}\n`);
        },
      })
      : storeInput(args.db!, args.pipeline);
    const s = await exportDataset(records, {
      outDir: resolvePath(args.out!),
      formats: args.formats,
      shapes: args.shapes,
      filters: args.filters,
      basename: args.name,
      onProgress: progress,
      progressEvery: 500,
    });
    const out = process.stdout;
    const statuses = (Object.entries(s.byExportStatus) as [string, number][]).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
    out.write(`exported ${s.exported} of ${s.read} reports${statuses ? ` (${statuses})` : ''} in ${s.seconds}s\n`);
    const ex = s.excluded;
    const excl = (Object.entries(ex) as [string, number][]).filter(([, n]) => n > 0).map(([k, n]) => `${n} by ${k}`).join(', ');
    if (excl) out.write(`left out: ${excl}${!args.filters.status ? ' (default: only ok and approved; --include-flagged adds flagged)' : ''}\n`);
    out.write(`corrected values: ${s.correctionsApplied} reviewer corrections applied, ${s.valuesChanged} changed a value\n`);
    if (invalid) out.write(`skipped ${invalid} invalid input line(s)\n`);
    if (s.duplicates) out.write(`note: ${s.duplicates} exported report(s) repeat a report id (same source bytes)\n`);
    if (s.unknownCorrectionKeys) out.write(`note: ${s.unknownCorrectionKeys} correction(s) for unknown keys were not exported\n`);
    if (s.typeViolations.count) {
      const v = s.typeViolations.examples[0];
      out.write(`warning: ${s.typeViolations.count} value(s) are not integers where the field is a count, left empty in integer columns (e.g. ${v.key} = ${v.value} in ${v.report})\n`);
    }
    for (const f of s.files) {
      if (f.format === 'xlsx' && (f.rows ?? 0) > XLSX_MAX_ROWS - 1) {
        out.write(`note: ${f.path} has ${f.rows} rows, more than one Excel sheet holds: it continues on further sheets (Parquet or CSV suit tables this long)\n`);
      }
    }
    for (const f of s.files) out.write(`  ${f.path}  ${f.rows !== undefined ? f.rows + ' rows, ' : ''}${fmtBytes(f.bytes)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ExportInputError || e instanceof UsageError) {
      err.write(`${tty ? '\n' : ''}nianbao export: ${e.message}${e instanceof ExportInputError ? ' (--skip-invalid skips such lines)' : ''}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    err.write(`${tty ? '\n' : ''}nianbao export: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}
