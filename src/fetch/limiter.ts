/**
 * Per-host politeness: at most `concurrency` requests in flight per host and at least `intervalMs`
 * between request starts to one host. This in-memory limiter serves one process; the queue workers
 * use the Redis-backed limiter in src/queue/host-limiter.ts, shared by every worker on every machine.
 */
export interface HostLimiter {
  /** Wait for a slot for this host; call the returned function when the request is done. */
  acquire(host: string, opts?: { minIntervalMs?: number }): Promise<() => void>;
}

export interface HostLimits {
  /** Requests in flight per host (default 2). */
  concurrency?: number;
  /** Minimum milliseconds between request starts to one host (default 500; 0 = no rate limit). */
  intervalMs?: number;
}

export class MemoryHostLimiter implements HostLimiter {
  private readonly state = new Map<string, { active: number; next: number; waiters: Array<() => void> }>();
  private readonly concurrency: number;
  private readonly intervalMs: number;

  constructor(limits: HostLimits = {}) {
    this.concurrency = Math.max(1, limits.concurrency ?? 2);
    this.intervalMs = Math.max(0, limits.intervalMs ?? 500);
  }

  async acquire(host: string, opts: { minIntervalMs?: number } = {}): Promise<() => void> {
    const interval = Math.max(this.intervalMs, opts.minIntervalMs ?? 0);
    let s = this.state.get(host);
    if (!s) this.state.set(host, (s = { active: 0, next: 0, waiters: [] }));
    const st = s;
    for (;;) {
      if (st.active < this.concurrency) {
        const now = Date.now();
        if (st.next <= now) {
          st.active++;
          st.next = now + interval;
          let released = false;
          return () => {
            if (released) return;
            released = true;
            st.active--;
            const w = st.waiters.shift();
            if (w) w();
          };
        }
        await sleep(st.next - now);
        continue;
      }
      await new Promise<void>((r) => st.waiters.push(r));
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
