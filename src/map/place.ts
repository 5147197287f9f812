/**
 * From an alignment to field values. Each printed row is examined: a row whose slots all
 * took a cell, with no stray number around it, is placed as aligned. Any other row (a cell
 * missing, an extra number, a number in a label cell) is re-placed: every way of putting its
 * numbers into its slots is tried against the identities, and only a unique consistent
 * placement is accepted; otherwise the row is marked ambiguous. Values never printed are
 * solved from the identities and marked inferred.
 */
import type { Layout, LayoutRow } from '../grid/layout';
import { identitiesByKey, identities, type Identity } from '../grid/identities';
import { TRUE_GRIDS, type Token } from '../recover/tokens';
import { unitFactor } from '../normalize/number';
import { gridFields } from '../grid';
import type { Alignment } from './align';
import { evaluate, propagate, type Values } from './solve';
import { orderConflicts } from './order';
import { similarities } from './similarity';

export type Placement = 'anchored' | 'bounded' | 'ordered' | 'realigned' | 'ambiguous';
export type Method = 'read' | 'inferred' | 'blank' | 'missing';

export interface PlacedField {
  field: string;
  value: number | null;
  method: Method;
  placement: Placement;
  /** Token the value was read from (-1 if none). */
  token: number;
  /** Best label match of the row (0 if none) and the printed label. */
  labelSim: number;
  label?: string;
  via?: string;
  unit?: string;
  factor?: number;
  note?: string;
  /** Why the value, though read, is not sure (a reviewer looks). */
  doubt?: string;
}

export interface RowReport {
  row: LayoutRow;
  clean: boolean;
  placement: Placement;
  /** Candidates consistent with the identities when the row was re-placed. */
  alternatives?: number;
}

export interface Mapping {
  fields: Map<string, PlacedField>;
  rows: RowReport[];
  /** Value slots that took a number or a printed empty. */
  matchedSlots: number;
  /** Row/group labels matched with good similarity. */
  anchoredRows: number;
}

/** Canonical units of amount columns; counts carry no unit. */
export const COLUMN_UNITS: Record<string, string> = { 's2.fees.amount': '万元', 's2.procurement.amount': '万元' };

const ANCHOR_SIM = 0.6;

const MAX_CANDIDATES = 4000;

function combinations(n: number, k: number, cap: number): number[][] {
  const out: number[][] = [];
  if (k < 0 || k > n) return out;
  const cur: number[] = [];
  const rec = (start: number) => {
    if (out.length >= cap) return;
    if (cur.length === k) {
      out.push(cur.slice());
      return;
    }
    for (let i = start; i <= n - (k - cur.length); i++) {
      cur.push(i);
      rec(i + 1);
      cur.pop();
    }
  };
  rec(0);
  return out;
}

/** A cell of a table whose grid the reader recovered from its structure (not a text dump). */
function isTrueGridCell(t: Token): boolean {
  return t.origin !== undefined && TRUE_GRIDS.has(t.origin);
}

/**
 * A cell's value in its column's unit. `headerUnit`: the money unit its column's header states
 * (采购总金额（元）), which holds for cells that print none themselves.
 */
function tokenValue(t: Token, field: string, headerUnit?: string): { value: number; unit?: string; factor?: number } {
  const col = COLUMN_UNITS[field];
  const unit = t.unit ?? (col ? headerUnit : undefined);
  if (unit && col) {
    const f = unitFactor(unit, col);
    if (f !== null && f !== 1) return { value: Number((t.value! * f).toPrecision(12)), unit, factor: f };
  }
  return unit ? { value: t.value!, unit } : { value: t.value! };
}

/** `a` is `b` with characters left out. */
function isSubsequence(a: string, b: string): boolean {
  let i = 0;
  for (const ch of b) if (i < a.length && a[i] === ch) i++;
  return i === a.length;
}

/** The one money unit a header names (`采购总金额（元）`, `（单位：万元）`), if exactly one. */
function headerMoneyUnit(text: string): string | undefined {
  const units = new Set(text.match(/亿元|万元|千元|元/g) ?? []);
  return units.size === 1 ? [...units][0] : undefined;
}

export function place(layout: Layout, tokens: Token[], al: Alignment): Mapping {
  const items = layout.items;
  const n = items.length;
  // Amount columns whose printed header states their unit: cells without a unit are in it.
  const headerUnits = new Map<string, string>();
  const headerDoubt = new Map<string, string>();
  for (const row of layout.rows) {
    for (const field of row.fields) {
      if (!(field in COLUMN_UNITS)) continue;
      const col = gridFields(layout.template).find((f) => f.key === field)?.col;
      items.forEach((it, i) => {
        if (it.kind !== 'label' || it.role !== 'header' || it.text !== col || layout.rows[it.row].table !== row.table) return;
        const j = al.itemToken[i];
        const unit = j >= 0 && tokens[j].kind === 'label' ? headerMoneyUnit(tokens[j].text) : undefined;
        if (!unit || unit === headerMoneyUnit(it.text)) return;
        // 本年收费金额（单位：元） may be the official （单位：万元） with a character lost (a PDF
        // font without a usable map; HTML and Word text loses none): not converted on that
        // evidence, but never trusted either
        const lossless = tokens[j].origin === 'html' || tokens[j].origin === 'docx' || tokens[j].origin === 'doc';
        if (!lossless && isSubsequence(tokens[j].key ?? '', it.key)) headerDoubt.set(field, `the column header reads “${tokens[j].raw}”: 元, or the official 万元 with a character lost`);
        else headerUnits.set(field, unit);
      });
    }
  }
  // A unit statement printed in a table (金额单位：元, 单位：件、元) holds for the amount cells after
  // it, up to the next section, unless their column's header states its own. Only where the text
  // loses no characters (HTML, Word): in a PDF or text dump 单位：元 may be 单位：万元.
  // Two different money units stated in one section (金额单位：元 above the official （单位：万元）)
  // contradict each other: the closer one is used, and the value is not trusted.
  const unitStated = new Map<Token, string>();
  const unitContradicted = new Set<Token>();
  {
    let cur: string | undefined;
    const stated = new Set<string>();
    const sections = layout.labels.map((l, i) => (l.role === 'section' ? i : -1)).filter((i) => i >= 0);
    for (const t of tokens) {
      if (t.kind === 'label') {
        if (sections.some((i) => similarities(layout, t.key!)[i] >= 0.85)) (cur = undefined), stated.clear();
        else if ((t.origin === 'html' || t.origin === 'docx' || t.origin === 'doc') && /单位/.test(t.text)) {
          const u = headerMoneyUnit(t.text);
          if (u) (cur = u), stated.add(u);
        }
      } else if (t.kind === 'num' && cur) {
        unitStated.set(t, cur);
        if (stated.size > 1) unitContradicted.add(t);
      }
    }
  }
  const valueOf = (t: Token, field: string) => tokenValue(t, field, headerUnits.get(field) ?? unitStated.get(t));
  const ids = identities(layout.template);
  const byKey = identitiesByKey(layout.template);

  // Item range of each row, and matched-token bounds around it.
  const first = new Int32Array(layout.rows.length).fill(-1);
  const last = new Int32Array(layout.rows.length).fill(-1);
  items.forEach((it, i) => {
    if (first[it.row] < 0) first[it.row] = i;
    last[it.row] = i;
  });
  const prefMax = new Int32Array(n + 1).fill(-1); // max token matched by items < i
  for (let i = 0; i < n; i++) prefMax[i + 1] = Math.max(prefMax[i], al.itemToken[i]);
  const sufMin = new Int32Array(n + 1).fill(tokens.length); // min token matched by items >= i
  for (let i = n - 1; i >= 0; i--) sufMin[i] = al.itemToken[i] >= 0 ? Math.min(sufMin[i + 1], al.itemToken[i]) : sufMin[i + 1];

  const isAnchor = (i: number) => items[i].kind === 'label' && al.labelSim[i] >= ANCHOR_SIM;
  const fields = new Map<string, PlacedField>();
  const rows: RowReport[] = [];
  const values: Values = new Map();
  let matchedSlots = 0;
  let anchoredRows = 0;

  // A blank cell of a true grid is the agency's way of printing 0, but only where the grid shows
  // it reads printed numbers at all: a reader that lost every digit (a font without a usable
  // map) leaves an all-blank table, which would satisfy every identity as all zeros.
  let gridNumbers = 0;
  for (let i = 0; i < n; i++) {
    const j = al.itemToken[i];
    if (items[i].kind === 'value' && j >= 0 && tokens[j].kind === 'num' && isTrueGridCell(tokens[j])) gridNumbers++;
  }
  const blankIsZero = (t: Token) => gridNumbers > 0 && t.kind === 'empty' && t.text === '' && isTrueGridCell(t);
  /** Fields read as 0 from a blank grid cell. */
  const blankZeros = new Set<string>();

  // Rows printed out of order (see order.ts). The cells of a row the template's order skipped,
  // found on the line of its label, are that row's: no stray number for the rows around them.
  const conflicts = orderConflicts(layout, tokens, al);
  const readElsewhere = new Set<number>();
  for (const c of conflicts.values()) if (c.kind === 'missing') for (const j of c.byLabel ?? []) readElsewhere.add(j);

  type Pending = { row: LayoutRow; slots: number[]; nums: number[]; labelSim: number; label?: string };
  const pending: Pending[] = [];

  for (const row of layout.rows) {
    const a = first[row.index];
    const b = last[row.index];
    const lo = prefMax[a];
    const hi = sufMin[b + 1];
    const slots: number[] = [];
    let labelSim = 0;
    let label: string | undefined;
    for (let i = a; i <= b; i++) {
      const it = items[i];
      if (it.kind === 'value') slots.push(i);
      else if (it.kind === 'label' && al.itemToken[i] >= 0) {
        const relevant = it.role === 'row' || it.role === 'group' || (row.table === 's4' && it.role === 'header');
        if (relevant && al.labelSim[i] > labelSim) {
          labelSim = al.labelSim[i];
          label = tokens[al.itemToken[i]].raw;
        }
      }
    }
    // Numbers in this row's stretch of the stream: taken by its slots, by its label cells, or by nothing.
    const nums: number[] = [];
    let stray = false;
    let numInLabel = false;
    for (let j = lo + 1; j < hi; j++) {
      const t = tokens[j];
      if (t.kind !== 'num' || readElsewhere.has(j)) continue;
      nums.push(j);
      const taker = al.tokenItem[j];
      if (taker < 0) stray = true;
      else if (items[taker].kind === 'label') numInLabel = true;
    }
    const allTaken = slots.every((i) => al.itemToken[i] >= 0);
    slots.forEach((i) => al.itemToken[i] >= 0 && matchedSlots++);
    const anchored = labelSim >= ANCHOR_SIM;
    if (anchored) anchoredRows++;

    // A printed empty in a slot is only trusted where the source had a true grid (HTML, Word,
    // ruled PDF): there the blank sits in its own cell. In text dumps (a cell per line, tab rows)
    // a blank may be a placeholder or a lost label cell, and the numbers may belong one slot over.
    // And where the source has printed rows (tables, tab rows), one row's numbers must come from
    // one printed line: numbers borrowed across a line break mean a cell was lost on one line and
    // one was added on the other, which every count would otherwise hide.
    let emptyTaken = false;
    let trustedGrid = true;
    const lines = new Set<string>();
    for (const i of slots) {
      const j = al.itemToken[i];
      if (j < 0) continue;
      const { pos, origin, kind } = tokens[j];
      if (kind === 'empty') emptyTaken = true;
      if (origin === undefined || !TRUE_GRIDS.has(origin)) trustedGrid = false;
      if (pos.table !== undefined && pos.row !== undefined) lines.add(`${pos.table}:${pos.row}`);
    }
    const oneLine = lines.size <= 1;
    // A blank cell of a true grid left out between value cells of the row's line shifts the
    // numbers after it by a column (a cheap skip the aligner may take to give an extra number,
    // 合计, a slot). A blank before the line's first value cell (a lost label) is no such skip.
    let skippedBlank = false;
    const taken = slots.map((i) => al.itemToken[i]).filter((j) => j >= 0);
    if (taken.length) {
      const end = Math.max(...taken);
      const line = (t: Token) => `${t.pos.table}:${t.pos.row}`;
      let valueBefore = false;
      for (let j = Math.max(0, lo + 1); j < end && !skippedBlank; j++) {
        const t = tokens[j];
        if (line(t) !== line(tokens[end]) || t.pos.table === undefined) continue;
        if (al.tokenItem[j] >= 0 && items[al.tokenItem[j]].kind === 'value') valueBefore = true;
        else if (valueBefore && t.kind === 'empty' && al.tokenItem[j] < 0 && isTrueGridCell(t)) skippedBlank = true;
      }
      // the value cell just before the stretch (the previous row's, on the same line) counts too
      if (!skippedBlank && lo >= 0 && line(tokens[lo]) === line(tokens[end])) {
        for (let j = lo + 1; j < end; j++) {
          const t = tokens[j];
          if (line(t) === line(tokens[end]) && t.kind === 'empty' && al.tokenItem[j] < 0 && isTrueGridCell(t)) skippedBlank = true;
        }
      }
    }
    if (allTaken && !stray && !numInLabel && oneLine && !skippedBlank && (!emptyTaken || trustedGrid)) {
      let placement: Placement = anchored ? 'anchored' : 'ordered';
      if (!anchored) {
        // Bounded: the nearest anchors on both sides enclose an exact run (every slot taken, no stray number).
        let A = slots[0] - 1; // the row's own headers and title may be the anchor before it
        while (A >= 0 && !isAnchor(A)) A--;
        let B = b + 1;
        while (B < n && !isAnchor(B)) B++;
        const tA = A >= 0 ? al.itemToken[A] : -1;
        const tB = B < n ? al.itemToken[B] : tokens.length;
        let exact = A >= 0;
        for (let i = A + 1; exact && i < B; i++) if (items[i].kind === 'value' && al.itemToken[i] < 0) exact = false;
        for (let j = tA + 1; exact && j < tB; j++) if (tokens[j].kind === 'num' && al.tokenItem[j] < 0) exact = false;
        if (exact) placement = 'bounded';
      }
      for (const i of slots) {
        const it = items[i] as Extract<typeof items[number], { kind: 'value' }>;
        const j = al.itemToken[i];
        const t = tokens[j];
        const pf: PlacedField = { field: it.field, value: null, method: 'blank', placement, token: j, labelSim, label };
        if (t.kind === 'num') {
          Object.assign(pf, valueOf(t, it.field), { method: 'read' as Method });
          if (t.note) pf.note = t.note;
          if (t.mark) pf.note = `${pf.note ? `${pf.note}; ` : ''}footnote mark ${t.mark} after the figure left out`;
        } else if (blankIsZero(t)) {
          pf.value = 0;
          pf.note = 'printed blank in a table grid: read as 0';
          blankZeros.add(it.field);
        }
        fields.set(it.field, pf);
        values.set(it.field, pf.value);
      }
      rows.push({ row, clean: true, placement });
    } else {
      pending.push({ row, slots, nums, labelSim, label });
      for (const i of slots) values.set((items[i] as { field: string }).field, null);
      rows.push({ row, clean: false, placement: 'ambiguous' });
    }
  }

  // Re-place irregular rows: two passes, so a row resolved later can help one resolved earlier.
  const resolved = new Set<Pending>();
  for (let pass = 0; pass < 2; pass++) {
    for (const p of pending) {
      if (resolved.has(p)) continue;
      const outcome = replace(p, pass === 1);
      if (outcome) resolved.add(p);
    }
  }

  function replace(p: Pending, final: boolean): boolean {
    const keys = p.slots.map((i) => (items[i] as { field: string }).field);
    const keySet = new Set(keys);
    const report = rows.find((r) => r.row === p.row)!;
    if (p.nums.length === 0) {
      // Nothing printed for this row: its cells are missing (or printed empty), not re-placed.
      report.placement = 'ordered';
      p.slots.forEach((slotItem, x) => {
        const j = al.itemToken[slotItem];
        const pf: PlacedField = { field: keys[x], value: null, method: j >= 0 ? 'blank' : 'missing', placement: 'ordered', token: j, labelSim: p.labelSim, label: p.label };
        fields.set(keys[x], pf);
        values.set(keys[x], null);
      });
      return true;
    }
    const rowIds = new Set<Identity>();
    for (const k of keys) for (const id of byKey.get(k) ?? []) rowIds.add(id);
    const touching = [...rowIds];
    const k = keys.length;
    const numVals = p.nums.map((j) => tokens[j]);
    const s0 = Math.min(numVals.length, k);
    type Cand = { used: number; vector: (number | null)[]; src: number[]; filled: Map<string, string> };
    const consistent: Cand[] = [];
    let tried = 0;
    for (const s of [s0, s0 - 1]) {
      if (s < 0) continue;
      for (const pick of combinations(numVals.length, s, MAX_CANDIDATES)) {
        for (const at of combinations(k, s, MAX_CANDIDATES)) {
          if (++tried > MAX_CANDIDATES) break;
          // Try the placement in place: only this row's keys are written (propagate may only
          // fill them), and they are reset before the next try and after the loop.
          const trial = values;
          const src = new Array<number>(k).fill(-1);
          keys.forEach((key) => trial.set(key, null));
          at.forEach((slot, x) => {
            const t = numVals[pick[x]];
            trial.set(keys[slot], valueOf(t, keys[slot]).value);
            src[slot] = p.nums[pick[x]];
          });
          const filled = propagate(touching, trial, (key) => keySet.has(key));
          if (!filled) continue;
          if (touching.some((id) => evaluate(id, trial).state === 'fails')) continue;
          consistent.push({ used: s, vector: keys.map((key) => trial.get(key) ?? null), src, filled });
        }
      }
      if (consistent.some((c) => c.used === s)) break; // prefer placements that keep every printed number
    }
    keys.forEach((key) => values.set(key, null));
    const best = consistent.filter((c) => c.used === (consistent[0]?.used ?? -1));
    const distinct = new Map<string, Cand>();
    for (const c of best) distinct.set(JSON.stringify(c.vector), c);
    report.alternatives = distinct.size;
    if (distinct.size !== 1 && !final) return false;

    const unique = distinct.size === 1;
    const chosen = unique ? [...distinct.values()][0] : null;
    report.placement = unique ? 'realigned' : 'ambiguous';
    keys.forEach((key, x) => {
      const slotItem = p.slots[x];
      const dpToken = al.itemToken[slotItem];
      const j = chosen ? chosen.src[x] : dpToken >= 0 && tokens[dpToken].kind === 'num' ? dpToken : -1;
      const pf: PlacedField = {
        field: key,
        value: null,
        method: dpToken >= 0 || chosen ? 'blank' : 'missing',
        placement: report.placement,
        token: j,
        labelSim: p.labelSim,
        label: p.label,
      };
      if (j >= 0) {
        Object.assign(pf, valueOf(tokens[j], key), { method: 'read' as Method });
      } else if (chosen && chosen.vector[x] !== null) {
        pf.value = chosen.vector[x];
        pf.method = 'inferred';
        pf.via = chosen.filled.get(key);
      } else if (dpToken < 0) pf.method = 'missing';
      if (!unique) pf.note = distinct.size > 1 ? `${distinct.size} placements of this row's numbers fit the identities` : 'no placement of this row\'s numbers fits the identities';
      fields.set(key, pf);
      values.set(key, pf.value);
    });
    return true;
  }

  // A blank read as 0 that breaks an identity may be a figure the agency left out rather than a
  // zero: reopen such blanks, so the identities can solve them (they are then inferred and
  // flagged); a reopened blank they do not determine goes back to 0, and its identity fails.
  const reopened: string[] = [];
  for (const id of ids) {
    if (evaluate(id, values).state !== 'fails') continue;
    for (const k of [...id.lhs, ...id.rhs]) if (blankZeros.has(k) && values.get(k) === 0) reopened.push(k);
  }
  for (const k of reopened) values.set(k, null);

  // Fill printed-empty and missing cells that the identities determine.
  const filled = propagate(ids, values, (key) => {
    const f = fields.get(key);
    return !!f && (f.method === 'blank' || f.method === 'missing');
  }, false);
  if (filled) {
    for (const [key, via] of filled) {
      const f = fields.get(key)!;
      f.value = values.get(key) ?? null;
      f.note = f.method === 'blank' ? `printed ${JSON.stringify(tokens[f.token]?.raw ?? '')}, solved from ${via}` : `not printed, solved from ${via}`;
      f.method = 'inferred';
      f.via = via;
    }
  }
  for (const k of reopened) {
    if (values.get(k) !== null) continue;
    values.set(k, 0);
    fields.get(k)!.note = 'printed blank in a table grid: read as 0, but an identity it takes part in does not hold';
  }

  // Rows whose printed labels say they were read out of order: not trusted, whatever the sums say.
  // A row that can be read by its labels (its own label's line, the headers above its cells) is
  // read so, as a true grid is read; any other is not trusted.
  for (const [index, c] of conflicts) {
    const report = rows.find((r) => r.row.index === index);
    if (!report) continue;
    if (c.byLabel) {
      report.placement = 'anchored';
      report.row.fields.forEach((k, x) => {
        const j = c.byLabel![x];
        const t = tokens[j];
        const pf: PlacedField = { field: k, value: null, method: 'blank', placement: 'anchored', token: j, labelSim: 1, label: report.row.label, note: c.kind === 'column' ? 'read by the header above each cell: the columns are printed in another order than the template' : 'read on the line of its own label: the rows are printed in another order than the template' };
        if (t.kind === 'num') Object.assign(pf, valueOf(t, k), { method: 'read' as Method });
        else if (blankIsZero(t)) pf.value = 0;
        fields.set(k, pf);
      });
      continue;
    }
    report.placement = 'ambiguous';
    report.row.fields.forEach((k, x) => {
      const f = fields.get(k);
      if (!f) return;
      f.placement = 'ambiguous';
      if (x === 0 || !f.note) f.note = c.why;
    });
  }
  for (const [field, why] of headerDoubt) {
    const f = fields.get(field);
    if (f && f.method === 'read') f.doubt = why;
  }
  for (const field of Object.keys(COLUMN_UNITS)) {
    const f = fields.get(field);
    if (f && f.method === 'read' && f.value !== 0 && f.token >= 0 && unitContradicted.has(tokens[f.token])) f.doubt = 'the section states two money units (元 and 万元): which one this cell is in is not certain';
  }
  return { fields, rows, matchedSlots, anchoredRows };
}
