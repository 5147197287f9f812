/**
 * Mutated reports for the property tests: a valid grid rendered by the fixture renderers
 * (test/fixtures) into one layout, then damaged the way scraped reports are damaged, with the
 * grid a correct extraction must return.
 *
 * How the damage is applied without re-implementing the renderers: the report is rendered once
 * with every table value replaced by a sentinel `⟦i⟧` (i = index of the grid key). The table
 * region of that text is parsed into rows of cells, each value cell knowing its key; the
 * mutations edit those cells; the sentinels are then replaced by the real (formatted) numbers.
 * Unmutated, this reproduces the renderer's own output byte for byte (checked by a test).
 *
 * Expected grid: what the document says, row by row (see buildCase). A swap moves printed
 * values between slots (the printed grid changes, and may then break identities); a row that
 * lost or gained a value is damaged, and its slots keep the values their own cells printed;
 * shifting a row or dropping labels does not change what a correct extraction must return.
 */
import { Rng } from '../fixtures/prng';
import { generateGrid, type Grid, type Scale } from '../fixtures/grid-gen';
import { templateKeys, templateSpec, type Template } from '../fixtures/grid-spec';
import { AGENCIES, SECTION_HEADINGS, type Fmt, type Report } from '../fixtures/render/report';
import { composeTableReport } from '../fixtures/render/compose';
import { renderCellPerLine, renderCleanTabs, renderDropped, renderTabRows, type Rendered } from '../fixtures/render/text';
import { renderHtml } from '../fixtures/render/html';
import { fullWidthDigits, messyFormat, toTraditional, withSeparators } from '../fixtures/render/traditional';
import { withLookalikes } from '../fixtures/render/lookalikes';

export const TEXT_LAYOUTS = ['cell-per-line', 'dropped', 'tab-rows', 'clean-tabs', 'html'] as const;
export type MLayout = (typeof TEXT_LAYOUTS)[number];

export type Mutation =
  /** Drop `n` Han characters from a label cell, starting at position `at` (mod its length). */
  | { kind: 'drop-chars'; cell: number; at: number; n: number }
  /** Blank the last label cell before a row's first value (the cell stays, empty). */
  | { kind: 'label-blank'; row: number }
  /** Delete the last label cell before a row's first value (the cell goes). */
  | { kind: 'label-delete'; row: number }
  /** Remove the cell right before a row's first value: every value moves one column left, the first into the label column. */
  | { kind: 'shift-left'; row: number }
  /** Remove a row's last value cell and whatever follows it. */
  | { kind: 'drop-trailing'; row: number }
  /** Swap the printed numbers of two value cells. */
  | { kind: 'swap'; a: number; b: number }
  /** Delete one value cell. */
  | { kind: 'delete'; a: number }
  /** Print one value cell twice. */
  | { kind: 'duplicate'; a: number }
  /** Print the `a`-th zero cell blank (`&nbsp;` or nothing in HTML, an empty cell in text): a blank of a true grid means 0. */
  | { kind: 'blank'; a: number; style: number }
  /** Print one value in a format people use (separators, full-width digits, a unit, a sign); the value is the same. */
  | { kind: 'format'; a: number; style: number }
  /** Print one value's digits letter-spaced (`1 2 3`). */
  | { kind: 'split-digits'; a: number }
  /** Replace CJK characters of a label cell by their look-alikes (Kangxi radicals, compatibility ideographs; the CJK Radicals Supplement only with `supplement`). */
  | { kind: 'radicals'; cell: number; supplement: boolean };

export interface MCase {
  template: Template;
  scale: Scale;
  seed: number;
  layout: MLayout;
  /** Convert to Traditional characters and print numbers with separators / full-width digits. */
  traditional: boolean;
  mutations: Mutation[];
  /** Print these literal texts instead of the numbers of these keys (letters, negatives, absurd values). */
  print?: Record<string, string>;
  /** Look-alike radicals and compatibility ideographs in place of unified ideographs (PDF fonts, issue 13.3). */
  lookalikes?: boolean;
}

interface Cell {
  pre: string;
  text: string;
  post: string;
  /** Index of the grid key whose value this cell prints (value cells only). */
  key?: number;
  /** Index of the grid key whose slot this cell occupies (undefined for a duplicate). */
  slot?: number;
}

/** A table row; `slots`: the grid keys of its value cells before any mutation, in order. */
type Item = { kind: 'lit'; text: string } | { kind: 'row'; cells: Cell[]; slots?: number[] };

export interface Built {
  text: string;
  name: string;
  template: Template;
  year: number;
  /** Every template key plus the prose figures the text states. */
  expected: Record<string, number | null>;
  /** The mutations as applied (a no-op is reported as such), for messages. */
  applied: string[];
  /** A row prints fewer values than it has slots: a printed value was lost. */
  lossy: boolean;
  /** The printed grid differs from the generated one (a swap, or an overwrite inside a row). */
  misprinted: boolean;
}

const SENT = 1_000_000_000;
const SENT_RE = /^⟦(\d+)⟧$/;
const HAN = /\p{Script=Han}/u;

const YEARS: Record<Template, [number, number]> = { '2019': [2019, 2020], '2021': [2021, 2024] };

function renderer(layout: MLayout): (r: Report, rng: Rng, fmt: Fmt) => Rendered {
  switch (layout) {
    case 'cell-per-line': return renderCellPerLine;
    case 'dropped': return renderDropped;
    // no built-in damage: the mutations are the damage, and their expectation is known
    case 'tab-rows': return (r, rng, fmt) => renderTabRows(r, rng, fmt, { omitTables: 0, dropTrailing: 0 });
    case 'clean-tabs': return renderCleanTabs;
    case 'html': return (r, rng, fmt) => renderHtml(r, rng, fmt, { blankZeros: false, word: rng.chance(0.4), s2Merged: rng.chance(0.5) });
  }
}

/** The report of a case (same draws as test/fixtures/docs.ts makeDoc, so the documents look alike). */
function compose(c: MCase): { report: Report; grid: Grid; rng: Rng } {
  const rng = new Rng(c.seed);
  const agency = rng.fork(1).pick(AGENCIES.filter((a) => a.scale === c.scale));
  const year = rng.fork(2).int(...YEARS[c.template]);
  const grid = generateGrid(c.template, c.scale, rng.fork(5));
  const report = composeTableReport(rng.fork(7), c.template, year, agency, grid);
  return { report, grid, rng };
}

/** The unmutated document exactly as the fixture renderer prints it (for the round-trip check). */
export function renderPlain(c: Omit<MCase, 'mutations' | 'traditional'>): string {
  const { report, rng } = compose({ ...c, traditional: false, mutations: [] });
  // the same draw order as buildCase: rng.fork(9) is drawn there for the number format
  rng.fork(9);
  return renderer(c.layout)(report, rng.fork(10), String).text;
}

// ------------------------------------------------------------------ parse / serialise

function regionBounds(lines: string[], template: Template): [number, number] {
  const start = lines.indexOf(templateSpec(template).sections.s2);
  const end = lines.indexOf(SECTION_HEADINGS.s5);
  if (start < 0 || end < start) throw new Error('mutate: table region not found');
  return [start, end];
}

function keyOf(text: string): number | undefined {
  const m = SENT_RE.exec(text);
  return m ? Number(m[1]) : undefined;
}

function cellOf(text: string, pre = '', post = ''): Cell {
  const key = keyOf(text);
  return key === undefined ? { pre, text, post } : { pre, text, post, key, slot: key };
}

function parse(layout: MLayout, text: string, template: Template): Item[] {
  const items: Item[] = [];
  const lit = (t: string) => items.push({ kind: 'lit', text: t });
  if (layout === 'html') {
    let last = 0;
    for (const m of text.matchAll(/<tr>([\s\S]*?)<\/tr>/g)) {
      lit(text.slice(last, m.index));
      const cells = [...m[1].matchAll(/<td[^>]*>[\s\S]*?<\/td>/g)].map((td) => {
        const p = /^(<td[^>]*>(?:<p[^>]*><span[^>]*>)?)([\s\S]*?)((?:<o:p><\/o:p><\/span><\/p>)?<\/td>)$/.exec(td[0])!;
        return cellOf(p[2], p[1], p[3]);
      });
      items.push({ kind: 'row', cells });
      last = m.index! + m[0].length;
    }
    lit(text.slice(last));
    return items;
  }
  const sep = layout === 'dropped' ? '\n\n' : '\n';
  const lines = text.split(sep);
  const [start, end] = regionBounds(lines, template);
  const heading = (l: string) => l === templateSpec(template).sections.s3 || l === templateSpec(template).sections.s4;
  let row: Cell[] | null = null;
  const flush = () => {
    if (row) items.push({ kind: 'row', cells: row });
    row = null;
  };
  lines.forEach((l, i) => {
    const inRegion = i > start && i < end && !heading(l);
    if (!inRegion) {
      flush();
      lit(l);
    } else if (layout === 'cell-per-line') {
      if (l.startsWith('\t')) (row ??= []).push(cellOf(l.slice(1), '\t'));
      else {
        flush();
        lit(l);
      }
    } else if (layout === 'dropped') {
      // no row structure in the text: a row is a run of labels followed by a run of values
      const c = cellOf(l);
      if (row && c.key === undefined && row.some((x) => x.key !== undefined)) flush();
      (row ??= []).push(c);
    } else if (l.includes('\t')) {
      flush();
      items.push({ kind: 'row', cells: l.split('\t').map((t) => cellOf(t)) });
    } else {
      flush();
      lit(l);
    }
  });
  flush();
  return items;
}

function serialize(layout: MLayout, items: Item[]): string {
  if (layout === 'html') {
    return items.map((it) => (it.kind === 'lit' ? it.text : `<tr>${it.cells.map((c) => c.pre + c.text + c.post).join('')}</tr>`)).join('');
  }
  const lines: string[] = [];
  for (const it of items) {
    if (it.kind === 'lit') lines.push(it.text);
    else if (layout === 'cell-per-line' || layout === 'dropped') lines.push(...it.cells.map((c) => c.pre + c.text));
    else lines.push(it.cells.map((c) => c.text).join('\t'));
  }
  return lines.join(layout === 'dropped' ? '\n\n' : '\n');
}

// ------------------------------------------------------------------ mutations

function rows(items: Item[]): Cell[][] {
  return items.flatMap((it) => (it.kind === 'row' && it.cells.some((c) => c.key !== undefined) ? [it.cells] : []));
}

function valueCells(items: Item[]): [Cell[], number][] {
  const out: [Cell[], number][] = [];
  for (const it of items) if (it.kind === 'row') it.cells.forEach((c, i) => c.key !== undefined && out.push([it.cells, i]));
  return out;
}

/** Label cells with Han text, in table rows. */
function labelCells(items: Item[]): Cell[] {
  return items.flatMap((it) => (it.kind === 'row' ? it.cells.filter((c) => c.key === undefined && HAN.test(c.text)) : []));
}

/** Index of the last label (Han) cell before the row's first value, or -1. */
function lastLabelBeforeValues(row: Cell[]): number {
  const first = row.findIndex((c) => c.key !== undefined);
  for (let i = first - 1; i >= 0; i--) if (HAN.test(row[i].text)) return i;
  return -1;
}

/** How the `format` mutation prints a value (n: the value; amount: a 万元 column; change: 本年增/减). */
const FORMATS: ((n: number, amount: boolean, change: boolean) => string | null)[] = [
  (n) => (Math.abs(n) >= 1000 ? withSeparators(n) : null),
  (n) => (Math.abs(n) >= 1000 ? withSeparators(n).replace(/,/g, '，') : null),
  (n) => (Math.abs(n) >= 1000 ? withSeparators(n).replace(/,/g, '\u00a0') : null),
  (n) => (Math.abs(n) >= 1000 ? withSeparators(n).replace(/,/g, ' ') : null),
  (n) => fullWidthDigits(String(n)),
  (n) => fullWidthDigits(withSeparators(n)).replace(/,/g, '，'),
  (n, amount, change) => (amount || change ? null : `${n}件`),
  (n, amount) => (amount ? `${n}万元` : null),
  (n, amount) => (amount ? `${Math.round(n * 10000)}元` : null),
  (n, _amount, change) => (change && n > 0 ? `+${n}` : null),
];

/** Look-alike code points of unified ideographs: every Kangxi radical and compatibility ideograph NFKC folds, and the CJK Radicals Supplement's simplified forms (which NFKC leaves alone). */
const LOOKALIKES: Map<string, string> = (() => {
  const m = new Map<string, string>();
  for (const [lo, hi] of [[0x2f00, 0x2fd5], [0xf900, 0xfaff]]) {
    for (let c = lo; c <= hi; c++) {
      const ch = String.fromCodePoint(c);
      const u = ch.normalize('NFKC');
      if (u !== ch && !m.has(u)) m.set(u, ch);
    }
  }
  return m;
})();
export const RADICALS_SUPPLEMENT: Record<string, string> = {
  民: '\u2ea0', 门: '\u2ed4', 车: '\u2ecb', 长: '\u2ed3', 见: '\u2ec5', 风: '\u2edb', 飞: '\u2edc', 马: '\u2ee2', 鱼: '\u2ee5', 鸟: '\u2ee6', 黄: '\u2ee9', 齐: '\u2eec', 齿: '\u2eee', 母: '\u2e9f',
};

/** Per grid key (index): how the value is printed instead of the document's number format. */
type Prints = Map<number, string>;

/** Apply one mutation in place; returns a description, and the cells that left the document. */
function apply(items: Item[], m: Mutation, keys: string[], grid: Grid, prints: Prints, layout: MLayout): { what: string; removed: Cell[]; row?: Item } {
  const removed: Cell[] = [];
  const none = (why: string) => ({ what: `${m.kind}: no-op (${why})`, removed });
  const itemOf = (r: Cell[]) => items.find((it) => it.kind === 'row' && it.cells === r);
  const rs = rows(items);
  const rowName = (r: Cell[]) => {
    const l = r.find((c) => c.key === undefined && HAN.test(c.text));
    const v = r.find((c) => c.key !== undefined);
    return `row「${l?.text ?? '∅'}」${v ? `(${keys[v.slot ?? v.key!]}…)` : ''}`;
  };
  switch (m.kind) {
    case 'drop-chars': {
      const ls = labelCells(items);
      if (!ls.length) return none('no label');
      const c = ls[m.cell % ls.length];
      const chars = [...c.text];
      const han = chars.map((ch, i) => (HAN.test(ch) ? i : -1)).filter((i) => i >= 0);
      const from = m.at % han.length;
      const drop = new Set(han.slice(from, from + m.n));
      const before = c.text;
      c.text = chars.filter((_, i) => !drop.has(i)).join('');
      return { what: `drop-chars「${before}」→「${c.text}」`, removed };
    }
    case 'label-blank':
    case 'label-delete': {
      if (!rs.length) return none('no row');
      const r = rs[m.row % rs.length];
      const i = lastLabelBeforeValues(r);
      if (i < 0) return none(`${rowName(r)} has no label`);
      const what = `${m.kind} 「${r[i].text}」 in ${rowName(r)}`;
      if (m.kind === 'label-blank') r[i].text = '';
      else removed.push(...r.splice(i, 1));
      return { what, removed, row: itemOf(r) };
    }
    case 'shift-left': {
      if (!rs.length) return none('no row');
      const r = rs[m.row % rs.length];
      const first = r.findIndex((c) => c.key !== undefined);
      if (first <= 0) return none(`${rowName(r)} starts with a value`);
      const what = `shift-left ${rowName(r)} (removed cell「${r[first - 1].text}」)`;
      removed.push(...r.splice(first - 1, 1));
      return { what, removed, row: itemOf(r) };
    }
    case 'drop-trailing': {
      if (!rs.length) return none('no row');
      const r = rs[m.row % rs.length];
      let last = -1;
      r.forEach((c, i) => c.key !== undefined && (last = i));
      const what = `drop-trailing ${rowName(r)} (${keys[r[last].slot ?? r[last].key!]})`;
      removed.push(...r.splice(last));
      return { what, removed, row: itemOf(r) };
    }
    case 'swap': {
      const vs = valueCells(items);
      const [ra, ia] = vs[m.a % vs.length];
      const [rb, ib] = vs[m.b % vs.length];
      const a = ra[ia];
      const b = rb[ib];
      [a.key, b.key] = [b.key, a.key];
      [a.text, b.text] = [b.text, a.text];
      return { what: `swap ${keys[a.slot ?? a.key!]} ↔ ${keys[b.slot ?? b.key!]}`, removed };
    }
    case 'delete': {
      const vs = valueCells(items);
      const [r, i] = vs[m.a % vs.length];
      const what = `delete ${keys[r[i].slot ?? r[i].key!]}`;
      removed.push(...r.splice(i, 1));
      return { what, removed, row: itemOf(r) };
    }
    case 'duplicate': {
      const vs = valueCells(items);
      const [r, i] = vs[m.a % vs.length];
      r.splice(i + 1, 0, { ...r[i], slot: undefined });
      return { what: `duplicate ${keys[r[i].slot ?? r[i].key!]}`, removed };
    }
    case 'blank': {
      const zeros = valueCells(items).filter(([r, i]) => grid[keys[r[i].key!]] === 0 && r[i].text !== '');
      if (!zeros.length) return none('no zero cell');
      const [r, i] = zeros[m.a % zeros.length];
      const c = r[i];
      c.text = layout === 'html' ? ['&nbsp;', '', ' ', '&#160;'][m.style % 4] : '';
      return { what: `blank ${keys[c.key!]} (0) as ${JSON.stringify(c.text)}`, removed };
    }
    case 'format':
    case 'split-digits': {
      const vs = valueCells(items);
      const [r, i] = vs[m.a % vs.length];
      const k = r[i].key!;
      const v = grid[keys[k]];
      // the drawn format, or the next one that applies to this value (full-width digits always do)
      let out: string | null = null;
      for (let j = 0; m.kind === 'format' && out === null && j < FORMATS.length; j++)
        out = FORMATS[(m.style + j) % FORMATS.length](v, keys[k].endsWith('.amount'), keys[k].endsWith('.change'));
      if (m.kind === 'split-digits') out = Number.isInteger(v) && v >= 10 ? [...String(v)].join(' ') : null;
      if (out === null) return none(`${keys[k]} = ${v} has no such format`);
      prints.set(k, out);
      return { what: `${m.kind} ${keys[k]} = ${v} as ${JSON.stringify(out)}`, removed };
    }
    case 'radicals': {
      const ls = labelCells(items);
      if (!ls.length) return none('no label');
      const c = ls[m.cell % ls.length];
      const before = c.text;
      c.text = [...c.text].map((ch) => (m.supplement && RADICALS_SUPPLEMENT[ch]) || LOOKALIKES.get(ch) || ch).join('');
      return { what: `radicals「${before}」→「${c.text}」`, removed };
    }
  }
}

// ------------------------------------------------------------------ build

export function buildCase(c: MCase): Built {
  const { report, grid, rng } = compose(c);
  const keys = templateKeys(c.template);
  const numFmt: Fmt = c.traditional ? messyFormat(rng.fork(9)) : (rng.fork(9), String);
  const sentinelValues: Record<string, number> = {};
  keys.forEach((k, i) => (sentinelValues[k] = SENT + i));
  const sentinelFmt: Fmt = (n) => (n >= SENT ? `⟦${n - SENT}⟧` : numFmt(n));
  const rendered = renderer(c.layout)({ ...report, values: sentinelValues }, rng.fork(10), sentinelFmt);

  const items = parse(c.layout, rendered.text, c.template);
  if (serialize(c.layout, items) !== rendered.text) throw new Error('mutate: parse/serialise round trip failed');
  for (const it of items) if (it.kind === 'row') it.slots = it.cells.flatMap((x) => (x.key === undefined ? [] : [x.key]));

  const applied: string[] = [];
  const gone = new Map<Item, Cell[]>();
  const prints: Prints = new Map();
  for (const m of c.mutations) {
    const { what, removed, row } = apply(items, m, keys, grid, prints, c.layout);
    applied.push(what);
    if (row) gone.set(row, [...(gone.get(row) ?? []), ...removed]);
  }

  // What the document says, row by row. Cells never move between rows, so a row is the unit:
  // a row that still prints as many values as it has slots says, in order, what each slot is
  // (a delete and a duplicate inside one row read as an overwrite; a swap as a misprint). A row
  // with fewer or more values is damaged: each slot keeps what its own cell printed, and a row
  // with fewer values lost information. In the dropped layout rows are only told apart by their
  // labels, so a row left without any label runs on from the row before it.
  const units: { cells: Cell[]; slots: number[]; removed: Cell[] }[] = [];
  for (const it of items) {
    if (it.kind !== 'row' || !it.slots?.length) continue;
    const unlabelled = !it.cells.some((x) => x.key === undefined && HAN.test(x.text));
    const u = { cells: it.cells.filter((x) => x.key !== undefined), slots: it.slots, removed: (gone.get(it) ?? []).filter((x) => x.key !== undefined) };
    const prev = units[units.length - 1];
    if (c.layout === 'dropped' && unlabelled && prev) {
      prev.cells.push(...u.cells);
      prev.slots.push(...u.slots);
      prev.removed.push(...u.removed);
    } else units.push({ ...u, slots: [...u.slots] });
  }
  const expected: Record<string, number | null> = {};
  for (const k of keys) expected[k] = grid[k];
  let lossy = false;
  let misprinted = false;
  for (const u of units) {
    if (u.cells.length === u.slots.length) {
      u.slots.forEach((slot, i) => (expected[keys[slot]] = grid[keys[u.cells[i].key!]]));
      continue;
    }
    if (u.cells.length < u.slots.length) lossy = true;
    for (const x of [...u.cells, ...u.removed]) if (x.slot !== undefined) expected[keys[x.slot]] = grid[keys[x.key!]];
  }
  for (const k of keys) if (expected[k] !== grid[k]) misprinted = true;
  Object.assign(expected, report.prose);

  const printed = (i: number) => c.print?.[keys[i]] ?? prints.get(i) ?? numFmt(grid[keys[i]]);
  let text = serialize(c.layout, items).replace(/⟦(\d+)⟧/g, (_, i) => printed(Number(i)));
  if (c.traditional) text = toTraditional(text);
  if (c.lookalikes) text = withLookalikes(text, rng.fork(11), c.layout === 'html').text;
  const ext = c.layout === 'html' ? 'html' : 'txt';
  return { text, name: `prop-${c.layout}-${c.template}-${c.seed}.${ext}`, template: c.template, year: report.year, expected, applied, lossy, misprinted };
}
