/**
 * Fetch one report URL safely: public addresses only (unless allowed), robots.txt, per-host politeness,
 * timeouts, a size limit enforced while streaming, redirects followed up to a limit, and wrapper pages
 * resolved to their attachment.
 *
 *   const doc = await fetchDocument('https://www.example.gov.cn/art/2022/1/1/art_1_1.html');
 *   const ext = await extractBytes(doc.bytes, { uri: doc.finalUrl, contentType: doc.contentType });
 */
import { Agent, request, type Dispatcher } from 'undici';
import { sha256 } from '../pipeline/extract';
import { FetchError, retryableStatus } from './errors';
import { checkHost, safeLookup } from './safety';
import { RobotsCache } from './robots';
import { MemoryHostLimiter, type HostLimiter } from './limiter';
import { decodeHtml, findAttachment, looksLikeHtml } from './wrapper';
import { recogniseListing } from '../discover/listing';
import { sameSite } from '../discover/site';

/** The number of listed reports when the page is a listing and the attachment is one of its rows, else 0. */
function listingOfAttachment(html: string, pageUrl: string, attachment: string): number {
  const l = recogniseListing(html, pageUrl);
  if (!l.listing || !l.items.some((i) => i.url === attachment)) return 0;
  return l.items.filter((i) => i.report).length;
}

export { FetchError, isFetchError, retryableStatus, type FetchErrorCode } from './errors';
export { blockedReason, checkHost } from './safety';
export { MemoryHostLimiter, type HostLimiter, type HostLimits } from './limiter';
export { RobotsCache } from './robots';
export { findAttachment, looksLikeHtml, decodeHtml } from './wrapper';

export const DEFAULT_USER_AGENT = 'nianbao/0.1 (+https://github.com/; government annual report research crawler)';
export const ROBOTS_AGENT = 'nianbao';

export interface FetchOptions {
  /** Whole-request time limit per hop in ms (default 30000). */
  timeoutMs?: number;
  /** Refuse bodies larger than this many bytes (default 50 MiB). */
  maxBytes?: number;
  /** Redirects followed per request (default 5). */
  maxRedirects?: number;
  /** Allow loopback/private/link-local targets (local testing only). Default false. */
  allowPrivate?: boolean;
  /** Honour robots.txt (default true). */
  robots?: boolean;
  robotsCache?: RobotsCache;
  /** Per-host politeness; default: a process-wide in-memory limiter (2 in flight, 500 ms apart). */
  limiter?: HostLimiter | null;
  /** Resolve HTML wrapper pages to their attachment (default true). */
  followWrapper?: boolean;
  /** Refuse any request (redirects and attachments included) off this URL's site (see src/discover/site.ts). */
  sameSiteAs?: string;
  userAgent?: string;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

export interface FetchResult {
  /** The URL asked for. */
  url: string;
  /** The URL whose bytes these are (after redirects; the attachment for a wrapper page). */
  finalUrl: string;
  /** The attachment URL when `url` was a wrapper page. */
  attachmentUrl: string | null;
  /** The wrapper page's own final URL, when there was one. */
  wrapperUrl: string | null;
  status: number;
  contentType: string | null;
  bytes: Uint8Array;
  sha256: string;
  /** Every hop followed, in order (including the attachment's). */
  redirects: string[];
  elapsedMs: number;
}

const dispatchers = new Map<string, Agent>();
function defaultDispatcher(allowPrivate: boolean, timeoutMs: number): Agent {
  const key = `${allowPrivate}:${timeoutMs}`;
  let d = dispatchers.get(key);
  if (!d) {
    d = new Agent({
      connect: { lookup: safeLookup(allowPrivate) as any, timeout: Math.min(timeoutMs, 15000) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connections: 16,
      // Keep a connection for the server's keep-alive hint less 1 s (undici's default margin, 2 s,
      // closes every connection to a server that hints 1–2 s: a new TCP and TLS handshake per request).
      keepAliveTimeoutThreshold: 1000,
    });
    dispatchers.set(key, d);
  }
  return d;
}

/** Close the pooled connections (tests, graceful shutdown). */
export async function closeFetchAgents(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(all.map((d) => d.close().catch(() => undefined)));
}

let sharedLimiter: MemoryHostLimiter | null = null;
const sharedRobots = new RobotsCache(ROBOTS_AGENT);

interface Hop {
  status: number;
  contentType: string | null;
  bytes: Uint8Array;
  finalUrl: string;
  redirects: string[];
}

function mapError(e: unknown, url: string): FetchError {
  if (e instanceof FetchError) return e;
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code ?? '';
  const msg = `${url}: ${code || err?.name || 'error'} ${err?.message ?? String(e)}`.trim();
  if (code === 'NIANBAO_BLOCKED' || err?.cause?.code === 'NIANBAO_BLOCKED') return new FetchError('blocked_address', msg);
  if (/TIMEOUT/i.test(code) || err?.name === 'TimeoutError' || err?.name === 'AbortError' || /timeout/i.test(err?.message ?? '')) {
    return new FetchError('timeout', msg, true);
  }
  if (code === 'ENOTFOUND') return new FetchError('dns', msg, false);
  if (code === 'EAI_AGAIN') return new FetchError('dns', msg, true);
  return new FetchError('network', msg, true);
}

async function fetchOnce(url: string, o: Required<Pick<FetchOptions, 'timeoutMs' | 'maxBytes' | 'maxRedirects' | 'allowPrivate' | 'robots' | 'userAgent'>> & FetchOptions): Promise<Hop> {
  const redirects: string[] = [];
  let current = url;
  for (let hop = 0; ; hop++) {
    let u: URL;
    try {
      u = new URL(current);
    } catch {
      throw new FetchError('bad_url', `not a URL: ${current}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FetchError('bad_url', `only http(s) URLs are fetched: ${current}`);
    if (o.sameSiteAs && !sameSite(new URL(o.sameSiteAs), u)) throw new FetchError('off_site', `${current}: off the site of ${o.sameSiteAs}, not fetched`);
    await checkHost(u.hostname, o.allowPrivate);
    let minInterval = 0;
    if (o.robots) {
      const rules = await (o.robotsCache ?? sharedRobots).get(u.origin, (ru) => loadRobots(ru, o));
      if (!rules.allowed(u.toString())) throw new FetchError('robots_disallowed', `robots.txt of ${u.origin} disallows ${u.pathname}`);
      if (rules.crawlDelay) minInterval = Math.min(rules.crawlDelay, 60) * 1000;
    }
    const limiter = o.limiter === undefined ? (sharedLimiter ??= new MemoryHostLimiter()) : o.limiter;
    const release = limiter ? await limiter.acquire(u.host, { minIntervalMs: minInterval }) : () => undefined;
    let res: Dispatcher.ResponseData;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new FetchError('timeout', `${current}: no complete response within ${o.timeoutMs} ms`, true)), o.timeoutMs);
    const onAbort = () => ac.abort(o.signal?.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        res = await request(u, {
          method: 'GET',
          dispatcher: o.dispatcher ?? defaultDispatcher(o.allowPrivate, o.timeoutMs),
          headers: { 'user-agent': o.userAgent, accept: '*/*', 'accept-language': 'zh-CN,zh;q=0.9' },
          signal: ac.signal,
        });
      } catch (e) {
        throw ac.signal.aborted && ac.signal.reason instanceof FetchError ? ac.signal.reason : mapError(e, current);
      }
      const status = res.statusCode;
      const header = (k: string) => {
        const v = res.headers[k];
        return Array.isArray(v) ? v[0] : v ?? null;
      };
      if (status >= 300 && status < 400 && header('location')) {
        await res.body.dump().catch(() => undefined);
        if (hop >= o.maxRedirects) throw new FetchError('too_many_redirects', `${url}: more than ${o.maxRedirects} redirects`);
        const next = new URL(header('location') as string, u).toString();
        redirects.push(next);
        current = next;
        continue;
      }
      if (status < 200 || status >= 300) {
        await res.body.dump().catch(() => undefined);
        throw new FetchError('http_error', `${current}: HTTP ${status}`, retryableStatus(status), status);
      }
      const len = Number(header('content-length') ?? NaN);
      if (Number.isFinite(len) && len > o.maxBytes) {
        res.body.destroy();
        throw new FetchError('too_large', `${current}: Content-Length ${len} exceeds the limit of ${o.maxBytes} bytes`, false, status);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of res.body) {
          total += (chunk as Buffer).length;
          if (total > o.maxBytes) {
            res.body.destroy();
            throw new FetchError('too_large', `${current}: body exceeds the limit of ${o.maxBytes} bytes`, false, status);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (e) {
        if (e instanceof FetchError) throw e;
        throw ac.signal.aborted && ac.signal.reason instanceof FetchError ? ac.signal.reason : mapError(e, current);
      }
      const bytes = new Uint8Array(Buffer.concat(chunks, total));
      return { status, contentType: header('content-type') as string | null, bytes, finalUrl: current, redirects };
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      release();
    }
  }
}

async function loadRobots(robotsUrl: string, o: Required<Pick<FetchOptions, 'timeoutMs' | 'allowPrivate' | 'userAgent'>> & FetchOptions) {
  try {
    const hop = await fetchOnce(robotsUrl, {
      ...o, robots: false, limiter: null, maxBytes: 512 * 1024, maxRedirects: 3, timeoutMs: Math.min(o.timeoutMs, 10000),
    });
    return { status: hop.status, body: Buffer.from(hop.bytes).toString('utf8') };
  } catch (e) {
    if (e instanceof FetchError && e.code === 'http_error' && e.httpStatus) return { status: e.httpStatus, body: '' };
    throw e;
  }
}

/** Fetch a report by URL. Throws FetchError (with `code` and `retryable`) on failure. */
export async function fetchDocument(url: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const t0 = Date.now();
  const o = {
    ...opts,
    timeoutMs: opts.timeoutMs ?? 30000,
    maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
    maxRedirects: opts.maxRedirects ?? 5,
    allowPrivate: opts.allowPrivate ?? false,
    robots: opts.robots ?? true,
    userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
  };
  const first = await fetchOnce(url, o);
  let hop = first;
  let attachmentUrl: string | null = null;
  let wrapperUrl: string | null = null;
  const redirects = [...first.redirects];
  if ((opts.followWrapper ?? true) && looksLikeHtml(first.bytes, first.contentType)) {
    const html = decodeHtml(first.bytes, first.contentType);
    const w = findAttachment(html, first.finalUrl);
    if (w.attachment) {
      // A column's listing links its reports as attachments too: one of them is not this URL's report.
      const l = listingOfAttachment(html, first.finalUrl, w.attachment);
      if (l) throw new FetchError('listing_page', `${first.finalUrl}: a listing of ${l} reports, not one report (ingest it with --discover)`);
      attachmentUrl = w.attachment;
      wrapperUrl = first.finalUrl;
      redirects.push(w.attachment);
      hop = await fetchOnce(w.attachment, o);
      redirects.push(...hop.redirects);
    }
  }
  if (hop.bytes.length === 0) throw new FetchError('empty_body', `${hop.finalUrl}: empty body`, false, hop.status);
  return {
    url,
    finalUrl: hop.finalUrl,
    attachmentUrl,
    wrapperUrl,
    status: hop.status,
    contentType: hop.contentType,
    bytes: hop.bytes,
    sha256: sha256(hop.bytes),
    redirects,
    elapsedMs: Date.now() - t0,
  };
}
