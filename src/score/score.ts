/**
 * Confidence, flags and status. A value's confidence starts from how it was placed (its own
 * label, an exact run between anchors, order alone, a re-placement) and how it was obtained
 * (read, inferred), and drops when an identity it takes part in fails. A document is `ok` only
 * when every value is confident, every check holds and nothing is flagged.
 */
import type { Cell, CellEvidence, Check, Flag } from '../model/extraction';
import type { Token } from '../recover/tokens';
import type { Mapping, PlacedField, Placement } from '../map/place';
import { agencyLevel, implausible, type PlausibilityContext } from './plausible';

export const OK_CONFIDENCE = 0.95;

const PLACEMENT_CONFIDENCE: Record<Placement, number> = {
  anchored: 0.99,
  bounded: 0.97,
  ordered: 0.9,
  realigned: 0.9,
  ambiguous: 0.3,
};

export interface ScoreContext {
  /** The agency's name (its level sets the plausible magnitudes). */
  agency?: string | null;
}

/**
 * OCR'd values (evidence.pos.ocr = recognition confidence): one an identity confirms may be read
 * with less certainty; one no identity checks needs a near-certain reading (both framings agreed,
 * every glyph ≥ 0.98), else it is flagged. A misread must never end `ok`.
 */
export const OCR_CONFIRMED_MIN = 0.5;
export const OCR_UNCHECKED_MIN = 0.98;


export function scoreTableFields(mapping: Mapping, tokens: Token[], checks: Check[], flags: Flag[], ctx: ScoreContext = {}): Record<string, Cell> {
  const values = new Map<string, number | null>();
  for (const [k, f] of mapping.fields) values.set(k, f.value);
  const plausibility: PlausibilityContext = { level: agencyLevel(ctx.agency), values };
  const passedBy = new Map<string, string[]>();
  const failedBy = new Map<string, string[]>();
  for (const c of checks) {
    if (c.skipped) continue;
    for (const k of c.fields ?? []) {
      const m = c.ok ? passedBy : failedBy;
      const ids = m.get(k);
      if (ids) ids.push(c.id);
      else m.set(k, [c.id]);
    }
    if (!c.ok) flags.push({ code: 'identity_failed', message: `${c.id} does not hold: ${c.detail}` });
  }

  const cells: Record<string, Cell> = {};
  for (const row of mapping.rows) {
    const placed = row.row.fields.map((k) => mapping.fields.get(k)!);
    if (row.placement === 'ambiguous') {
      flags.push({ code: 'ambiguous_row', field: row.row.fields[0], message: `row “${row.row.label}” (${row.row.table}): ${placed[0]?.note ?? 'numbers could not be placed with certainty'}` });
    } else if (row.placement === 'realigned') {
      flags.push({ code: 'row_realigned', field: row.row.fields[0], message: `row “${row.row.label}” (${row.row.table}): cells were irregular; numbers moved to the only placement that satisfies the identities` });
    } else if (row.placement === 'ordered' && placed.some((p) => p.method === 'read')) {
      flags.push({ code: 'low_confidence', field: row.row.fields[0], message: `row “${row.row.label}” (${row.row.table}) has no label in the source and was placed by order alone` });
    }
    for (const p of placed) cells[p.field] = cellOf(p, tokens, passedBy.get(p.field), failedBy.get(p.field), flags, plausibility);
  }
  return cells;
}

function cellOf(p: PlacedField, tokens: Token[], passed: string[] | undefined, failed: string[] | undefined, flags: Flag[], plausibility: PlausibilityContext): Cell {
  const t = p.token >= 0 ? tokens[p.token] : undefined;
  const evidence: CellEvidence = { method: p.method, placement: p.placement };
  if (t) {
    evidence.raw = t.kind === 'empty' ? t.raw.trim() : t.raw;
    evidence.pos = t.pos;
  }
  if (p.label !== undefined) {
    evidence.label = p.label;
    evidence.labelScore = Math.round(p.labelSim * 100) / 100;
  }
  if (p.unit) evidence.unit = p.unit;
  if (p.factor) evidence.factor = p.factor;
  if (p.via) evidence.via = p.via;
  if (p.note) evidence.note = p.note;
  if (t && t.kind === 'empty') evidence.empty = t.raw.trim();

  let confidence = 0;
  if (p.method === 'read') {
    confidence = PLACEMENT_CONFIDENCE[p.placement];
    // Digits apart in a text dump may be cells run together: one number only where the row took
    // exactly its slots by its label or between anchors and the identities of the value hold.
    const confirmed = t?.split === true && (p.placement === 'anchored' || p.placement === 'bounded') && !!passed?.length && !failed?.length;
    if (p.doubt) {
      confidence = Math.min(confidence, 0.85);
      flags.push({ code: 'low_confidence', field: p.field, message: `${p.field} = ${p.value}: ${p.doubt}` });
    } else if (t?.note && !confirmed) {
      confidence = Math.min(confidence, 0.85);
      flags.push({ code: 'low_confidence', field: p.field, message: `${p.field} = ${p.value} read from ${JSON.stringify(t.raw.trim())}: ${t.note}` });
    }
  } else if (p.method === 'inferred') {
    confidence = 0.6;
    flags.push({ code: 'inferred', field: p.field, message: `${p.field} = ${p.value}: ${p.note ?? 'solved from the identities'}` });
  } else if (p.method === 'blank' && p.value !== null) {
    // A blank cell of a true grid, read as 0: as sure as its placement, unless an identity fails.
    confidence = PLACEMENT_CONFIDENCE[p.placement];
  } else if (p.method === 'blank') {
    flags.push({ code: 'blank_cell', field: p.field, message: `${p.field} printed as ${JSON.stringify(t?.raw.trim() ?? '')} and the identities do not determine it` });
  } else {
    flags.push({ code: 'not_found', field: p.field, message: `${p.field} was not found in the source` });
  }
  if (p.value !== null) {
    const why = implausible(p.field, p.value, plausibility, t?.unit);
    if (why) {
      confidence = Math.min(confidence, 0.3);
      flags.push({ code: 'implausible_value', field: p.field, message: why });
    }
  }
  const ocr = t?.pos.ocr;
  if (ocr !== undefined && p.method === 'read' && t?.kind === 'num') {
    const confirmed = !!passed?.length && !failed?.length;
    if (ocr < (confirmed ? OCR_CONFIRMED_MIN : OCR_UNCHECKED_MIN)) {
      confidence = Math.min(confidence, 0.5);
      flags.push({ code: 'low_confidence', field: p.field, message: `${p.field} = ${p.value} was read by OCR with confidence ${ocr}${confirmed ? '' : ' and no identity checks it'}` });
    }
  }
  if (failed?.length) confidence = Math.min(confidence, 0.5);
  else if (passed?.length && (p.method === 'read' || p.method === 'blank')) confidence = Math.min(0.995, confidence + 0.005);
  const cell: Cell = { confidence: Math.round(confidence * 1000) / 1000, inferred: p.method === 'inferred', evidence };
  if (passed?.length) cell.passed = passed;
  if (failed?.length) cell.failed = failed;
  return cell;
}
