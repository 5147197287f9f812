/**
 * Per-host politeness shared by every worker process on every machine, kept in Redis:
 * a lease set (at most N requests in flight per host; leases expire if a worker dies) and a
 * "next start" time (at least `intervalMs` between request starts to one host). Time comes from Redis.
 * A finished request's lease is given back with this process's next request to the same host (one Redis
 * call where there were two: crawl lists come a site at a time), or after `releaseDelayMs` when none
 * comes. Holding a lease that little longer only makes the limit stricter.
 */
import type { HostLimiter } from '../fetch/limiter';
import { sleep } from '../fetch/limiter';
import { createHash, randomBytes } from 'crypto';

const SCRIPT = `
for i = 5, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
local maxc = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= maxc then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return -math.max(25, math.min(1000, tonumber(first[2]) - now))
end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return -(nxt - now) end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease + 1000)
if interval > 0 then redis.call('SET', KEYS[2], tostring(now + interval), 'PX', interval + 1000) end
return 1
`;

/** Thrown when a host stays busy longer than the wait budget: the job should be delayed, not hold a slot. */
export class HostBusyError extends Error {
  constructor(public readonly host: string, public readonly retryInMs: number) {
    super(`host ${host} busy (politeness limit)`);
    this.name = 'HostBusyError';
  }
}

interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalsha?(sha1: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  zrem(key: string, ...members: string[]): Promise<unknown>;
}

const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');

export class RedisHostLimiter implements HostLimiter {
  /** Leases of finished requests not yet given back, by lease-set key. */
  private readonly done = new Map<string, { tokens: string[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
    private readonly limits: { concurrency: number; intervalMs: number; leaseMs: number; maxWaitMs: number; releaseDelayMs?: number },
  ) {}

  /** Finished leases of this lease set, taken to go with the next call (or given back now by the timer). */
  private takeDone(sem: string): string[] {
    const d = this.done.get(sem);
    if (!d) return [];
    clearTimeout(d.timer);
    this.done.delete(sem);
    return d.tokens;
  }

  private giveBack(sem: string, tokens: string[]): void {
    if (tokens.length) this.redis.zrem(sem, ...tokens).catch(() => undefined); // else they expire with their lease
  }

  private release(sem: string, token: string): void {
    const d = this.done.get(sem);
    if (d) return void d.tokens.push(token);
    const delay = this.limits.releaseDelayMs ?? 20;
    if (delay <= 0) return this.giveBack(sem, [token]);
    const timer = setTimeout(() => this.giveBack(sem, this.takeDone(sem)), delay);
    timer.unref?.();
    this.done.set(sem, { tokens: [token], timer });
  }

  /** Give back every finished lease now (shutdown). */
  flush(): void {
    for (const sem of [...this.done.keys()]) this.giveBack(sem, this.takeDone(sem));
  }

  /** The script by its hash (Redis need not hash it again for every request); sent whole when Redis does not have it yet. */
  private async run(sem: string, next: string, token: string, interval: number, finished: string[]): Promise<unknown> {
    const args = [sem, next, token, this.limits.leaseMs, this.limits.concurrency, interval, ...finished] as const;
    if (this.redis.evalsha) {
      try {
        return await this.redis.evalsha(SCRIPT_SHA, 2, ...args);
      } catch (e) {
        if (!/NOSCRIPT/.test(String((e as Error)?.message))) throw e;
      }
    }
    return this.redis.eval(SCRIPT, 2, ...args);
  }

  async acquire(host: string, opts: { minIntervalMs?: number } = {}): Promise<() => void> {
    const sem = `${this.prefix}:host:${host}:inflight`;
    const next = `${this.prefix}:host:${host}:next`;
    const token = randomBytes(8).toString('hex');
    const interval = Math.max(this.limits.intervalMs, opts.minIntervalMs ?? 0);
    const deadline = Date.now() + this.limits.maxWaitMs;
    for (;;) {
      const finished = this.takeDone(sem);
      let r: number;
      try {
        r = Number(await this.run(sem, next, token, interval, finished));
      } catch (e) {
        this.giveBack(sem, finished);
        throw e;
      }
      if (r === 1) {
        let done = false;
        return () => {
          if (done) return;
          done = true;
          this.release(sem, token);
        };
      }
      const wait = -r;
      if (Date.now() + wait > deadline) throw new HostBusyError(host, wait);
      await sleep(wait + Math.floor(Math.random() * 20));
    }
  }
}
