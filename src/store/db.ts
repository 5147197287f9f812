/**
 * The thin SQL driver layer: one `Db` over either a `pg` pool or an embedded PGlite instance.
 * Both speak PostgreSQL, so the store's SQL is the same for both.
 */
import { mkdirSync } from 'fs';
import { lockStore } from './lock';

export interface Queryer {
  /**
   * `name`: run it as a named prepared statement (pg: parsed and analysed once per connection, and planned
   * once when PostgreSQL settles on a generic plan; for the worker's hot statements). Give a name to one SQL text only, never to a
   * statement returning `*` (its row type would change with the schema). PGlite ignores it.
   */
  query<T = any>(sql: string, params?: unknown[], name?: string): Promise<T[]>;
}

/**
 * One connection held for a sequence of statements; `simple` sends several statements without parameters
 * in one round trip. Statements issued without awaiting the previous one are pipelined (sent together,
 * run and answered in order): e.g. `BEGIN` and the first statement of a transaction in one round trip.
 */
export interface Session extends Queryer {
  /** Returns the rows affected by the last statement. */
  simple(sql: string): Promise<number>;
}

export interface Db extends Queryer {
  readonly kind: 'pg' | 'pglite';
  exec(sql: string): Promise<void>;
  tx<T>(fn: (q: Queryer) => Promise<T>): Promise<T>;
  /** Hold one connection (no implicit BEGIN): the caller manages its transaction with `simple`. */
  session<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Round trips to the database from this process (for profiling: `NIANBAO_PROFILE=1`). */
export const dbStats = { roundTrips: 0 };

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid schema name '${schema}' (use [a-z_][a-z0-9_]*)`);
  return schema;
}

type PgQuery = string | { name?: string; text: string; values?: unknown[] };
interface PgClient {
  query(sql: PgQuery, params?: unknown[]): Promise<{ rows: any[] }>;
  release(err?: unknown): void;
  on(ev: 'error', fn: (e: Error) => void): void;
  off(ev: 'error', fn: (e: Error) => void): void;
}
interface PgPool {
  query(sql: PgQuery, params?: unknown[]): Promise<{ rows: any[] }>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(ev: 'error', fn: (e: Error) => void): void;
}

export async function openPg(url: string, schema = 'public', poolSize = 5): Promise<Db> {
  checkSchemaName(schema);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pg = require('pg') as { Pool: new (cfg: Record<string, unknown>) => PgPool };
  if (schema !== 'public') {
    const boot = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await boot.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (e) {
      // concurrent creators race on the catalog; the schema exists either way
      if (!/already exists|duplicate key/.test(String((e as Error).message))) throw e;
    } finally {
      await boot.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: `-c search_path=${schema}`,
    idleTimeoutMillis: 10000,
    // Queries issued on a session without waiting for the previous one go out together (one round
    // trip; answered in order): see Session.
    pipeline: true,
  });
  pool.on('error', () => { /* idle client errors: the next query reconnects */ });

  /**
   * Take a connection out of the pool. While it is checked out the pool no longer listens for its
   * errors, so a server that goes away (restart, admin shutdown) would raise an unhandled 'error'
   * and kill the worker: listen here, let the pending query fail, and destroy the connection on
   * release instead of returning it to the pool.
   */
  async function checkout(): Promise<{ client: PgClient; release: (err?: unknown) => void }> {
    const client = await pool.connect();
    let lost: unknown;
    const onError = (e: Error) => {
      lost = e;
    };
    client.on('error', onError);
    return {
      client,
      release: (err) => {
        client.off('error', onError);
        client.release(err ?? lost);
      },
    };
  }
  const rolledBack = (client: PgClient) => client.query('ROLLBACK').then(() => true, () => false);

  return {
    kind: 'pg',
    async query(sql, params, name) {
      dbStats.roundTrips++;
      return (await pool.query(name ? { name, text: sql, values: params } : sql, name ? undefined : (params as unknown[]))).rows;
    },
    async exec(sql) {
      dbStats.roundTrips++;
      await pool.query(sql);
    },
    async session(fn) {
      const { client, release } = await checkout();
      // Statements issued in one tick (pipelined) leave in one write: node-pg writes each statement as it is
      // issued, and every write is a system call that also wakes the server.
      const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
      let corked = false;
      const gather = () => {
        if (corked || !stream?.cork || !stream.uncork) return;
        corked = true;
        stream.cork();
        process.nextTick(() => {
          corked = false;
          stream.uncork?.();
        });
      };
      let broken: unknown;
      try {
        return await fn({
          query: async (s, p, name) => {
            dbStats.roundTrips++;
            gather();
            return (await client.query(name ? { name, text: s, values: p } : s, name ? undefined : (p as unknown[]))).rows;
          },
          simple: async (s) => {
            dbStats.roundTrips++;
            gather();
            const r = (await client.query(s)) as unknown as { rowCount?: number } | Array<{ rowCount?: number }>;
            const last = Array.isArray(r) ? r[r.length - 1] : r;
            return Number(last?.rowCount ?? 0);
          },
        });
      } catch (e) {
        broken = e;
        throw e;
      } finally {
        // a connection left inside a failed transaction is not reused
        release(broken && !(await rolledBack(client)) ? broken : undefined);
      }
    },
    async tx(fn) {
      const { client, release } = await checkout();
      let broken: unknown;
      try {
        dbStats.roundTrips += 2;
        await client.query('BEGIN');
        const out = await fn({ query: async (s, p, name) => (dbStats.roundTrips++, (await client.query(name ? { name, text: s, values: p } : s, name ? undefined : (p as unknown[]))).rows) });
        await client.query('COMMIT');
        return out;
      } catch (e) {
        broken = (await rolledBack(client)) ? undefined : e;
        throw e;
      } finally {
        release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/** require() through Node's module loader itself, bypassing a test runner's module sandbox. */
function nativeRequire(id: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const M = require('module') as { _load?: (path: string, parent: unknown, isMain: boolean) => unknown };
  const path = require.resolve(id);
  return typeof M._load === 'function' ? M._load(path, null, false) : require(path);
}

export async function openPglite(dir: string, schema = 'public'): Promise<Db> {
  checkSchemaName(schema);
  // Loaded lazily (its WASM is large and only needed for the embedded store) through Node's own loader:
  // PGlite imports builtins dynamically, which a VM sandbox such as jest's refuses.
  let unlock = () => undefined as void;
  if (!dir.startsWith('memory://')) {
    mkdirSync(dir, { recursive: true });
    // one process at a time (see lock.ts); the lock sits beside the database directory, not in it
    unlock = await lockStore(`${dir.replace(/\/+$/, '')}.lock`, dir);
  }
  let PGlite: typeof import('@electric-sql/pglite').PGlite;
  try {
    ({ PGlite } = nativeRequire('@electric-sql/pglite') as typeof import('@electric-sql/pglite'));
  } catch (e) {
    unlock();
    throw e;
  }
  let db: InstanceType<typeof PGlite>;
  try {
    db = new PGlite(dir);
    await db.waitReady;
  } catch (e) {
    unlock();
    throw e;
  }
  if (schema !== 'public') {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  }
  // PGlite runs one statement at a time; serialise transactions against plain queries ourselves.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };
  return {
    kind: 'pglite',
    query: (sql, params) => serial(async () => (await db.query(sql, params as any[])).rows as any[]),
    exec: (sql) => serial(async () => { await db.exec(sql); }),
    tx: (fn) =>
      serial(() => db.transaction(async (t) => fn({ query: async (s, p) => (await t.query(s, p as any[])).rows as any[] }))),
    session: (fn) =>
      serial(async () => {
        try {
          return await fn({
            query: async (s, p) => (await db.query(s, p as any[])).rows as any[],
            simple: async (s) => {
              const r = await db.exec(s);
              return Number(r[r.length - 1]?.affectedRows ?? 0);
            },
          });
        } catch (e) {
          await db.exec('ROLLBACK').catch(() => undefined);
          throw e;
        }
      }),
    async close() {
      await chain;
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}
