/**
 * Runs extractions with a hard per-document time limit. In 'thread' mode each slot is a worker thread
 * (workers/extract-thread.js from the build); a document over the limit has its thread terminated and is
 * recorded as a `timeout` failure. 'inline' mode (tests from TypeScript sources) runs in this thread and
 * can only time out at an await point.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { Worker } from 'worker_threads';
import type { Extraction } from '../model/extraction';
import { extractBytes, failedExtraction, sha256, type SourceRef } from '../pipeline/extract';
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

export function threadScript(): string | null {
  const candidates = [
    join(__dirname, '..', '..', 'workers', 'extract-thread.js'), // dist/src/queue -> dist/workers
    join(__dirname, '..', '..', 'dist', 'workers', 'extract-thread.js'), // src/queue -> dist/workers
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
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
  constructor(private readonly opts: { size: number; timeoutMs: number; mode: 'thread' | 'inline' | 'auto'; recycleAfter: number; recycleHeapMb?: number }) {
    this.script = opts.mode === 'inline' ? null : threadScript();
    if (opts.mode === 'thread' && !this.script) throw new Error('extract thread script not built: run `npm run build`');
    this.mode = this.script ? 'thread' : 'inline';
  }

  private spawn(): Slot {
    const w = new Worker(this.script as string);
    w.unref();
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
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      if (this.slots.length < this.opts.size) {
        const s = this.spawn();
        s.busy = true;
        this.slots.push(s);
        return s;
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

  /** Extract in a thread (or inline); the Extraction is cloned back. */
  async run(bytes: Uint8Array, ref: SourceRef): Promise<ExtractOutcome> {
    const r = await this.exec(bytes, ref, false, false);
    return { ext: r.ext as Extraction, ms: r.ms, timedOut: r.timedOut };
  }

  /**
   * Extract and serialise for the store in the thread. With `transfer`, the bytes' buffer is moved to
   * the thread rather than copied (the caller must not use `bytes` afterwards).
   */
  async runPrepared(bytes: Uint8Array, ref: SourceRef, opts: { transfer?: boolean; sha256?: string } = {}): Promise<PreparedOutcome> {
    const r = await this.exec(bytes, ref, true, !!opts.transfer, opts.sha256);
    return { prepared: r.prepared ?? prepareExtraction(r.ext as Extraction), ms: r.ms, timedOut: r.timedOut };
  }

  private async exec(bytes: Uint8Array, ref: SourceRef, prepare: boolean, transfer: boolean, knownSha?: string): Promise<{ ext?: Extraction; prepared?: PreparedExtraction; ms: number; timedOut: boolean }> {
    // (needed only for a failure record, but the bytes may move to the thread: hash them now unless known)
    const sha = knownSha ?? sha256(bytes);
    const size = bytes.length;
    // the extraction need not hash the bytes again
    const tref: SourceRef = knownSha ? { ...ref, sha256: knownSha } : ref;
    const failed = (code: 'timeout' | 'internal', message: string) =>
      failedExtraction({ sha256: sha, format: 'unknown', bytes: size, ...(ref.uri ? { uri: ref.uri } : {}), ...(ref.path ? { path: ref.path } : {}) }, code, message);
    const timeoutExt = () => failed('timeout', `extraction took longer than ${this.opts.timeoutMs} ms`);
    if (this.mode === 'inline') {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<null>((r) => (timer = setTimeout(() => r(null), this.opts.timeoutMs)));
      this.inlineRunning++;
      const ext = await Promise.race([extractBytes(bytes, tref), limit]).finally(() => this.inlineRunning--);
      clearTimeout(timer);
      this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
      return ext ? { ext, ms: Date.now() - t0, timedOut: false } : { ext: timeoutExt(), ms: Date.now() - t0, timedOut: true };
    }
    const slot = await this.take();
    const t0 = Date.now();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let settled = false;
      type Out = { ext?: Extraction; prepared?: PreparedExtraction; ms: number; timedOut: boolean };
      const finish = (replace: boolean, out?: Out, err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        slot.worker.off('message', onMsg);
        slot.worker.off('error', onErr);
        slot.worker.off('exit', onExit);
        this.give(slot, replace);
        if (out) resolve(out);
        else reject(err);
      };
      const onMsg = (m: { id: number; ext?: Extraction; prepared?: PreparedExtraction; error?: string; ms: number; rss?: number; heap?: number }) => {
        if (m.id !== id) return;
        slot.runs++;
        if (m.rss) this.peakRss = Math.max(this.peakRss, m.rss);
        const recycle = slot.runs >= this.opts.recycleAfter || (!!this.opts.recycleHeapMb && (m.heap ?? 0) > this.opts.recycleHeapMb * 1048576);
        if (m.ext || m.prepared) finish(recycle, { ext: m.ext, prepared: m.prepared, ms: Date.now() - t0, timedOut: false });
        else finish(true, { ext: failed('internal', `extraction thread error: ${m.error}`), ms: Date.now() - t0, timedOut: false });
      };
      const onErr = (e: Error) => finish(true, { ext: failed('internal', `extraction thread crashed: ${e.message}`), ms: Date.now() - t0, timedOut: false });
      const onExit = (code: number) => onErr(new Error(`thread exited with code ${code}`));
      const timer = setTimeout(() => finish(true, { ext: timeoutExt(), ms: Date.now() - t0, timedOut: true }), this.opts.timeoutMs);
      slot.worker.on('message', onMsg);
      slot.worker.on('error', onErr);
      slot.worker.on('exit', onExit);
      // Only a buffer the view covers whole can move (never a slice of Node's shared Buffer pool).
      const movable = transfer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      slot.worker.postMessage({ id, bytes, ref: tref, prepare }, movable ? [bytes.buffer as ArrayBuffer] : []);
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
