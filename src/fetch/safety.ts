/**
 * Refuse targets on loopback, private, link-local and other non-public ranges. A crawled URL list is
 * untrusted input: without this a list could make workers probe the internal network.
 */
import { isIP } from 'net';
import { lookup as dnsLookup, type LookupAddress } from 'dns';
import { FetchError } from './errors';

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((a, p) => (a << 8) + Number(p), 0) >>> 0;
}

const V4_BLOCKS: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function v6Groups(ip: string): number[] | null {
  let s = ip.toLowerCase();
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  // embedded IPv4 tail
  const m = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const n = v4ToInt(m[1]);
    s = s.slice(0, m.index) + ((n >>> 16) & 0xffff).toString(16) + ':' + (n & 0xffff).toString(16);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array(fill).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isFinite(g)) ? groups : null;
}

/** Why an address is not a public unicast address, or null when it is. */
export function blockedReason(ip: string): string | null {
  const fam = isIP(ip);
  if (fam === 4) {
    const n = v4ToInt(ip);
    for (const [base, bits, why] of V4_BLOCKS) {
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if ((n & mask) >>> 0 === (v4ToInt(base) & mask) >>> 0) return why;
    }
    if (n === 0xffffffff) return 'broadcast';
    return null;
  }
  if (fam === 6) {
    const g = v6Groups(ip);
    if (!g) return 'unparsable IPv6';
    if (g.every((x) => x === 0)) return 'unspecified';
    if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
    // IPv4-mapped ::ffff:a.b.c.d and NAT64 64:ff9b::/96: judge the embedded IPv4
    const embedded = (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) || (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0));
    if (embedded) {
      const v4 = `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
      const r = blockedReason(v4);
      return r ? `${r} (IPv4 in IPv6)` : null;
    }
    if ((g[0] & 0xfe00) === 0xfc00) return 'unique local (private)';
    if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
    if ((g[0] & 0xffc0) === 0xfec0) return 'site-local';
    if ((g[0] & 0xff00) === 0xff00) return 'multicast';
    if (g[0] === 0x2001 && g[1] === 0x0db8) return 'documentation';
    return null;
  }
  return 'not an IP address';
}

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((res, rej) => dnsLookup(host, { all: true, verbatim: true }, (err, addrs) => (err ? rej(err) : res(addrs))));
}

/**
 * Resolve a host and refuse it if any address is non-public (unless allowPrivate).
 * Returns the addresses. Throws FetchError('blocked_address' | 'dns').
 */
export async function checkHost(hostname: string, allowPrivate: boolean): Promise<LookupAddress[]> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addrs: LookupAddress[];
  if (isIP(host)) addrs = [{ address: host, family: isIP(host) }];
  else {
    try {
      addrs = await lookupAll(host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new FetchError('dns', `cannot resolve ${host}: ${code ?? (e as Error).message}`, code === 'EAI_AGAIN');
    }
  }
  if (!allowPrivate) {
    for (const a of addrs) {
      const why = blockedReason(a.address);
      if (why) throw new FetchError('blocked_address', `refused: ${host} resolves to ${a.address} (${why}); pass allowPrivate for local testing`);
    }
  }
  return addrs;
}

/**
 * A `lookup` for net.connect that applies the same rule at connect time, so a DNS answer that changes
 * between the check and the connection (DNS rebinding) is refused too.
 */
export function safeLookup(allowPrivate: boolean) {
  return (hostname: string, options: any, callback: (...a: any[]) => void): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addrs: LookupAddress[]) => {
      if (err) return callback(err);
      if (!allowPrivate) {
        for (const a of addrs) {
          const why = blockedReason(a.address);
          if (why) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${a.address} (${why})`), { code: 'NIANBAO_BLOCKED' }));
        }
      }
      if (options && options.all) return callback(null, addrs);
      return callback(null, addrs[0].address, addrs[0].family);
    });
  };
}
