/**
 * Sniffing: what the bytes really are (magic numbers and content, never the name alone)
 * and, for text and HTML, which character encoding they are in.
 *
 * Encoding order: BOM → declared charsets (HTTP Content-Type, then <meta charset> /
 * http-equiv) as hints → a verifying decode. Strict UTF-8 is tried first when nothing
 * is declared; GBK/GB2312 are decoded as GB18030 (their superset); a declaration that
 * fails verification is overridden and the reason says so.
 */
import { isUtf8 } from 'buffer';
import * as iconv from 'iconv-lite';
import type { SniffHints, SniffResult } from './types';
import { extractMhtml, isMhtml } from '../read/html/mhtml';

export type { SniffHints, SniffResult } from './types';

const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** Encodings nianbao decodes, by canonical name. */
const CANONICAL: Record<string, string> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
  gbk: 'gb18030',
  gb2312: 'gb18030',
  'gb_2312': 'gb18030',
  'gb_2312-80': 'gb18030',
  gb18030: 'gb18030',
  'x-gbk': 'gb18030',
  cp936: 'gb18030',
  'windows-936': 'gb18030',
  chinese: 'gb18030',
  'csgb2312': 'gb18030',
  'euc-cn': 'gb18030',
  hz: 'gb18030',
  big5: 'big5',
  'big5-hkscs': 'big5',
  'x-big5': 'big5',
  cp950: 'big5',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  'utf-16': 'utf-16le',
  'iso-8859-1': 'windows-1252',
  'latin1': 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'windows-1252': 'windows-1252',
};

/** Map a declared charset label to the encoding we decode with (GBK family → gb18030); undefined if unknown. */
export function canonicalEncoding(label: string | undefined | null): string | undefined {
  if (!label) return undefined;
  const l = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (CANONICAL[l]) return CANONICAL[l];
  if (iconv.encodingExists(l)) return l;
  return undefined;
}

/** Decode bytes with an encoding name as sniff returns it (BOMs are stripped). */
export function decode(bytes: Uint8Array, encoding: string | undefined): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const enc = canonicalEncoding(encoding) ?? 'utf-8';
  if (enc === 'utf-8') {
    const s = buf.toString('utf8');
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  }
  const s = iconv.decode(buf, enc);
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/**
 * Strict UTF-8 validation (rejects overlongs, surrogates, code points past U+10FFFF, truncated
 * sequences): Node's native validator, which applies exactly these rules.
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

function hasHighBytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return true;
  return false;
}

/**
 * How plausible a decoding is as Chinese text: share of CJK/ASCII/common punctuation among
 * non-ASCII characters, with replacement chars and private-use / rare ranges penalised.
 */
export function decodingScore(text: string): number {
  let good = 0;
  let bad = 0;
  let nonAscii = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) continue;
    nonAscii++;
    if (c === 0xfffd) bad += 3;
    else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xffef) || c === 0xa0 || (c >= 0x2010 && c <= 0x2030) || c === 0xb7 || c === 0x2116 || (c >= 0x2460 && c <= 0x24ff) || (c >= 0x2160 && c <= 0x217f)) good++;
    else if ((c >= 0xe000 && c <= 0xf8ff) || (c >= 0x80 && c <= 0x9f) || (c >= 0x3400 && c <= 0x4dbf) || c >= 0x20000) bad++;
    else if (c >= 0xc0 && c <= 0x2ff) bad += 0.5; // Latin letters with accents: mojibake of GBK read as Latin-1/UTF-8
  }
  if (nonAscii === 0) return 1;
  return Math.max(0, (good - bad) / nonAscii);
}

/** Charset from an HTTP Content-Type value. */
export function charsetFromContentType(ct: string | undefined): string | undefined {
  if (!ct) return undefined;
  const m = /charset\s*=\s*["']?([\w.:-]+)/i.exec(ct);
  return m ? m[1] : undefined;
}

/** Charset from <meta charset> or <meta http-equiv="Content-Type" content="...charset=...">, read in the first 8 KB as latin1. */
export function charsetFromMeta(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 8192)).toString('latin1');
  const metas = head.match(/<meta\b[^>]*>/gi) ?? [];
  for (const m of metas) {
    const a = /\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(m);
    if (a) return a[1];
  }
  const x = /<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)/i.exec(head);
  return x ? x[1] : undefined;
}

export interface EncodingDecision {
  encoding: string;
  reason: string;
}

/** Decide the character encoding of text or HTML bytes. */
export function detectEncoding(bytes: Uint8Array, hints: { contentType?: string; html?: boolean } = {}): EncodingDecision {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', reason: 'UTF-8 BOM' };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', reason: 'UTF-16LE BOM' };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', reason: 'UTF-16BE BOM' };

  const u16 = utf16WithoutBom(bytes);
  if (u16) return { encoding: u16, reason: `${u16.toUpperCase()} without BOM (zero bytes in every other position)` };

  const httpLabel = charsetFromContentType(hints.contentType);
  const metaLabel = hints.html !== false ? charsetFromMeta(bytes) : undefined;
  const declared: Array<{ label: string; from: string }> = [];
  if (httpLabel) declared.push({ label: httpLabel, from: 'HTTP Content-Type' });
  if (metaLabel) declared.push({ label: metaLabel, from: '<meta> charset' });

  if (!hasHighBytes(bytes)) {
    const d = declared.map((x) => canonicalEncoding(x.label)).find((e) => e && e !== 'utf-16le' && e !== 'utf-16be');
    return { encoding: d ?? 'utf-8', reason: 'ASCII only' };
  }

  const utf8ok = isValidUtf8(bytes);
  const overridden: string[] = [];
  for (const d of declared) {
    const enc = canonicalEncoding(d.label);
    if (!enc) { overridden.push(`${d.from} "${d.label}" unknown`); continue; }
    if (verify(bytes, enc, utf8ok)) return { encoding: enc, reason: `${d.from} "${d.label}", verified by decoding` };
    overridden.push(`${d.from} "${d.label}" failed verification`);
  }
  const suffix = overridden.length ? ` (${overridden.join('; ')})` : declared.length ? '' : ' (no charset declared)';
  if (utf8ok) return { encoding: 'utf-8', reason: `valid UTF-8${suffix}` };
  // Not UTF-8: the usual alternatives on Chinese government sites.
  const candidates = ['gb18030', 'big5'];
  let best = { enc: 'gb18030', score: -1 };
  for (const enc of candidates) {
    const s = decodingScore(iconv.decode(sample(bytes), enc));
    if (s > best.score + 0.05) best = { enc, score: s };
  }
  return { encoding: best.enc, reason: `not valid UTF-8, decodes as ${best.enc}${suffix}` };
}

/** Verification decodes at most the first 2 MB (enough to judge; bounded time on huge pages). */
function sample(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 2 * 1024 * 1024));
}

function verify(bytes: Uint8Array, enc: string, utf8ok: boolean): boolean {
  if (enc === 'utf-8') return utf8ok;
  if (enc === 'windows-1252') return false; // bytes above 0x7f are present: a Latin-1 declaration on a Chinese page is wrong
  const text = iconv.decode(sample(bytes), enc);
  const score = decodingScore(text);
  if (score < 0.6) return false;
  // Text that is valid UTF-8 with CJK almost never is GBK: prefer UTF-8 when it scores well.
  if (utf8ok && enc !== 'utf-16le' && enc !== 'utf-16be') {
    const u = decodingScore(sample(bytes).toString('utf8'));
    if (u >= score) return false;
  }
  return true;
}

const HTML_RE = /<(!doctype\s+html|html|head|body|table|div|meta|title|p|span|font|br)[\s>/]/i;

function looksLikeHtml(start: string): boolean {
  const s = start.replace(/^\ufeff/, '').trimStart();
  if (/^<(!doctype\s+html|html|\?xml[^>]*>\s*<html)/i.test(s)) return true;
  // Word "save as HTML" (.doc that is really HTML) starts with <html xmlns:v=...> or MIME-HTML
  if (/xmlns:w="urn:schemas-microsoft-com:office:word"/i.test(start)) return true;
  const tags = start.match(/<\/?[a-z][a-z0-9]*[\s>/]/gi) ?? [];
  return HTML_RE.test(start) && tags.length >= 3;
}

/** Find a zip entry name in the central directory / local headers without unzipping (cheap and bounded). */
function zipHasEntry(bytes: Uint8Array, name: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(Buffer.from(name, 'latin1')) >= 0;
}

/** What the bytes are. Names and Content-Type are hints for the encoding only, never for the format. */
export function sniff(bytes: Uint8Array, hints: SniffHints = {}): SniffResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0) return { format: 'unknown', reason: 'empty input' };
  if (buf.subarray(0, 5).toString('latin1') === '%PDF-') return { format: 'pdf', reason: 'starts with %PDF-' };
  const pdfAt = buf.subarray(0, 1024).indexOf('%PDF-', 0, 'latin1');
  if (pdfAt > 0) return { format: 'pdf', reason: `%PDF- header after ${pdfAt} bytes of leading junk` };
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 0x03 || buf[2] === 0x05 || buf[2] === 0x07)) {
    if (zipHasEntry(buf, 'word/document.xml')) return { format: 'docx', reason: 'zip container with word/document.xml' };
    if (zipHasEntry(buf, 'xl/workbook.xml')) return { format: 'unknown', reason: 'zip container of a spreadsheet (xlsx), not a Word document' };
    if (zipHasEntry(buf, 'ppt/presentation.xml')) return { format: 'unknown', reason: 'zip container of a presentation (pptx), not a Word document' };
    if (zipHasEntry(buf, 'content.xml') && zipHasEntry(buf, 'mimetype')) return { format: 'unknown', reason: 'OpenDocument container, not read by nianbao' };
    // A damaged or truncated Word container: let the DOCX reader report it as docx_corrupt.
    if (zipHasEntry(buf, 'word/') || (hints.name && /\.docx$/i.test(hints.name))) {
      return { format: 'docx', reason: 'zip container with Word parts but no word/document.xml (damaged?)' };
    }
    return { format: 'unknown', reason: 'zip container without word/document.xml' };
  }
  if (buf.length >= 8 && buf.subarray(0, 8).equals(OLE2_MAGIC)) return sniffOle(buf);
  const head = buf.subarray(0, 4096).toString('latin1');
  if (/^\s*\{\\rtf/.test(head)) return { format: 'unknown', reason: 'RTF document, not read by nianbao' };
  if (isMhtml(buf)) {
    const part = extractMhtml(buf);
    if (!part) return { format: 'unknown', reason: 'MIME archive (.mht) without an HTML part' };
    const enc = detectEncoding(part.html, { contentType: part.charset ? `text/html; charset=${part.charset}` : undefined, html: true });
    return { format: 'html', encoding: enc.encoding, reason: `MIME HTML (single-file web page); encoding of its HTML part: ${enc.reason}` };
  }
  // Binary junk (images, executables, archives) is neither text nor HTML.
  const kind = binaryKind(buf);
  if (kind) return { format: 'unknown', reason: kind };
  if (isBinary(buf.subarray(0, 4096))) return { format: 'unknown', reason: 'binary data of unknown type' };

  const asciiView = decodeForSniff(buf);
  const html = looksLikeHtml(asciiView);
  const enc = detectEncoding(buf, { contentType: hints.contentType, html });
  const nameHint = hints.name && /\.docx?$/i.test(hints.name) && html ? ` (named ${hints.name.split(/[\\/]/).pop()}, really HTML)` : '';
  if (html) return { format: 'html', encoding: enc.encoding, reason: `HTML markup${nameHint}; encoding: ${enc.reason}` };
  return { format: 'text', encoding: enc.encoding, reason: `plain text; encoding: ${enc.reason}` };
}

const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/** OLE2: Word 97 (WordDocument stream), an encrypted OOXML package, or another Office file. */
function sniffOle(buf: Buffer): SniffResult {
  const has = (name: string) => buf.indexOf(utf16(name)) >= 0;
  if (has('WordDocument')) return { format: 'doc', reason: 'OLE2 compound document with a WordDocument stream (Word 97-2003)' };
  if (has('EncryptedPackage')) return { format: 'doc', reason: 'OLE2 container of a password-protected Office document (EncryptedPackage)' };
  if (has('Workbook') || has('Book')) return { format: 'unknown', reason: 'OLE2 spreadsheet (xls), not a Word document' };
  if (has('PowerPoint Document')) return { format: 'unknown', reason: 'OLE2 presentation (ppt), not a Word document' };
  return { format: 'doc', reason: 'OLE2 compound document (no WordDocument stream name found; the DOC reader decides)' };
}

/** A view of the head good enough to look for tags, whatever the encoding (UTF-16 included). */
function decodeForSniff(buf: Buffer): string {
  const head = buf.subarray(0, 4096);
  if ((head[0] === 0xff && head[1] === 0xfe)) return iconv.decode(head, 'utf-16le');
  if ((head[0] === 0xfe && head[1] === 0xff)) return iconv.decode(head, 'utf-16be');
  const u16 = utf16WithoutBom(head);
  if (u16) return iconv.decode(head, u16);
  return head.toString('latin1');
}

/** UTF-16 without a BOM: ASCII characters leave a zero in every other byte. */
export function utf16WithoutBom(head: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZero++;
    if (head[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.3 && evenZero < oddZero * 0.1) return 'utf-16le';
  if (evenZero > pairs * 0.3 && oddZero < evenZero * 0.1) return 'utf-16be';
  return undefined;
}

function isBinary(head: Buffer): boolean {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  if (utf16WithoutBom(head)) return false;
  let ctrl = 0;
  let nul = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b === 0) nul++;
    else if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) ctrl++;
  }
  // a few stray NULs in a text page (damaged download) do not make it binary
  return nul > head.length * 0.1 || ctrl + nul > head.length * 0.15 || (nul > 0 && !looksLikeText(head));
}

/** Mostly printable ASCII or valid multi-byte text around the control bytes. */
function looksLikeText(head: Buffer): boolean {
  let printable = 0;
  for (const b of head) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 || b >= 0x80) printable++;
  return printable > head.length * 0.9;
}

function binaryKind(buf: Buffer): string | undefined {
  const h = buf.subarray(0, 8);
  if (h[0] === 0x89 && h.subarray(1, 4).toString('latin1') === 'PNG') return 'PNG image';
  if (h[0] === 0xff && h[1] === 0xd8) return 'JPEG image';
  if (h.subarray(0, 3).toString('latin1') === 'GIF') return 'GIF image';
  if (h[0] === 0x1f && h[1] === 0x8b) return 'gzip archive';
  if (h.subarray(0, 4).toString('latin1') === 'Rar!') return 'RAR archive';
  if (h[0] === 0x37 && h[1] === 0x7a && h[2] === 0xbc && h[3] === 0xaf) return '7z archive';
  if (h.subarray(0, 4).toString('latin1') === 'II*\0' || h.subarray(0, 4).toString('latin1') === 'MM\0*') return 'TIFF image';
  if (h.subarray(0, 2).toString('latin1') === 'BM' && buf.length > 26 && buf.readUInt32LE(2) === buf.length) return 'BMP image';
  if (h.subarray(0, 4).toString('latin1') === 'RIFF') return 'RIFF media (image/audio/video)';
  if (h[0] === 0x4d && h[1] === 0x5a) return 'Windows executable';
  return undefined;
}
