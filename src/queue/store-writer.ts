/**
 * Group commit for a worker process's extraction writes. Each stored extraction is one transaction of a
 * few statements; stored one by one, the fixed part (BEGIN, the agency locks, a round trip per statement
 * on both sides, COMMIT and its WAL flush) costs about as much CPU as the rows themselves. Writes that come
 * in while a batch is being stored, or within `lingerMs` of the first while an extraction that could join
 * is still running, go to the store together (Store.recordExtractions: one transaction, each write as if
 * alone). A job's write resolves only once its transaction has committed, so a job never completes before
 * its extraction is durable.
 */
import type { ExtractionWrite, RecordedExtraction, Store } from '../store/types';

interface Pending {
  write: ExtractionWrite;
  resolve: (r: RecordedExtraction) => void;
  reject: (e: unknown) => void;
}

export interface StoreWriterOptions {
  /** Writes per transaction at most (1: each alone, no waiting). */
  maxBatch: number;
  /** How long the first write of a batch may wait for others. */
  lingerMs: number;
  /** Whether an error means the store is unreachable (then the whole batch fails: retrying alone cannot help). */
  isUnavailable?: (e: unknown) => boolean;
}

export class StoreWriter {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private storing: Promise<void> | null = null;
  /**
   * Writes on their way (extractions running or waiting for a thread; see expect): while there are none,
   * nothing could join a batch, so it goes at once.
   */
  private coming = 0;
  /** Batches stored and writes in them (profiling). */
  batches = 0;
  writes = 0;

  constructor(private readonly store: Store, private readonly opts: StoreWriterOptions) {}

  /** A write will follow (an extraction starts); call the function returned when it is written or abandoned. */
  expect(): () => void {
    this.coming++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.coming--;
      // the batch may have been waiting for this one only
      if (!this.coming && this.pending.length && !this.storing) this.flush();
    };
  }

  write(w: ExtractionWrite): Promise<RecordedExtraction> {
    if (this.opts.maxBatch <= 1) {
      this.batches++;
      this.writes++;
      return this.store.recordExtractions([w]).then((r) => r[0]);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ write: w, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.storing || !this.pending.length) return; // the batch being stored sends the next when done
    const full = this.pending.length >= this.opts.maxBatch;
    if (full || this.opts.lingerMs <= 0 || this.coming === 0) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.opts.lingerMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.storing || !this.pending.length) return;
    const batch = this.pending.splice(0, this.opts.maxBatch);
    this.storing = this.storeBatch(batch).finally(() => {
      this.storing = null;
      this.schedule();
    });
  }

  private async storeBatch(batch: Pending[]): Promise<void> {
    this.batches++;
    this.writes += batch.length;
    try {
      const out = await this.store.recordExtractions(batch.map((p) => p.write));
      batch.forEach((p, i) => p.resolve(out[i]));
    } catch (e) {
      if (batch.length === 1 || this.opts.isUnavailable?.(e)) {
        for (const p of batch) p.reject(e);
        return;
      }
      // One write's error (or two batches' lock wait cycle, which PostgreSQL breaks by failing one) must not
      // fail the others: each goes again alone, and only its own error reaches its job.
      for (const p of batch) {
        try {
          p.resolve((await this.store.recordExtractions([p.write]))[0]);
        } catch (e2) {
          p.reject(e2);
        }
      }
    }
  }

  /** Store what is waiting now (shutdown). */
  async drain(): Promise<void> {
    while (this.pending.length || this.storing) {
      if (!this.storing) this.flush();
      await this.storing;
    }
  }
}
