/**
 * Wrapper pages: on most government sites the crawled URL is an article page whose body is a short note
 * and a link to the report as a .pdf/.doc/.docx attachment. Find that attachment, unless the page holds
 * the report itself (its tables and figures in the HTML).
 */
import * as cheerio from 'cheerio';

const ATTACH_RE = /\.(pdf|docx|doc|wps)(?:$|[?#])/i;
const EXT_SCORE: Record<string, number> = { pdf: 3, docx: 2, doc: 1, wps: 0 };

export function decodeHtml(bytes: Uint8Array, contentType?: string | null): string {
  let charset = /charset=["']?([\w-]+)/i.exec(contentType ?? '')?.[1];
  if (!charset) {
    const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
    charset = /<meta[^>]+charset=["']?([\w-]+)/i.exec(head)?.[1];
  }
  let label = (charset ?? 'utf-8').toLowerCase();
  if (label === 'gb2312' || label === 'gbk') label = 'gb18030';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export function looksLikeHtml(bytes: Uint8Array, contentType?: string | null): boolean {
  if (/html/i.test(contentType ?? '')) return true;
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || /<(head|body|meta)[\s>]/.test(head);
}

export interface WrapperResult {
  /** Absolute URL of the attachment, or null when the page is not a wrapper. */
  attachment: string | null;
  /** Every acceptable attachment link, best first (a saved crawl may lack the best one on disk). */
  candidates?: string[];
  reason: string;
}

export interface FindAttachmentOptions {
  /**
   * Which links may be followed, given the link as written and as resolved (default: http(s) URLs).
   * A page saved on disk accepts only relative links that stay inside its directory tree.
   */
  accept?: (href: string, resolved: URL) => boolean;
}

const httpOnly = (_href: string, u: URL) => u.protocol === 'http:' || u.protocol === 'https:';

/** Decide whether an HTML page is a wrapper around an attachment; returns the best attachment link. */
export function findAttachment(html: string, baseUrl: string, opts: FindAttachmentOptions = {}): WrapperResult {
  const accept = opts.accept ?? httpOnly;
  let refused = 0;
  const $ = cheerio.load(html);
  $('script, style, noscript').remove();
  const cells = $('td, th').length;
  const cellText = $('td, th').map((_, el) => $(el).text()).get();
  const numericCells = cellText.filter((t) => /^\s*[\d,.]+\s*$/.test(t)).length;
  const text = $('body').text().replace(/\s+/g, '');
  const reportLike = cells >= 40 && /申请|公开/.test(text) && numericCells >= 20;
  if (reportLike) return { attachment: null, reason: `the page holds the report itself (${cells} table cells)` };

  const candidates: Array<{ url: string; score: number }> = [];
  const consider = (raw: string | undefined, label: string, embedded = false) => {
    if (!raw) return;
    let href = raw.trim();
    const fileParam = /[?&]file=([^&#]+)/i.exec(href);
    if (fileParam && ATTACH_RE.test(decodeURIComponent(fileParam[1]))) href = decodeURIComponent(fileParam[1]);
    const m = ATTACH_RE.exec(href) ?? ATTACH_RE.exec(label);
    if (!m) return;
    if (/^(javascript|mailto):/i.test(href)) return;
    let url: URL;
    try {
      url = new URL(href, baseUrl);
    } catch {
      return;
    }
    if (!accept(href, url)) {
      refused++;
      return;
    }
    const abs = url.toString();
    let score = EXT_SCORE[m[1].toLowerCase()] ?? 0;
    if (/年度报告|年报|工作报告/.test(label + decodeURIComponent(href))) score += 5;
    if (/政府信息公开|信息公开/.test(label)) score += 2;
    // an application form or a guide beside the report is not the report
    if (/申请表|登记表|样表|模板|表格下载|指南/.test(label + decodeURIComponent(href))) score -= 6;
    // a document the page embeds (viewer frame) is what the page shows
    if (embedded) score += 2;
    candidates.push({ url: abs, score });
  };
  $('a[href]').each((_, el) => consider($(el).attr('href'), $(el).text() + ' ' + ($(el).attr('title') ?? '')));
  $('iframe[src], embed[src]').each((_, el) => consider($(el).attr('src'), '', true));
  $('object[data]').each((_, el) => consider($(el).attr('data'), '', true));
  if (!candidates.length) return { attachment: null, reason: refused ? `no attachment link that may be followed (${refused} refused)` : 'no attachment link' };
  candidates.sort((a, b) => b.score - a.score);
  return { attachment: candidates[0].url, candidates: [...new Set(candidates.map((c) => c.url))], reason: `wrapper page: ${candidates.length} attachment link(s), ${text.length} chars of text` };
}
