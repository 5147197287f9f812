/**
 * Optional Bull Board dashboard over the fetch and extract queues, as a Fastify plugin. The web server
 * mounts it (`registerBoard(app, { redisUrl, prefix, basePath: '/queues' })`); it opens its own Redis
 * connections, which close with the Fastify instance.
 *
 * The board can retry, promote and remove jobs. That is safe here: every job is idempotent against the
 * store (a retried job finds its work done). Pass `readOnly: true` to hide those actions, and put the
 * route behind the web server's access control like any other admin page.
 */
import type { FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { FastifyAdapter as FastifyAdapterT } from '@bull-board/fastify';
import { redisOptions } from './config';
import { FETCH_QUEUE, EXTRACT_QUEUE } from './queues';

/**
 * @bull-board/fastify pulls in @fastify/static, which requires an ES module (content-disposition):
 * Node ≥ 20.19 does that natively, a test runner's module sandbox does not. Load it through Node's own loader.
 */
function loadFastifyAdapter(): typeof FastifyAdapterT {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const M = require('module') as { _load?: (path: string, parent: unknown, isMain: boolean) => unknown };
  const path = require.resolve('@bull-board/fastify');
  const mod = (typeof M._load === 'function' ? M._load(path, null, false) : require(path)) as { FastifyAdapter: typeof FastifyAdapterT };
  return mod.FastifyAdapter;
}

export interface BoardOptions {
  /** Default REDIS_URL or redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** BullMQ key prefix (NIANBAO_QUEUE_PREFIX, default nianbao). */
  prefix?: string;
  /** Where the board lives, e.g. '/queues' (default). */
  basePath?: string;
  /** Hide retry/clean/remove actions. */
  readOnly?: boolean;
  /** Page title. */
  title?: string;
}

export interface Board {
  basePath: string;
  queues: Queue[];
  close(): Promise<void>;
}

export async function registerBoard(app: FastifyInstance, opts: BoardOptions = {}): Promise<Board> {
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = opts.prefix ?? process.env.NIANBAO_QUEUE_PREFIX ?? 'nianbao';
  const basePath = ('/' + (opts.basePath ?? '/queues').replace(/^\/+|\/+$/g, '')).replace(/^\/$/, '');
  // A web request must fail fast rather than wait forever on a Redis that is down.
  const connection = { ...redisOptions(redisUrl), maxRetriesPerRequest: 3, enableOfflineQueue: true } as any;
  const queues = [FETCH_QUEUE, EXTRACT_QUEUE].map((name) => new Queue(name, { connection, prefix }));
  const FastifyAdapter = loadFastifyAdapter();
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath || '/');
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: !!opts.readOnly })),
    // @bull-board/fastify carries its own copy of @bull-board/api (a patch version apart): same shape
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: opts.title ?? 'nianbao queues' } },
  });
  let closed: Promise<void> | null = null;
  const close = () => (closed ??= Promise.all(queues.map((q) => q.close().catch(() => undefined))).then(() => undefined));
  app.addHook('onClose', async () => close());
  await app.register(serverAdapter.registerPlugin() as any, { prefix: basePath || '/' });
  return { basePath: basePath || '/', queues, close };
}
