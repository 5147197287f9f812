/**
 * Put source files into a store the way the pipeline does (bytes in the blob directory, the
 * extraction saved): for the review UI's tests and for trying the UI on a few files.
 */
import { promises as fs } from 'fs';
import { basename } from 'path';
import type { Extraction } from '../model/extraction';
import type { ExtractionRow, Store } from '../store/types';
import { extractBytes } from '../pipeline/extract';
import { runChecks } from '../validate/checks';
import type { Values } from '../map/solve';

export async function seedFile(store: Store, path: string, edit?: (e: Extraction) => Extraction): Promise<ExtractionRow> {
  const bytes = new Uint8Array(await fs.readFile(path));
  await store.putDocument(bytes, { url: 'file://' + path });
  let ext = await extractBytes(bytes, { path: basename(path) });
  if (edit) ext = edit(ext);
  return store.saveExtraction(ext, { actor: 'seed' });
}

/**
 * Make an extraction disagree with its source on one field, as a misread would: the stored value
 * changes, the identities are re-checked, and the report is flagged with the failures.
 */
export function perturb(ext: Extraction, key: string, delta: number): Extraction {
  const e: Extraction = JSON.parse(JSON.stringify(ext));
  const t = e.meta.template;
  const old = e.fields[key];
  if (typeof old !== 'number' || (t !== '2019' && t !== '2021')) throw new Error(`cannot perturb ${key}`);
  e.fields[key] = old + delta;
  const values: Values = new Map(Object.entries(e.fields));
  e.checks = runChecks(t, values);
  for (const c of Object.values(e.cells)) { delete c.failed; }
  for (const c of e.checks) {
    if (c.ok || c.skipped) continue;
    for (const k of c.fields ?? []) {
      const cell = e.cells[k];
      if (cell) cell.failed = [...(cell.failed ?? []), c.id];
    }
    e.flags.push({ code: 'identity_failed', field: key, message: `${c.id} does not hold: ${c.detail}` });
  }
  if (e.cells[key]) e.cells[key].confidence = Math.min(e.cells[key].confidence, 0.6);
  e.status = 'flagged';
  return e;
}
