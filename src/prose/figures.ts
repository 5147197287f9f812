/**
 * Figures stated in running text (p.* fields): 主动公开政府信息122条, 受理依申请公开0件,
 * 接受群众咨询321次, 行政复议0起… Each field has direct patterns (a keyword, then its number
 * and unit in the same clause), weaker ones (a total in a sentence about the topic), and
 * negations (未收到…申请 → 0), each with its own confidence.
 */

export interface ProseFigure {
  key: string;
  value: number;
  confidence: number;
  sentence: string;
  pattern: 'direct' | 'total' | 'negation';
  /** Other values other sentences gave for the same field. */
  conflicts?: number[];
}

interface Rule {
  key: string;
  direct: RegExp[];
  total?: { topic: RegExp; number: RegExp };
  negation?: RegExp;
}

const N = '(\\d[\\d,]*)';
const GAP = '[^。;；,，\\d]{0,12}?';

const RULES: Rule[] = [
  {
    key: 'p.proactive_total',
    direct: [new RegExp(`主动公开${GAP}(?:共计|总计|合计|累计|共)?${N}\\s*条`)],
    total: { topic: /主动(?:公开|发布)/, number: new RegExp(`(?:共计|总计|合计|累计)${N}\\s*条`) },
  },
  {
    key: 'p.requests_total',
    direct: [
      new RegExp(`(?:受理|收到|接收|接到|办理)${GAP}(?:依申请公开|政府信息公开申请|信息公开申请|公开申请)${GAP}(?:共计|总计|合计|累计|共)?${N}\\s*(?:件|条|个|宗|份|次)`),
      new RegExp(`(?:依申请公开|政府信息公开申请|信息公开申请)(?:共计|总计|合计|累计|共)${N}\\s*(?:件|条|个|宗|份)`),
    ],
    negation: /(?:未|没有)(?:收到|受理|接到|接收)[^。;；]{0,15}?申请/,
  },
  {
    key: 'p.consultations',
    direct: [new RegExp(`(?:接受|受理|接待|处理|答复|解答|办理)${GAP}咨询${GAP}(?:共计|总计|合计|累计|共)?${N}\\s*(?:次|人次|件|条|个)`)],
  },
  {
    key: 'p.reviews',
    direct: [new RegExp(`行政复议${GAP}${N}\\s*(?:起|件|次|宗|个)`)],
    negation: /(?:未(?!经)|没有|无)[^。;；\d]{0,30}?复议/,
  },
  {
    key: 'p.lawsuits',
    direct: [new RegExp(`行政诉讼${GAP}${N}\\s*(?:起|件|次|宗|个)`)],
    negation: /(?:未(?!经)|没有|无)[^。;；\d]{0,30}?诉讼/,
  },
];

const CONFIDENCE = { direct: 0.97, total: 0.85, negation: 0.9 };

function toNumber(s: string): number {
  return Number(s.replace(/,/g, ''));
}

/** Sentences of running text (already normalised): split on 。；; and line ends. */
export function sentences(paragraphs: string[]): string[] {
  const out: string[] = [];
  for (const p of paragraphs) {
    // Table cells dumped one per line are short (and hold no sentence); running text is not.
    if (p.length < 6) continue;
    for (const s of p.split(/[。;；!?！？\n]/)) {
      const t = s.trim();
      if (t.length >= 4) out.push(t);
    }
  }
  return out;
}

export function proseFigures(paragraphs: string[]): ProseFigure[] {
  const sents = sentences(paragraphs);
  const out: ProseFigure[] = [];
  for (const rule of RULES) {
    const found: ProseFigure[] = [];
    for (const s of sents) {
      for (const re of rule.direct) {
        const m = re.exec(s);
        if (m) {
          found.push({ key: rule.key, value: toNumber(m[1]), confidence: CONFIDENCE.direct, sentence: s, pattern: 'direct' });
          break;
        }
      }
    }
    if (!found.length && rule.total) {
      for (const s of sents) {
        const m = rule.total.topic.test(s) ? rule.total.number.exec(s) : null;
        if (m) found.push({ key: rule.key, value: toNumber(m[1]), confidence: CONFIDENCE.total, sentence: s, pattern: 'total' });
      }
    }
    if (!found.length && rule.negation) {
      for (const s of sents) {
        if (rule.negation.test(s)) found.push({ key: rule.key, value: 0, confidence: CONFIDENCE.negation, sentence: s, pattern: 'negation' });
      }
    }
    if (!found.length) continue;
    const first = found[0];
    const others = [...new Set(found.filter((f) => f.value !== first.value).map((f) => f.value))];
    if (others.length) {
      first.conflicts = others;
      first.confidence = Math.min(first.confidence, 0.6);
    }
    out.push(first);
  }
  return out;
}
