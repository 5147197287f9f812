/** Minimal structural view of the domhandler nodes cheerio produces (so we need no extra type dependency). */
export interface DomNode {
  type: string;
  parent: DomNode | null;
  children?: DomNode[];
  /** Text and comment nodes. */
  data?: string;
  /** Elements. */
  name?: string;
  attribs?: Record<string, string>;
}

export interface DomElement extends DomNode {
  name: string;
  attribs: Record<string, string>;
  children: DomNode[];
}

export function isElement(n: DomNode | null | undefined): n is DomElement {
  return !!n && (n.type === 'tag' || n.type === 'script' || n.type === 'style') && typeof n.name === 'string';
}

export function tagName(n: DomNode): string {
  return isElement(n) ? n.name.toLowerCase() : '';
}

export function childElements(n: DomNode): DomElement[] {
  return (n.children ?? []).filter(isElement);
}

/** Text content of a node, skipping scripts/styles/comments. */
export function textOf(n: DomNode): string {
  if (n.type === 'text') return n.data ?? '';
  if (!isElement(n)) return '';
  const t = n.name.toLowerCase();
  if (SKIP_TAGS.has(t)) return '';
  let s = '';
  for (const c of n.children) s += textOf(c);
  return s;
}

/** Characters that `visibleLength` counts: not ASCII space/control, nbsp or ideographic space. */
export function visibleChars(d: string): number {
  let k = 0;
  for (let i = 0; i < d.length; i++) {
    const c = d.charCodeAt(i);
    if (c > 0x20 && c !== 0xa0 && c !== 0x3000) k++;
  }
  return k;
}

const lengthCache = new WeakMap<DomNode, number>();

/** Number of non-whitespace characters of textOf(n), cached (compute children before mutating parents). */
export function visibleLength(n: DomNode): number {
  if (n.type === 'text') {
    const d = n.data ?? '';
    let k = 0;
    for (let i = 0; i < d.length; i++) {
      const c = d.charCodeAt(i);
      if (c > 0x20 && c !== 0xa0 && c !== 0x3000) k++;
    }
    return k;
  }
  if (!isElement(n) || SKIP_TAGS.has(n.name.toLowerCase())) return 0;
  const cached = lengthCache.get(n);
  if (cached !== undefined) return cached;
  let k = 0;
  for (const c of n.children) k += visibleLength(c);
  lengthCache.set(n, k);
  return k;
}

/** Elements whose content is never document text. */
export const SKIP_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'iframe', 'frame', 'frameset', 'object', 'embed', 'svg', 'canvas',
  'head', 'title', 'meta', 'link', 'select', 'option', 'button', 'input', 'textarea', 'audio', 'video', 'map', 'xml',
]);

/** Elements that start a new paragraph. */
export const BLOCK_TAGS = new Set([
  'p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'section', 'article', 'main',
  'header', 'footer', 'nav', 'aside', 'blockquote', 'pre', 'center', 'address', 'form', 'fieldset', 'figure',
  'figcaption', 'hr', 'body', 'html', 'caption', 'legend', 'details', 'summary', 'menu', 'tr', 'td', 'th',
  'tbody', 'thead', 'tfoot', 'table',
]);

/** True for elements hidden with inline style or the hidden attribute. */
export function isHidden(el: DomElement): boolean {
  const a = el.attribs;
  // (attribute values are strings: present ⇔ not undefined)
  if (a.hidden !== undefined) return true;
  const style = a.style;
  // (cheap literal test first: most styles hide nothing)
  if (style && HIDE_WORD.test(style) && HIDE_STYLE.test(style)) return true;
  return false;
}
const HIDE_WORD = /none|hidden/i;
const HIDE_STYLE = /(^|;)\s*(display\s*:\s*none|visibility\s*:\s*hidden)/i;

const ANY_SPACE = /[\s\u00a0\u2002\u2003\u2009\u200b\ufeff]/;

/** CJK-aware whitespace normalisation of inline text. `&nbsp;` counts as a space. */
export function normalizeInline(s: string): string {
  // (fast path: most cell texts hold no space at all)
  if (!ANY_SPACE.test(s)) return s;
  // Word wraps its HTML source lines inside Chinese text: a line break between two CJK characters is no space.
  s = s.replace(/([\u3000-\u9fff\uff00-\uffef])[ \t]*[\r\n]+[ \t\r\n]*(?=[\u3000-\u9fff\uff00-\uffef])/g, '$1');
  s = s.replace(/[\s\u00a0\u2002\u2003\u2009\u200b\ufeff]+/g, (m) => (m.includes('\u3000') ? '\u3000' : ' '));
  return s.replace(/^[ \u3000]+|[ \u3000]+$/g, '');
}

/** Per parent with many children: for each element child, its same-tag index and count packed as count * 2^26 + index. */
let siblingIndex = new Map<DomNode, Map<DomNode, number>>();
const PACK = 2 ** 26;

/**
 * Forget the sibling indices cached by `shortPath` (they are kept while one DOM is walked, which
 * must not change meanwhile).
 */
export function resetPathCache(): void {
  siblingIndex = new Map();
}

/** 1-based index of an element among its parent's children of the same tag, and their count. */
function sameTagIndex(el: DomElement): { index: number; count: number } | undefined {
  const parent = el.parent;
  if (!parent) return undefined;
  const kids = parent.children ?? [];
  const name = el.name.toLowerCase();
  if (kids.length <= 32) {
    // few siblings: count them, no cache
    let index = 0;
    let count = 0;
    for (const c of kids) {
      if (!isElement(c) || c.name.toLowerCase() !== name) continue;
      count++;
      if (c === el) index = count;
    }
    return index ? { index, count } : undefined;
  }
  let m = siblingIndex.get(parent);
  if (!m) {
    m = new Map();
    const counts = new Map<string, number>();
    const elems = childElements(parent);
    for (const c of elems) {
      const n = c.name.toLowerCase();
      const k = (counts.get(n) ?? 0) + 1;
      counts.set(n, k);
      m.set(c, k);
    }
    for (const c of elems) m.set(c, counts.get(c.name.toLowerCase())! * PACK + m.get(c)!);
    siblingIndex.set(parent, m);
  }
  const v = m.get(el);
  return v === undefined ? undefined : { index: v % PACK, count: Math.floor(v / PACK) };
}

/** First whitespace-separated token of a class attribute (`.trim().split(/\s+/)[0]`). */
function firstClass(cls: string): string {
  let a = 0;
  while (a < cls.length && isSpace(cls.charCodeAt(a))) a++;
  let b = a;
  while (b < cls.length && !isSpace(cls.charCodeAt(b))) b++;
  return a === 0 && b === cls.length ? cls : cls.slice(a, b);
}

/** One step of `shortPath`: tag, then #id, else .class and [index] among same-tag siblings. */
export function pathPart(el: DomElement): string {
  const name = el.name.toLowerCase();
  const id = el.attribs.id;
  if (id) return `${name}#${id}`;
  let part = name;
  const cls = el.attribs.class;
  if (cls) {
    const first = firstClass(cls);
    if (first) part += `.${first}`;
  }
  const at = sameTagIndex(el);
  if (at && at.count > 1) part += `[${at.index}]`;
  return part;
}

/** A short, human-readable path (up to three levels) for positions shown to reviewers. */
export function shortPath(el: DomNode | null, levels = 3): string {
  let path = '';
  let k = 0;
  let cur: DomNode | null = el;
  while (cur && isElement(cur) && k < levels) {
    const name = cur.name.toLowerCase();
    if (name === 'html' || name === 'body') break;
    const part = pathPart(cur);
    path = k++ === 0 ? part : `${part}>${path}`;
    if (cur.attribs.id) break;
    cur = cur.parent;
  }
  return path;
}

/** Is `c` a character that `/\s/` matches. */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
