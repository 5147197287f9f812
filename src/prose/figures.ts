/**
 * Figures stated in running text (p.* fields): 主动公开政府信息122条, 受理依申请公开0件,
 * 接受群众咨询321次, 行政复议0起, 诉讼9件… Each field has direct patterns (a keyword, then its
 * number and unit in the same clause), weaker ones (a total in a sentence about the topic), and
 * negations (未收到…申请 → 0), each with its own confidence.
 *
 * Only the report's own year counts: a figure whose sentence dates it to another year (2020年主动
 * 公开…, 上年度…, 同期…) or that states a change (较上年增加15条) is set aside, and a field with
 * nothing but set-aside figures is reported as such (the core flags it). The text is read as
 * running text (./running-text): a table of contents is skipped and sentences cut by a page
 * break or page furniture are whole again.
 */
import { runningText } from './running-text';

export interface ProseFigure {
  key: string;
  value: number;
  confidence: number;
  sentence: string;
  pattern: 'direct' | 'total' | 'negation';
  /** Other values other sentences gave for the same field. */
  conflicts?: number[];
}

/** A figure read and not used: it belongs to another year, or is a change rather than a count. */
export interface SetAside {
  key: string;
  value: number;
  sentence: string;
  reason: string;
}

export interface ProseOptions {
  /** The year reported on: figures dated to another year are set aside. */
  year?: number | null;
}

interface Rule {
  key: string;
  direct: RegExp[];
  total?: { topic: RegExp; number: RegExp };
  negation?: RegExp;
  /** Words that may not stand between the keyword and the number (another field's keyword). */
  foreignGap?: RegExp;
}

const N = '(\\d[\\d,]*)';
const GAP = '[^。;；,，\\d]{0,12}?';
const WIDE_GAP = '[^。;；,，\\d]{0,20}?';
const UNIT = '(?:起|件|次|宗|个)';

const RULES: Rule[] = [
  {
    key: 'p.proactive_total',
    direct: [new RegExp(`主动(?:公开|发布)${GAP}(?:共计|总计|合计|累计|共)?${N}\\s*条`, 'g')],
    total: { topic: /主动(?:公开|发布)/, number: new RegExp(`(?:共计|总计|合计|累计)${N}\\s*条`, 'g') },
  },
  {
    key: 'p.requests_total',
    direct: [
      // who applied may stand between the verb and the object: 受理公民、法人和其他组织提出的…申请
      new RegExp(`(?:受理|收到|接收|接到|办理|新收)${WIDE_GAP}(?:依申请公开|政府信息公开申请|信息公开申请|公开申请)${GAP}(?:共计|总计|合计|累计|共)?${N}\\s*(?:件|条|个|宗|份|次)`, 'g'),
      new RegExp(`(?:依申请公开|政府信息公开申请|信息公开申请)(?:共计|总计|合计|累计|共)${N}\\s*(?:件|条|个|宗|份)`, 'g'),
    ],
    negation: /(?:未|没有)(?:收到|受理|接到|接收)[^。;；]{0,15}?申请/,
  },
  {
    key: 'p.consultations',
    direct: [new RegExp(`(?:接受|受理|接待|处理|答复|解答|办理)${GAP}咨询${GAP}(?:共计|总计|合计|累计|共)?${N}\\s*(?:次|人次|件|条|个)`, 'g')],
  },
  {
    key: 'p.reviews',
    direct: [new RegExp(`行政复议${GAP}${N}\\s*${UNIT}`, 'g')],
    negation: /(?:未(?!经)|没有|无)[^。;；\d]{0,30}?复议/,
    foreignGap: /诉讼|起诉/,
  },
  {
    key: 'p.lawsuits',
    // 诉讼 alone too: 信息公开类行政复议7件，诉讼9件
    direct: [new RegExp(`诉讼${GAP}${N}\\s*${UNIT}`, 'g')],
    negation: /(?:未(?!经)|没有|无)[^。;；\d]{0,30}?诉讼/,
    foreignGap: /复议/,
  },
];

/** 行政复议和行政诉讼分别为3件、2件 / 行政复议、行政诉讼各1件: one sentence, both fields. */
const PAIRS: RegExp[] = [
  new RegExp(`行政复议(?:案件)?(?:和|、|及|与|以及)(?:行政)?诉讼(?:案件)?(?:数量|数)?(?:分别|依次)(?:为|是)?${N}\\s*${UNIT}?\\s*(?:和|、|及|与|，|,)\\s*${N}\\s*${UNIT}`, 'g'),
];
const BOTH = new RegExp(`行政复议(?:案件)?(?:和|、|及|与|以及)(?:行政)?诉讼(?:案件)?(?:数量|数)?(?:均|各)(?:为|是)?${N}\\s*${UNIT}`, 'g');

const CONFIDENCE = { direct: 0.97, total: 0.85, negation: 0.9, clauseNegation: 0.97 };

/** Between the keyword and its number: a change (较上年增加…) or a split (分别…), not a count. */
const CHANGE = /较|比|增加|减少|增长|下降|提高|上升|降低|同比|环比|分别|依次/;
/** Dates a figure: a year, the report's own time (本年度, 全年…) or an earlier one (上年度, 同期…). */
const TIME_MARK = /((?:19|20)\d{2})\s*年|(?:上一?年度?|去年|前一?年)(?:全年|同期)?|同期|上期|以往|往年|(本年|今年|全年|报告期|当年)/g;

function toNumber(s: string): number {
  return Number(s.replace(/,/g, ''));
}

/**
 * The time the sentence gives a figure at `at`: the last year or relative marker before it (titles
 * in 《》 aside). 'other' when that is not the report's year.
 */
function timeOf(sentence: string, at: number, year: number | null | undefined): 'own' | 'other' {
  const before = sentence.slice(0, at).replace(/《[^》]*》/g, (m) => '_'.repeat(m.length));
  let last: RegExpExecArray | null = null;
  for (const m of before.matchAll(TIME_MARK)) last = m as RegExpExecArray;
  if (!last || last[2]) return 'own'; // no marker, or 本年度/全年…
  if (!last[1]) return 'other';
  return year && Number(last[1]) !== year ? 'other' : 'own';
}

/** Sentences of running text (already normalised): split on 。；; and line ends. */
export function sentences(paragraphs: string[]): string[] {
  const out: string[] = [];
  for (const p of runningText(paragraphs)) {
    // Table cells dumped one per line are short (and hold no sentence); running text is not.
    if (p.length < 6) continue;
    for (const s of p.split(/[。;；!?！？\n]/)) {
      const t = s.trim();
      if (t.length >= 4) out.push(t);
    }
  }
  return out;
}

interface Found { value: number; sentence: string; pattern: ProseFigure['pattern']; strong?: boolean }

export function proseReading(paragraphs: string[], opts: ProseOptions = {}): { figures: ProseFigure[]; setAside: SetAside[] } {
  const sents = sentences(paragraphs);
  const setAside: SetAside[] = [];
  /** Accept a match unless it is dated to another year or states a change. */
  const accept = (key: string, s: string, m: RegExpMatchArray, numberGroup = 1, rule?: Rule): boolean => {
    const value = toNumber(m[numberGroup]);
    const at = m.index! + m[0].indexOf(m[numberGroup]);
    const gap = m[0].slice(0, m[0].indexOf(m[numberGroup]));
    let reason = '';
    if (CHANGE.test(gap)) reason = 'a change or a split, not a count';
    else if (rule?.foreignGap?.test(gap)) reason = 'another field’s keyword stands before the number';
    else if (timeOf(s, at, opts.year) === 'other') reason = 'dated to another year';
    if (!reason) return true;
    if (!rule?.foreignGap?.test(gap)) setAside.push({ key, value, sentence: s, reason });
    return false;
  };

  const found = new Map<string, Found[]>(RULES.map((r) => [r.key, []]));
  for (const s of sents) {
    for (const re of PAIRS) {
      for (const m of s.matchAll(re)) {
        if (timeOf(s, m.index!, opts.year) === 'other') continue;
        found.get('p.reviews')!.push({ value: toNumber(m[1]), sentence: s, pattern: 'direct' });
        found.get('p.lawsuits')!.push({ value: toNumber(m[2]), sentence: s, pattern: 'direct' });
      }
    }
    for (const m of s.matchAll(BOTH)) {
      if (timeOf(s, m.index!, opts.year) === 'other') continue;
      for (const k of ['p.reviews', 'p.lawsuits']) found.get(k)!.push({ value: toNumber(m[1]), sentence: s, pattern: 'direct' });
    }
  }
  const out: ProseFigure[] = [];
  for (const rule of RULES) {
    const list = found.get(rule.key)!;
    const paired = list.length > 0;
    if (!paired) {
      for (const s of sents) {
        let hit = false;
        for (const re of rule.direct) {
          for (const m of s.matchAll(re)) {
            if (!accept(rule.key, s, m, 1, rule)) continue;
            list.push({ value: toNumber(m[1]), sentence: s, pattern: 'direct' });
            hit = true;
            break;
          }
          if (hit) break;
        }
      }
    }
    if (!list.length && rule.total) {
      for (const s of sents) {
        if (!rule.total.topic.test(s)) continue;
        for (const m of s.matchAll(rule.total.number)) {
          if (!accept(rule.key, s, m)) continue;
          list.push({ value: toNumber(m[1]), sentence: s, pattern: 'total' });
          break;
        }
      }
    }
    if (!list.length && rule.negation) {
      for (const s of sents) {
        const m = rule.negation.exec(s);
        // within one clause (未发生…行政复议, 无行政复议和行政诉讼案件) a negation is as plain as a count
        if (m) list.push({ value: 0, sentence: s, pattern: 'negation', strong: !/[，,]/.test(m[0]) });
      }
    }
    if (!list.length) continue;
    const first = list[0];
    const confidence = first.strong ? CONFIDENCE.clauseNegation : CONFIDENCE[first.pattern];
    const fig: ProseFigure = { key: rule.key, value: first.value, confidence, sentence: first.sentence, pattern: first.pattern };
    const others = [...new Set(list.filter((f) => f.value !== first.value).map((f) => f.value))];
    if (others.length) {
      fig.conflicts = others;
      fig.confidence = Math.min(fig.confidence, 0.6);
    }
    out.push(fig);
  }
  const read = new Set(out.map((f) => f.key));
  return { figures: out, setAside: setAside.filter((a) => !read.has(a.key)) };
}

export function proseFigures(paragraphs: string[], opts: ProseOptions = {}): ProseFigure[] {
  return proseReading(paragraphs, opts).figures;
}
