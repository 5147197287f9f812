/**
 * Loading pdf.js (an ES module) from CommonJS, once per process.
 *
 * pdfjs-dist 5.6.205 is the newest release that runs on Node 20; we use its legacy build.
 * No worker thread: pdf.js runs its "fake worker" in this thread. We import the worker module
 * ourselves and expose it as `globalThis.pdfjsWorker`, which pdf.js picks up instead of importing
 * the worker file by URL (that import would fail under jest's module system).
 */
import * as path from 'path';
import { pathToFileURL } from 'url';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs' with { 'resolution-mode': 'import' };

export type PdfJs = typeof PdfJsModule;

/** The package directory of pdfjs-dist (cMaps and standard fonts live there). */
export function pdfjsDir(): string {
  return path.dirname(require.resolve('pdfjs-dist/package.json'));
}

/** A real dynamic import, kept as `import()` in the emitted CommonJS (module: node16). */
async function importEsm(specifier: string): Promise<unknown> {
  return import(specifier);
}

let loading: Promise<PdfJs> | undefined;

export function loadPdfjs(): Promise<PdfJs> {
  loading ??= (async () => {
    const dir = pdfjsDir();
    const lib = (await importEsm(pathToFileURL(path.join(dir, 'legacy/build/pdf.mjs')).href)) as PdfJs;
    const g = globalThis as { pdfjsWorker?: unknown };
    if (!g.pdfjsWorker) {
      g.pdfjsWorker = await importEsm(pathToFileURL(path.join(dir, 'legacy/build/pdf.worker.mjs')).href);
    }
    return lib;
  })();
  loading.catch(() => { loading = undefined; });
  return loading;
}
