/**
 * Runs an async function over a stream of items several at a time and hands the results on in input
 * order, with two bounds on what is held at once (so a folder of any size runs in bounded memory):
 *
 * - `concurrency`: calls of `fn` running at once (each may hold its input's bytes);
 * - `window`: items started but not yet emitted (results waiting behind an earlier, slower item).
 *
 * A slow item therefore holds up at most `window - 1` later ones; once the window is full nothing new
 * starts until it is emitted. `fn` should not reject (a rejection stops the run and is rethrown).
 */
export interface OrderedOptions {
  concurrency: number;
  window: number;
}

export interface OrderedStats {
  /** Most calls of fn running at once. */
  peakRunning: number;
  /** Most items started and not yet emitted at once. */
  peakHeld: number;
}

export async function mapOrdered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number) => Promise<R>,
  emit: (result: R, item: T, index: number) => void | Promise<void>,
  opts: OrderedOptions,
): Promise<OrderedStats> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const window = Math.max(concurrency, Math.floor(opts.window));
  const stats: OrderedStats = { peakRunning: 0, peakHeld: 0 };
  const it = (Symbol.asyncIterator in items ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]()) as Iterator<T> | AsyncIterator<T>;
  const done = new Map<number, { item: T; result: R }>();
  let next = 0; // index of the next item to start
  let head = 0; // index of the next item to emit
  let running = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  for (;;) {
    // start what the bounds allow
    while (!exhausted && !failure && running < concurrency && next - head < window) {
      const r = await it.next();
      if (r.done) {
        exhausted = true;
        break;
      }
      const index = next++;
      const item = r.value;
      running++;
      stats.peakRunning = Math.max(stats.peakRunning, running);
      stats.peakHeld = Math.max(stats.peakHeld, next - head);
      fn(item, index).then(
        (result) => {
          running--;
          done.set(index, { item, result });
          signal();
        },
        (error) => {
          running--;
          failure ??= { error };
          signal();
        },
      );
    }
    // emit what is ready, in order
    while (!failure && done.has(head)) {
      const d = done.get(head) as { item: T; result: R };
      done.delete(head);
      await emit(d.result, d.item, head);
      head++;
    }
    if (failure) {
      while (running > 0) await new Promise<void>((r) => (wake = r));
      throw failure.error;
    }
    if (exhausted && head === next) return stats;
    if (done.has(head)) continue;
    const canStart = !exhausted && running < concurrency && next - head < window;
    if (!canStart) await new Promise<void>((r) => (wake = r));
  }
}
