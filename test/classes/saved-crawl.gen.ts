/**
 * 13.10 A saved crawl on disk: an article page (site chrome, a short note) whose report is an
 * attachment saved in the same tree, `nianbao extract page.html` style. Varied: where the
 * attachment sits (beside the page, a subfolder, up the mirror through `../`), how it is linked
 * (a link named 附件…, a bare file name, a pdf viewer `?file=`, an iframe), percent-encoded names,
 * distractor links (an application form, last year's report online). Attachments are the
 * committed report fixtures (PDF from Chromium and LibreOffice, DOCX, DOC). Expected: the report.
 * Links that leave the tree (`../` above the mirror, absolute paths, file: URLs, a symlink to a
 * file outside) must not be followed, though a real report waits there: the page alone is read
 * (a report title without tables: no_tables).
 *
 * `extract` writes the tree to a temp dir and runs what the CLI runs for a local file (the mirror
 * folder given as the input tree), then checks that both files are in the provenance.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, relative } from 'path';
import type { Extraction } from '../../src/model/extraction';
import { extractBytes, failedExtraction } from '../../src/pipeline/extract';
import { extractLocalAttachment } from '../../src/read/local-attachment';
import { Rng } from '../fixtures/prng';
import { AGENCIES } from '../fixtures/render/report';
import type { ClassDoc, ClassGenerator } from './harness';
import { FIXTURE_FILES, esc, randomDate, sitePage, siteName } from './site';

const FILES = FIXTURE_FILES;
const POOL = ['pdf/borderless-2021', 'pdf/lo-2021', 'pdf/ruled-2019', 'pdf/ruled-2021', 'pdf/split-header', 'docx/lo-2019', 'docx/lo-2021', 'doc/lo-2019', 'doc/lo-2021'];

type Escape = 'dotdot' | 'absolute' | 'file-url' | 'symlink';

interface CrawlDoc extends ClassDoc {
  /** Page path inside the mirror. */
  page: string;
  /** Files written outside the mirror (beside it), and symlinks inside it (path → target outside). */
  outside?: Record<string, Buffer>;
  symlinks?: Record<string, string>;
  /** The attachment that must be followed (mirror-relative), if any. */
  follows?: string;
}

const pageDir = (rng: Rng, year: number) => rng.pick([`www.${rng.pick(['lhx', 'xq', 'jc', 'qs'])}.gov.cn/zwgk/xxgkml/${year}`, `site/art/${year}/${rng.int(1, 12)}`, `mirror/xxgk/nb`, `gov/${rng.int(100, 999)}`]);

function note(rng: Rng, agency: string, year: number): string {
  return rng.pick([
    `${agency}${year}年政府信息公开工作年度报告已编制完成，现予公布，详见附件。`,
    `根据《中华人民共和国政府信息公开条例》规定，现将${agency}${year}年政府信息公开工作年度报告予以公布。`,
    '',
  ]);
}

export const savedCrawl: ClassGenerator = {
  id: 'saved-crawl',
  klass: '13.10',
  title: 'extract on a saved article page follows its attachment inside the tree, never outside',
  testDocs: 16,
  // The attachments are the committed fixture reports; some carry prose_uncertain flags of their own
  // prose (class 13.7's subject), identical when extracted directly (extract() checks that). What this
  // class measures is the following: outcome, fields and provenance.
  targets: { flagRateOnCorrect: 1 },
  make(seed: number, n: number): CrawlDoc[] {
    const out: CrawlDoc[] = [];
    for (let i = 0; i < n; i++) {
      const rng = new Rng(seed * 3301 + i * 9173 + 11);
      const fixture = rng.pick(POOL);
      const exp = JSON.parse(readFileSync(join(FILES, `${fixture}.expected.json`), 'utf8'));
      const ext = fixture.split('/')[0];
      const bytes = readFileSync(join(FILES, `${fixture}.${ext}`));
      const agency: string = exp.agency;
      const year: number = exp.year;
      const dir = pageDir(rng, year + 1);
      const page = `${dir}/t${year + 1}${rng.int(1000, 9999)}_${rng.int(10000, 99999)}.html`;
      const base = rng.pick([`P0${year + 1}${rng.int(10000000, 99999999)}`, `${year}年政府信息公开工作年度报告`, `nb${year}`]);
      const escape: Escape | null = rng.chance(0.3) ? rng.pick(['dotdot', 'absolute', 'file-url', 'symlink'] as const) : null;
      const files: Record<string, Buffer> = {};
      const doc: CrawlDoc = { bytes: Buffer.alloc(0), name: page, page, files, expected: undefined as never };
      let href: string;
      if (!escape) {
        const where = rng.pick(['beside', 'sub', 'up'] as const);
        const target = where === 'beside' ? `${dir}/${base}.${ext}` : where === 'sub' ? `${dir}/files/${base}.${ext}` : `${dir.split('/')[0]}/upload/${year + 1}/${base}.${ext}`;
        files[target] = bytes;
        doc.follows = target;
        let rel = relative(dirname(page), target).split('\\').join('/');
        if (where === 'beside' && rng.chance(0.4)) rel = `./${rel}`;
        href = rng.chance(0.3) ? rel.split('/').map((s) => encodeURIComponent(s)).join('/') : rel;
      } else {
        const name = `${base}.${ext}`;
        if (escape === 'symlink') {
          doc.outside = { [name]: bytes };
          doc.symlinks = { [`${dir}/${name}`]: name };
          href = name;
        } else {
          doc.outside = { [name]: bytes };
          const depth = page.split('/').length; // one more ../ than the mirror is deep
          href = escape === 'dotdot' ? `${'../'.repeat(depth)}${name}` : escape === 'absolute' ? `/OUTSIDE/${name}` : `file:///OUTSIDE/${name}`;
        }
      }
      const linkText = rng.pick([`附件：${agency}${year}年政府信息公开工作年度报告.${ext}`, `${base}.${ext}`, '点击下载', `${year}年度报告（${ext.toUpperCase()}）`]);
      const how = rng.pick(['a', 'a', 'viewer', 'iframe'] as const);
      const viewer = `/pdfjs/web/viewer.html?file=${encodeURIComponent(href)}`;
      const link = how === 'a' || (how === 'viewer' && ext !== 'pdf') ? `<p>附件：<a href="${esc(href)}">${esc(linkText)}</a></p>` : how === 'viewer' ? `<p><a href="${esc(viewer)}">${esc(linkText)}</a></p>` : `<iframe src="${esc(href)}" width="100%" height="800"></iframe>`;
      const distract = [
        rng.chance(0.5) ? `<p>相关附件：<a href="${rng.pick(['申请表.doc', '../../files/sqb.doc'])}">政府信息公开申请表.doc</a></p>` : '',
        rng.chance(0.5) ? `<p>往年报告：<a href="http://www.example.gov.cn/nb/${year - 1}.pdf">${agency}${year - 1}年政府信息公开工作年度报告.pdf</a></p>` : '',
      ];
      const title = `${agency}${year}年政府信息公开工作年度报告`;
      const main = `<h1>${esc(title)}</h1><div class="${rng.pick(['info', 'xx'])}">发布时间：${randomDate(rng, year + 1)} 来源：${esc(agency)}</div><div class="${rng.pick(['TRS_Editor', 'article-content', 'zwnr'])}"><p>${esc(note(rng, agency, year))}</p>${link}${rng.shuffle(distract).join('')}</div>`;
      doc.bytes = Buffer.from(sitePage(rng, { site: siteName(agency), title, crumbs: ['政务公开', '政府信息公开年报'], main }), 'utf8');
      const id = `saved-crawl-${seed}-${i}`;
      const variant = `${escape ? `escape-${escape}` : 'follow'}/${ext}/${how}`;
      doc.expected = escape
        ? { id, layout: 'free', variant, template: 'free', year, agency, scale: 'county', fields: {}, mustFlag: true, flagWith: 'no_tables' }
        : { id, layout: 'html', variant, template: exp.template, year, agency, scale: 'county', fields: exp.fields, mustFlag: false };
      out.push(doc);
    }
    return out;
  },

  async extract(d: ClassDoc): Promise<Extraction> {
    const doc = d as CrawlDoc;
    const tmp = mkdtempSync(join(tmpdir(), 'nianbao-crawl-'));
    try {
      const root = join(tmp, 'mirror');
      const outsideDir = join(tmp, 'OUTSIDE');
      const write = (p: string, b: Buffer) => {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, b);
      };
      for (const [p, b] of Object.entries(doc.files ?? {})) write(join(root, p), b);
      for (const [p, b] of Object.entries(doc.outside ?? {})) write(join(outsideDir, p), b);
      for (const [p, target] of Object.entries(doc.symlinks ?? {})) {
        mkdirSync(dirname(join(root, p)), { recursive: true });
        symlinkSync(join(outsideDir, target), join(root, p));
      }
      const pagePath = join(root, doc.page);
      write(pagePath, doc.bytes);
      // what `nianbao extract mirror/` does for this file
      const x = (await extractLocalAttachment(pagePath, doc.bytes, { root })) ?? (await extractBytes(doc.bytes, { path: pagePath }));
      const followedOk = doc.follows
        ? x.source.page?.path === pagePath && x.source.path === join(root, doc.follows) && x.source.page?.sha256 !== x.source.sha256
        : x.source.page === undefined && x.source.path === pagePath;
      if (!followedOk) return failedExtraction(x.source, 'internal', `provenance wrong: ${JSON.stringify(x.source)}`);
      if (doc.follows) {
        // following the link gives exactly what extracting the attachment itself gives
        const direct = await extractBytes(doc.files![doc.follows], { path: join(root, doc.follows) });
        const same = (e: Extraction) => JSON.stringify([e.status, e.meta, e.fields, e.flags.map((f) => f.code)]);
        if (same(direct) !== same(x)) return failedExtraction(x.source, 'internal', 'the followed attachment extracted differently from the attachment itself');
      }
      return x;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};
