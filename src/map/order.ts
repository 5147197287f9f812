/**
 * Printed labels that contradict a placement by order. The aligner is monotone: two rows printed
 * in the other order (with their labels), two columns whose headers changed places, or the two
 * 诉讼 groups of a transposed 四 table printed 复议后起诉 first, are read by position, and every
 * identity still holds (each row and column keeps its own sums). The labels say otherwise:
 *
 * - a row's numbers share their printed line with a row label that names another row of the
 *   table (and not this one);
 * - the column headers on one printed line name the template's columns out of their order.
 *
 * - a row took no cell in the template's order, and its label is printed on a line elsewhere (a
 *   第二十条 table printed after the others).
 *
 * Such a row is read by its labels where a true grid allows (the line its own label names, the
 * header above each cell); otherwise it is not trusted (ambiguous, so flagged), whatever the
 * identities say. Only printed lines count (a table row of a true grid or a tab row): a
 * cell-per-line dump has no line to compare, and is left to the identities as before.
 */
import type { Layout } from '../grid/layout';
import { TRUE_GRIDS, type Token } from '../recover/tokens';
import type { Alignment } from './align';
import { similarities } from './similarity';
import { gridFields } from '../grid';

/** A label that names another row or column this clearly is taken at its word. */
const NAMES = 0.85;
/** …and it must name that one clearly better than the one the placement assumed. */
const MARGIN = 0.15;

const lineOf = (t: Token) => (t.pos.table !== undefined && t.pos.row !== undefined ? `${t.pos.table}:${t.pos.row}` : undefined);

/**
 * Column rank of each header label that names one column of its table: the position of the
 * column among its row's cells (四: among all fifteen, by group), or, for a 四 group name, the
 * group's first column.
 */
function headerRanks(layout: Layout): Map<number, number> {
  const fields = gridFields(layout.template);
  const col = new Map(fields.map((f) => [f.key, f.col]));
  const out = new Map<number, number>();
  layout.labels.forEach((l, i) => {
    if (l.role !== 'header') return;
    const table = layout.rows[l.row].table;
    const ranks = new Set<number>();
    let s4 = 0;
    for (const r of layout.rows) {
      if (r.table !== table) continue;
      r.fields.forEach((k, x) => col.get(k) === l.text && ranks.add(table === 's4' ? s4 + x : x));
      if (table === 's4' && r.label.split(/\s+/).pop() === l.text) ranks.add(s4);
      s4 += r.fields.length;
    }
    if (ranks.size === 1) out.set(i, [...ranks][0]);
  });
  return out;
}

export interface OrderConflict {
  why: string;
  /** 'row': another row's label on the line; 'column': headers out of order (the whole table); 'missing': the row took nothing. */
  kind: 'row' | 'column' | 'missing';
  /** The table's column headers are out of order too. */
  columns?: boolean;
  /**
   * Where the row can be read by its labels, as a row of a true grid is: for a row conflict, the
   * value cells (numbers, printed empties) of the one printed line its own label names, when they
   * are exactly as many as its slots; for a column conflict, the cells of its line in the order of
   * the columns their headers name.
   */
  byLabel?: number[];
}

/** Row index → why its placement contradicts the printed labels (and where its label is). */
export function orderConflicts(layout: Layout, tokens: Token[], al: Alignment): Map<number, OrderConflict> {
  const out = new Map<number, OrderConflict>();
  const labelIdx = new Map<object, number>();
  layout.labels.forEach((l, i) => labelIdx.set(l, i));

  // The label naming each row: its own row label, or for 四 (whose rows are the groups) the header
  // that names the group (行政复议, 未经复议直接起诉, 复议后起诉).
  const naming = layout.rows.map((row) => {
    const own = layout.labels.find((l) => l.row === row.index && l.role === 'row');
    if (own) return labelIdx.get(own)!;
    const last = row.label.split(/\s+/).pop()!;
    const named = layout.labels.find((l) => l.role === 'header' && l.text === last && layout.rows[l.row].table === row.table);
    return named ? labelIdx.get(named)! : -1;
  });
  const rowsOfTable = new Map<string, number[]>();
  for (const r of layout.rows) rowsOfTable.set(r.table, [...(rowsOfTable.get(r.table) ?? []), r.index]);

  // Label tokens by printed line.
  const labelsOnLine = new Map<string, number[]>();
  tokens.forEach((t, j) => {
    if (t.kind !== 'label') return;
    const line = lineOf(t);
    if (line) labelsOnLine.set(line, [...(labelsOnLine.get(line) ?? []), j]);
  });

  // 1. A row's numbers on a line whose label names another row of the table.
  const firstSlot = new Map<number, number>();
  layout.items.forEach((it, i) => {
    if (it.kind === 'value' && al.itemToken[i] >= 0 && !firstSlot.has(it.row)) firstSlot.set(it.row, al.itemToken[i]);
  });
  for (const row of layout.rows) {
    const own = naming[row.index];
    const j = firstSlot.get(row.index);
    if (own < 0 || j === undefined) continue;
    const line = lineOf(tokens[j]);
    if (!line) continue;
    for (const lj of labelsOnLine.get(line) ?? []) {
      const sims = similarities(layout, tokens[lj].key!);
      for (const other of rowsOfTable.get(row.table)!) {
        const o = naming[other];
        if (other === row.index || o < 0 || o === own) continue;
        if (sims[o] >= NAMES && sims[o] - sims[own] >= MARGIN) {
          out.set(row.index, { kind: 'row', why: `the numbers placed in row “${row.label}” are printed on the line of “${tokens[lj].raw}”, the label of row “${layout.rows[other].label}”` });
        }
      }
    }
  }

  // 2. Column headers on one printed line out of the template's column order. A header's rank is
  // the column it names (四: across its three groups); headers that name no single column
  // (法人或其他组织 spans five, 结果维持 is printed once per group) are not compared.
  const rank = headerRanks(layout);
  /** Header token → the column it names, per table it may belong to (总计 heads a column of 三 and of 四). */
  const headerRankOf = new Map<number, Map<string, number>>();
  const columnConflict = new Set<string>();
  for (const js of labelsOnLine.values()) {
    const prev = new Map<string, { rank: number; tok: number }>();
    for (const j of js) {
      const sims = similarities(layout, tokens[j].key!);
      let best = 0;
      for (let i = 0; i < sims.length; i++) if (sims[i] > best) best = sims[i];
      if (best < NAMES) continue;
      const ties = [...sims.keys()].filter((i) => sims[i] >= best - 1e-6);
      const key = layout.labels[ties[0]].key;
      if (ties.some((i) => layout.labels[i].key !== key)) continue;
      // clearly this header and no other label
      let second = 0;
      for (let i = 0; i < sims.length; i++) if (layout.labels[i].key !== key && sims[i] > second) second = sims[i];
      if (best - second < MARGIN) continue;
      const byTable = new Map<string, Set<number | undefined>>();
      for (const i of ties) {
        const t = layout.rows[layout.labels[i].row].table;
        byTable.set(t, (byTable.get(t) ?? new Set()).add(rank.get(i)));
      }
      const ranks = new Map<string, number>();
      for (const [t, rs] of byTable) {
        const r = [...rs][0];
        if (rs.size === 1 && r !== undefined) ranks.set(t, r);
      }
      if (!ranks.size) continue;
      headerRankOf.set(j, ranks);
      for (const [t, r] of ranks) {
        const p = prev.get(t);
        if (p && r < p.rank) {
          const why = `the column headers of ${t} are printed in another order than the template's (“${tokens[p.tok].raw}” before “${tokens[j].raw}”): numbers placed by position may sit in the wrong columns`;
          columnConflict.add(t);
          for (const x of rowsOfTable.get(t)!) {
            const c = out.get(x);
            if (c) c.columns = true;
            else out.set(x, { kind: 'column', why, columns: true });
          }
        }
        prev.set(t, { rank: r, tok: j });
      }
    }
  }

  // Where each row-conflicted row's own label is printed: one line, named clearly, with exactly
  // the row's number of value cells.
  const valuesOnLine = new Map<string, number[]>();
  tokens.forEach((t, j) => {
    if ((t.kind !== 'num' && t.kind !== 'empty') || !t.origin || !TRUE_GRIDS.has(t.origin)) return;
    const line = lineOf(t);
    if (line) valuesOnLine.set(line, [...(valuesOnLine.get(line) ?? []), j]);
  });
  // 3. A row that took no cell at all, whose label is printed elsewhere (a table printed before the
  // one the template puts first): read where its label is, if those cells are nobody's.
  for (const row of layout.rows) {
    if (out.has(row.index) || naming[row.index] < 0 || firstSlot.has(row.index)) continue;
    out.set(row.index, { kind: 'missing', why: `row “${row.label}” took no cell in the template's order` });
  }

  /**
   * The cells of `vals` (one printed line) in the row's column order by the header above each:
   * every cell under a header that names one of the row's columns, each column exactly once
   * (四's ranks run across its groups: not read so).
   */
  const cellsByHeader = (row: Layout['rows'][number], vals: number[]): number[] | undefined => {
    const table = tokens[vals[0] ?? -1]?.pos.table;
    if (table === undefined) return undefined;
    const colRank = new Map<number, number>();
    for (const [j, ranks] of headerRankOf) {
      const t = tokens[j];
      const r = ranks.get(row.table);
      if (t.pos.table !== table || t.pos.col === undefined || r === undefined) continue;
      colRank.set(t.pos.col, colRank.has(t.pos.col) && colRank.get(t.pos.col) !== r ? -1 : r);
    }
    const byRank = new Array<number>(row.fields.length).fill(-1);
    for (const j of vals) {
      const r = tokens[j].pos.col === undefined ? undefined : colRank.get(tokens[j].pos.col!);
      if (r === undefined) continue; // a cell under no template column (备注, 合计)
      if (r < 0 || r >= byRank.length || byRank[r] >= 0) return undefined;
      byRank[r] = j;
    }
    return byRank.every((j) => j >= 0) ? byRank : undefined;
  };

  // The line each conflicted row is read on: for a row conflict (or a row that took nothing) the
  // one line its own label names clearly; otherwise the line its numbers were placed from.
  const claimed = new Map<string, number>();
  for (const [index, c] of out) {
    const row = layout.rows[index];
    let line: string | undefined;
    if (c.kind === 'row' || c.kind === 'missing') {
      const own = naming[index];
      const lines = new Set<string>();
      for (const [l, js] of labelsOnLine) {
        for (const lj of js) {
          const sims = similarities(layout, tokens[lj].key!);
          if (sims[own] < NAMES) continue;
          const clear = rowsOfTable.get(row.table)!.every((o) => o === index || naming[o] < 0 || naming[o] === own || sims[own] - sims[naming[o]] >= MARGIN);
          if (clear) lines.add(l);
        }
      }
      if (lines.size === 1) line = [...lines][0];
    } else {
      const j0 = firstSlot.get(index);
      line = j0 === undefined ? undefined : lineOf(tokens[j0]);
    }
    if (!line) continue;
    const vals = valuesOnLine.get(line) ?? [];
    // By the header above each cell where the headers name the row's columns (extra columns such
    // as 备注 or 合计 fall out), else the line's cells in order if they are exactly the row's;
    // with the headers out of order, only by the headers.
    const byHeader = row.table === 's4' ? undefined : cellsByHeader(row, vals);
    const cells = byHeader ?? (!columnConflict.has(row.table) && vals.length === row.fields.length ? vals : undefined);
    if (!cells) continue;
    if (c.kind === 'missing' && cells.some((j) => al.tokenItem[j] >= 0)) continue;
    claimed.set(line, claimed.has(line) ? -1 : index);
    c.byLabel = cells;
  }
  // a line two rows claim is neither's
  if ([...claimed.values()].some((index) => index < 0)) for (const c of out.values()) delete c.byLabel;
  // a row that took nothing and cannot be read by its label is no conflict: it is missing, as before
  for (const [index, c] of out) if (c.kind === 'missing' && !c.byLabel) out.delete(index);
  return out;
}
