/**
 * Which official template is this? Align the token stream to both. The decision rests first on
 * the labels only one template has (本年新制作数量, 上一年项目数量, 采购总金额 vs 本年制发件数,
 * 本年收费金额, 申请人无正当理由逾期不补正…), matched fuzzily so dropped characters do not
 * matter; when those do not tell, on the better overall alignment. Too little fits either
 * template → 'free' (figures in prose only).
 */
import { TEMPLATES, type TableTemplate } from '../grid';
import { layout, type Layout } from '../grid/layout';
import type { Token } from '../recover/tokens';
import { align, type Alignment } from '../map/align';
import { similarities } from '../map/similarity';
import { place, type Mapping } from '../map/place';

export interface Detection {
  template: TableTemplate | 'free';
  mapping?: Mapping;
  scores: Record<TableTemplate, number>;
  /** Distinctive labels of each template found in the source. */
  distinctive: Record<TableTemplate, number>;
  /** How clearly the chosen template won (distinctive-label difference, else score difference). */
  margin: number;
}

/** Fewer value slots than this filled (or fewer anchored rows) means no official tables. */
const MIN_SLOTS = 24;
const MIN_ANCHORED_ROWS = 3;
/** A label is distinctive when nothing in the other template resembles it this much. */
const DISTINCT_SIM = 0.75;
/** A distinctive label counts as present when matched at least this well. */
const PRESENT_SIM = 0.8;

const distinctiveCache = new Map<TableTemplate, Set<number>>();

/** Item indices of labels in `t` that have no close counterpart in the other template. */
function distinctiveItems(t: TableTemplate): Set<number> {
  let set = distinctiveCache.get(t);
  if (set) return set;
  const own = layout(t);
  const other = layout(t === '2019' ? '2021' : '2019');
  set = new Set();
  own.items.forEach((it, i) => {
    if (it.kind !== 'label' || it.role === 'section' || it.key.length < 3) return;
    const sims = similarities(other, it.key);
    if (Math.max(...sims) < DISTINCT_SIM) set!.add(i);
  });
  distinctiveCache.set(t, set);
  return set;
}

function distinctiveFound(l: Layout, al: Alignment): number {
  let n = 0;
  for (const i of distinctiveItems(l.template)) if (al.labelSim[i] >= PRESENT_SIM) n++;
  return n;
}

/** Anchor quality for a table to count as present. */
const TABLE_ANCHOR_SIM = 0.6;

/**
 * Section 二 sub-tables that took numbers although none of their labels (title, headers, row
 * labels) is in the source: such a table is absent, and its slots only soak up a neighbour's
 * numbers (no identity would catch that in section 二). Returns their items, or null if none.
 */
function absentTables(l: Layout, al: Alignment): Uint8Array | null {
  const byTable = new Map<string, number[]>();
  l.items.forEach((it, i) => {
    const table = l.rows[it.row].table;
    if (!table.startsWith('s2.') || (it.kind === 'label' && it.role === 'section')) return;
    byTable.set(table, [...(byTable.get(table) ?? []), i]);
  });
  let out: Uint8Array | null = null;
  for (const items of byTable.values()) {
    const anchored = items.some((i) => l.items[i].kind === 'label' && al.labelSim[i] >= TABLE_ANCHOR_SIM);
    const tookValues = items.some((i) => l.items[i].kind === 'value' && al.itemToken[i] >= 0);
    if (anchored || !tookValues) continue;
    out ??= new Uint8Array(l.items.length);
    for (const i of items) out[i] = 1;
  }
  return out;
}

function alignTemplate(l: Layout, tokens: Token[]): Alignment {
  let al = align(l, tokens);
  let disabled: Uint8Array | null = null;
  // Disabling one absent table can push its numbers into the next absent one: repeat (bounded).
  for (let pass = 0; pass < 4; pass++) {
    const absent = absentTables(l, al);
    if (!absent) break;
    if (disabled) for (let i = 0; i < absent.length; i++) absent[i] |= disabled[i];
    disabled = absent;
    al = align(l, tokens, disabled);
  }
  return al;
}

const distinctiveLabelCache = new Map<TableTemplate, number[]>();

/** Label indices (as `similarities` numbers them) of the distinctive items of `t`. */
function distinctiveLabels(t: TableTemplate): number[] {
  let want = distinctiveLabelCache.get(t);
  if (want) return want;
  const l = layout(t);
  const labelIdx = new Map<number, number>();
  l.labels.forEach((lab, li) => labelIdx.set(l.items.indexOf(lab), li));
  want = [...distinctiveItems(t)].map((i) => labelIdx.get(i)!);
  distinctiveLabelCache.set(t, want);
  return want;
}

/** Distinctive labels of `t` present among the tokens, without aligning (order ignored). */
function distinctivePresent(t: TableTemplate, tokens: Token[]): number {
  const l = layout(t);
  const want = distinctiveLabels(t);
  const found = new Set<number>();
  for (const tok of tokens) {
    if (tok.kind !== 'label') continue;
    const sims = similarities(l, tok.key!);
    for (const li of want) if (sims[li] >= PRESENT_SIM) found.add(li);
  }
  return found.size;
}

/** Clear cases need one alignment, not two: one template's own labels present, the other's absent. */
const CLEAR_DISTINCTIVE = 3;

export function detectAndMap(tokens: Token[]): Detection {
  const present = TEMPLATES.map((t) => distinctivePresent(t, tokens));
  const clear = TEMPLATES.findIndex((_, i) => present[i] >= CLEAR_DISTINCTIVE && present[1 - i] === 0);
  const candidates = clear >= 0 ? [TEMPLATES[clear]] : TEMPLATES;
  const runs = candidates.map((t) => {
    const l = layout(t);
    const al = alignTemplate(l, tokens);
    return { t, l, al, distinct: distinctiveFound(l, al) };
  });
  runs.sort((a, b) => b.distinct - a.distinct || b.al.score - a.al.score);
  const [best, second] = runs;
  const scores = Object.fromEntries(runs.map((r) => [r.t, Math.round(r.al.score * 100) / 100])) as Record<TableTemplate, number>;
  const distinctive = Object.fromEntries(TEMPLATES.map((t, i) => [t, runs.find((r) => r.t === t)?.distinct ?? present[i]])) as Record<TableTemplate, number>;
  const margin = !second
    ? present[clear] * 2
    : best.distinct !== second.distinct
      ? (best.distinct - second.distinct) * 2
      : best.al.score - second.al.score;
  const mapping = place(best.l, tokens, best.al);
  if (mapping.matchedSlots < MIN_SLOTS || mapping.anchoredRows < MIN_ANCHORED_ROWS) {
    return { template: 'free', scores, distinctive, margin };
  }
  return { template: best.t, mapping, scores, distinctive, margin };
}
