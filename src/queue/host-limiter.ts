/**
 * Per-host politeness shared by every worker process on every machine, kept in Redis:
 * a lease set (at most N requests in flight per host; leases expire if a worker dies) and a
 * "next start" time (at least `intervalMs` between request starts to one host). Time comes from Redis.
 */
import type { HostLimiter } from '../fetch/limiter';
import { sleep } from '../fetch/limiter';
import { createHash, randomBytes } from 'crypto';

const SCRIPT = `
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
  zrem(key: string, member: string): Promise<unknown>;
}

const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');

export class RedisHostLimiter implements HostLimiter {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
    private readonly limits: { concurrency: number; intervalMs: number; leaseMs: number; maxWaitMs: number },
  ) {}

  /** The script by its hash (Redis need not hash it again for every request); sent whole when Redis does not have it yet. */
  private async run(sem: string, next: string, token: string, interval: number): Promise<unknown> {
    const args = [sem, next, token, this.limits.leaseMs, this.limits.concurrency, interval] as const;
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
      const r = Number(await this.run(sem, next, token, interval));
      if (r === 1) {
        let done = false;
        return () => {
          if (done) return;
          done = true;
          this.redis.zrem(sem, token).catch(() => undefined);
        };
      }
      const wait = -r;
      if (Date.now() + wait > deadline) throw new HostBusyError(host, wait);
      await sleep(wait + Math.floor(Math.random() * 20));
    }
  }
}
