/**
 * 13.4 Agency names that are names: reports whose title, masthead and signature name the body in
 * the ways agencies print them (name before or after the year, on its own line, in 《》, with
 * 关于 or （全文）, a place-only title completed by the signature's short name, years in Chinese
 * numerals, no signature at all), over agencies drawn from a vocabulary of places and units. A
 * share of reports print no name anywhere but a sentence that starts like one (2021年，我局…,
 * 本机关…): those must come out with meta.agency null and meta_missing, never a fragment.
 */
import type { ClassDoc, ClassGenerator } from './harness';
import { Rng } from '../fixtures/prng';
import { generateGrid, type Scale } from '../fixtures/grid-gen';
import { templateKeys } from '../fixtures/grid-spec';
import { composeTableReport } from '../fixtures/render/compose';
import { composeFreeReport, renderFree } from '../fixtures/render/free';
import { renderCellPerLine, renderCleanTabs } from '../fixtures/render/text';
import type { Agency } from '../fixtures/render/report';

const CITIES = ['固原市', '南昌市', '洛阳市', '绍兴市', '遵义市', '赣州市', '曲靖市', '岳阳市', '宜宾市', '酒泉市', '包头市', '黄石市', '本溪市', '通化市'];
const COUNTIES = ['隆德县', '彭阳县', '峨山县', '临泉县', '长沙县', '德清县', '平遥县', '兴国县', '全椒县', '于都县', '通渭县', '关岭布依族苗族自治县', '城东区', '原州区', '西湖区', '向阳区', '桐乡市'];
const TOWNS = ['城关镇', '甸中镇', '开城镇', '古陶镇', '乌镇镇', '三河镇', '龙井乡', '马兰乡', '武康街道', '北关街道', '城南街道', '新华街道'];
const UNITS = [
  '人民政府', '人民政府办公室', '公安局', '财政局', '教育局', '教育和体育局', '民政局', '自然资源局', '自然资源和规划局', '生态环境局',
  '住房和城乡建设局', '交通运输局', '农业农村局', '水利局', '卫生健康委员会', '发展和改革委员会', '市场监督管理局', '应急管理局',
  '审计局', '统计局', '医疗保障局', '司法局', '退役军人事务局', '行政审批服务局', '政务服务管理办公室', '档案馆', '林业和草原局',
  '经济技术开发区管理委员会', '人力资源和社会保障局', '文化和旅游局', '商务局', '城市管理综合执法局', '税务局', '消防救援大队',
];
const CN = '〇一二三四五六七八九';
const cnYear = (y: number) => Array.from(String(y), (d) => CN[Number(d)]).join('');

function pickAgency(rng: Rng): Agency & { place: string } {
  const kind = rng.weighted([3, 4, 2]);
  if (kind === 0) {
    const county = rng.pick(COUNTIES);
    const town = rng.pick(TOWNS);
    const body = town.endsWith('街道') ? `${town}办事处` : `${town}人民政府`;
    return { name: county + body, short: body, scale: 'township', place: county + town };
  }
  const place = kind === 1 ? rng.pick(COUNTIES) : rng.pick(CITIES);
  const unit = rng.pick(UNITS);
  return { name: place + unit, short: place + unit, scale: kind === 1 ? 'county' : 'city', place };
}

type Head = (a: Agency & { place: string }, y: number) => string[];

const HEADS: Head[] = [
  (a, y) => [`${a.name}${y}年政府信息公开工作年度报告`],
  (a, y) => [`${a.name}${y}年度政府信息公开工作报告`],
  (a, y) => [a.name, `${y}年政府信息公开工作年度报告`],
  (a, y) => [`${a.name}${y}年政府信息公开`, '工作年度报告'],
  (a, y) => [`《${a.name}${y}年政务公开工作年度报告》`],
  (a, y) => [`${y}年${a.name}政府信息公开工作年度报告`],
  (a, y) => [`${a.name}关于${y}年度政府信息公开工作情况的报告`],
  (a, y) => [`${a.name}${y}年政府信息公开工作年度报告（全文）`],
  (a, y) => [a.name, `${cnYear(y)}年政府信息公开工作年度报告`],
];
/** Title with the place only: the signature's short name completes it (隆德县城关镇 + 城关镇人民政府). */
const PLACE_HEAD: Head = (a, y) => [`${a.place}${y}年政府信息公开工作年度报告`];
/** No name in the title. */
const BARE_HEADS: ((y: number) => string[])[] = [
  (y) => [`${y}年政府信息公开工作年度报告`],
  (y) => [`政府信息公开工作年度报告（${y}年）`],
  (y) => [`${y}年度政府信息公开工作报告`],
];
/** Sentences that start like a name and are not one. */
const FRAGMENTS: ((y: number) => string)[] = [
  (y) => `${y}年，我局认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政府信息公开工作。`,
  (y) => `${y}年，本机关坚持以公开为常态、不公开为例外，全面推进政务公开。`,
  (y) => `${y}年度，我局政府信息公开工作在上级的指导下有序开展。`,
  () => '我局高度重视政府信息公开工作，明确专人负责。',
];

function date(rng: Rng, y: number): string {
  const m = rng.int(1, 3);
  const d = rng.int(1, 28);
  return rng.chance(0.3) ? `${cnYear(y + 1)}年${'一二三'[m - 1]}月${d}日` : `${y + 1}年${m}月${d}日`;
}

/** Swap the renderer's title (everything before the first intro paragraph) and signature (its last two lines). */
function reframe(text: string, head: string[], tail: string[]): string {
  const start = text.indexOf('根据《中华人民共和国政府信息公开条例》');
  const lines = text.slice(start).split('\n');
  let drop = 2;
  while (drop > 0 && lines.length) {
    const l = lines.pop()!;
    if (l.trim()) drop--;
  }
  return [...head.flatMap((l) => [l, '']), ...lines, '', ...tail.flatMap((l) => [l, ''])].join('\n');
}

export const agencyNames: ClassGenerator = {
  id: 'agency-names',
  klass: '13.4',
  title: 'agency names from title, masthead and signature; fragments are not names',
  testDocs: 30,
  make(seed, n) {
    const rng = new Rng(seed * 104729 + 4);
    const docs: ClassDoc[] = [];
    for (let i = 0; i < n; i++) {
      const r = rng.fork(i);
      const missing = r.chance(0.25);
      const a = pickAgency(r);
      const layout = r.pick(['clean-tabs', 'cell-per-line', 'free'] as const);
      const template = layout === 'free' ? 'free' : r.pick(['2019', '2021'] as const);
      const year = template === '2019' ? r.int(2019, 2020) : template === '2021' ? r.int(2021, 2024) : r.int(2016, 2020);
      const printedAgency: Agency = missing ? { name: '本机关', short: '本机关', scale: a.scale } : a;
      let text: string;
      const fields: Record<string, number | null> = {};
      if (template === 'free') {
        const rep = composeFreeReport(r.fork(1), year, printedAgency);
        text = renderFree(rep, r.fork(2)).text;
        Object.assign(fields, rep.prose);
      } else {
        const grid = generateGrid(template, a.scale as Scale, r.fork(3));
        const rep = composeTableReport(r.fork(4), template, year, printedAgency, grid);
        text = (layout === 'clean-tabs' ? renderCleanTabs : renderCellPerLine)(rep, r.fork(5), String).text;
        for (const k of templateKeys(template)) fields[k] = grid[k];
        Object.assign(fields, rep.prose);
      }
      let head: string[];
      let tail: string[];
      let variant: string;
      if (missing) {
        const h = r.int(0, BARE_HEADS.length - 1);
        const f = r.int(0, FRAGMENTS.length - 1);
        head = [...BARE_HEADS[h](year), FRAGMENTS[f](year)];
        tail = r.pick([[date(r, year)], ['特此报告。', date(r, year)], []]);
        variant = `missing/h${h}/f${f}`;
      } else if (a.scale === 'township' && r.chance(0.3)) {
        // the place in the title or on a masthead line of its own (sample 002), the body in the signature or nowhere
        const masthead = r.chance(0.5);
        head = masthead ? [a.place, `${year}年政府信息公开工作年度报告`] : PLACE_HEAD(a, year);
        const bare = masthead && r.chance(0.4);
        tail = bare ? [date(r, year)] : [a.short, date(r, year)];
        variant = `place${masthead ? '-masthead' : ''}${bare ? '' : '+short'}`;
      } else {
        const h = r.int(0, HEADS.length - 1);
        head = HEADS[h](a, year);
        const t = r.int(0, 3);
        tail = [[a.name, date(r, year)], [a.short, date(r, year)], [date(r, year)], []][t];
        variant = `h${h}/t${t}`;
      }
      const id = `agency-${seed}-${i}`;
      docs.push({
        bytes: Buffer.from(reframe(text, head, tail), 'utf8'),
        name: `${id}.txt`,
        expected: {
          id, layout: template === 'free' ? 'free' : layout, variant: `${layout}/${variant}`, template, year,
          agency: a.name, scale: a.scale as Scale, fields, mustFlag: false, agencyExact: true,
          ...(missing ? { agencyMissing: true, flagWith: 'meta_missing' as const } : {}),
        },
      });
    }
    return docs;
  },
};
