/**
 * Regressions for what the outside generator (test/classes/independent.gen.ts, class 13.0) found:
 * each damage alone, on a few documents, with the expected grid from the generated truth.
 *
 * - Rows, columns or 诉讼 groups printed in another order than the template (labels with them)
 *   were read by position and came out `ok` with wrong numbers: every identity still holds. Now
 *   they are read by their labels (src/map/order.ts), or flagged where that is not possible.
 * - Footnote marks after a figure (`12①`, `12*`, `<sup>1</sup>`, a Word superscript run) were
 *   folded into it by NFKC (121).
 * - An amount column whose header states 元 (采购总金额（元）), or a unit row 金额单位：元: its cells
 *   were read as 万元.
 * - An extra 合计 column with blank cells: the aligner skipped a blank to give the extra number a
 *   slot, and the shifted row could still add up.
 */
import { makeOutside } from './classes/independent.gen';
import { makeDoc } from './fixtures/docs';
import { evaluateClassDoc } from './classes/harness';
import { extractBytes } from '../src/pipeline/extract';
import { tokenize } from '../src/recover/tokens';
import type { DocumentModel } from '../src/model/document';

const PLAIN = {
  remarks: false, unitRow: false, notesRow: false, s2Single: false, s3Flat: false, s3Split: false, s4Transposed: false, s4Sum: false,
  reorder: false, s3ColSwap: false, s3RowSwap: false, s4Swap: false, dupS3: false, s3OneHeader: false, yuanHeader: false, yuanRow: false,
  blank: 'none' as const, sep: 0, full: 0, mark: 0, sup: 0,
};

async function run(force: Parameters<typeof makeOutside>[2], seeds = [11, 12, 13]) {
  const out = [];
  for (const s of seeds) {
    const d = makeOutside(s, 0, { ...PLAIN, ...force });
    const ex = await extractBytes(d.bytes, { path: d.name });
    const r = evaluateClassDoc(d.expected, ex);
    out.push({ id: d.expected.id, status: ex.status, right: r.allRight, wrongOk: r.wrongOk || r.mustFlagOk, wrong: r.wrong.slice(0, 3), ex });
  }
  return out;
}

describe('printed out of the template order: read by the labels, never by position', () => {
  const cases: [string, Parameters<typeof makeOutside>[2]][] = [
    ['two rows of an s3 result group swapped (HTML)', { s3RowSwap: true }],
    ['two rows swapped, one label column (DOCX)', { s3RowSwap: true, s3Flat: true, format: 'docx' }],
    ['two 法人 columns swapped (Word HTML)', { s3ColSwap: true, format: 'html-word' }],
    ['columns swapped under a one-row header, blanks for zeros', { s3ColSwap: true, s3OneHeader: true, zero: 0.4, blank: 'all' }],
    ['rows and columns swapped, a 备注 column', { s3ColSwap: true, s3RowSwap: true, remarks: true }],
    ['transposed 四 with 复议后起诉 first', { s4Transposed: true, s4Swap: true }],
    ['the 第二十条第（一）项 table printed after the others', { reorder: true, format: 'docx' }],
  ];
  for (const [name, force] of cases) {
    test(name, async () => {
      for (const r of await run(force)) {
        expect({ id: r.id, wrong: r.wrong }).toEqual({ id: r.id, wrong: [] });
        expect(r.status).toBe('ok');
      }
    });
  }

  test('a one-row s3 header in the template order is no conflict', async () => {
    for (const r of await run({ s3OneHeader: true, s3Flat: true })) {
      expect(r.right).toBe(true);
      expect(r.status).toBe('ok');
    }
  });

  test('a second s3 table with other figures is never ok', async () => {
    for (const r of await run({ dupS3: true })) expect(r.status).not.toBe('ok');
  });

  test('an extra 诉讼合计 column with blank cells is never ok with a shifted row', async () => {
    // (seeds where the shifted row adds up by chance: before the fix these came out ok)
    for (const r of await run({ s4Sum: true, zero: 0.5, blank: 'all', scale: 'township' }, [4, 12, 32, 33, 61, 65])) expect(r.wrongOk).toBe(false);
  });
});

describe('an amount column whose header states 元', () => {
  // 采购总金额（元） / 本年收费金额（单位：元） with the cells in 元 were read as 万元 (×10000), ok
  test('cells without a unit are in the header’s unit, converted to 万元 with the factor in the evidence', async () => {
    for (const layout of ['2019', '2021'] as const) {
      for (const r of await run({ yuanHeader: true, layout }, [11, 12, 13, 14])) {
        expect({ id: r.id, wrong: r.wrong }).toEqual({ id: r.id, wrong: [] });
        const key = layout === '2019' ? 's2.procurement.amount' : 's2.fees.amount';
        if (r.ex.fields[key]) expect(r.ex.cells[key].evidence).toMatchObject({ unit: '元', factor: 1e-4 });
      }
    }
  });

  test('a unit row (金额单位：元) holds for the amount cells after it; contradicting the official 万元 header it is flagged', async () => {
    for (const r of await run({ yuanRow: true, layout: '2019' }, [11, 12, 13, 14])) {
      expect({ id: r.id, wrong: r.wrong }).toEqual({ id: r.id, wrong: [] });
      expect(r.status).toBe('ok');
    }
    for (const r of await run({ yuanRow: true, layout: '2021' }, [11, 12, 13, 14])) {
      if (r.ex.fields['s2.fees.amount']) expect(r.status).not.toBe('ok');
      expect(r.wrongOk).toBe(false);
    }
  });

  test('in a text dump a header that reads 元 may be the official 万元 with a character lost: kept, flagged', async () => {
    const d = makeDoc({ layout: 'clean-tabs', template: '2021', seed: 5, scale: 'city' });
    const text = d.bytes.toString('utf8');
    expect(text).toContain('本年收费金额（单位：万元）');
    const ex = await extractBytes(Buffer.from(text.replace('本年收费金额（单位：万元）', '本年收费金额（单位：元）'), 'utf8'), { path: d.name });
    expect(ex.fields['s2.fees.amount']).toBe(d.expected.fields['s2.fees.amount']);
    expect(ex.status).not.toBe('ok');
    expect(ex.flags.some((f) => f.code === 'low_confidence' && f.field === 's2.fees.amount')).toBe(true);
  });
});

describe('footnote marks after a figure', () => {
  const doc = (cells: string[]): DocumentModel => ({
    format: 'html',
    blocks: [{ kind: 'table', origin: 'html', pos: {}, rows: [cells.map((text, col) => ({ text, pos: { row: 0, col } }))] }],
  } as unknown as DocumentModel);

  test('12①, 12*, 12¹, 35.5※ read as the figure, the mark kept apart', () => {
    const ts = tokenize(doc(['12①', '12*', '12¹', '35.5※', '7（注）']));
    expect(ts.filter((t) => t.kind === 'num').map((t) => [t.value, t.mark])).toEqual([[12, '①'], [12, '*'], [12, '¹'], [35.5, '※'], [7, '（注）']]);
  });

  test('a circled or superscript digit inside a figure never becomes a digit of it', () => {
    const ts = tokenize(doc(['①12', '1²3']));
    expect(ts.filter((t) => t.kind === 'num')).toEqual([]);
  });

  test('HTML <sup> and Word superscript runs are marks, not digits (documents stay right)', async () => {
    for (const format of ['html', 'docx'] as const) {
      for (const r of await run({ sup: 0.05, format })) {
        expect({ id: r.id, wrong: r.wrong }).toEqual({ id: r.id, wrong: [] });
        // the mark is in the evidence of some cell
        expect(Object.values(r.ex.cells).some((c) => /footnote mark/.test(c.evidence.note ?? ''))).toBe(true);
      }
    }
  });
});
