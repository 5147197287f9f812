/**
 * DOCX reader. The direct path reads word/document.xml in one streaming parse
 * (`readDocumentXml`): paragraphs and tables in body order, tables on Word's own grid
 * (w:gridBefore/w:gridAfter, w:gridSpan, w:vMerge), origin 'docx'.
 *
 * Footnotes and endnotes follow the body as paragraphs. A document.xml cut off inside its
 * elements is docx_corrupt at once. mammoth is the fallback, used when the direct path throws,
 * finds the XML otherwise not well formed (mammoth's parser decides), or finds no text: it turns the document into HTML (merged cells kept as colspan/rowspan), which
 * the HTML walk turns into blocks; every table is then checked against the grid read from the
 * XML and replaced where they differ (mammoth ignores w:gridBefore/w:gridAfter and drops
 * merges in some row wrappers).
 *
 * The zip is inspected first with hard limits (zip bombs), corrupt containers and malformed
 * XML give ExtractError('docx_corrupt').
 */
import * as mammoth from 'mammoth';
import { ExtractError } from '../errors';
import type { Block, DocumentModel, Table } from '../model/document';
import type { Reader } from './types';
import { htmlToDocument } from './html';
import { renumberTables } from './html/walk';
import { readDocumentXml, sameGrid, xmlTables } from './docx-xml';
import { listZip, readEntry, ZipError } from './zip-guard';
import type { ZipEntry } from './zip-guard';

/** Largest DOCX file read. */
export const MAX_DOCX_BYTES = 100 * 1024 * 1024;
/** Largest uncompressed word/document.xml (declared or actual). */
export const MAX_DOCUMENT_XML_BYTES = 50 * 1024 * 1024;
/** Largest uncompressed size of all XML parts together. */
export const MAX_TOTAL_XML_BYTES = 120 * 1024 * 1024;

export interface DocxReadStats {
  /** Which path produced the document: the direct XML reader or the mammoth fallback. */
  via: 'xml' | 'mammoth';
  /** Why the direct path was not used (mammoth only). */
  fallback?: string;
  tables: number;
  /** Tables whose mammoth grid disagreed with the XML grid and was replaced (mammoth only). */
  replacedFromXml: number;
}

export interface DocxReadOptions {
  /** 'auto' (default): direct, mammoth as fallback. 'mammoth': mammoth only (for comparisons). */
  via?: 'auto' | 'mammoth';
}

export const readDocx: Reader = async ({ bytes }) => (await readDocxWithStats(bytes)).doc;

export async function readDocxWithStats(
  bytes: Uint8Array,
  opts: DocxReadOptions = {},
): Promise<{ doc: DocumentModel; stats: DocxReadStats }> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > MAX_DOCX_BYTES) throw new ExtractError('too_large', `DOCX of ${buf.length} bytes exceeds ${MAX_DOCX_BYTES}`);
  const { documentXml, entries, rels } = guardZip(buf);
  if (!/<w:body[\s>]/.test(documentXml)) throw new ExtractError('docx_corrupt', 'word/document.xml has no <w:body>');

  let fallback = 'asked for mammoth';
  if (opts.via !== 'mammoth') {
    try {
      const direct = readDocumentXml(documentXml, rels);
      if (direct.truncated) throw new ExtractError('docx_corrupt', 'word/document.xml ends inside open elements (cut off?)');
      if (direct.malformed) fallback = 'word/document.xml is not well formed';
      else if (!direct.blocks.length) fallback = 'no text found in word/document.xml';
      else {
        const blocks = direct.blocks;
        for (const part of notesParts(documentXml)) blocks.push(...notes(buf, entries, part));
        const doc: DocumentModel = { format: 'docx', blocks: renumberTables(blocks) };
        const title = direct.title ?? coreTitle(buf, entries);
        if (title) doc.title = title;
        return { doc, stats: { via: 'xml', tables: blocks.filter((x) => x.kind === 'table').length, replacedFromXml: 0 } };
      }
    } catch (e) {
      if (e instanceof ExtractError) throw e;
      fallback = `direct reader failed: ${(e as Error).message}`;
    }
  }
  return readWithMammoth(buf, documentXml, entries, fallback);
}

/** Footnote and endnote parts referenced from the body. */
function notesParts(documentXml: string): string[] {
  const out: string[] = [];
  if (documentXml.includes('<w:footnoteReference')) out.push('word/footnotes.xml');
  if (documentXml.includes('<w:endnoteReference')) out.push('word/endnotes.xml');
  return out;
}

/**
 * Footnote or endnote text as paragraphs after the body (as mammoth puts them, without its
 * [1] reference marks in the text). Best effort: an unreadable part adds nothing.
 */
function notes(buf: Buffer, entries: ZipEntry[], name: string): Block[] {
  const e = entries.find((x) => x.name === name);
  if (!e) return [];
  try {
    const part = readDocumentXml(readEntry(buf, e, MAX_DOCUMENT_XML_BYTES).toString('utf8'));
    if (part.malformed) return [];
    const tag = name.includes('foot') ? 'footnotes' : 'endnotes';
    for (const b of part.blocks) if (b.pos.path) b.pos.path = `${tag}/${b.pos.path}`;
    return part.blocks;
  } catch {
    return [];
  }
}

/** The fallback: mammoth's HTML through the HTML walk, tables checked against the XML grid. */
async function readWithMammoth(
  buf: Buffer,
  documentXml: string,
  entries: ZipEntry[],
  fallback: string,
): Promise<{ doc: DocumentModel; stats: DocxReadStats }> {
  let tablesXml: Table[];
  try {
    tablesXml = xmlTables(documentXml);
  } catch (e) {
    throw new ExtractError('docx_corrupt', `word/document.xml is not well-formed XML: ${(e as Error).message}`);
  }

  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: buf },
      { convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
    );
    html = result.value;
  } catch (e) {
    throw new ExtractError('docx_corrupt', `mammoth cannot read the DOCX: ${(e as Error).message}`);
  }

  const doc = htmlToDocument(html, { format: 'docx', origin: 'html', findContent: false });
  const stats = { via: 'mammoth' as const, fallback, ...reconcileTables(doc.blocks, tablesXml) };
  doc.blocks = renumberTables(doc.blocks);
  if (!doc.title) {
    const t = coreTitle(buf, entries);
    if (t) doc.title = t;
  }
  if (!doc.blocks.length) throw new ExtractError('unreadable', 'the DOCX has no text');
  return { doc, stats };
}

/** The body's relationship targets by id (rId5 → word/media/image1.png): where its pictures are. */
function relationships(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/<Relationship\b[^>]*>/g)) {
    const id = /\bId="([^"]+)"/.exec(m[0])?.[1];
    const target = /\bTarget="([^"]+)"/.exec(m[0])?.[1];
    if (!id || !target) continue;
    out.set(id, /^[a-z]+:/i.test(target) || target.startsWith('/') ? target.replace(/^\//, '') : `word/${target}`);
  }
  return out;
}

/** Check the container and return word/document.xml; throws too_large / docx_corrupt. */
function guardZip(buf: Buffer): { documentXml: string; entries: ZipEntry[]; rels: Map<string, string> } {
  try {
    const entries = listZip(buf);
    const main = entries.find((e) => e.name === 'word/document.xml');
    if (!main) throw new ZipError('corrupt', 'no word/document.xml in the zip container');
    let total = 0;
    let documentXml = '';
    let relsXml = '';
    for (const e of entries) {
      if (!/\.(xml|rels)$/i.test(e.name)) continue;
      const limit = e === main ? MAX_DOCUMENT_XML_BYTES : Math.min(MAX_DOCUMENT_XML_BYTES, MAX_TOTAL_XML_BYTES - total);
      if (limit <= 0) throw new ZipError('too_large', `XML parts exceed ${MAX_TOTAL_XML_BYTES} bytes in total`);
      const data = readEntry(buf, e, limit);
      total += data.length;
      if (e === main) documentXml = data.toString('utf8');
      else if (e.name === 'word/_rels/document.xml.rels') relsXml = data.toString('utf8');
    }
    return { documentXml, entries, rels: relationships(relsXml) };
  } catch (e) {
    if (e instanceof ZipError) throw new ExtractError(e.kind === 'too_large' ? 'too_large' : 'docx_corrupt', e.message);
    if (e instanceof RangeError) throw new ExtractError('docx_corrupt', `broken zip container: ${e.message}`);
    throw e;
  }
}

/** Pair mammoth's tables with the XML tables in order; replace those that disagree. */
function reconcileTables(blocks: Block[], fromXml: Table[]): { tables: number; replacedFromXml: number } {
  const idx = blocks.map((b, i) => (b.kind === 'table' ? i : -1)).filter((i) => i >= 0);
  const stats = { tables: idx.length, replacedFromXml: 0 };
  if (idx.length !== fromXml.length) {
    // Cannot pair them one to one (nested or layout tables treated differently): trust the XML
    // grids only if mammoth found no table at all.
    if (idx.length === 0 && fromXml.length > 0) {
      blocks.push(...fromXml);
      stats.tables = fromXml.length;
      stats.replacedFromXml = fromXml.length;
    }
    return stats;
  }
  idx.forEach((bi, k) => {
    const m = blocks[bi] as Table;
    if (!sameGrid(m, fromXml[k])) {
      blocks[bi] = fromXml[k];
      stats.replacedFromXml++;
    }
  });
  return stats;
}

/** dc:title from docProps/core.xml, if any (best effort). */
function coreTitle(buf: Buffer, entries: ZipEntry[]): string | undefined {
  try {
    const core = entries.find((e) => e.name === 'docProps/core.xml');
    if (!core) return undefined;
    const xml = readEntry(buf, core, 1024 * 1024).toString('utf8');
    const m = /<dc:title>([^<]{2,200})<\/dc:title>/.exec(xml);
    return m ? m[1].trim() : undefined;
  } catch {
    return undefined;
  }
}
