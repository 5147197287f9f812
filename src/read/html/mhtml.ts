/**
 * MIME HTML (.mht / .mhtml; Word's "single file web page", often saved under a .doc name):
 * the first text/html part, with its transfer encoding undone.
 */

export interface MhtmlPart {
  /** The HTML bytes, transfer encoding undone (still in their character encoding). */
  html: Buffer;
  /** charset from the part's Content-Type, if any. */
  charset?: string;
}

/** True if the bytes start like a MIME multipart/related document. */
export function isMhtml(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('latin1');
  return /^(?:[\w-]+:[^\n]*\r?\n(?:[ \t][^\n]*\r?\n)*)*?MIME-Version:/i.test(head) && /multipart\/related/i.test(head);
}

function headerValue(headers: string, name: string): string | undefined {
  const re = new RegExp(`^${name}:[ \\t]*((?:[^\\r\\n]|\\r?\\n[ \\t])*)`, 'im');
  const m = re.exec(headers);
  return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim() : undefined;
}

export function decodeQuotedPrintable(s: string): Buffer {
  const body = s.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(body.slice(i + 1, i + 3))) {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Buffer.from(out);
}

/** The first text/html part of a MIME HTML document, or undefined if there is none. */
export function extractMhtml(bytes: Uint8Array): MhtmlPart | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const headerEnd = text.search(/\r?\n\r?\n/);
  if (headerEnd < 0) return undefined;
  const ct = headerValue(text.slice(0, headerEnd), 'Content-Type') ?? '';
  const b = /boundary\s*=\s*"?([^";\r\n]+)"?/i.exec(ct);
  if (!b) return undefined;
  const parts = text.split(`--${b[1]}`).slice(1);
  for (const part of parts) {
    const m = /\r?\n\r?\n/.exec(part);
    if (!m) continue;
    const headers = part.slice(0, m.index);
    const type = headerValue(headers, 'Content-Type') ?? '';
    if (!/text\/html/i.test(type)) continue;
    let body = part.slice(m.index + m[0].length);
    body = body.replace(/\r?\n$/, '');
    const enc = (headerValue(headers, 'Content-Transfer-Encoding') ?? '').toLowerCase();
    let html: Buffer;
    if (enc === 'quoted-printable') html = decodeQuotedPrintable(body);
    else if (enc === 'base64') html = Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    else html = Buffer.from(body, 'latin1');
    const cs = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(type);
    return { html, charset: cs ? cs[1] : undefined };
  }
  return undefined;
}
