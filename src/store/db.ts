/**
 * The thin SQL driver layer: one `Db` over either a `pg` pool or an embedded PGlite instance.
 * Both speak PostgreSQL, so the store's SQL is the same for both.
 */
import { mkdirSync } from 'fs';

export interface Queryer {
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Queryer {
  readonly kind: 'pg' | 'pglite';
  exec(sql: string): Promise<void>;
  tx<T>(fn: (q: Queryer) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid schema name '${schema}' (use [a-z_][a-z0-9_]*)`);
  return schema;
}

interface PgClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
  release(err?: unknown): void;
}
interface PgPool {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
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
  });
  pool.on('error', () => { /* idle client errors: the next query reconnects */ });
  return {
    kind: 'pg',
    async query(sql, params) {
      return (await pool.query(sql, params as unknown[])).rows;
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn({ query: async (s, p) => (await client.query(s, p as unknown[])).rows });
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
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
  const { PGlite } = nativeRequire('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const db = new PGlite(dir);
  await db.waitReady;
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
    async close() {
      await chain;
      await db.close();
    },
  };
}
