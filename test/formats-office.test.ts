/**
 * End to end on the HTML, DOCX and DOC fixtures: bytes → extractBytes → every field and the
 * meta compared with <name>.expected.json. Prints per-format field accuracy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractBytes } from '../src/pipeline/extract';

const ROOT = path.join(__dirname, 'fixtures/files');
const FORMATS = ['html', 'docx', 'doc'] as const;

interface Expected {
  template?: string;
  year?: number;
  agency?: string;
  fields?: Record<string, number>;
  error?: string;
}

const cases = FORMATS.flatMap((dir) =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter((f) => !f.endsWith('.json') && !f.endsWith('.ts'))
    .map((f) => {
      const file = path.join(ROOT, dir, f);
      const exp: Expected = JSON.parse(fs.readFileSync(file.replace(/\.[^.]+$/, '.expected.json'), 'utf8'));
      return { dir, name: `${dir}/${f}`, file, exp };
    })
    .filter((c) => c.exp.fields || c.exp.error),
);

const tally: Record<string, { files: number; fields: number; correct: number }> = {};

afterAll(() => {
  const lines = Object.entries(tally).map(
    ([fmt, t]) => `${fmt.padEnd(5)} ${t.files} files, ${t.correct}/${t.fields} fields correct (${((100 * t.correct) / Math.max(1, t.fields)).toFixed(1)}%)`,
  );
  // eslint-disable-next-line no-console
  console.log(`office formats, field accuracy:\n${lines.join('\n')}`);
});

describe('office formats end to end', () => {
  test('there are fixtures of every format', () => {
    for (const f of FORMATS) expect(cases.filter((c) => c.dir === f && c.exp.fields).length).toBeGreaterThanOrEqual(2);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const ex = await extractBytes(fs.readFileSync(c.file), { path: c.file });
    if (c.exp.error) {
      expect(ex.status).toBe('failed');
      expect(ex.error?.code).toBe(c.exp.error);
      return;
    }
    const t = (tally[c.dir] ??= { files: 0, fields: 0, correct: 0 });
    t.files++;
    const wrong: string[] = [];
    for (const [k, v] of Object.entries(c.exp.fields!)) {
      t.fields++;
      if (ex.fields[k] === v) t.correct++;
      else wrong.push(`${k}: expected ${v}, got ${ex.fields[k]}`);
    }
    expect(ex.status).not.toBe('failed');
    expect(wrong).toEqual([]);
    expect(ex.meta).toEqual({ template: c.exp.template, year: c.exp.year, agency: c.exp.agency });
    expect(ex.source.format).toBe(/(html|mht)-as-doc/.test(c.name) ? 'html' : c.dir);
  });
});
