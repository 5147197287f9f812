/**
 * Table writers: CSV (UTF-8 with BOM, RFC 4180), JSONL, XLSX (./xlsx, a
 * streaming writer of our own) and Parquet (./parquet). Each takes rows as
 * arrays aligned with the columns it was opened with.
 */
import { createWriteStream, statSync, type WriteStream } from 'fs';
import type { ColumnDef } from './columns';
import type { Row, Value } from './rows';
import { openParquet } from './parquet';
import { openXlsx, type XlsxOptions } from './xlsx';

export type Format = 'csv' | 'xlsx' | 'parquet' | 'jsonl';
export const FORMATS: Format[] = ['csv', 'xlsx', 'parquet', 'jsonl'];

export interface TableWriter {
  /** Append a row. Await the result when it is a promise (back-pressure). */
  write(row: Row): void | Promise<void>;
  close(): Promise<{ rows: number; bytes: number }>;
}

/** Text sink over a file stream, batching small writes and honouring back-pressure. */
class TextSink {
  private buf: string[] = [];
  private size = 0;
  private readonly stream: WriteStream;
  private error: Error | null = null;
  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (e) => { this.error = e; });
  }
  push(s: string): void | Promise<void> {
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) return this.flush();
  }
  flush(): void | Promise<void> {
    if (this.error) throw this.error;
    if (!this.buf.length) return;
    const ok = this.stream.write(this.buf.join(''));
    this.buf = [];
    this.size = 0;
    if (!ok) return new Promise<void>((res, rej) => {
      const onDrain = () => { this.stream.off('error', onErr); res(); };
      const onErr = (e: Error) => { this.stream.off('drain', onDrain); rej(e); };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onErr);
    });
  }
  async close(): Promise<number> {
    await this.flush();
    if (this.error) throw this.error;
    await new Promise<void>((res, rej) => {
      this.stream.once('error', rej);
      this.stream.end(() => res());
    });
    return statSync(this.path).size;
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field per RFC 4180: quoted when it holds a quote, comma or line break; quotes doubled. */
export function csvField(v: Value): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  return NEEDS_QUOTES.test(s) || s !== s.trim() ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** Escaped forms of recurring strings (labels, ids, statuses): the long shape repeats them on every row. */
const CSV_CACHE = new Map<string, string>();
function csvText(s: string): string {
  let e = CSV_CACHE.get(s);
  if (e === undefined) {
    e = csvField(s);
    if (CSV_CACHE.size > 50_000) CSV_CACHE.clear();
    CSV_CACHE.set(s, e);
  }
  return e;
}

export function csvLine(row: Row): string {
  let s = '';
  for (let i = 0; i < row.length; i++) {
    if (i) s += ',';
    const v = row[i];
    s += typeof v === 'string' ? csvText(v) : csvField(v);
  }
  return s + '\r\n';
}

export function openCsv(path: string, columns: ColumnDef[]): TableWriter {
  const sink = new TextSink(path);
  let rows = 0;
  sink.push('\uFEFF' + csvLine(columns.map((c) => c.name)));
  return {
    write(row) { rows++; return sink.push(csvLine(row)); },
    async close() { return { rows, bytes: await sink.close() }; },
  };
}

export function openJsonl(path: string, columns: ColumnDef[]): TableWriter {
  const sink = new TextSink(path);
  const names = columns.map((c) => c.name);
  let rows = 0;
  return {
    write(row) {
      rows++;
      const o: Record<string, Value> = {};
      for (let i = 0; i < names.length; i++) o[names[i]] = row[i] ?? null;
      return sink.push(JSON.stringify(o) + '\n');
    },
    async close() { return { rows, bytes: await sink.close() }; },
  };
}

export { openXlsx, XLSX_MAX_ROWS, type XlsxOptions } from './xlsx';

export function openWriter(format: Format, path: string, columns: ColumnDef[], xlsx?: XlsxOptions): Promise<TableWriter> | TableWriter {
  switch (format) {
    case 'csv': return openCsv(path, columns);
    case 'jsonl': return openJsonl(path, columns);
    case 'xlsx': return openXlsx(path, columns, xlsx);
    case 'parquet': return openParquet(path, columns);
  }
}
