/**
 * Align the observed token stream to the template's expected sequence (global alignment,
 * maximising a score). Labels match labels by fuzzy similarity; value slots take numbers or
 * printed empties; row ends take row breaks. Anything may be skipped at a price, so dropped
 * labels, missing tables, extra text and numbers pushed into label columns are all explained
 * by one mechanism instead of per-layout code.
 */
import type { Layout, LayoutItem } from '../grid/layout';
import type { Token } from '../recover/tokens';
import { similarities } from './similarity';
import { TRUE_GRIDS } from '../recover/tokens';

/** Below this a label is not considered the same label at all. */
export const MIN_LABEL_SIM = 0.5;

/** Scores in thousandths, kept integral so that equal alternatives tie exactly (see the tie rule below). */
const S = {
  valueNum: 1000,
  valueEmpty: 700, // a blank cell of a true grid (HTML, Word, ruled PDF) in a value slot
  valueEmptyText: -500, // a blank in a text dump: more likely a lost label cell than a value
  labelNum: 300, // a number sitting in a row-label cell (labels lost, numbers shifted)
  labelEmpty: 20, // a blank row-label cell
  endBreak: 400,
  skipValue: -400, // a slot with no number: a missing cell or table
  skipNum: -600, // a number with no slot: stray or shifted
  skipEmpty: -20,
  skipBreak: -50,
};

export interface Alignment {
  /** For each layout item, the index of the token it took, or -1. */
  itemToken: Int32Array;
  /** For each token, the layout item it went to, or -1. */
  tokenItem: Int32Array;
  /** Label similarity of each matched label item (by item index), else 0. */
  labelSim: Float32Array;
  score: number;
}

/** The traceback table is the one large allocation: reuse it across calls (the core is synchronous). */
let backBuffer = new Uint8Array(1 << 18);
function scratch(size: number): Uint8Array {
  if (backBuffer.length < size) backBuffer = new Uint8Array(Math.max(size, backBuffer.length * 2));
  return backBuffer;
}

const MATCH = 1;
const SKIP_ITEM = 2;
const SKIP_TOKEN = 3;

/**
 * `disabled` marks layout items that may take nothing (tables judged absent): their slots are
 * skipped at no cost.
 */
export function align(layout: Layout, allTokens: Token[], disabled?: Uint8Array): Alignment {
  // Labels that resemble no template label can only be skipped, at no cost: leave them out of
  // the table so it is as small as the tables in the text, not the whole report.
  const keep: number[] = [];
  allTokens.forEach((t, j) => {
    if (t.kind !== 'label') keep.push(j);
    else {
      const s = similarities(layout, t.key!);
      for (let i = 0; i < s.length; i++) {
        if (s[i] >= MIN_LABEL_SIM) {
          keep.push(j);
          break;
        }
      }
    }
  });
  const inner = alignKept(layout, keep.map((j) => allTokens[j]), disabled);
  const tokenItem = new Int32Array(allTokens.length).fill(-1);
  keep.forEach((j, k) => (tokenItem[j] = inner.tokenItem[k]));
  const itemToken = inner.itemToken.map((k) => (k >= 0 ? keep[k] : -1));
  return { itemToken, tokenItem, labelSim: inner.labelSim, score: inner.score };
}

function alignKept(layout: Layout, tokens: Token[], disabled?: Uint8Array): Alignment {
  const items = layout.items;
  const n = items.length;
  const m = tokens.length;
  // Per token: similarity to each layout label (labels only).
  const sims: (Float32Array | null)[] = tokens.map((t) => (t.kind === 'label' ? similarities(layout, t.key!) : null));
  const labelIndex = new Int32Array(n).fill(-1);
  let li = 0;
  items.forEach((it, i) => {
    if (it.kind === 'label') labelIndex[i] = li++;
  });

  // Per-token skip scores and kind codes, so the inner loop only reads typed arrays.
  const KIND_LABEL = 0, KIND_NUM = 1, KIND_EMPTY = 2, KIND_BREAK = 3, KIND_EMPTY_TEXT = 4;
  const tokKind = new Uint8Array(m);
  const tokSkip = new Int32Array(m);

  tokens.forEach((t, j) => {
    tokKind[j] =
      t.kind === 'label' ? KIND_LABEL
      : t.kind === 'num' ? KIND_NUM
      : t.kind === 'empty' ? (t.origin && TRUE_GRIDS.has(t.origin) ? KIND_EMPTY : KIND_EMPTY_TEXT)
      : KIND_BREAK;
    tokSkip[j] = t.kind === 'num' ? S.skipNum : t.kind === 'empty' ? S.skipEmpty : t.kind === 'break' ? S.skipBreak : 0;
  });
  // Integer scores (thousandths): "impossible" is a large negative that cannot overflow int32 when added.
  const NO = -(1 << 29);
  // Match scores of an item against every token (index j+1). Every value slot scores the same
  // row, and so does every row end: compute those once; labels each have their own.
  const valueRow = new Int32Array(m + 1);
  const endRow = new Int32Array(m + 1);
  const offRow = new Int32Array(m + 1).fill(NO);
  valueRow[0] = endRow[0] = NO;
  for (let j = 0; j < m; j++) {
    const k = tokKind[j];
    valueRow[j + 1] = k === KIND_NUM ? S.valueNum : k === KIND_EMPTY ? S.valueEmpty : k === KIND_EMPTY_TEXT ? S.valueEmptyText : NO;
    endRow[j + 1] = k === KIND_BREAK ? S.endBreak : NO;
  }
  // Label rows: numbers and blanks score the same for every row-like label, so start from one
  // of two base rows and fill in only the label tokens.
  const rowLikeBase = new Int32Array(m + 1).fill(NO);
  const otherBase = new Int32Array(m + 1).fill(NO);
  const labelTokens: number[] = [];
  for (let j = 0; j < m; j++) {
    const k = tokKind[j];
    if (k === KIND_LABEL) labelTokens.push(j);
    else if (k === KIND_NUM) rowLikeBase[j + 1] = S.labelNum;
    else if (k === KIND_EMPTY || k === KIND_EMPTY_TEXT) rowLikeBase[j + 1] = S.labelEmpty;
  }
  const labelRows = [new Int32Array(m + 1), new Int32Array(m + 1)];
  const matchRow = (it: LayoutItem, i: number, labelRow: Int32Array): Int32Array => {
    if (it.kind === 'value') return valueRow;
    if (it.kind === 'end') return endRow;
    const li = labelIndex[i];
    const rowLike = it.role === 'row' || it.role === 'group';
    const w = (1000 * it.weight) / 0.7;
    labelRow.set(rowLike ? rowLikeBase : otherBase);
    for (const j of labelTokens) {
      const sim = sims[j]![li];
      labelRow[j + 1] = sim >= MIN_LABEL_SIM ? Math.round(w * (sim - 0.3)) : NO;
    }
    return labelRow;
  };

  const back = scratch((n + 1) * (m + 1));
  // Best scores so far fit int32: at most ~400 items × 6000 in either direction.
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  prev[0] = 0;
  for (let j = 1; j <= m; j++) {
    prev[j] = prev[j - 1] + tokSkip[j - 1];
    back[j] = SKIP_TOKEN;
  }
  const skipOf = (i: number) => (items[i - 1].kind === 'value' && disabled?.[i - 1] !== 1 ? S.skipValue : 0);
  const matchOf = (i: number, buf: number) => (disabled?.[i - 1] === 1 ? offRow : matchRow(items[i - 1], i - 1, labelRows[buf]));
  // Rows are filled two at a time: the first row's cell feeds the second's straight from a
  // register, and only the second row is stored (the loop runs ~100k cells a call). The left and
  // diagonal neighbours ride in locals too; `| 0` wraps like the Int32Array store it stands for.
  // On a tie prefer skipping the item, then the token: traced back from the end, that puts each
  // token on the earliest slot that fits, i.e. right after its label, not in a later table.
  let i = 1;
  for (; i + 1 <= n; i += 2) {
    const si1 = skipOf(i);
    const ms1 = matchOf(i, 0);
    const si2 = skipOf(i + 1);
    const ms2 = matchOf(i + 1, 1);
    const base1 = i * (m + 1);
    const base2 = base1 + m + 1;
    let left1 = (prev[0] + si1) | 0;
    let left2 = (left1 + si2) | 0;
    let diag1 = prev[0];
    let diag2 = left1;
    cur[0] = left2;
    back[base1] = SKIP_ITEM;
    back[base2] = SKIP_ITEM;
    for (let j = 1; j <= m; j++) {
      const up = prev[j];
      const ts = tokSkip[j - 1];
      let b1 = up + si1;
      let mv1 = SKIP_ITEM;
      const st1 = left1 + ts;
      if (st1 > b1) {
        b1 = st1;
        mv1 = SKIP_TOKEN;
      }
      const v1 = diag1 + ms1[j];
      if (v1 > b1) {
        b1 = v1;
        mv1 = MATCH;
      }
      back[base1 + j] = mv1;
      b1 |= 0;
      let b2 = b1 + si2;
      let mv2 = SKIP_ITEM;
      const st2 = left2 + ts;
      if (st2 > b2) {
        b2 = st2;
        mv2 = SKIP_TOKEN;
      }
      const v2 = diag2 + ms2[j];
      if (v2 > b2) {
        b2 = v2;
        mv2 = MATCH;
      }
      cur[j] = b2;
      back[base2 + j] = mv2;
      left1 = b1;
      diag1 = up;
      left2 = b2 | 0;
      diag2 = b1;
    }
    const tmp = prev;
    prev = cur;
    cur = tmp;
  }
  if (i === n) {
    // the last row of an odd count, alone
    const si = skipOf(i);
    const ms = matchOf(i, 0);
    const base = i * (m + 1);
    let left = (prev[0] + si) | 0;
    let diag = prev[0];
    cur[0] = left;
    back[base] = SKIP_ITEM;
    for (let j = 1; j <= m; j++) {
      const up = prev[j];
      let best = up + si;
      let move = SKIP_ITEM;
      const st = left + tokSkip[j - 1];
      if (st > best) {
        best = st;
        move = SKIP_TOKEN;
      }
      const v = diag + ms[j];
      if (v > best) {
        best = v;
        move = MATCH;
      }
      cur[j] = best;
      back[base + j] = move;
      left = best | 0;
      diag = up;
    }
    const tmp = prev;
    prev = cur;
    cur = tmp;
  }
  const score = prev[m] / 1000;

  const itemToken = new Int32Array(n).fill(-1);
  const tokenItem = new Int32Array(m).fill(-1);
  const labelSim = new Float32Array(n);
  i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const mv = back[i * (m + 1) + j];
    if (mv === MATCH) {
      itemToken[i - 1] = j - 1;
      tokenItem[j - 1] = i - 1;
      const it = items[i - 1];
      if (it.kind === 'label' && tokens[j - 1].kind === 'label') labelSim[i - 1] = sims[j - 1]![labelIndex[i - 1]];
      i--;
      j--;
    } else if (mv === SKIP_ITEM) i--;
    else j--;
  }
  return { itemToken, tokenItem, labelSim, score };
}
