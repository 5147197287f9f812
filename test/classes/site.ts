/**
 * Government site chrome for generated pages (issue 13 classes 5 and 10): a header, navigation,
 * breadcrumb and footer, with class names a content finder may or may not know, so some chrome
 * reaches the document as link lists and footer text.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import type { Rng } from '../fixtures/prng';

/** The committed fixture files (from the sources, or from dist/test/classes when the report runs built). */
export const FIXTURE_FILES = [join(__dirname, '../fixtures/files'), join(__dirname, '../../../test/fixtures/files')].find((d) => existsSync(join(d, 'pdf'))) ?? join(__dirname, '../fixtures/files');

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const NAV = ['首页', '政务公开', '新闻中心', '政务服务', '互动交流', '走进本地', '政策文件', '通知公告', '专题专栏', '数据开放'];

/** Site name of an agency: the government the department belongs to, or the agency itself. */
export function siteName(agency: string): string {
  const m = /^(.+?(县|市|区|旗))/.exec(agency);
  return m ? `${m[1]}人民政府` : agency;
}

export function randomDate(rng: Rng, year: number): string {
  const m = rng.int(1, 12);
  const d = rng.int(1, 28);
  return rng.pick([
    `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
    `${year}/${m}/${d}`,
    `${year}年${m}月${d}日`,
    `[${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}]`,
  ]);
}

export function articleHref(rng: Rng, year: number): string {
  return rng.pick([
    `./${year}${String(rng.int(1, 12)).padStart(2, '0')}/t${year}${rng.int(1000, 9999)}_${rng.int(100000, 999999)}.html`,
    `/art/${year}/${rng.int(1, 12)}/${rng.int(1, 28)}/art_${rng.int(1000, 9999)}_${rng.int(100000, 999999)}.html`,
    `content_${rng.int(10000, 99999)}.html`,
    `/zwgk/xxgk/${rng.int(100, 999)}.jhtml`,
  ]);
}

/** Wrap `main` (the page's own content) in a site page; `title` goes into <title>. */
export function sitePage(rng: Rng, opts: { site: string; title: string; crumbs: string[]; main: string; charset?: string }): string {
  const known = rng.chance(0.5); // furniture class names the reader knows, or a CMS's own names
  const navItems = rng.shuffle(NAV).slice(0, rng.int(5, 9)).map((n) => `<li><a href="/${rng.int(10, 99)}/">${n}</a></li>`).join('');
  const nav = known ? `<div class="nav"><ul>${navItems}</ul></div>` : `<div class="${rng.pick(['m-dh', 'menu_bg', 'dh', 'gov-top-nav'])}"><ul>${navItems}</ul></div>`;
  const crumbs = opts.crumbs.map((c) => `<a href="/${rng.int(10, 99)}/">${c}</a>`).join(' &gt; ');
  const crumb = rng.chance(0.7) ? `<div class="${known ? 'position' : 'wz'}">当前位置：<a href="/">首页</a> &gt; ${crumbs}</div>` : '';
  const footer = `<div class="${known ? 'footer' : rng.pick(['bot', 'ft', 'di'])}"><p>主办单位：${opts.site}办公室 承办：${opts.site}政务公开办</p><p>网站标识码：${rng.int(1000000000, 9999999999)} ${rng.pick(['宁', '浙', '湘', '赣', '豫'])}ICP备${rng.int(10000000, 99999999)}号</p><p>联系电话：0${rng.int(310, 999)}-${rng.int(2000000, 8999999)}</p></div>`;
  const head = `<div class="${known ? 'header' : 'top'}"><div class="logo">${opts.site}</div><div class="${known ? 'search' : 'ss'}"><input type="text"><button>搜索</button></div></div>`;
  const t = rng.chance(0.5) ? `${opts.title}_${opts.site}` : `${opts.title} - ${opts.site}`;
  return `<!DOCTYPE html><html><head><meta charset="${opts.charset ?? 'utf-8'}"><title>${esc(t)}</title></head><body>
${head}
${nav}
${crumb}
<div class="${rng.pick(['main', 'container', 'w1200', 'con'])}">
${opts.main}
</div>
${footer}
</body></html>`;
}
