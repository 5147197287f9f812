/**
 * Where a column's crawl may go: the column's site (its host, or a sibling host of the same registered
 * government domain, e.g. www.x.gov.cn and xxgk.x.gov.cn), and for pagination the column itself (its
 * directory on the same origin).
 */

const SECOND_LEVEL = /\.(gov|com|org|edu|net|ac)\.(cn|hk|mo|tw)$/i;
const IP_RE = /^(\d{1,3}\.){3}\d{1,3}$|^\[?[0-9a-f:]+\]?$/i;

/** The registered domain of a host: x.gov.cn for www.x.gov.cn; an IP or a one-label host stays as it is. */
export function siteOf(hostname: string): string {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (IP_RE.test(h) || !h.includes('.')) return h;
  const labels = h.split('.');
  const keep = SECOND_LEVEL.test(h) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/**
 * Same site as the column? Named hosts: same registered domain (any port). Addresses and one-label hosts
 * (127.0.0.1, localhost): the same host and port, since nothing ties two ports of one address together.
 */
export function sameSite(column: URL, other: URL): boolean {
  if (other.protocol !== 'http:' && other.protocol !== 'https:') return false;
  const h = column.hostname.toLowerCase();
  if (IP_RE.test(h) || !h.includes('.')) return other.host.toLowerCase() === column.host.toLowerCase();
  return siteOf(other.hostname) === siteOf(column.hostname);
}

/** The column's directory: origin + path up to its last '/'. */
export function columnScope(column: URL): string {
  return column.origin + column.pathname.replace(/[^/]*$/, '');
}

/**
 * Is this URL a page of the column (not an article under it)? Same origin, and either the same path
 * (another query: ?page=2) or a file directly in the column's directory (index_1.html, list_2.shtml).
 */
export function inColumn(column: URL, other: URL): boolean {
  if (other.origin !== column.origin) return false;
  if (other.pathname === column.pathname) return true;
  const dir = column.pathname.replace(/[^/]*$/, '');
  if (!other.pathname.startsWith(dir)) return false;
  const rest = other.pathname.slice(dir.length);
  return !rest.includes('/');
}

/**
 * A page's identity for the seen-set: no fragment, and a directory's index file is the directory
 * (dir/index.html is dir/, as servers map it and as pager scripts name page 1).
 */
export function pageKey(u: URL): string {
  const c = new URL(u.toString());
  c.hash = '';
  c.pathname = c.pathname.replace(/\/(index|default)\.(s?html?|jsp|php|aspx?)$/i, '/');
  return c.toString();
}
