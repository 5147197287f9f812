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
  enumerators: (string | null)[];
  cache: Map<string, Float32Array>;
}

/**
 * The enumerator a label starts with — 第二十条第（六）项 → 'title:六', （三）不予公开 → 'cn:三',
 * 2.重复申请 → 'num:2' — from its key (punctuation already removed). Two labels whose
 * enumerators are of the same kind but differ are different labels, however alike the rest.
 */
export function enumerator(key: string): string | null {
  let m = /^第二十条第([一二三四五六七八九十]+)/.exec(key);
  if (m) return 'title:' + m[1];
  m = /^([一二三四五六七八九十]+)(?=[^一二三四五六七八九十])/.exec(key);
  if (m) return 'cn:' + m[1];
  m = /^(\d+)(?=\D)/.exec(key);
  if (m) return 'num:' + m[1];
  return null;
}

function conflict(a: string | null, b: string | null): boolean {
  return !!a && !!b && a.slice(0, a.indexOf(':')) === b.slice(0, b.indexOf(':')) && a !== b;
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
  const enumerators: (string | null)[] = [];
  layout.labels.forEach((l, i) => {
    lengths.push(Array.from(l.key).length);
    enumerators.push(enumerator(l.key));
    for (const [ch, n] of counts(l.key)) {
      const list = postings.get(ch) ?? [];
      list.push([i, n]);
      postings.set(ch, list);
    }
  });
  idx = { postings, lengths, enumerators, cache: new Map() };
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
  const e = enumerator(key);
  for (let i = 0; i < common.length; i++) {
    common[i] = conflict(e, idx.enumerators[i]) ? 0 : (2 * common[i]) / (len + idx.lengths[i]);
  }
  if (idx.cache.size > 50000) idx.cache.clear();
  idx.cache.set(key, common);
  return common;
}
