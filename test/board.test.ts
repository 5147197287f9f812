/**
 * The Bull Board dashboard plugin against the real Redis on 127.0.0.1: its HTML page and its API
 * listing the fetch and extract queues with their jobs.
 */
import type { FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import { registerBoard } from '../src/queue/board';
import { redisOptions } from '../src/queue/config';
import { REDIS_URL, dropRedisPrefix, uniqueName } from './helpers/services';

jest.setTimeout(30000);

/**
 * fastify.inject needs light-my-request, which requires an ES module (cookie): Node does that natively,
 * jest's module sandbox does not. So fastify itself is loaded through Node's own loader here.
 */
function nativeRequire<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const M = require('module') as { _load: (path: string, parent: unknown, isMain: boolean) => unknown };
  return M._load(require.resolve(id), null, false) as T;
}
const Fastify = nativeRequire<typeof import('fastify')>('fastify').default as unknown as () => FastifyInstance;

const prefix = uniqueName('nbtestboard');
let app: FastifyInstance;

beforeAll(async () => {
  const q = new Queue('fetch', { connection: redisOptions(REDIS_URL) as any, prefix });
  await q.add('fetch', { sourceId: 1, url: 'https://example.gov.cn/a.pdf' }, { jobId: 'f-1-test' });
  await q.close();
  app = Fastify();
  await registerBoard(app, { redisUrl: REDIS_URL, prefix, basePath: '/admin/queues', readOnly: true });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await dropRedisPrefix(prefix);
});

test('serves the board page under its base path', async () => {
  const r = await app.inject({ method: 'GET', url: '/admin/queues' });
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-type']).toMatch(/text\/html/);
  expect(r.body).toMatch(/<div id="root"/);
  expect(r.body).toContain('/admin/queues/');
});

test('its API lists the fetch and extract queues with their counts', async () => {
  const r = await app.inject({ method: 'GET', url: '/admin/queues/api/queues?activeQueue=fetch&status=waiting&page=1' });
  expect(r.statusCode).toBe(200);
  const body = r.json() as { queues: Array<{ name: string; counts: Record<string, number>; readOnlyMode: boolean; jobs: Array<{ id: string; data: unknown }> }> };
  const names = body.queues.map((q) => q.name).sort();
  expect(names).toEqual(['extract', 'fetch']);
  const fetch = body.queues.find((q) => q.name === 'fetch')!;
  expect(fetch.counts.waiting).toBe(1);
  expect(fetch.readOnlyMode).toBe(true);
  expect(fetch.jobs.map((j) => j.id)).toEqual(['f-1-test']);
  expect(body.queues.find((q) => q.name === 'extract')!.counts.waiting).toBe(0);
});

test('closing the Fastify instance closes the board connections', async () => {
  const other = Fastify();
  const board = await registerBoard(other, { redisUrl: REDIS_URL, prefix });
  await other.ready();
  expect(board.basePath).toBe('/queues');
  expect((await other.inject({ method: 'GET', url: '/queues/api/queues' })).statusCode).toBe(200);
  await other.close();
  await board.close(); // idempotent
});
