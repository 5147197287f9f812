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
 * Such rows are not trusted (ambiguous, so flagged), whatever the identities say. Only printed
 * lines count (a table row of a true grid or a tab row): a cell-per-line dump has no line to
 * compare, and is left to the identities as before.
 */
import type { Layout } from '../grid/layout';
import type { Token } from '../recover/tokens';
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

/** Row index → why its placement contradicts the printed labels. */
export function orderConflicts(layout: Layout, tokens: Token[], al: Alignment): Map<number, string> {
  const out = new Map<number, string>();
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
          out.set(row.index, `the numbers placed in row “${row.label}” are printed on the line of “${tokens[lj].raw}”, the label of row “${layout.rows[other].label}”`);
        }
      }
    }
  }

  // 2. Column headers on one printed line out of the template's column order. A header's rank is
  // the column it names (四: across its three groups); headers that name no single column
  // (法人或其他组织 spans five, 结果维持 is printed once per group) are not compared.
  const rank = headerRanks(layout);
  for (const js of labelsOnLine.values()) {
    let prev: { rank: number; tok: number } | undefined;
    for (const j of js) {
      const sims = similarities(layout, tokens[j].key!);
      let best = 0;
      for (let i = 0; i < sims.length; i++) if (sims[i] > best) best = sims[i];
      if (best < NAMES) continue;
      const ties = [...sims.keys()].filter((i) => sims[i] >= best - 1e-6);
      const key = layout.labels[ties[0]].key;
      const r = rank.get(ties[0]);
      if (r === undefined || ties.some((i) => layout.labels[i].key !== key || rank.get(i) !== r)) continue;
      // clearly this header and no other label
      let second = 0;
      for (let i = 0; i < sims.length; i++) if (layout.labels[i].key !== key && sims[i] > second) second = sims[i];
      if (best - second < MARGIN) continue;
      if (prev && r < prev.rank) {
        for (const t of new Set(ties.map((i) => layout.rows[layout.labels[i].row].table))) {
          for (const x of rowsOfTable.get(t)!) {
            if (!out.has(x)) out.set(x, `the column headers of ${t} are printed in another order than the template's (“${tokens[prev.tok].raw}” before “${tokens[j].raw}”): numbers placed by position may sit in the wrong columns`);
          }
        }
      }
      prev = { rank: r, tok: j };
    }
  }
  return out;
}
