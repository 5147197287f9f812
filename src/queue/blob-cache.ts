/**
 * Bytes a fetch job just stored, kept in memory for the extract job that usually follows in the same
 * process, so it need not read them back from the blob directory. Bounded by total size; an entry is
 * handed out once (the extraction thread may take ownership of the buffer). A miss reads the blob.
 */
export class BlobCache {
  private map = new Map<string, Uint8Array>();
  private size = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024, private readonly maxEntryBytes = 8 * 1024 * 1024) {}

  put(sha256: string, bytes: Uint8Array): void {
    if (this.maxBytes <= 0 || bytes.length > this.maxEntryBytes || this.map.has(sha256)) return;
    this.map.set(sha256, bytes);
    this.size += bytes.length;
    while (this.size > this.maxBytes) {
      const [k, v] = this.map.entries().next().value as [string, Uint8Array];
      this.map.delete(k);
      this.size -= v.length;
    }
  }

  /** Remove and return the bytes, if held. */
  take(sha256: string): Uint8Array | undefined {
    const b = this.map.get(sha256);
    if (b) {
      this.map.delete(sha256);
      this.size -= b.length;
      this.hits++;
    } else this.misses++;
    return b;
  }

  clear(): void {
    this.map.clear();
    this.size = 0;
  }
}

/** Time spent per named step of the job processors (`NIANBAO_PROFILE=1` prints it when a worker stops). */
export class StepTimes {
  private t = new Map<string, { n: number; ms: number }>();
  add(step: string, ms: number): void {
    const e = this.t.get(step) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += ms;
    this.t.set(step, e);
  }
  async time<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(step, performance.now() - t0);
    }
  }
  report(): string {
    return [...this.t].map(([k, v]) => `${k} ${v.n}× ${(v.ms / Math.max(1, v.n)).toFixed(2)} ms`).join(', ');
  }
  toJSON(): Record<string, { n: number; ms: number }> {
    return Object.fromEntries(this.t);
  }
}
