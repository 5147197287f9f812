/** Decode text bytes: the sniffed encoding when given, else UTF-8 (strict) with a GB18030 fallback. */
import * as iconv from 'iconv-lite';

export function decodeBytes(bytes: Uint8Array, encoding?: string): { text: string; encoding: string } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const enc = (encoding ?? '').toLowerCase();
  if (enc && enc !== 'utf-8' && enc !== 'utf8' && iconv.encodingExists(enc)) {
    return { text: iconv.decode(buf, enc), encoding: enc };
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return { text: text.replace(/^\ufeff/, ''), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(buf, 'gb18030'), encoding: 'gb18030' };
  }
}
