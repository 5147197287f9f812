/**
 * Two shortcuts in pdf.js's in-thread work: its messages are copied by a JavaScript structured clone
 * (src/read/pdf/clone.ts, installed on its LoopbackPort by src/read/pdf/pdfjs.ts) instead of V8's
 * structuredClone, and Flate streams are inflated in one call rather than through a Web stream
 * (INFLATE_PATCH). Proved here: the clone gives what structuredClone gives on the kinds of values
 * pdf.js sends (and leaves anything else to it), the port really uses it, and every PDF fixture —
 * a Chromium report set in Type 3 fonts, truncated and broken files, and in-process PDFs of the
 * four text emissions among them — reads the same (its document model, byte for byte) with either
 * shortcut off.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cloneMessage } from '../src/read/pdf/clone';
import { loadPdfjs } from '../src/read/pdf/pdfjs';
import { readPdfBytes } from '../src/read/pdf';
import { makePdfDigitsDoc } from './classes/pdf-digits.gen';

const FIX = path.join(__dirname, 'fixtures/files');
const g = globalThis as { __nianbaoClone?: string; __nianbaoInflate?: string };

class Glyph {
  constructor(public unicode: string, public width: number, public vmetric: number[] | null = null) {}
  get shown(): string {
    return this.unicode;
  }
}

describe('cloneMessage', () => {
  test('the same values as structuredClone, shared references and cycles kept', () => {
    const shared = { a: 1 };
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    const value = {
      n: 1.5, s: 'text', b: true, u: undefined, z: null, neg: -0,
      arr: [1, 'x', [2, [3]], shared, shared], glyph: new Glyph('一', 1000), sparse: [1, , 3],
      f32: new Float32Array([1, 2.5]), u8: new Uint8Array([1, 2, 3]), buf: new ArrayBuffer(4),
      map: new Map<unknown, unknown>([['k', { v: 1 }], [2, shared]]), set: new Set([1, 'a']), date: new Date(5), cyclic,
    };
    const mine = cloneMessage(value) as typeof value;
    const native = structuredClone(value);
    expect(mine).toEqual(native);
    expect(Object.getPrototypeOf(mine.glyph)).toBe(Object.prototype);
    expect('shown' in mine.glyph).toBe(false);
    expect(mine.arr[3]).toBe(mine.arr[4]);
    expect((mine.cyclic as Record<string, unknown>).self).toBe(mine.cyclic);
    expect(mine.u8).not.toBe(value.u8);
    expect(mine.f32).toBeInstanceOf(Float32Array);
    expect(1 / (mine.neg as number)).toBe(-Infinity);
  });

  test('a transferred buffer is handed over; what it cannot copy goes to structuredClone', () => {
    const data = new Uint8Array([9, 8, 7]);
    const out = cloneMessage({ data }, [data.buffer]) as { data: Uint8Array };
    expect(out.data).toBe(data);
    expect(() => cloneMessage({ f: () => 1 })).toThrow(); // DataCloneError, as structuredClone
    const err = cloneMessage({ e: new TypeError('x') }) as { e: Error };
    expect(err.e.name).toBe('TypeError'); // (jest's realm: instanceof would compare another TypeError)
    expect(err.e.message).toBe('x');
    expect(cloneMessage({ big: 10n })).toEqual({ big: 10n });
  });

  test("pdf.js's LoopbackPort uses it", async () => {
    const lib = await loadPdfjs();
    const w = new lib.PDFWorker();
    try {
      await w.promise;
      expect((Object.getPrototypeOf(w.port) as { __nianbaoFastClone?: boolean }).__nianbaoFastClone).toBe(true);
    } finally {
      w.destroy();
    }
  });
});

/** The document model as JSON (the extraction is a pure function of it), read with pdf.js's shortcuts on, or with one off. */
async function readAs(off: 'none' | 'clone' | 'inflate', bytes: Uint8Array): Promise<string> {
  if (off === 'clone') g.__nianbaoClone = 'native';
  if (off === 'inflate') g.__nianbaoInflate = 'stream';
  try {
    try {
      return JSON.stringify(await readPdfBytes(new Uint8Array(bytes)));
    } catch (e) {
      return JSON.stringify({ error: (e as { code?: string }).code ?? String(e), message: (e as Error).message });
    }
  } finally {
    delete g.__nianbaoClone;
    delete g.__nianbaoInflate;
  }
}

describe('PDF reader: the same documents whichever way messages are copied and streams inflated', () => {
  const files: [string, () => Uint8Array][] = [];
  for (const dir of ['pdf', 'pdf-text']) {
    for (const f of fs.readdirSync(path.join(FIX, dir)).filter((x) => x.endsWith('.pdf')).sort()) {
      files.push([path.join(dir, f), () => new Uint8Array(fs.readFileSync(path.join(FIX, dir, f)))]);
    }
  }
  for (const i of [0, 1, 2, 3, 4, 5]) {
    const d = makePdfDigitsDoc(31, i, i % 2 === 0);
    files.push([`generated ${d.expected.variant}`, () => new Uint8Array(d.bytes)]);
  }
  test.each(files)('%s', async (_, bytes) => {
    const b = bytes();
    const fast = await readAs('none', b);
    expect(await readAs('clone', b)).toBe(fast);
    expect(await readAs('inflate', b)).toBe(fast);
  }, 60000);

  test('the Type 3 report reads right', async () => {
    const model = await readPdfBytes(new Uint8Array(fs.readFileSync(path.join(FIX, 'pdf-text/chromium-type3.pdf'))));
    const text = JSON.stringify(model.blocks);
    expect(text).toContain('全年主动公开政府信息1740条');
    expect(text).toContain('1,024');
  });
});
