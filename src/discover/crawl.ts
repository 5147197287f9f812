/**
 * Crawl one column: its first page, then every page its pagination leads to (within the column), each
 * page fetched once, at most `maxPages` pages and `maxDepth` pager hops from the first. Returns every
 * listed item, in listing order, one per URL. Fetching is given (the queue stage passes the safe fetcher:
 * robots.txt, per-host limits, the private-address guard), so this stays a pure walk over pages.
 */
import { recogniseListing, type ListedItem } from './listing';
import { pageKey } from './site';

export interface FetchedPage {
  /** The page's URL after redirects. */
  finalUrl: string;
  html: string;
}

export type PageFetcher = (url: string) => Promise<FetchedPage>;

export interface CrawlOptions {
  /** Pages fetched at most (default 50). */
  maxPages?: number;
  /** Pager hops from the first page at most (default 50). */
  maxDepth?: number;
}

export interface CrawlResult {
  /** The first page is a listing. */
  listing: boolean;
  reason: string;
  /** Pages fetched (URLs as asked), in order. */
  pages: string[];
  /** Pages the pagination pointed to but the bounds left out. */
  notFollowed: string[];
  pageErrors: Array<{ url: string; code: string; message: string }>;
  items: ListedItem[];
}

export async function crawlColumn(columnUrl: string, fetchPage: PageFetcher, opts: CrawlOptions = {}): Promise<CrawlResult> {
  const maxPages = opts.maxPages ?? 50;
  const maxDepth = opts.maxDepth ?? 50;
  const seen = new Set<string>([pageKey(new URL(columnUrl))]);
  const queue: Array<{ url: string; depth: number }> = [{ url: columnUrl, depth: 0 }];
  const res: CrawlResult = { listing: false, reason: '', pages: [], notFollowed: [], pageErrors: [], items: [] };
  const itemUrls = new Set<string>();
  let group: string | null = null;
  let declared = 0;
  while (queue.length) {
    const { url, depth } = queue.shift() as { url: string; depth: number };
    if (res.pages.length >= maxPages) {
      res.notFollowed.push(url);
      continue;
    }
    res.pages.push(url);
    let page: FetchedPage;
    try {
      page = await fetchPage(url);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (depth === 0) throw e; // the column itself could not be fetched: the caller records it
      res.pageErrors.push({ url, code: typeof err.code === 'string' ? err.code : 'error', message: err.message ?? String(e) });
      continue;
    }
    // a redirect to a page already seen (a pager looping back to page 1 through a redirect)
    const finalKey = pageKey(new URL(page.finalUrl));
    if (finalKey !== pageKey(new URL(url)) && seen.has(finalKey) && depth > 0) continue;
    seen.add(finalKey);
    const l = recogniseListing(page.html, page.finalUrl, { columnUrl, group });
    declared = Math.max(declared, l.declaredPages ?? 0);
    if (depth === 0) {
      res.listing = l.listing;
      res.reason = l.reason;
      if (!l.listing) return res;
      group = l.group;
    }
    for (const it of l.items) {
      if (itemUrls.has(it.url)) continue;
      itemUrls.add(it.url);
      res.items.push(it);
    }
    for (const next of l.pages) {
      if (seen.has(next)) continue;
      seen.add(next);
      if (depth + 1 > maxDepth) res.notFollowed.push(next);
      else queue.push({ url: next, depth: depth + 1 });
    }
  }
  // the pager said more pages than could be read, with none left out by the bounds or failing: a pager
  // this crawl cannot follow (script-only, a form). Recorded, so the column is partial, not short.
  const read = res.pages.length - res.pageErrors.length;
  if (declared > read && !res.notFollowed.length && !res.pageErrors.length) {
    res.pageErrors.push({ url: columnUrl, code: 'pages_unreached', message: `the pager says ${declared} pages; ${read} could be followed (a script or form pager)` });
  }
  return res;
}
