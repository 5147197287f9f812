/**
 * Runs extractions with a hard per-document time limit. In 'thread' mode each slot is a worker thread
 * (workers/extract-thread.js from the build); a document over the limit has its thread terminated and is
 * recorded as a `timeout` failure, and a thread that crashes (or runs out of its heap) is replaced and
 * its document recorded as an `internal` failure: a call never rejects for a bad document. 'inline' mode
 * (tests from TypeScript sources, `extract --jobs 0`) runs in this thread and can only time out at an
 * await point. Used by the queue workers, `nianbao extract` and `ingest --run`; see docs/pool.md.
 *
 *   const pool = createExtractPool({ threads: 4, timeoutMs: 120_000 });
 *   const ext = await pool.extract(bytes, { path: 'a.pdf' }); // never rejects (failures are Extractions)
 *   await pool.close();
 */
import { existsSync } from 'fs';
import { availableParallelism, totalmem } from 'os';
import { join } from 'path';
import { Worker } from 'worker_threads';
import type { Extraction, Status } from '../model/extraction';
import { createHash } from 'crypto';
import type { SourceRef } from '../pipeline/extract';
import { prepareExtraction, type PreparedExtraction } from '../store/prepare';

export interface ExtractOutcome {
  ext: Extraction;
  ms: number;
  timedOut: boolean;
}

/** The result already serialised for the store (see PreparedExtraction). */
export interface PreparedOutcome {
  prepared: PreparedExtraction;
  /** Wall time of the extraction (queueing for a thread not included). */
  ms: number;
  timedOut: boolean;
}

/**
 * The pipeline (all the readers: ~0.3 s to load) is loaded in this thread only when it is needed here:
 * inline mode, or a failure record (timeout, crash). A pool of threads keeps the main thread light.
 */
const pipeline = () => require('../pipeline/extract') as typeof import('../pipeline/extract');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The result already serialised as JSON (one line of `nianbao extract`): made in the thread. */
export interface JsonOutcome {
  json: string;
  status: Status;
  ms: number;
  timedOut: boolean;
}

export interface ExtractPoolOptions {
  /** Worker threads (documents extracted at once). */
  size: number;
  /** Hard limit per document (ms): over it, the thread is terminated and the document is a `timeout` failure. */
  timeoutMs: number;
  /** 'auto': threads when the thread script is built, else inline. */
  mode: 'thread' | 'inline' | 'auto';
  /** Replace a thread after this many documents. */
  recycleAfter: number;
  /** Replace a thread after a document that leaves its heap above this (MB). */
  recycleHeapMb?: number;
  /** Hard heap limit of each thread (MB, V8 old generation): a document that needs more crashes only its thread. */
  heapLimitMb?: number;
  /** Thread script (default: the built workers/extract-thread.js); tests may pass their own. */
  script?: string;
}

/**
 * Extraction threads when not configured: one per core (one worker process per machine with a thread per
 * core is the cheapest shape: what is per process is paid once, and its writes share transactions), but no
 * more than one per GiB of memory (a thread's heap may grow to NIANBAO_EXTRACT_RECYCLE_MB before it is
 * recycled).
 */
export function defaultExtractThreads(cores = availableParallelism(), memBytes = totalmem()): number {
  return Math.max(1, Math.min(cores, Math.floor(memBytes / 2 ** 30)));
}

export function threadScript(): string | null {
  const candidates = [
    join(__dirname, '..', '..', 'workers', 'extract-thread.js'), // dist/src/pool -> dist/workers
    join(__dirname, '..', '..', 'dist', 'workers', 'extract-thread.js'), // src/pool -> dist/workers
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

interface ExecResult {
  ext?: Extraction;
  prepared?: PreparedExtraction;
  json?: string;
  status?: Status;
  ms: number;
  timedOut: boolean;
}

/** What workers/extract-thread.js posts back for document `id`. */
interface ThreadReply {
  id: number;
  ext?: Extraction;
  prepared?: PreparedExtraction;
  json?: string;
  status?: Status;
  error?: string;
  ms: number;
  rss?: number;
  heap?: number;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  runs: number;
  /** Resolved once the thread has loaded its modules (or failed to start). */
  ready: Promise<void>;
  /** The thread failed or exited before it was given a document (it is replaced when taken). */
  dead?: boolean;
}

export class ExtractPool {
  readonly mode: 'thread' | 'inline';
  private readonly script: string | null;
  private slots: Slot[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  private closed = false;
  /** Highest RSS a thread reported (the process's RSS, sampled after each document). */
  peakRss = 0;
  /** Threads started so far (replacements included). */
  threadsStarted = 0;
  /** Most threads (or inline extractions) busy with a document at the same time. */
  peakBusy = 0;

  /** Threads a document handed in now would get at once (idle or not yet started, less those already waited for). */
  get idleThreads(): number {
    if (this.closed) return 0;
    if (this.mode === 'inline') return this.inlineRunning === 0 ? 1 : 0;
    return this.opts.size - this.slots.filter((s) => s.busy).length - this.waiters.length;
  }

  private inlineRunning = 0;

  /**
   * `recycleAfter`: replace a thread after this many documents; `recycleHeapMb`: after a document that
   * leaves its heap above this size. A new thread costs about a second of CPU (loading the readers,
   * then compiling them again as they warm up), so recycling is for bounding memory, not routine.
   */
  constructor(private readonly opts: ExtractPoolOptions) {
    this.script = opts.mode === 'inline' ? null : (opts.script ?? threadScript());
    if (opts.mode === 'thread' && !this.script) throw new Error('extract thread script not built: run `npm run build`');
    this.mode = this.script ? 'thread' : 'inline';
  }

  private spawn(): Slot {
    const w = new Worker(this.script as string, this.opts.heapLimitMb ? { resourceLimits: { maxOldGenerationSizeMb: this.opts.heapLimitMb } } : {});
    w.unref();
    this.threadsStarted++;
    const slot = { worker: w, busy: false, runs: 0 } as Slot;
    slot.ready = new Promise<void>((resolve) => {
      const done = (failed: boolean) => {
        w.off('message', onMsg);
        w.off('error', onFail);
        w.off('exit', onFail);
        if (failed) slot.dead = true;
        resolve();
      };
      const onMsg = (m: { ready?: boolean }) => void (m?.ready && done(false));
      const onFail = () => done(true);
      w.on('message', onMsg);
      w.once('error', onFail);
      w.once('exit', onFail);
    });
    return slot;
  }

  /**
   * Start every thread now and wait until each has loaded the readers (workers call this before taking
   * jobs, so the first documents do not wait for it). Threads are otherwise started on first use.
   */
  async start(): Promise<void> {
    if (this.mode !== 'thread' || this.closed) return;
    while (this.slots.length < this.opts.size) this.slots.push(this.spawn());
    await Promise.all(this.slots.map((s) => s.ready));
  }

  private async take(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new Error('extract pool closed');
      for (const d of this.slots.filter((s) => s.dead && !s.busy)) {
        this.slots = this.slots.filter((s) => s !== d);
        d.worker.terminate().catch(() => undefined);
      }
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.opts.size) this.slots.push((slot = this.spawn()));
      if (slot) {
        slot.busy = true;
        this.peakBusy = Math.max(this.peakBusy, this.slots.filter((s) => s.busy).length);
        return slot;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private give(slot: Slot, replace: boolean): void {
    if (replace) {
      this.slots = this.slots.filter((s) => s !== slot);
      slot.worker.terminate().catch(() => undefined);
      // the replacement starts loading now, not when the next document needs it
      if (!this.closed) this.slots.push(this.spawn());
    } else slot.busy = false;
    this.waiters.shift()?.();
  }

  /** Extract in a thread (or inline); the Extraction is cloned back. Never rejects (failures are Extractions). */
  async extract(bytes: Uint8Array, ref: SourceRef, opts: { transfer?: boolean } = {}): Promise<Extraction> {
    return (await this.exec(bytes, ref, 'none', !!opts.transfer)).ext as Extraction;
  }

  /** As extract, with the wall time and whether the time limit stopped it. */
  async run(bytes: Uint8Array, ref: SourceRef, opts: { transfer?: boolean } = {}): Promise<ExtractOutcome> {
    const r = await this.exec(bytes, ref, 'none', !!opts.transfer);
    return { ext: r.ext as Extraction, ms: r.ms, timedOut: r.timedOut };
  }

  /**
   * Extract and serialise to JSON in the thread (`indent` as JSON.stringify's): the main thread only
   * writes the string, so a batch's main thread does not become the bottleneck of its threads.
   */
  async runJson(bytes: Uint8Array, ref: SourceRef, opts: { transfer?: boolean; indent?: number } = {}): Promise<JsonOutcome> {
    const r = await this.exec(bytes, ref, { json: opts.indent ?? 0 }, !!opts.transfer);
    if (r.json != null) return { json: r.json, status: r.status as Status, ms: r.ms, timedOut: r.timedOut };
    const ext = r.ext as Extraction;
    return { json: JSON.stringify(ext, null, opts.indent || undefined), status: ext.status, ms: r.ms, timedOut: r.timedOut };
  }

  /**
   * Extract and serialise for the store in the thread. With `transfer`, the bytes' buffer is moved to
   * the thread rather than copied (the caller must not use `bytes` afterwards).
   */
  async runPrepared(bytes: Uint8Array, ref: SourceRef, opts: { transfer?: boolean; sha256?: string } = {}): Promise<PreparedOutcome> {
    const r = await this.exec(bytes, ref, 'prepare', !!opts.transfer, opts.sha256);
    return { prepared: r.prepared ?? prepareExtraction(r.ext as Extraction), ms: r.ms, timedOut: r.timedOut };
  }

  private async exec(bytes: Uint8Array, ref: SourceRef, output: 'none' | 'prepare' | { json: number }, transfer: boolean, knownSha?: string): Promise<ExecResult> {
    // Bytes that move to the thread are hashed here first (a failure record needs the hash, and the
    // thread then need not hash them again); otherwise only a failure here hashes them.
    const movable = this.mode === 'thread' && transfer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    let sha = knownSha ?? (movable ? sha256(bytes) : undefined);
    const size = bytes.length;
    const tref: SourceRef = sha ? { ...ref, sha256: sha } : ref;
    const failed = (code: 'timeout' | 'internal', message: string) =>
      pipeline().failedExtraction({ sha256: (sha ??= sha256(bytes)), format: 'unknown', bytes: size, ...(ref.uri ? { uri: ref.uri } : {}), ...(ref.path ? { path: ref.path } : {}) }, code, message);
    const timeoutExt = () => failed('timeout', `extraction took longer than ${this.opts.timeoutMs} ms`);
    if (this.mode === 'inline') {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<null>((r) => (timer = setTimeout(() => r(null), this.opts.timeoutMs)));
      this.inlineRunning++;
      this.peakBusy = Math.max(this.peakBusy, this.inlineRunning);
      const ext = await Promise.race([pipeline().extractBytes(bytes, tref).catch((e) => failed('internal', `extraction error: ${(e as Error)?.stack ?? e}`)), limit]).finally(() => this.inlineRunning--);
      clearTimeout(timer);
      this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
      const ms = Date.now() - t0;
      if (!ext) return { ext: timeoutExt(), ms, timedOut: true };
      if (output === 'prepare') return { prepared: prepareExtraction(ext), ms, timedOut: false };
      return { ext, ms, timedOut: false };
    }
    const slot = await this.take();
    // The time limit counts from when the thread can start on the document, not from its start-up.
    await slot.ready;
    if (slot.dead) {
      this.give(slot, true);
      return { ext: failed('internal', 'extraction thread failed to start'), ms: 0, timedOut: false };
    }
    const t0 = Date.now();
    const id = this.nextId++;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (replace: boolean, out: ExecResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        slot.worker.off('message', onMsg);
        slot.worker.off('error', onErr);
        slot.worker.off('exit', onExit);
        this.give(slot, replace);
        resolve(out);
      };
      const onMsg = (m: ThreadReply) => {
        if (m.id !== id) return;
        slot.runs++;
        if (m.rss) this.peakRss = Math.max(this.peakRss, m.rss);
        const recycle = slot.runs >= this.opts.recycleAfter || (!!this.opts.recycleHeapMb && (m.heap ?? 0) > this.opts.recycleHeapMb * 1048576);
        const ms = Date.now() - t0;
        if (m.ext || m.prepared || m.json != null) finish(recycle, { ext: m.ext, prepared: m.prepared, json: m.json, status: m.status, ms, timedOut: false });
        else finish(true, { ext: failed('internal', `extraction thread error: ${m.error}`), ms, timedOut: false });
      };
      const onErr = (e: Error) => finish(true, { ext: failed('internal', `extraction thread crashed: ${e.message}`), ms: Date.now() - t0, timedOut: false });
      const onExit = (code: number) => onErr(new Error(`thread exited with code ${code}`));
      const timer = setTimeout(() => finish(true, { ext: timeoutExt(), ms: Date.now() - t0, timedOut: true }), this.opts.timeoutMs);
      slot.worker.on('message', onMsg);
      slot.worker.on('error', onErr);
      slot.worker.on('exit', onExit);
      const msg = { id, bytes, ref: tref, prepare: output === 'prepare', ...(typeof output === 'object' ? { json: output.json } : {}) };
      // Only a buffer the view covers whole can move (never a slice of Node's shared Buffer pool).
      slot.worker.postMessage(msg, movable ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.slots;
    this.slots = [];
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(all.map((s) => s.worker.terminate().catch(() => undefined)));
  }
}

/**
 * A pool with the defaults of the queue workers: `threads` worker threads (default one per core, at most
 * one per GiB of memory), `timeoutMs` per document (default 120 s). `threads: 0` extracts in this thread.
 */
export function createExtractPool(opts: { threads?: number; timeoutMs?: number; heapLimitMb?: number; recycleAfter?: number; recycleHeapMb?: number } = {}): ExtractPool {
  const threads = opts.threads ?? defaultExtractThreads();
  return new ExtractPool({
    size: Math.max(1, threads),
    timeoutMs: opts.timeoutMs ?? 120_000,
    mode: threads === 0 ? 'inline' : 'auto',
    recycleAfter: opts.recycleAfter ?? 5000,
    recycleHeapMb: opts.recycleHeapMb ?? 768,
    heapLimitMb: opts.heapLimitMb,
  });
}
