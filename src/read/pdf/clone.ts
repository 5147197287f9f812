/**
 * A structured clone for pdf.js's in-thread messages (its fake worker's LoopbackPort), in
 * JavaScript.
 *
 * Without a worker thread pdf.js still copies every message between its two halves with
 * structuredClone: operator lists (every glyph of every showText op an object), fonts, Type 3
 * glyph procedures. V8's structuredClone serialises to bytes and back, which for these many small
 * objects is a fifth of the CPU time of a Chromium-printed report (each of its Type 3 fonts sends
 * its glyphs' operator lists). Copying the values directly is several times cheaper.
 *
 * Same results as structuredClone for what pdf.js sends: plain and class objects become plain
 * objects of their own enumerable properties, arrays, Maps, Sets, Dates and typed arrays are
 * copied, shared references and cycles kept; a buffer in the transfer list is handed over as it
 * is (the sender gives it up, as with a real transfer, and pdf.js never touches it again). Anything
 * else (errors, functions, symbols, boxed or big values) goes to the native structuredClone for
 * the whole message, so it is cloned, or refused, exactly as before.
 */

class Unsupported extends Error {}

const nativeClone = globalThis.structuredClone;

export function cloneMessage<T>(value: T, transfer?: readonly unknown[] | null): T {
  const moved = transfer && transfer.length ? new Set<unknown>(transfer) : null;
  try {
    return copy(value, new Map(), moved) as T;
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    return nativeClone(value, transfer ? { transfer: transfer as unknown as ArrayBuffer[] } : undefined);
  }
}

function copy(v: unknown, seen: Map<object, unknown>, moved: Set<unknown> | null): unknown {
  if (v === null) return v;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'undefined') return v;
  if (t !== 'object') throw new Unsupported();
  const o = v as object;
  const known = seen.get(o);
  if (known !== undefined) return known;
  if (Array.isArray(o)) {
    const out: unknown[] = new Array(o.length);
    seen.set(o, out);
    for (let i = 0; i < o.length; i++) out[i] = copy(o[i], seen, moved);
    return out;
  }
  if (ArrayBuffer.isView(o)) {
    if (o instanceof DataView) throw new Unsupported();
    if (moved?.has(o.buffer)) {
      seen.set(o, o);
      return o;
    }
    // a view over part of a larger buffer is copied as structuredClone would copy its buffer:
    // only whole-buffer views are common here; partial ones keep native semantics
    if (o.byteOffset !== 0 || o.byteLength !== o.buffer.byteLength) throw new Unsupported();
    const out = (o as unknown as { slice(): object }).slice();
    seen.set(o, out);
    return out;
  }
  if (o instanceof ArrayBuffer) {
    const out = moved?.has(o) ? o : o.slice(0);
    seen.set(o, out);
    return out;
  }
  if (o instanceof Map) {
    const out = new Map();
    seen.set(o, out);
    for (const [k, x] of o) out.set(copy(k, seen, moved), copy(x, seen, moved));
    return out;
  }
  if (o instanceof Set) {
    const out = new Set();
    seen.set(o, out);
    for (const x of o) out.add(copy(x, seen, moved));
    return out;
  }
  if (o instanceof Date) {
    const out = new Date(o.getTime());
    seen.set(o, out);
    return out;
  }
  const proto = Object.getPrototypeOf(o);
  if (o instanceof Error || o instanceof RegExp || o instanceof Promise || o instanceof WeakMap || o instanceof WeakSet
    || o instanceof Number || o instanceof String || o instanceof Boolean || (proto !== Object.prototype && proto !== null && typeof (o as { then?: unknown }).then === 'function')) {
    throw new Unsupported();
  }
  const out: Record<string, unknown> = {};
  seen.set(o, out);
  for (const k of Object.keys(o)) out[k] = copy((o as Record<string, unknown>)[k], seen, moved);
  return out;
}
