/**
 * Open the store: PostgreSQL when DATABASE_URL (or config.databaseUrl) is set, else the embedded PGlite.
 *
 * Environment: DATABASE_URL, NIANBAO_DB_SCHEMA (pg/PGlite schema, default public),
 * NIANBAO_DATA (data dir, default ./.nianbao), NIANBAO_BLOBS (blob dir, default $NIANBAO_DATA/blobs),
 * NIANBAO_PGLITE_DIR (PGlite dir, default $NIANBAO_DATA/pg).
 */
import { resolve, join } from 'path';
import { openPg, openPglite } from './db';
import { SqlStore } from './sql-store';
import type { Store, StoreConfig } from './types';

export * from './types';
export { SqlStore } from './sql-store';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations';
export { blobRelPath } from './blobs';
export { prepareExtraction, isPrepared } from './prepare';
export { dbStats } from './db';

export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const cfg: StoreConfig = {};
  if (env.DATABASE_URL) cfg.databaseUrl = env.DATABASE_URL;
  if (env.NIANBAO_DB_SCHEMA) cfg.schema = env.NIANBAO_DB_SCHEMA;
  if (env.NIANBAO_DATA) cfg.dataDir = env.NIANBAO_DATA;
  if (env.NIANBAO_BLOBS) cfg.blobDir = env.NIANBAO_BLOBS;
  if (env.NIANBAO_PGLITE_DIR) cfg.pgliteDir = env.NIANBAO_PGLITE_DIR;
  if (env.NIANBAO_DB_POOL) cfg.poolSize = Number(env.NIANBAO_DB_POOL);
  return cfg;
}

/** Open and migrate. */
export async function openStore(config: StoreConfig = storeConfigFromEnv()): Promise<Store> {
  const dataDir = resolve(config.dataDir ?? './.nianbao');
  const blobRoot = resolve(config.blobDir ?? join(dataDir, 'blobs'));
  const schema = config.schema ?? 'public';
  const db = config.databaseUrl
    ? await openPg(config.databaseUrl, schema, config.poolSize ?? 5)
    : await openPglite(config.pgliteDir ?? join(dataDir, 'pg'), schema);
  const store = new SqlStore(db, blobRoot, schema);
  try {
    await store.migrate();
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
  return store;
}
export { StoreLockedError, type LockOwner } from './lock';
