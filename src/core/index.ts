/**
 * The core: document model → extraction. Pure and synchronous; every shell (CLI, workers,
 * web) calls it through src/pipeline/extract.ts.
 *
 *   recover (token stream) → detect template (align to both) → map (place rows, solve blanks)
 *   → validate (identities) → score & flag → status
 */
import type { DocumentModel } from '../model/document';
import type { Cell, Check, Extraction, Flag, TemplateId } from '../model/extraction';
import { ExtractError } from '../errors';
import { gridKeys } from '../grid';
import { TRADITIONAL_HITS, normalizeText, toSimplified, traditionalHits } from '../normalize/text';
import { tokenize } from '../recover/tokens';
import { detectAndMap } from '../detect/detect';
import { judgeReportPage } from '../detect/report-page';
import { tablesAsImages } from '../detect/table-images';
import { runChecks } from '../validate/checks';
import { scoreTableFields, OK_CONFIDENCE } from '../score/score';
import { proseReading } from '../prose/figures';
import { TABLE_BREAK, furnitureIndices } from '../prose/running-text';
import { guessMeta } from '../meta/meta';
import type { Values } from '../map/solve';

export type CoreResult = Omit<Extraction, 'source' | 'pipeline'>;

/** Template margin (alignment score) under which the choice is reported as uncertain. */
const TEMPLATE_MARGIN = 2;

/** Distinctive labels of a template that show its official tables are in the source. */
const OFFICIAL_LABELS = 3;

/** Prose figures that the tables also state, to cross-check. */
const PROSE_VS_TABLE: Record<string, string[]> = {
  'p.requests_total': ['s3.new.total'],
  'p.reviews': ['s4.review.total'],
  'p.lawsuits': ['s4.suit_direct.total', 's4.suit_after_review.total'],
};

/** Does `f` hold for some text of the document: a paragraph or a table cell (the pieces its whole text is joined from). */
function someText(doc: DocumentModel, f: (s: string) => boolean): boolean {
  for (const b of doc.blocks) {
    if (b.kind === 'paragraph') {
      if (f(b.text)) return true;
    } else if (b.kind === 'table') for (const r of b.rows) for (const c of r) if (f(c.text)) return true;
  }
  return false;
}

/** Not whitespace only (`trim() !== ''` of the joined text, without joining it). */
const hasText = (doc: DocumentModel) => someText(doc, (t) => /\S/.test(t));

/** `looksTraditional` of the joined text: the joints are spaces, which are never markers. */
function looksTraditionalDoc(doc: DocumentModel): boolean {
  let hits = 0;
  return someText(doc, (t) => (hits += traditionalHits(t, TRADITIONAL_HITS - hits)) >= TRADITIONAL_HITS);
}

export function runCore(doc: DocumentModel): CoreResult {
  if (!hasText(doc)) throw new ExtractError('empty_input', 'the document has no text');
  const traditional = looksTraditionalDoc(doc);
  const convert = traditional ? (s: string) => normalizeText(toSimplified(s)) : normalizeText;
  // One normalisation per distinct string: cells repeat ("0" hundreds of times) and paragraphs are
  // read both as tokens and as prose.
  const memo = new Map<string, string>();
  const norm = (s: string): string => {
    let r = memo.get(s);
    if (r === undefined) memo.set(s, (r = convert(s)));
    return r;
  };

  // One entry per block (running text never continues over a table: a break where each stood).
  const proseParas = doc.blocks.map((b) => (b.kind === 'paragraph' ? norm(b.text) : TABLE_BREAK));
  const tokens = tokenize(doc, norm, furnitureIndices(proseParas));
  const detection = detectAndMap(tokens);
  const paragraphs = doc.blocks.filter((b) => b.kind === 'paragraph').map((b) => norm((b as { text: string }).text));
  const meta = guessMeta(paragraphs);
  const { figures, setAside } = proseReading(proseParas, { year: meta.year });

  if (detection.template === 'free') {
    const page = judgeReportPage(doc, norm, meta.isReport);
    if (!page.isReport) throw new ExtractError('not_annual_report', page.reason);
  }

  const flags: Flag[] = [];
  const fields: Record<string, number | null> = {};
  let cells: Record<string, Cell> = {};
  let checks: Check[] = [];
  const template: TemplateId = detection.template;

  if (detection.template !== 'free' && detection.mapping) {
    const values: Values = new Map();
    for (const key of gridKeys(detection.template)) {
      const v = detection.mapping.fields.get(key)?.value ?? null;
      values.set(key, v);
      fields[key] = v;
    }
    checks = runChecks(detection.template, values);
    cells = scoreTableFields(detection.mapping, tokens, checks, flags, { agency: meta.agency });
    if (detection.margin < TEMPLATE_MARGIN) {
      flags.push({ code: 'template_uncertain', message: `the tables fit both templates almost equally (alignment scores ${JSON.stringify(detection.scores)})` });
    }
  }

  for (const f of figures) {
    fields[f.key] = f.value;
    let confidence = f.confidence;
    const passed: string[] = [];
    const failed: string[] = [];
    const tableKeys = PROSE_VS_TABLE[f.key];
    if (tableKeys && template !== 'free') {
      const tableValues = tableKeys.map((k) => fields[k]);
      if (tableValues.every((v) => typeof v === 'number')) {
        const total = (tableValues as number[]).reduce((a, b) => a + b, 0);
        const id = `prose.${f.key.slice(2)}`;
        const ok = total === f.value;
        checks.push({ id, ok, fields: [f.key, ...tableKeys], detail: `text says ${f.value}, table ${tableKeys.join(' + ')} = ${total}` });
        if (ok) {
          passed.push(id);
          confidence = Math.max(confidence, 0.97);
        } else {
          failed.push(id);
          confidence = Math.min(confidence, 0.6);
          flags.push({ code: 'prose_table_mismatch', field: f.key, message: `the text says ${f.value} but the table gives ${total} (${tableKeys.join(' + ')})` });
        }
      }
    }
    // a figure OCR read from running text carries no recognition check of its own: only the table confirms it
    if (doc.ocr && !passed.length) confidence = Math.min(confidence, 0.9);
    if (f.conflicts) flags.push({ code: 'prose_uncertain', field: f.key, message: `the text also gives ${f.conflicts.join(', ')} for ${f.key}` });
    else if (confidence < OK_CONFIDENCE && doc.ocr && !passed.length) flags.push({ code: 'prose_uncertain', field: f.key, message: `${f.key} = ${f.value} was read by OCR from the text and no table confirms it` });
    else if (confidence < OK_CONFIDENCE) flags.push({ code: 'prose_uncertain', field: f.key, message: `${f.key} = ${f.value} read from a ${f.pattern} sentence: “${f.sentence.slice(0, 80)}”` });
    const cell: Cell = { confidence, inferred: false, evidence: { method: 'prose', sentence: f.sentence, note: `${f.pattern} pattern` } };
    if (passed.length) cell.passed = passed;
    if (failed.length) cell.failed = failed;
    cells[f.key] = cell;
  }

  // The text speaks of a figure but only for another year (or as a change): the report's own may be missing.
  for (const key of new Set(setAside.map((a) => a.key))) {
    const a = setAside.find((x) => x.key === key)!;
    flags.push({ code: 'prose_uncertain', field: key, message: `the text gives ${a.value} for ${key} only in a sentence set aside (${a.reason}): “${a.sentence.slice(0, 80)}”` });
  }

  const pictures = template === 'free' ? tablesAsImages(doc, norm, meta.year) : null;
  if (pictures) {
    const pages = [...new Set(pictures.images.map((im) => im.pos.page).filter((p) => p !== undefined))];
    flags.push({
      code: 'tables_as_images',
      message: `no official statistics tables in the text, but ${pictures.images.length} picture(s) where they belong${pictures.inSections ? ` (${pictures.inSections} in the table sections)` : ''}${pages.length ? `, page(s) ${pages.join(', ')}` : ''}: the tables are probably printed as images`,
    });
  } else if (template === 'free' && figures.length === 0) {
    flags.push({ code: 'no_tables', message: 'no official statistics tables and no figures stated in the text' });
  } else if (template === 'free' && Math.max(detection.distinctive['2019'], detection.distinctive['2021']) >= OFFICIAL_LABELS) {
    // The official tables' own labels are there but too few of their cells were read (a text dump
    // whose cells are mostly blank, say): the tables' figures are not in the output, so never ok.
    flags.push({ code: 'no_tables', message: `the official tables' labels are present (${JSON.stringify(detection.distinctive)} distinctive labels) but too few of their cells could be read` });
  }
  if (doc.truncated) flags.push({ code: 'input_truncated', message: `part of the source was not read: ${doc.truncated}` });
  if (meta.year === null) flags.push({ code: 'meta_missing', field: 'meta.year', message: 'the report year was not found' });
  if (meta.agency === null) flags.push({ code: 'meta_missing', field: 'meta.agency', message: 'the publishing agency was not found' });

  const allConfident = Object.values(cells).every((c) => c.confidence >= OK_CONFIDENCE);
  const allChecks = checks.every((c) => c.ok);
  const status = flags.length === 0 && allConfident && allChecks ? 'ok' : 'flagged';
  return {
    meta: { agency: meta.agency, year: meta.year, template },
    fields,
    cells,
    checks,
    flags,
    status,
  };
}
