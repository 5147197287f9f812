/**
 * Access and browser security, as one Fastify plugin applied to every route:
 *
 * - Bound to a loopback address, no credentials are needed, but the Host header must name the
 *   loopback host (a page on another site cannot reach the UI through DNS rebinding).
 * - Bound anywhere else, a token (NIANBAO_TOKEN / --token: `Authorization: Bearer`, or `?token=`
 *   once, which sets an HttpOnly cookie) or basic auth (--user name:password) is required; the
 *   server refuses to start without one.
 * - Writes must be JSON and same-origin (no form or cross-site POST can reach them).
 * - A strict Content-Security-Policy: scripts, styles, workers and connections from this origin only.
 */
import { timingSafeEqual } from 'crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export interface AccessOptions {
  host: string;
  token?: string | null;
  basic?: { user: string; password: string } | null;
}

export class AccessError extends Error {}

export const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Check the options: a non-loopback bind without a token or basic auth is refused. */
export function checkAccess(o: AccessOptions): void {
  if (!isLoopback(o.host) && !o.token && !o.basic) {
    throw new AccessError(`refusing to listen on ${o.host} without a token or basic auth: set NIANBAO_TOKEN, --token or --user NAME:PASSWORD (or bind to 127.0.0.1)`);
  }
  if (o.token !== undefined && o.token !== null && o.token.length < 16) {
    throw new AccessError('the token must be at least 16 characters long');
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(req: FastifyRequest, name: string): string | null {
  const h = req.headers.cookie;
  if (!h) return null;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

function hostName(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(hostHeader.trim());
  return m ? m[1] : '';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The basic-auth user name, when basic auth admitted the request. */
    authUser: string | null;
  }
}

function deny(reply: FastifyReply, code: number, message: string, basic: boolean): FastifyReply {
  if (basic && code === 401) reply.header('WWW-Authenticate', 'Basic realm="nianbao", charset="UTF-8"');
  return reply.code(code).type('text/plain; charset=utf-8').send(message);
}

const plugin: FastifyPluginAsync<AccessOptions> = async (app: FastifyInstance, o: AccessOptions) => {
  checkAccess(o);
  const open = !o.token && !o.basic;
  app.decorateRequest('authUser', null);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('Content-Security-Policy', CSP);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');

    if (open) {
      // Loopback without credentials: only requests addressed to a loopback name.
      if (!isLoopback(hostName(req.headers.host))) return deny(reply, 403, 'forbidden: this server only answers requests for localhost', false);
    } else {
      let ok = false;
      const auth = req.headers.authorization ?? '';
      if (o.token) {
        const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
        const fromCookie = cookie(req, 'nianbao_token');
        if ((bearer && same(bearer, o.token)) || (fromCookie && same(fromCookie, o.token))) ok = true;
        const q = (req.query as Record<string, unknown> | undefined)?.token;
        if (!ok && req.method === 'GET' && typeof q === 'string' && same(q, o.token)) {
          // Trade the URL token for a cookie and drop it from the address bar.
          const url = new URL(req.url, 'http://x');
          url.searchParams.delete('token');
          reply.header('Set-Cookie', `nianbao_token=${encodeURIComponent(o.token)}; HttpOnly; SameSite=Strict; Path=/`);
          return reply.redirect(url.pathname + url.search, 303);
        }
      }
      if (!ok && o.basic) {
        const b64 = /^Basic\s+(.+)$/i.exec(auth)?.[1];
        if (b64) {
          const s = Buffer.from(b64, 'base64').toString('utf8');
          const i = s.indexOf(':');
          if (i > 0 && same(s.slice(0, i), o.basic.user) && same(s.slice(i + 1), o.basic.password)) {
            ok = true;
            req.authUser = o.basic.user;
          }
        }
      }
      if (!ok) {
        return deny(reply, 401, o.token
          ? 'unauthorized: open the address printed by `nianbao serve` (it carries ?token=…), or send Authorization: Bearer <token>'
          : 'unauthorized', !!o.basic);
      }
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      // Same-origin JSON writes only.
      const site = req.headers['sec-fetch-site'];
      if (site && site !== 'same-origin' && site !== 'none') return deny(reply, 403, 'forbidden: cross-site request', false);
      const origin = req.headers.origin;
      if (origin && origin !== 'null') {
        let oh = '';
        try { oh = new URL(origin).host; } catch { /* bad origin */ }
        if (oh !== req.headers.host) return deny(reply, 403, 'forbidden: cross-origin request', false);
      } else if (origin === 'null') return deny(reply, 403, 'forbidden: opaque origin', false);
      if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
        return deny(reply, 415, 'writes must be application/json', false);
      }
    }
  });
};

// Like fastify-plugin: the hooks apply to every route of the parent instance.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const accessPlugin = plugin;
