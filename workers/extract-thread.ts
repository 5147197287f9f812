/**
 * Worker-thread body for extraction: CPU-heavy parsing runs here so the queue worker's event loop
 * keeps renewing job locks, and a document that runs too long can be stopped (thread terminated).
 * With `prepare`, the result goes back already serialised for the store (PreparedExtraction): the
 * JSON.stringify of the documents and the compression of the cells and checks run here too; the strings
 * cross threads cheaply and the compressed documents move (transferred, not copied). With `json` (an
 * indent), it goes back as one JSON string (a line of `nianbao extract`) and its status.
 */
import { parentPort } from 'worker_threads';
import { getHeapStatistics } from 'v8';
import { extractBytes, type SourceRef } from '../src/pipeline/extract';
import { prepareExtraction } from '../src/store/prepare';

if (parentPort) {
  const port = parentPort;
  port.on('message', async (msg: { id: number; bytes: Uint8Array; ref: SourceRef; prepare?: boolean; json?: number }) => {
    const t0 = Date.now();
    try {
      const ext = await extractBytes(msg.bytes, msg.ref);
      const ms = Date.now() - t0;
      const rss = process.memoryUsage.rss(); // (memoryUsage() walks every heap space: far dearer)
      const heap = getHeapStatistics().used_heap_size; // this thread's heap (for recycling)
      if (msg.prepare) {
        const prepared = prepareExtraction(ext);
        port.postMessage({ id: msg.id, prepared, ms, rss, heap }, [prepared.cellsZ.buffer as ArrayBuffer, prepared.checksZ.buffer as ArrayBuffer]);
      } else if (msg.json != null) {
        port.postMessage({ id: msg.id, json: JSON.stringify(ext, null, msg.json || undefined), status: ext.status, ms, rss, heap });
      } else port.postMessage({ id: msg.id, ext, ms, rss, heap });
    } catch (e) {
      port.postMessage({ id: msg.id, error: String((e as Error)?.stack ?? e), ms: Date.now() - t0 });
    }
  });
  port.postMessage({ ready: true }); // the readers are loaded (ExtractPool.start waits for this)
}
