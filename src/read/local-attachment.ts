/**
 * A saved crawl on disk: an article page whose report is an attachment (.pdf/.doc/.docx) saved
 * beside it. The link is chosen as the queue chooses it over HTTP (fetch/wrapper.ts), but only
 * relative links are followed, and only to regular files inside the page's directory tree (the
 * `root`): no absolute path, no scheme, no `..` out of the tree, no symlink out of it (checked on
 * the real paths). Anything else is not followed, and the page is read as it is.
 */
import { promises as fs } from 'fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import { decodeHtml, findAttachment, looksLikeHtml } from '../fetch/wrapper';
import type { Extraction } from '../model/extraction';
import { extractBytes, sha256 } from '../pipeline/extract';

export interface LocalAttachment {
  /** Absolute path of the attachment (real path). */
  path: string;
  bytes: Buffer;
  reason: string;
}

export interface LocalAttachmentResult {
  attachment: LocalAttachment | null;
  /** Why no attachment was followed (not a wrapper page, a link refused, a missing file). */
  reason: string;
}

/** Largest page looked at for an attachment link (wrapper pages run to tens of KB; Word exports to 2 MB). */
export const MAX_WRAPPER_BYTES = 4 * 1024 * 1024;
const ATTACHMENT_NAME = /\.(pdf|docx?|wps)\b/i;

/** Is `p` inside `root` (or `root` itself)? Both absolute and normalised. */
function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..'));
}

/** A link as written that is relative: no scheme, no leading slash or backslash, no drive letter. */
function relativeHref(href: string): boolean {
  const h = href.trim();
  return h !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(h) && !/^[\\/]/.test(h) && !h.includes('\\');
}

/**
 * The attachment a local HTML page links to, if it is a wrapper page and the link stays inside
 * `root` (default: the page's own directory).
 */
export async function localAttachment(pagePath: string, bytes: Uint8Array, opts: { root?: string; maxBytes?: number } = {}): Promise<LocalAttachmentResult> {
  if (!looksLikeHtml(bytes)) return { attachment: null, reason: 'not an HTML page' };
  // A wrapper is a short note and a link: a big page is a report itself (or hostile), and parsing it
  // a second time for links would double the reader's memory. Nor is one without any attachment name.
  if (bytes.length > MAX_WRAPPER_BYTES) return { attachment: null, reason: `a page of ${bytes.length} bytes is no wrapper page` };
  if (!ATTACHMENT_NAME.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'))) return { attachment: null, reason: 'no attachment link' };
  const page = resolve(pagePath);
  let root: string;
  try {
    root = await fs.realpath(opts.root ?? dirname(page));
  } catch {
    return { attachment: null, reason: 'the page directory cannot be resolved' };
  }
  const lexicalRoot = resolve(opts.root ?? dirname(page));
  const w = findAttachment(decodeHtml(bytes), pathToFileURL(page).href, {
    accept: (href, url) => {
      if (url.protocol !== 'file:' || !relativeHref(href)) return false;
      try {
        return inside(lexicalRoot, fileURLToPath(url)) || inside(root, fileURLToPath(url));
      } catch {
        return false;
      }
    },
  });
  if (!w.attachment) return { attachment: null, reason: w.reason };
  // best link first; one the crawl did not save, or that resolves out of the tree, gives way to the next
  const skipped: string[] = [];
  for (const link of w.candidates ?? [w.attachment]) {
    let target: string;
    try {
      const u = new URL(link);
      u.search = '';
      u.hash = '';
      target = await fs.realpath(fileURLToPath(u));
    } catch {
      skipped.push(`${link}: not on disk`);
      continue;
    }
    if (!inside(root, target)) {
      skipped.push(`${link}: resolves out of the page's directory tree (${target})`);
      continue;
    }
    const st = await fs.stat(target);
    if (!st.isFile()) {
      skipped.push(`${link}: not a file`);
      continue;
    }
    if (opts.maxBytes !== undefined && st.size > opts.maxBytes) {
      skipped.push(`${link}: ${st.size} bytes, over the limit of ${opts.maxBytes}`);
      continue;
    }
    return { attachment: { path: target, bytes: await fs.readFile(target), reason: w.reason }, reason: w.reason };
  }
  return { attachment: null, reason: `no linked attachment could be read: ${skipped.join('; ')}` };
}

/**
 * `extract` on a local page: when it is a wrapper page whose attachment is saved inside `root`,
 * the attachment's extraction, with both files in the provenance (`source.path` the attachment,
 * `source.page` the page). Null when there is no attachment to follow: read the page itself.
 */
export async function extractLocalAttachment(
  pagePath: string,
  bytes: Uint8Array,
  opts: { root?: string; maxBytes?: number; extract?: (bytes: Uint8Array, ref: { path: string }) => Promise<Extraction> } = {},
): Promise<Extraction | null> {
  const r = await localAttachment(pagePath, bytes, opts);
  if (!r.attachment) return null;
  // the attachment named as the page is (relative to the same working directory when the page was)
  const shown = isAbsolute(pagePath) ? r.attachment.path : relative(process.cwd(), r.attachment.path) || r.attachment.path;
  const pageSha = sha256(bytes);
  const x = await (opts.extract ?? extractBytes)(r.attachment.bytes, { path: shown });
  x.source.page = { path: pagePath, sha256: pageSha, bytes: bytes.length };
  return x;
}
