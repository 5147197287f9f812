/**
 * Ingest: turn URL lists, CSVs, files and directories into sources and queued jobs.
 * Idempotent: a URL already stored (or failed) is not queued again, content already extracted by this
 * pipeline version is not extracted again; `force` re-runs everything; a new pipeline version re-extracts
 * from the stored blobs without refetching.
 */
import { promises as fs, existsSync, statSync } from 'fs';
import { resolve, extname, join } from 'path';
import { pathToFileURL } from 'url';
import type { Store, NewSource, SourceRow } from '../store/types';
import type { QueueConfig } from './config';
import { fetchJobId, fetchJobOptions, extractJobId, extractJobOptions, type Queues } from './queues';
import { reconcile } from './reconcile';

export interface IngestEntry {
  url: string;
  agencyHint?: string | null;
  yearHint?: number | null;
  /** Fetch only on this URL's site (reports discovered in a column). */
  site?: string;
}

const DOC_EXT = new Set(['.pdf', '.doc', '.docx', '.html', '.htm', '.txt', '.wps']);

function looksLikeUrl(s: string): boolean {
  return /^https?:\/\/\S+$/i.test(s);
}

/** Parse one CSV line (RFC 4180 quotes). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') { out.push(cur); cur = ''; }
    else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

export function parseCsv(text: string): IngestEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (!lines.length) return [];
  const first = parseCsvLine(lines[0]);
  const hasHeader = !first.some(looksLikeUrl);
  const header = hasHeader ? first.map((h) => h.toLowerCase()) : [];
  const rows = (hasHeader ? lines.slice(1) : lines).map(parseCsvLine);
  let urlCol = header.findIndex((h) => /^(url|link|href|uri|address|网址|链接|地址)$/.test(h));
  if (urlCol < 0) urlCol = header.findIndex((h) => /url|link|网址|链接/.test(h));
  if (urlCol < 0) urlCol = rows[0]?.findIndex(looksLikeUrl) ?? -1;
  if (urlCol < 0) throw new Error('CSV: no URL column (name one url/link, or put URLs in a column)');
  const agencyCol = header.findIndex((h) => /agency|organ|机关|单位|部门|name|名称/.test(h));
  const yearCol = header.findIndex((h) => /year|年度|年份/.test(h));
  const out: IngestEntry[] = [];
  for (const r of rows) {
    const url = r[urlCol];
    if (!url || !looksLikeUrl(url)) continue;
    const y = yearCol >= 0 ? Number(/(\d{4})/.exec(r[yearCol] ?? '')?.[1]) : NaN;
    out.push({ url, agencyHint: agencyCol >= 0 ? r[agencyCol] || null : null, yearHint: Number.isFinite(y) ? y : null });
  }
  return out;
}

/** Is this text a list of URLs/paths (one a line, # comments) rather than a report? */
export function asUrlList(text: string, baseDir: string): IngestEntry[] | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!lines.length) return [];
  const out: IngestEntry[] = [];
  for (const l of lines) {
    if (looksLikeUrl(l)) out.push({ url: l });
    else {
      const p = resolve(baseDir, l);
      if (!existsSync(p) || !statSync(p).isFile()) return null;
      out.push({ url: pathToFileURL(p).toString() });
    }
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile() && DOC_EXT.has(extname(e.name).toLowerCase())) out.push(p);
  }
  return out.sort();
}

/** Expand command-line inputs: URL, list file (.txt/.lst/.urls), CSV, report file, directory; '-' reads stdin. */
export async function collectEntries(inputs: string[], stdin?: () => Promise<string>): Promise<IngestEntry[]> {
  const out: IngestEntry[] = [];
  for (const input of inputs) {
    if (looksLikeUrl(input)) { out.push({ url: input }); continue; }
    if (input === '-') {
      const text = stdin ? await stdin() : '';
      out.push(...(asUrlList(text, process.cwd()) ?? []));
      continue;
    }
    const p = resolve(input);
    const st = await fs.stat(p).catch(() => null);
    if (!st) throw new Error(`no such file or directory: ${input}`);
    if (st.isDirectory()) {
      for (const f of await walk(p)) out.push({ url: pathToFileURL(f).toString() });
      continue;
    }
    const ext = extname(p).toLowerCase();
    if (ext === '.csv') { out.push(...parseCsv(await fs.readFile(p, 'utf8'))); continue; }
    if (['.txt', '.lst', '.urls', ''].includes(ext) && st.size < 512 * 1024 * 1024) {
      const list = asUrlList(await fs.readFile(p, 'utf8'), resolve(p, '..'));
      if (list) { out.push(...list); continue; }
    }
    out.push({ url: pathToFileURL(p).toString() }); // a report file itself
  }
  // de-duplicate, keeping the first hints
  const seen = new Set<string>();
  return out.filter((e) => (seen.has(e.url) ? false : (seen.add(e.url), true)));
}

export interface IngestResult {
  batch: string;
  total: number;
  /** New sources queued for fetching. */
  queued: number;
  /** Known sources re-queued (--force, or still pending from an earlier ingest). */
  requeued: number;
  /** Known content queued for re-extraction from the stored blob (new pipeline version). */
  reextract: number;
  /** Already done (extracted or failed) for this pipeline version: nothing queued. */
  skipped: number;
  /** Pending sources of earlier ingests (any batch) that had no live job: queued again (see reconcile.ts). */
  reconciled?: number;
}

/** Ingest's reconciliation leaves alone sources touched more recently than this (another ingest may be adding their jobs). */
export const INGEST_RECONCILE_AGE_MS = 10_000;

type FetchJobs = Parameters<Queues['fetch']['addBulk']>[0];
type ExtractJobs = Parameters<Queues['extract']['addBulk']>[0];

export interface IngestOptions {
  force?: boolean;
  batch?: string;
  onProgress?: (done: number, total: number) => void;
}

/** Record the entries as sources and queue what is left to do for the workers (see decideIngest). */
export async function ingest(store: Store, queues: Queues, cfg: QueueConfig, entries: IngestEntry[], opts: IngestOptions = {}): Promise<IngestResult> {
  const res = await decideIngest(store, cfg, entries, opts, async (fetchJobs, extractJobs) => {
    if (fetchJobs.length) await queues.fetch.addBulk(fetchJobs);
    if (extractJobs.length) await queues.extract.addBulk(extractJobs);
  });
  // sources left pending by earlier runs whose jobs are gone (Redis flushed or restarted): queued again
  // (those touched in the last seconds may be between their insert and their job: left to the next round)
  res.reconciled = (await reconcile(store, queues, cfg, { minAgeMs: INGEST_RECONCILE_AGE_MS })).requeued;
  await auditIngest(store, cfg, res, opts);
  return res;
}

/**
 * Record the entries as sources without a queue (`ingest --run`: see local-run.ts); returns the sources
 * left to do, as the store has them now (`queued`, or `fetched` for a re-extraction).
 */
export async function ingestLocal(store: Store, cfg: QueueConfig, entries: IngestEntry[], opts: IngestOptions = {}): Promise<{ res: IngestResult; todo: SourceRow[] }> {
  const ids: number[] = [];
  const res = await decideIngest(store, cfg, entries, opts, async (fetchJobs, extractJobs) => {
    for (const j of fetchJobs) ids.push(j.data.sourceId);
    for (const j of extractJobs) if (j.data.sourceId != null) ids.push(j.data.sourceId);
  });
  const todo: SourceRow[] = [];
  for (const id of [...new Set(ids)]) {
    const s = await store.getSource(id);
    if (s && (s.status === 'queued' || s.status === 'fetched')) todo.push(s);
  }
  await auditIngest(store, cfg, res, opts);
  return { res, todo };
}

async function auditIngest(store: Store, cfg: QueueConfig, res: IngestResult, opts: IngestOptions): Promise<void> {
  await store.audit({ actor: 'ingest', action: 'ingest', entity: 'system', entityId: res.batch, detail: { ...res, force: !!opts.force, pipeline: cfg.pipeline } });
}

/**
 * Upsert the entries as sources and decide, per source, what is left to do: fetch (new, forced, or still
 * queued) or re-extract from the stored blob (new pipeline version); `sink` gets the jobs, a chunk at a time.
 */
async function decideIngest(
  store: Store,
  cfg: QueueConfig,
  entries: IngestEntry[],
  opts: IngestOptions,
  sink: (fetchJobs: FetchJobs, extractJobs: ExtractJobs) => Promise<void>,
): Promise<IngestResult> {
  const batch = opts.batch ?? `b${Date.now().toString(36)}`;
  const res: IngestResult = { batch, total: entries.length, queued: 0, requeued: 0, reextract: 0, skipped: 0 };
  const forceTag = opts.force ? `r${Date.now().toString(36)}` : null;
  const CHUNK = 200;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const chunk = entries.slice(i, i + CHUNK);
    const fetchJobs: FetchJobs = [];
    const extractJobs: ExtractJobs = [];
    // one statement for the whole chunk
    const upserted = await store.upsertSources(chunk.map((e): NewSource => ({ url: e.url, agencyHint: e.agencyHint ?? null, yearHint: e.yearHint ?? null, batch })));
    const sites = new Map(chunk.filter((e) => e.site).map((e) => [e.url, e.site as string]));
    const decide = async ({ source, created }: { source: SourceRow; created: boolean }) => {
      const site = sites.get(source.url);
      const enqueueFetch = (tag: string | null) =>
        fetchJobs.push({ name: 'fetch', data: { sourceId: source.id, url: source.url, ...(opts.force ? { force: true } : {}), ...(source.yearHint != null ? { yearHint: source.yearHint } : {}), ...(site ? { site } : {}) }, opts: { ...fetchJobOptions(cfg), jobId: fetchJobId(cfg, source.id, tag) } });
      if (created) { res.queued++; enqueueFetch(null); return; }
      if (opts.force) { await store.requeueSource(source.id, batch); res.requeued++; enqueueFetch(forceTag); return; }
      // still pending from an earlier ingest: it joins this batch (so --wait follows it); its job may be
      // lost: the same jobId is a no-op if it exists, and reconciliation re-queues it if it is gone
      if (source.status === 'queued') { res.requeued++; adopt.push(source.id); enqueueFetch(null); return; }
      if (source.status === 'failed') { res.skipped++; return; }
      // fetched or extracted: is there an extraction for this pipeline version? (marks fetched sources extracted if so)
      const sha = source.sha256 as string;
      if (await store.markIfExtracted(sha, cfg.pipeline)) {
        res.skipped++;
        return;
      }
      await store.requeueSource(source.id, batch);
      await store.markSourceFetched(source.id, {
        finalUrl: source.finalUrl ?? source.url, attachmentUrl: source.attachmentUrl, httpStatus: source.httpStatus,
        contentType: source.contentType, sha256: sha, bytes: source.bytes ?? 0, blobPath: source.blobPath ?? '',
      });
      // job id per batch: sources sharing content share the job; the worker skips content already extracted
      extractJobs.push({ name: 'extract', data: { sha256: sha, sourceId: source.id, uri: source.finalUrl ?? source.url, contentType: source.contentType, ...(source.yearHint != null ? { yearHint: source.yearHint } : {}) }, opts: { ...extractJobOptions(cfg), jobId: extractJobId(cfg, sha, batch) } });
      res.reextract++;
    };
    const adopt: number[] = [];
    // a few at a time: the pg pool serves them in parallel, PGlite serialises them
    for (let j = 0; j < upserted.length; j += 8) await Promise.all(upserted.slice(j, j + 8).map(decide));
    if (adopt.length) await store.adoptIntoBatch(adopt, batch);
    await sink(fetchJobs, extractJobs);
    opts.onProgress?.(Math.min(i + CHUNK, entries.length), entries.length);
  }
  return res;
}
