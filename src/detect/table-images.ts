/**
 * Tables printed as pictures: a report whose official tables were not found, while pictures sit
 * where the tables belong. Either a picture stands in a table section (after a heading such as
 * 二、主动公开政府信息情况, 三、收到和处理政府信息公开申请情况 or 四、…行政复议、行政诉讼情况,
 * before the next section), or the report is from 2019 on (the official tables are mandatory)
 * and holds a picture the size of a table (or of unknown size: an HTML <img> without width and
 * height; a 2019+ report without tables is suspect already). Such a report is never `ok`: the tables' figures
 * were lost, not absent (flag `tables_as_images`; an OCR stage can read the pictures by their ref).
 */
import type { DocumentModel, ImageBlock } from '../model/document';

const TABLE_SECTION = /主动公开.{0,6}(政府)?信息|收到和处理|依申请公开.{0,8}(情况|信息)|行政复议.{0,8}行政诉讼|复议.{0,4}诉讼/;
const HEADING = /^([一二三四五六七八九十]+[、.．]|\d+[、.．]\D)/;
/** Smaller than this (px or pt) on either side: an icon, a bullet, a seal fragment. */
const MIN_SIDE = 40;

/** Width and height of a picture as far as known: PDF box in points, else the declared pixels. */
function size(im: ImageBlock): [number, number] | null {
  const b = im.pos.bbox;
  if (b) return [b[2] - b[0], b[3] - b[1]];
  if (im.width && im.height) return [im.width, im.height];
  return null;
}

/** Large enough to be a statistics table (a third of a text column wide, a few rows high). */
function tableSized(im: ImageBlock): boolean {
  const s = size(im);
  return s !== null && s[0] >= 150 && s[1] >= 60;
}

export interface TableImages {
  images: ImageBlock[];
  /** Pictures that stand inside a table section. */
  inSections: number;
}

export function tablesAsImages(doc: DocumentModel, norm: (s: string) => string, year: number | null): TableImages | null {
  const found: ImageBlock[] = [];
  let inSections = 0;
  let inTableSection = false;
  for (const b of doc.blocks) {
    if (b.kind === 'paragraph') {
      const t = norm(b.text).replace(/\s+/g, '');
      if (t.length <= 40 && HEADING.test(t)) inTableSection = TABLE_SECTION.test(t);
      continue;
    }
    if (b.kind !== 'image') continue;
    const s = size(b);
    if (s && (s[0] < MIN_SIDE || s[1] < MIN_SIDE)) continue;
    if (inTableSection) {
      inSections++;
      found.push(b);
    } else if (year !== null && year >= 2019 && (s === null || tableSized(b))) found.push(b);
  }
  return found.length ? { images: found, inSections } : null;
}
