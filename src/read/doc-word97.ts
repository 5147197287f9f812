/**
 * Legacy Word (.doc, Word 97-2003) body text with its table structure, on top of word-extractor.
 *
 * word-extractor flattens tables (cell marks become tabs) and its row-end detection misreads
 * sprmTDefTable operands, so rows run together. Here we re-read the paragraph properties
 * (PAPX FKPs) ourselves: which paragraphs are inside a table (sprmPFInTable), which paragraph
 * marks end a row (sprmPFTtp), and each row's cell boundaries and vertical merges
 * (sprmTDefTable). The body text is returned with those marks, ready for table recovery.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */

// word-extractor ships no types; its internals are stable CommonJS classes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WordOleExtractor: any = require('word-extractor/lib/word-ole-extractor');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BufferReader: any = require('word-extractor/lib/buffer-reader');

/** Marks in the raw text (noncharacters: never in real text). */
export const ROW_END = '\ufdd0';
export const CELL_PARA = '\ufdd1';
export const CELL_END = '\u0007';

/** One row's cell layout from sprmTDefTable. */
export interface RowDef {
  /** Cell boundaries in twips, itcMac + 1 values. */
  centers: number[];
  /** Per cell: vertically merged with the cell above (continuation). */
  vMergeCont: boolean[];
  /** Per cell: horizontally merged into the cell to its left (old-style fMerged). */
  hMerged: boolean[];
}

export interface Word97Text {
  /** Body text: '\r' paragraph ends, CELL_PARA inside cells, CELL_END cell ends, ROW_END row ends. */
  raw: string;
  /** Row layouts in order of the ROW_END marks (null where unknown). */
  rows: (RowDef | null)[];
  /** word-extractor's own body text (fallback). */
  body: string;
  /** Whether our paragraph-property pass worked. */
  structured: boolean;
}

const SPRM_P_F_IN_TABLE = 0x2416;
const SPRM_P_F_TTP = 0x2417;
const SPRM_P_HUGE_PAPX = 0x6646;
const SPRM_P_CHG_TABS = 0xc615;
const SPRM_T_DEF_TABLE = 0xd608;
const SPRM_T_DEF_TABLE10 = 0xd606;

interface ParaProps { inTable: boolean; ttp: boolean; row: RowDef | null }

/** Walk a grpprl (list of Prl); returns false if it could not be parsed to the end. */
function readProps(grpprl: Buffer, start: number, data: Buffer | null, props: ParaProps, depth = 0): boolean {
  let off = start;
  while (off + 2 <= grpprl.length) {
    const sprm = grpprl.readUInt16LE(off);
    off += 2;
    const spra = (sprm >> 13) & 0x07;
    let size: number;
    switch (spra) {
      case 0: case 1: size = 1; break;
      case 2: case 4: case 5: size = 2; break;
      case 3: size = 4; break;
      case 7: size = 3; break;
      default: {
        if (sprm === SPRM_T_DEF_TABLE || sprm === SPRM_T_DEF_TABLE10) {
          if (off + 2 > grpprl.length) return false;
          size = grpprl.readUInt16LE(off) + 1;
        } else if (sprm === SPRM_P_CHG_TABS && grpprl[off] === 255) {
          // PChgTabsOperand: cTabs-del (with 4-byte entries) then cTabs-add (3-byte entries)
          const del = grpprl[off + 1] ?? 0;
          const add = grpprl[off + 2 + del * 4] ?? 0;
          size = 1 + 1 + del * 4 + 1 + add * 3;
        } else {
          if (off >= grpprl.length) return false;
          size = grpprl[off] + 1;
        }
      }
    }
    if (off + size > grpprl.length) return false;
    const op = grpprl.subarray(off, off + size);
    if (sprm === SPRM_P_F_IN_TABLE) props.inTable = op[0] === 1;
    else if (sprm === SPRM_P_F_TTP) props.ttp = op[0] === 1;
    else if (sprm === SPRM_T_DEF_TABLE) props.row = readTDefTable(op);
    else if (sprm === SPRM_P_HUGE_PAPX && data && depth === 0) {
      const fc = op.readUInt32LE(0);
      if (fc + 2 <= data.length) {
        const cb = data.readUInt16LE(fc);
        readProps(data.subarray(fc + 2, fc + 2 + cb), 0, null, props, 1);
      }
    }
    off += size;
  }
  return true;
}

/** TDefTableOperand: cb(2) itcMac(1) rgdxaCenter[itcMac+1](2 each) rgTc80[...] (20 bytes each). */
function readTDefTable(op: Buffer): RowDef | null {
  if (op.length < 3) return null;
  const itcMac = op[2];
  const centers: number[] = [];
  let p = 3;
  for (let i = 0; i <= itcMac; i++) {
    if (p + 2 > op.length) return null;
    centers.push(op.readInt16LE(p));
    p += 2;
  }
  const vMergeCont: boolean[] = [];
  const hMerged: boolean[] = [];
  for (let i = 0; i < itcMac; i++) {
    if (p + 2 <= op.length) {
      const grf = op.readUInt16LE(p);
      const fMerged = (grf & 0x0002) !== 0;
      const fVertMerge = (grf & 0x0020) !== 0;
      const fVertRestart = (grf & 0x0040) !== 0;
      vMergeCont.push(fVertMerge && !fVertRestart);
      hMerged.push(fMerged);
    } else {
      vMergeCont.push(false);
      hMerged.push(false);
    }
    p += 20;
  }
  return { centers, vMergeCont, hMerged };
}

export class EncryptedDocError extends Error {}

class StructuredExtractor extends WordOleExtractor {
  _dataStream: Buffer | null = null;
  _rowDefs: (RowDef | null)[] = [];
  _structured = false;

  extractWordDocument(document: any, buffer: Buffer): Promise<any> {
    if (buffer.length >= 0x0c && buffer.readUInt16LE(0) === 0xa5ec && (buffer.readUInt16LE(0x0a) & 0x0100) !== 0) {
      return Promise.reject(new EncryptedDocError('the Word document is password-protected (fEncrypted)'));
    }
    let data: Promise<Buffer | null>;
    try {
      const s = document.stream('Data');
      data = s ? this.streamBuffer(s).catch(() => null) : Promise.resolve(null);
    } catch {
      data = Promise.resolve(null);
    }
    return data.then((d: Buffer | null) => {
      this._dataStream = d;
      return super.extractWordDocument(document, buffer);
    });
  }

  /** Replaces word-extractor's pass: mark row ends and in-cell paragraph marks in the piece text. */
  writeParagraphProperties(buffer: Buffer, tableBuffer: Buffer): void {
    try {
      this.markTables(buffer, tableBuffer);
      this._structured = true;
    } catch {
      this._structured = false;
      this._rowMarks = [];
      // fall back to word-extractor's own pass (row ends become '\n' where it finds them)
      try {
        super.writeParagraphProperties(buffer, tableBuffer);
      } catch {
        /* flat text without row ends */
      }
    }
  }

  markTables(buffer: Buffer, tableBuffer: Buffer): void {
    const pieces: any[] = this._pieces;
    const fcPlcfbtePapx = buffer.readUInt32LE(0x0102);
    const lcbPlcfbtePapx = buffer.readUInt32LE(0x0106);
    const n = (lcbPlcfbtePapx - 4) / 8;
    if (!Number.isInteger(n) || n < 0 || fcPlcfbtePapx + lcbPlcfbtePapx > tableBuffer.length) throw new Error('bad PlcBtePapx');
    const plc = tableBuffer.subarray(fcPlcfbtePapx, fcPlcfbtePapx + lcbPlcfbtePapx);
    const dataOffset = (n + 1) * 4;
    // marks: file position of a character → replacement
    const marks: Array<{ fc: number; end: number; ttp: boolean; row: RowDef | null }> = [];
    for (let i = 0; i < n; i++) {
      const pn = plc.readUInt32LE(dataOffset + i * 4) & 0x3fffff;
      const fkp = buffer.subarray(pn * 512, (pn + 1) * 512);
      if (fkp.length < 512) throw new Error('FKP beyond the stream');
      const crun = fkp[511];
      for (let j = 0; j < crun; j++) {
        const fc = fkp.readUInt32LE(j * 4);
        const fcNext = fkp.readUInt32LE((j + 1) * 4);
        const bOff = fkp[(crun + 1) * 4 + j * 13] * 2;
        if (bOff === 0) continue; // no properties: plain paragraph
        let cb = fkp[bOff];
        let start = bOff + 1;
        let len: number;
        if (cb !== 0) len = 2 * cb - 1;
        else { cb = fkp[bOff + 1]; start = bOff + 2; len = 2 * cb; }
        const grp = fkp.subarray(start, Math.min(512, start + len));
        const props: ParaProps = { inTable: false, ttp: false, row: null };
        readProps(grp, 2, this._dataStream, props); // skip istd
        if (props.inTable || props.ttp) marks.push({ fc, end: fcNext, ttp: props.ttp, row: props.row });
      }
    }
    marks.sort((a, b) => a.fc - b.fc);
    // apply per piece
    const edits = new Map<number, Map<number, string>>();
    for (const m of marks) {
      for (let k = 0; k < pieces.length; k++) {
        const p = pieces[k];
        const ps = p.startFilePos;
        const pe = p.startFilePos + p.size;
        if (m.end <= ps || m.fc >= pe) continue;
        const from = Math.floor((Math.max(m.fc, ps) - ps) / p.bpc);
        const to = Math.floor((Math.min(m.end, pe) - ps) / p.bpc);
        let e = edits.get(k);
        if (!e) edits.set(k, (e = new Map()));
        for (let x = from; x < to; x++) {
          const ch = p.text[x];
          if (m.ttp) {
            if (ch === CELL_END) {
              e.set(x, ROW_END);
              // remember the row layout at the CP of its mark
              this._rowMarks.push({ cp: p.startCp + x, row: m.row });
            }
          } else if (ch === '\r') e.set(x, CELL_PARA);
        }
      }
    }
    for (const [k, e] of edits) {
      const p = pieces[k];
      const chars = p.text.split('');
      for (const [x, ch] of e) chars[x] = ch;
      p.text = chars.join('');
    }
  }

  _rowMarks: Array<{ cp: number; row: RowDef | null }> = [];

  buildDocument(): any {
    const doc = super.buildDocument();
    const ccp: number = this._boundaries.ccpText;
    let raw = '';
    for (const p of this._pieces) {
      if (p.startCp >= ccp) break;
      raw += p.text.slice(0, Math.max(0, Math.min(p.length, ccp - p.startCp)));
    }
    const rows = this._rowMarks.filter((m) => m.cp < ccp).sort((a, b) => a.cp - b.cp).map((m) => m.row);
    doc._nianbao = { raw, rows, structured: this._structured };
    return doc;
  }
}

/** Remove fields' instructions (keep their results), deleted text, and control characters. */
export function cleanRaw(s: string): string {
  let prev;
  do {
    prev = s;
    s = s.replace(/\x13[^\x13\x14\x15]*\x14?([^\x13\x14\x15]*)\x15/g, '$1');
  } while (s !== prev);
  return s
    .replace(/\x1e/g, '-')
    .replace(/[\x00-\x06\x08\x13-\x15\x1f]/g, '')
    .replace(/[\x0c\x0e]/g, '\r');
}

/** Read a .doc buffer. Throws whatever word-extractor throws on a corrupt file. */
export async function readWord97(buf: Buffer): Promise<Word97Text> {
  const reader = new BufferReader(buf);
  await reader.open();
  try {
    const extractor = new StructuredExtractor();
    const doc = await extractor.extract(reader);
    const info = doc._nianbao as { raw: string; rows: (RowDef | null)[]; structured: boolean };
    return { raw: cleanRaw(info.raw), rows: info.rows, body: String(doc.getBody() ?? ''), structured: info.structured };
  } finally {
    await reader.close();
  }
}
