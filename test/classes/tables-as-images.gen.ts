/**
 * 13.6 Tables printed as images: text reports (PDF, DOCX, HTML) whose official statistics tables
 * are pictures. Varied: producer format, the table sections' headings printed or not (then only
 * the year, 2019+, and the pictures' size tell), one picture per table or one per section or a
 * page-wide one, pictures across page breaks, inline or XObject images, a small logo or seal
 * beside them, prose figures stated or not. Expected: `tables_as_images` (never ok), prose
 * figures still right. Controls: the same report with no pictures at all (2019+, no figures:
 * no_tables as before) and a pre-2019 prose report with only a logo (must stay ok).
 */
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import JSZip from 'jszip';
import { deflateSync } from 'zlib';
import { Rng } from '../fixtures/prng';
import { AGENCIES, PHRASES, filler, intro, problems, signatureDate, title, type Agency } from '../fixtures/render/report';
import { writePdf, type PdfItem } from '../fixtures/render/pdf-items';
import type { ProseKey } from '../fixtures/grid-spec';
import type { ClassDoc, ClassGenerator } from './harness';
import { FIXTURE_FILES, esc } from './site';

type Format = 'pdf' | 'docx' | 'html';
type Piece = { kind: 'p'; text: string; heading?: boolean } | { kind: 'img'; w: number; h: number; small?: boolean };

const HEADINGS_2019 = ['一、总体情况', '二、主动公开政府信息情况', '三、收到和处理政府信息公开申请情况', '四、政府信息公开行政复议、行政诉讼情况', '五、存在的主要问题及改进情况', '六、其他需要报告的事项'];

interface Composed {
  pieces: Piece[];
  prose: Partial<Record<ProseKey, number>>;
  year: number;
  agency: Agency;
}

/** The report's text with pictures where its tables go. */
function compose(rng: Rng, kind: 'images' | 'no-images' | 'logo-only'): Composed {
  const agency = rng.pick(AGENCIES);
  const year = kind === 'logo-only' ? rng.int(2014, 2018) : rng.int(2019, 2024);
  const big = { township: 1, county: 8, city: 60 }[agency.scale];
  const prose: Partial<Record<ProseKey, number>> = {};
  const pieces: Piece[] = [];
  const p = (text: string, heading = false) => pieces.push({ kind: 'p', text, heading });
  const img = (w: number, h: number, small = false) => pieces.push({ kind: 'img', w, h, small });
  if (kind !== 'no-images' && rng.chance(0.3)) img(rng.int(36, 60), rng.int(36, 60), true); // site logo / emblem
  p(title(agency.name, year), true);
  for (const s of intro(rng, { agency, year, template: kind === 'logo-only' ? 'free' : rng.pick(['2019', '2021'] as const) })) p(s);
  const headings = kind === 'logo-only' || rng.chance(0.75);
  const say = (k: ProseKey, n: number) => {
    prose[k] = n;
    return rng.pick(PHRASES[k])(String(n), year);
  };
  const statesFigures = kind === 'logo-only' || (kind === 'images' && rng.chance(0.6));
  const tableImages = (section: number) => {
    if (kind !== 'images') return;
    const per = section === 1 ? rng.int(1, 4) : 1; // 二 has up to four small tables
    const oneBig = rng.chance(0.3);
    if (oneBig) img(rng.int(400, 451), rng.int(250, 600));
    else for (let k = 0; k < per; k++) img(rng.int(380, 451), rng.int(section === 2 ? 300 : 90, section === 2 ? 650 : 220));
  };
  HEADINGS_2019.forEach((h, i) => {
    if (headings) p(h, true);
    if (i === 0) {
      for (const f of filler(rng, 2)) p(f);
      if (statesFigures) p(say('p.proactive_total', rng.int(30, 400) * big) + (rng.chance(0.6) ? say('p.requests_total', rng.int(0, 6) * big) : ''));
    }
    if (i >= 1 && i <= 3) {
      if (rng.chance(0.4)) p(rng.pick(['具体情况见下表。', '详见下表：', `${year}年度情况如下：`]));
      tableImages(i);
    }
    if (i === 4) for (const s of problems(rng)) p(s);
    if (i === 5) p(rng.pick(['无。', '本机关无其他需要报告的事项。', '无其他需要报告的事项。']));
  });
  p(agency.short);
  p(signatureDate(rng, year));
  return { pieces, prose, year, agency };
}

function toPdf(rng: Rng, c: Composed): Buffer {
  const inline = rng.chance(0.3);
  const items: PdfItem[] = c.pieces.map((x) =>
    x.kind === 'p' ? { kind: 'text', text: x.text, size: x.heading && x.text.includes('报告') ? 18 : rng.pick([12, 12, 14]), indent: x.heading ? 0 : 2 } : { kind: 'image', width: x.w, height: x.h, inline: inline && !x.small },
  );
  return writePdf(items, { margin: rng.int(60, 90) });
}

function toHtml(rng: Rng, c: Composed): Buffer {
  const sized = rng.chance(0.5);
  const src = () => rng.pick([`./W0${rng.int(10000000, 99999999)}.png`, `/uploadfiles/${c.year + 1}/${rng.int(100, 999)}.jpg`, 'data:image/png;base64,iVBORw0KGgo=']);
  const body = c.pieces.map((x) => {
    if (x.kind === 'img') return `<p style="text-align:center"><img src="${src()}"${sized || x.small ? ` width="${Math.round(x.w * 1.33)}" height="${Math.round(x.h * 1.33)}"` : ''}></p>`;
    return x.heading ? `<p><strong>${esc(x.text)}</strong></p>` : `<p>${esc(x.text)}</p>`;
  });
  const [t] = c.pieces.filter((x) => x.kind === 'p') as { text: string }[];
  return Buffer.from(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(t.text)}</title></head><body><div class="${rng.pick(['TRS_Editor', 'article-content', 'zwnr'])}">${body.join('\n')}</div></body></html>`, 'utf8');
}

function png(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(4, 0);
  ihdr.writeUInt32BE(4, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc(4 * 5, 0xaa);
  for (let r = 0; r < 4; r++) raw[r * 5] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

async function toDocx(rng: Rng, c: Composed): Promise<Buffer> {
  const zip = new JSZip();
  let rid = 10;
  const rels: string[] = [];
  const vml = rng.chance(0.3);
  const paras = c.pieces.map((x) => {
    if (x.kind === 'p') return `<w:p><w:r><w:t xml:space="preserve">${esc(x.text)}</w:t></w:r></w:p>`;
    const id = `rId${rid++}`;
    const file = `image${rid}.png`;
    rels.push(`<Relationship Id="${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/${file}"/>`);
    zip.file(`word/media/${file}`, png());
    const cx = Math.round(x.w * 12700);
    const cy = Math.round(x.h * 12700);
    if (vml) return `<w:p><w:r><w:pict><v:shape style="width:${x.w}pt;height:${x.h}pt"><v:imagedata r:id="${id}" o:title=""/></v:shape></w:pict></w:r></w:p>`;
    return `<w:p><w:r><w:drawing><wp:inline><wp:extent cx="${cx}" cy="${cy}"/><wp:docPr id="${rid}" name="图片 ${rid}"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:blipFill><a:blip r:embed="${id}"/></pic:blipFill><pic:spPr><a:xfrm><a:ext cx="${cx}" cy="${cy}"/></a:xfrm></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`;
  });
  zip.file('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>');
  zip.file('_rels/.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>');
  zip.file('word/_rels/document.xml.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>`);
  zip.file('word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"><w:body>${paras.join('')}<w:sectPr/></w:body></w:document>`);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** Chromium-printed reports with table pictures (scripts/make-image-table-fixtures.js): a real producer's image XObjects. */
const CHROMIUM_DIR = join(FIXTURE_FILES, 'pdf-images');
const CHROMIUM = readdirSync(CHROMIUM_DIR).filter((f) => f.endsWith('.pdf')).sort();

export const tablesAsImages: ClassGenerator = {
  id: 'tables-as-images',
  klass: '13.6',
  title: 'text reports whose official tables are pictures are flagged tables_as_images, never ok',
  testDocs: 24,
  async make(seed: number, n: number): Promise<ClassDoc[]> {
    const out: ClassDoc[] = [];
    for (let i = 0; i < n; i++) {
      const rng = new Rng(seed * 6007 + i * 7727 + 5);
      const r = rng.next();
      const id = `tables-as-images-${seed}-${i}`;
      if (rng.chance(0.15)) {
        const file = rng.pick(CHROMIUM);
        const exp = JSON.parse(readFileSync(join(CHROMIUM_DIR, file.replace(/\.pdf$/, '.expected.json')), 'utf8'));
        out.push({
          bytes: readFileSync(join(CHROMIUM_DIR, file)),
          name: `${id}.pdf`,
          expected: { id, layout: 'free', variant: `chromium/${file}`, template: 'free', year: exp.year, agency: exp.agency, scale: 'county', fields: exp.fields, mustFlag: true, flagWith: exp.flag },
        });
        continue;
      }
      const kind = r < 0.72 ? 'images' : r < 0.86 ? 'no-images' : 'logo-only';
      const format: Format = rng.pick(['pdf', 'pdf', 'docx', 'html'] as const);
      const c = compose(rng.fork(1), kind);
      const bytes = format === 'pdf' ? toPdf(rng.fork(2), c) : format === 'html' ? toHtml(rng.fork(2), c) : await toDocx(rng.fork(2), c);
      const flagWith = kind === 'images' ? 'tables_as_images' : kind === 'no-images' ? (Object.keys(c.prose).length ? undefined : 'no_tables') : undefined;
      out.push({
        bytes,
        name: `${id}.${format}`,
        expected: {
          id,
          layout: 'free',
          variant: `${kind}/${format}`,
          template: 'free',
          year: c.year,
          agency: c.agency.name,
          scale: c.agency.scale,
          fields: { ...c.prose },
          mustFlag: kind !== 'logo-only',
          ...(flagWith ? { flagWith } : {}),
        },
      });
    }
    return out;
  },
};
