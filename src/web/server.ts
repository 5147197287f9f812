/**
 * `nianbao serve`: the review web UI, a Fastify app composed of plugins:
 * access (auth, Host check, CSP) → assets (own JS/CSS, pdf.js) → queue → review (pages, source,
 * writes). Pages are rendered on the server; one small vanilla script adds the keyboard, the
 * source highlight and the writes.
 */
import { userInfo } from 'os';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/types';
import { accessPlugin, checkAccess, type AccessOptions } from './access';
import { assetsPlugin } from './assets';
import { ensureWebSchema } from './schema';
import { filterQuery, invalidateCounts, neighbour, parseCursor, parseFilter, queueCounts, queuePage } from './queue';
import { queuePageHtml } from './queue-page';
import { reviewPage } from './review';
import { recoveredSource } from './source';
import { fold, versionOf, currentChecks } from './state';
import { approve, correct, HttpError, reject, sourceError, type Body } from './actions';
import { esc, page } from './html';

export interface ServerOptions extends Partial<AccessOptions> {
  store: Store;
  /** Reviewer name when the browser does not give one (default: the OS user). */
  reviewer?: string;
  /** Serve assets from disk on every request (no memo): for working on the UI. */
  dev?: boolean;
  logger?: boolean;
  /** Rows per queue page (default 50). */
  pageSize?: number;
  /** Mount the Bull Board dashboard of the fetch/extract queues at /queues (behind the same access control). */
  board?: { redisUrl?: string; prefix?: string; readOnly?: boolean } | null;
}

function idParam(v: string): number {
  if (!/^\d{1,15}$/.test(v)) throw new HttpError(404, 'not found');
  return Number(v);
}

const queuePlugin: FastifyPluginAsync<{ store: Store; pageSize: number }> = async (app, { store, pageSize }) => {
  app.get('/', async (_req, reply) => reply.redirect('/queue', 302));
  app.get('/queue', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const f = parseFilter(q);
    const limit = typeof q.limit === 'string' && /^\d{1,3}$/.test(q.limit) ? Math.min(Math.max(Number(q.limit), 1), 500) : pageSize;
    const [counts, pg] = await Promise.all([
      queueCounts(store, f),
      queuePage(store, f, { after: parseCursor(q.after), before: parseCursor(q.before), limit }),
    ]);
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(queuePageHtml(f, counts, pg, limit));
  });
  app.get('/api/queue', async (req) => {
    const q = req.query as Record<string, unknown>;
    const f = parseFilter(q);
    const limit = typeof q.limit === 'string' && /^\d{1,3}$/.test(q.limit) ? Number(q.limit) : pageSize;
    const [counts, pg] = await Promise.all([queueCounts(store, f), queuePage(store, f, { after: parseCursor(q.after), before: parseCursor(q.before), limit })]);
    return { filter: f, counts, ...pg };
  });
};

const reviewPlugin: FastifyPluginAsync<{ store: Store; reviewer: string }> = async (app, { store, reviewer }) => {
  const who = (req: import('fastify').FastifyRequest) => req.authUser ?? reviewer;

  app.get<{ Params: { id: string } }>('/r/:id', async (req, reply) => {
    const id = idParam(req.params.id);
    const row = await store.getExtraction(id);
    if (!row) throw new HttpError(404, `没有编号为 ${id} 的报告`);
    const f = parseFilter(req.query as Record<string, unknown>);
    const reviews = await store.listReviews(id);
    const folded = fold(reviews);
    const [v, next, prev, dups] = await Promise.all([
      versionOf(store, id),
      neighbour(store, f, id, 'next', true),
      neighbour(store, f, id, 'prev', true),
      row.crossFlags.some((x) => x.code === 'duplicate_report') ? store.listCrossChecks({ extractionId: id, kind: 'duplicate' }) : [],
    ]);
    const qs = filterQuery(f);
    const copies = [...new Set(dups.map((c) => (c.extractionA === id ? c.extractionB : c.extractionA)))].sort((a, b) => a - b);
    const html = reviewPage({
      row, folded, reviews, version: v.version, copies,
      nav: { next, prev, queue: '/queue' + qs, qs },
      reviewer: who(req), reviewerFixed: !!req.authUser,
    });
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(html);
  });

  /** The recovered source (escaped paragraphs and tables, or numbered lines) as an HTML fragment. */
  app.get<{ Params: { id: string } }>('/r/:id/recovered', async (req, reply) => {
    const row = await store.getExtraction(idParam(req.params.id));
    if (!row) throw new HttpError(404, 'not found');
    const html = await recoveredSource(store, row.sha256, row.extraction.source?.path ?? row.extraction.source?.uri);
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(html);
  });

  /** The PDF's bytes, for pdf.js; only PDFs, never served as something a browser would run. */
  app.get<{ Params: { id: string } }>('/r/:id/pdf', async (req, reply) => {
    const row = await store.getExtraction(idParam(req.params.id));
    if (!row || row.extraction.source?.format !== 'pdf') throw new HttpError(404, 'not a PDF');
    let bytes: Uint8Array;
    try { bytes = await store.readBlob(row.sha256); } catch { throw new HttpError(404, '源文件不在存储中'); }
    return reply.type('application/pdf').header('Content-Disposition', 'attachment; filename="source.pdf"')
      .header('Cache-Control', 'private, max-age=3600').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  app.get<{ Params: { id: string } }>('/api/r/:id', async (req) => {
    const id = idParam(req.params.id);
    const row = await store.getExtraction(id);
    if (!row) throw new HttpError(404, 'not found');
    const reviews = await store.listReviews(id);
    const folded = fold(reviews);
    const v = await versionOf(store, id);
    const { checks } = currentChecks(row.extraction, folded);
    return { id, status: row.status, version: v.version, updatedBy: v.updatedBy, ...folded, failedChecks: checks.filter((c) => !c.ok && !c.skipped).map((c) => c.id) };
  });

  const write = (fn: typeof correct) => async (req: import('fastify').FastifyRequest<{ Params: { id: string } }>) =>
    {
    const body = { ...((req.body ?? {}) as Body) };
    // A basic-auth user is the reviewer, whatever the browser says.
    if (req.authUser) body.reviewer = req.authUser;
    try {
      return await fn(store, idParam(req.params.id), body, who(req));
    } finally {
      invalidateCounts(store);
    }
  };
  app.post<{ Params: { id: string } }>('/api/r/:id/correct', write(correct));
  app.post<{ Params: { id: string } }>('/api/r/:id/approve', write(approve));
  app.post<{ Params: { id: string } }>('/api/r/:id/reject', write(reject));
  app.post<{ Params: { id: string } }>('/api/r/:id/source-error', write(sourceError));
};

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const access: AccessOptions = { host: o.host ?? '127.0.0.1', token: o.token ?? null, basic: o.basic ?? null };
  checkAccess(access);
  await ensureWebSchema(o.store);
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: 64 * 1024, trustProxy: false });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err instanceof HttpError ? err.status : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error(err);
    const message = status >= 500 ? '服务器内部错误' : err.message;
    const body = err instanceof HttpError ? err.body : {};
    if (req.url.startsWith('/api/')) return reply.code(status).send({ error: body.error ?? 'error', message, ...body });
    return reply.code(status).type('text/html; charset=utf-8').send(page('错误', `<main class="errorpage"><h1>${status}</h1><p>${esc(message)}</p><p><a href="/queue">返回队列</a></p></main>`));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).type('text/plain; charset=utf-8').send('not found'));
  await app.register(accessPlugin, access);
  await app.register(assetsPlugin, { dev: o.dev });
  await app.register(queuePlugin, { store: o.store, pageSize: o.pageSize ?? 50 });
  await app.register(reviewPlugin, { store: o.store, reviewer: o.reviewer ?? defaultReviewer() });
  if (o.board) {
    // Loaded only when asked for: it opens Redis connections (closed with the server).
    const { registerBoard } = require('../queue/board') as typeof import('../queue/board');
    await registerBoard(app, { ...o.board, basePath: '/queues', title: 'nianbao queues' });
  }
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
  return app;
}

export function defaultReviewer(): string {
  try { return userInfo().username || 'reviewer'; } catch { return 'reviewer'; }
}
