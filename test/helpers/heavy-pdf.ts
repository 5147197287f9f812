/**
 * Small PDFs that are costly to read, for time-limit and crash tests: one content stream of `ops`
 * drawing operators (deflated: a few KB) shared by `pages` pages. `kind: 'state'` (save/transform/restore,
 * no text) costs CPU but little memory; `kind: 'text'` draws a digit each time, and the text items the
 * reader keeps make memory grow with every page.
 */
import { deflateSync } from 'zlib';

export function heavyPdf(opts: { pages: number; ops: number; kind: 'state' | 'text' }): Buffer {
  const op = opts.kind === 'text' ? 'BT /F1 9 Tf 72 700 Td (12) Tj ET\n' : 'q 1 0 0 1 0 0 cm Q\n';
  const content = deflateSync(Buffer.from(op.repeat(opts.ops)));
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${'3 0 R '.repeat(opts.pages).trim()}] /Count ${opts.pages} >>`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ].map((o) => Buffer.from(o));
  objs.push(Buffer.concat([Buffer.from(`<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n`), content, Buffer.from('\nendstream')]));
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  let len = parts[0].length;
  const offsets: number[] = [];
  objs.forEach((body, i) => {
    offsets.push(len);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    parts.push(obj);
    len += obj.length;
  });
  const xref = `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${len}\n%%EOF\n`));
  return Buffer.concat(parts);
}
