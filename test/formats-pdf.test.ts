/**
 * End to end on the PDF fixtures: bytes → sniff → read → core, every field compared with the
 * fixture's expected JSON (values made by scripts/make-pdf-fixtures.js). Prints field accuracy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractBytes } from '../src/pipeline/extract';

const DIR = path.join(__dirname, 'fixtures/files/pdf');
// scanned.pdf (no text layer) is read by OCR now: its end-to-end case is in bad-input.test.ts (read,
// flagged, OCR evidence) and read-pdf.test.ts (pdf_no_text_layer with OCR off), as its expected JSON says
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.pdf') && f !== 'scanned.pdf').sort();

interface Expected {
  error?: string;
  template?: string;
  year?: number;
  agency?: string;
  fields?: Record<string, number>;
}

const accuracy: Record<string, string> = {};
afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`PDF field accuracy:\n${Object.entries(accuracy).map(([f, a]) => `  ${f}: ${a}`).join('\n')}`);
});

/** Share of fields that must match exactly, where a fixture is allowed to miss some (none is now). */
const MIN_ACCURACY: Record<string, number> = {};

describe.each(files)('%s end to end', (file) => {
  const exp: Expected = JSON.parse(fs.readFileSync(path.join(DIR, file.replace(/\.pdf$/, '.expected.json')), 'utf8'));

  test(exp.error ? `fails with ${exp.error}` : 'meta and every field as printed', async () => {
    const r = await extractBytes(fs.readFileSync(path.join(DIR, file)), { path: file });
    if (exp.error) {
      expect(r.status).toBe('failed');
      expect(r.error?.code).toBe(exp.error);
      return;
    }
    expect(r.status).not.toBe('failed');
    expect(r.meta).toEqual({ template: exp.template, year: exp.year, agency: exp.agency });
    const keys = Object.keys(exp.fields!);
    const wrong = keys.filter((k) => r.fields[k] !== exp.fields![k]);
    accuracy[file] = `${keys.length - wrong.length}/${keys.length}`;
    const min = MIN_ACCURACY[file] ?? 1;
    if (min === 1) {
      expect(wrong.map((k) => `${k}=${r.fields[k]}`)).toEqual([]);
    } else {
      expect((keys.length - wrong.length) / keys.length).toBeGreaterThanOrEqual(min);
      // what was read is right: a wrong field may only be missing, never another number
      expect(wrong.filter((k) => r.fields[k] !== null && r.fields[k] !== undefined).map((k) => `${k}=${r.fields[k]}`)).toEqual([]);
    }
  });
});
