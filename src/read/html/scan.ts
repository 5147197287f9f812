/**
 * The tag scan run before parsing (to refuse pathological pages cheaply): a hand-written form of
 * the loop over `/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g`, with the same matches, that allocates
 * nothing per tag (a regex match array per tag was a tenth of the reader's garbage).
 */

const SLASH = 0x2f;

const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);

/** A tag name character (`[\w:-]`) as a digit in base 40, letters case-folded; -1 for others. */
function nameDigit(c: number): number {
  if (isLetter(c)) return (c | 0x20) - 0x60; // 1..26
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 27; // 27..36
  return c === 0x3a ? 37 : c === 0x5f ? 38 : c === 0x2d ? 39 : -1;
}

/** Names of up to 8 characters as a number (40^8 < 2^53); longer names are -1 (none is listed below). */
const KEY_CHARS = 8;
function nameKey(name: string): number {
  if (name.length > KEY_CHARS) return -1;
  let k = 0;
  for (let i = 0; i < name.length; i++) k = k * 40 + nameDigit(name.charCodeAt(i));
  return k;
}

const VOID_OR_AUTOCLOSED = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr',
  'param', 'keygen', 'p', 'li', 'td', 'th', 'tr', 'dt', 'dd', 'option', 'optgroup', 'thead', 'tbody', 'tfoot', 'colgroup', 'rt', 'rp', 'o:p'].map(nameKey));
const SCRIPT = nameKey('script');
const STYLE = nameKey('style');

/** Rough maximum nesting depth and number of start tags, from a linear scan of the tags (no parse). */
export function scanTags(html: string): { depth: number; tags: number } {
  const len = html.length;
  let depth = 0;
  let max = 0;
  let tags = 0;
  let i = html.indexOf('<');
  while (i >= 0) {
    let p = i + 1;
    const end = p < len && html.charCodeAt(p) === SLASH;
    if (end) p++;
    if (p >= len || !isLetter(html.charCodeAt(p))) {
      i = html.indexOf('<', i + 1);
      continue;
    }
    // the name and its key (nameKey) in one pass
    let key = nameDigit(html.charCodeAt(p));
    let e = p + 1;
    let d: number;
    while (e < len && (d = nameDigit(html.charCodeAt(e))) >= 0) {
      key = e - p < KEY_CHARS ? key * 40 + d : -1;
      e++;
    }
    // The tag runs to the first '>' (whatever comes between, '<' included). With no '>' left,
    // no later '<' can start a tag either.
    const gt = html.indexOf('>', e);
    if (gt < 0) break;
    let next = gt + 1;
    if (!end) tags++;
    const selfClosing = html.charCodeAt(gt - 1) === SLASH;
    if (VOID_OR_AUTOCLOSED.has(key) || selfClosing) {
      // no depth change
    } else if (key === SCRIPT || key === STYLE) {
      // skip the script's text (from its start tag only: an end tag must not jump to the next script's end)
      if (!end) {
        const close = html.indexOf(key === SCRIPT ? '</script' : '</style', next);
        if (close > 0) next = close;
      }
    } else if (end) depth = Math.max(0, depth - 1);
    else if (++depth > max) max = depth;
    i = html.indexOf('<', next);
  }
  return { depth: max, tags };
}

/** Rough maximum nesting depth from a linear scan of the tags (no parse). */
export function nestingDepth(html: string): number {
  return scanTags(html).depth;
}
