/**
 * Fuzzy label similarity that tolerates dropped characters: Dice coefficient over the
 * multisets of characters of two label keys. Order is left to the aligner.
 * An inverted index over the template's labels scores one observed label against all
 * of them in one pass; results are cached per label key (labels repeat across reports).
 */
import type { Layout } from '../grid/layout';

interface Index {
  /** char → list of [labelIndex, count] */
  postings: Map<string, Array<[number, number]>>;
  lengths: number[];
  cache: Map<string, Float32Array>;
}

const indexes = new WeakMap<Layout, Index>();

function counts(key: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const ch of key) m.set(ch, (m.get(ch) ?? 0) + 1);
  return m;
}

function indexFor(layout: Layout): Index {
  let idx = indexes.get(layout);
  if (idx) return idx;
  const postings = new Map<string, Array<[number, number]>>();
  const lengths: number[] = [];
  layout.labels.forEach((l, i) => {
    lengths.push(Array.from(l.key).length);
    for (const [ch, n] of counts(l.key)) {
      const list = postings.get(ch) ?? [];
      list.push([i, n]);
      postings.set(ch, list);
    }
  });
  idx = { postings, lengths, cache: new Map() };
  indexes.set(layout, idx);
  return idx;
}

/** Similarity (0..1) of an observed label key to every label of the layout, by label index. */
export function similarities(layout: Layout, key: string): Float32Array {
  const idx = indexFor(layout);
  const hit = idx.cache.get(key);
  if (hit) return hit;
  const common = new Float32Array(idx.lengths.length);
  let len = 0;
  for (const [ch, n] of counts(key)) {
    len += n;
    const list = idx.postings.get(ch);
    if (!list) continue;
    for (const [li, m] of list) common[li] += Math.min(n, m);
  }
  for (let i = 0; i < common.length; i++) common[i] = (2 * common[i]) / (len + idx.lengths[i]);
  if (idx.cache.size > 50000) idx.cache.clear();
  idx.cache.set(key, common);
  return common;
}
