/**
 * Small generators of hostile inputs for the bad-input suite: a minimal PDF writer (any number
 * of pages, generated at test time), a broken-xref variant of a real PDF, a hand-made zip
 * container (for DOCX zip bombs and malformed XML), and seeded random bytes.
 */
import * as zlib from 'zlib';
import { Rng } from '../fixtures/prng';

export function randomBytes(seed: number, n: number): Buffer {
  const rng = new Rng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng.next() * 256);
  return b;
}

const pdfString = (s: string) => `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;

/** A valid PDF with one page per entry, each printing its lines in Helvetica (ASCII only). */
export function makePdf(pages: string[][]): Buffer {
  const objs: string[] = [];
  const add = (body: string) => objs.push(body) ;
  add('<< /Type /Catalog /Pages 2 0 R >>');
  const kids = pages.map((_, i) => `${4 + 2 * i} 0 R`).join(' ');
  add(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`);
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  pages.forEach((lines, i) => {
    add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`);
    const ops = lines.map((l, j) => `BT /F1 11 Tf 60 ${780 - 16 * j} Td ${pdfString(l)} Tj ET`).join('\n');
    add(`<< /Length ${Buffer.byteLength(ops, 'latin1')} >>\nstream\n${ops}\nendstream`);
  });
  return pdfFromObjects(objs);
}

/** A PDF file of these object bodies (object 1 is the catalog), with its cross-reference table. */
export function pdfFromObjects(objs: string[]): Buffer {
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objs.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/**
 * The same PDF with its cross-reference table destroyed: every offset points to byte 1 and
 * startxref points into the middle of the file. A reader has to rebuild the table by scanning.
 */
export function breakXref(pdf: Buffer): Buffer {
  const s = pdf.toString('latin1');
  const at = s.lastIndexOf('\nxref');
  if (at < 0) throw new Error('breakXref: no classic xref table');
  const tail = s
    .slice(at)
    .replace(/^\d{10} (\d{5}) n/gm, '0000000001 $1 n')
    .replace(/startxref\s+(\d+)/, (_, n: string) => `startxref\n${String(Math.floor(Number(n) / 2)).padStart(n.length, '7')}`);
  const out = Buffer.from(s.slice(0, at) + tail, 'latin1');
  if (out.equals(pdf)) throw new Error('breakXref: nothing changed');
  return out;
}

// ------------------------------------------------------------------ zip

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(b: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export interface ZipPart {
  name: string;
  /** Uncompressed content (stored deflated), or an already-deflated payload with the sizes to declare. */
  data?: Buffer;
  raw?: { deflated: Buffer; declaredSize: number; crc?: number };
}

/** A zip container (deflate), with the sizes each part declares under the caller's control. */
export function makeZip(parts: ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name, 'utf8');
    const deflated = p.raw ? p.raw.deflated : zlib.deflateRawSync(p.data!);
    const size = p.raw ? p.raw.declaredSize : p.data!.length;
    const crc = p.raw ? (p.raw.crc ?? 0) : crc32(p.data!);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, deflated);
    centrals.push(central, name);
    offset += 30 + name.length + deflated.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(parts.length, 8);
  eocd.writeUInt16LE(parts.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;
const RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`;

/** The parts of a minimal DOCX around a given word/document.xml part. */
export function docxParts(document: ZipPart): ZipPart[] {
  return [
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    { name: '_rels/.rels', data: Buffer.from(RELS) },
    { ...document, name: 'word/document.xml' },
  ];
}

/** A word/document.xml with the given paragraphs (well-formed). */
export function documentXml(paragraphs: string[]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs
    .map((p) => `<w:p><w:r><w:t>${esc(p)}</w:t></w:r></w:p>`)
    .join('')}</w:body></w:document>`;
}
