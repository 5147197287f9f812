/**
 * Parquet writer. hyparquet-writer is an ES module; the encoding runs in a
 * worker thread that imports it natively, so it works the same from the
 * compiled CLI and from the TypeScript sources under jest, and the main thread
 * keeps reading and writing the other formats meanwhile.
 *
 * Column types: string → BYTE_ARRAY/UTF8, integer → INT32, number → DOUBLE,
 * boolean → BOOLEAN; every column is OPTIONAL (empty = null).
 */
import { Worker } from 'worker_threads';
import { statSync } from 'fs';
import { pathToFileURL } from 'url';
import type { ColumnDef, ColumnType } from './columns';
import type { Row } from './rows';
import type { TableWriter } from './writers';

export interface SchemaElement {
  name: string;
  type?: 'BOOLEAN' | 'INT32' | 'DOUBLE' | 'BYTE_ARRAY';
  converted_type?: 'UTF8';
  repetition_type?: 'OPTIONAL' | 'REQUIRED';
  num_children?: number;
}

const PARQUET_TYPE: Record<ColumnType, Omit<SchemaElement, 'name'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  integer: { type: 'INT32' },
  number: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
};

export function parquetSchema(columns: ColumnDef[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((c) => ({ name: c.name, ...PARQUET_TYPE[c.type], repetition_type: 'OPTIONAL' as const })),
  ];
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
let pw = null, names = null;
parentPort.on('message', (msg) => {
  try {
    if (msg.type === 'batch') {
      const columnData = msg.columns.map((data, i) => ({ name: names[i], data }));
      pw.write({ columnData, rowGroupSize: msg.rows, pageSize: workerData.pageSize });
      parentPort.postMessage({ type: 'ack' });
    } else if (msg.type === 'finish') {
      pw.finish();
      parentPort.postMessage({ type: 'done' });
    }
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String(e && e.stack || e) });
  }
});
import(workerData.writerUrl).then((w) => {
  names = workerData.schema.slice(1).map((s) => s.name);
  const writer = w.fileWriter(workerData.filename);
  pw = new w.ParquetWriter({ writer, schema: workerData.schema, kvMetadata: workerData.kvMetadata, createdBy: workerData.createdBy });
  parentPort.postMessage({ type: 'ready' });
}, (e) => parentPort.postMessage({ type: 'error', message: String(e && e.stack || e) }));
`;

type Msg = { type: 'ready' | 'ack' | 'done' } | { type: 'error'; message: string };

export interface ParquetOptions {
  /** Rows per row group (default: about 100 MB of cells, at most 100,000 rows). */
  rowGroupRows?: number;
  kvMetadata?: { key: string; value: string }[];
}

export async function openParquet(path: string, columns: ColumnDef[], opts: ParquetOptions = {}): Promise<TableWriter> {
  const schema = parquetSchema(columns);
  // hyparquet-writer's package exports map "default" to its node entry (with fileWriter).
  const writerUrl = pathToFileURL(require.resolve('hyparquet-writer')).href;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      writerUrl, filename: path, schema, pageSize: 1 << 20,
      kvMetadata: opts.kvMetadata, createdBy: 'nianbao export (hyparquet-writer)',
    },
  });
  const waiting: { resolve: (m: Msg) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure ??= e;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  worker.on('message', (m: Msg) => {
    if (m.type === 'error') return fail(new Error('parquet writer: ' + m.message));
    waiting.shift()?.resolve(m);
  });
  worker.on('error', (e) => fail(e));
  worker.on('exit', (code) => { if (waiting.length) fail(new Error(`parquet writer exited (${code})`)); });
  const next = () => {
    const p = new Promise<Msg>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.push({ resolve, reject });
    });
    p.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
    return p;
  };

  try {
    await next(); // ready
  } catch (e) {
    await worker.terminate();
    throw e;
  }

  const perGroup = opts.rowGroupRows ?? Math.max(1000, Math.min(100_000, Math.floor(25_000_000 / Math.max(1, columns.length))));
  let batch: unknown[][] = columns.map(() => []);
  let inBatch = 0;
  let rows = 0;
  let inFlight: Promise<Msg>[] = [];

  const send = async () => {
    if (!inBatch) return;
    if (failure) throw failure;
    const p = next();
    worker.postMessage({ type: 'batch', columns: batch, rows: inBatch });
    batch = columns.map(() => []);
    inBatch = 0;
    inFlight.push(p);
    // Keep at most two batches queued in the worker: bounded memory.
    if (inFlight.length >= 2) await inFlight.shift();
  };

  return {
    write(row: Row) {
      if (failure) throw failure;
      for (let i = 0; i < row.length; i++) batch[i].push(row[i]);
      inBatch++;
      rows++;
      if (inBatch >= perGroup) return send();
    },
    async close() {
      try {
        await send();
        await Promise.all(inFlight);
        inFlight = [];
        const p = next();
        worker.postMessage({ type: 'finish' });
        await p;
      } finally {
        await worker.terminate();
      }
      return { rows, bytes: statSync(path).size };
    },
  };
}
