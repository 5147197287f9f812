/**
 * Worker-thread body for extraction: CPU-heavy parsing runs here so the queue worker's event loop
 * keeps renewing job locks, and a document that runs too long can be stopped (thread terminated).
 */
import { parentPort } from 'worker_threads';
import { extractBytes } from '../src/pipeline/extract';

if (parentPort) {
  const port = parentPort;
  port.on('message', async (msg: { id: number; bytes: Uint8Array; ref: { uri?: string; path?: string; contentType?: string } }) => {
    const t0 = Date.now();
    try {
      const ext = await extractBytes(msg.bytes, msg.ref);
      port.postMessage({ id: msg.id, ext, ms: Date.now() - t0, rss: process.memoryUsage().rss });
    } catch (e) {
      port.postMessage({ id: msg.id, error: String((e as Error)?.stack ?? e), ms: Date.now() - t0 });
    }
  });
}
