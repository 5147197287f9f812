/**
 * Loading pdf.js (an ES module) from CommonJS, once per process.
 *
 * pdfjs-dist 5.6.205 is the newest release that runs on Node 20; we use its legacy build.
 * No worker thread: pdf.js runs its "fake worker" in this thread. We import the worker module
 * ourselves and expose it as `globalThis.pdfjsWorker`, which pdf.js picks up instead of importing
 * the worker file by URL (that import would fail under jest's module system).
 *
 * Speed (see `pdfjsOptions`): the legacy build's core-js polyfills replace some built-ins that
 * Node 20 already has (Array.prototype.push, JSON.parse/stringify, Function.prototype.toString)
 * with slow JavaScript versions for the whole process; we put the native ones back after loading.
 * Only replaced built-ins are restored: polyfills for what Node 20 lacks (Promise.withResolvers,
 * Map.prototype.getOrInsert, Uint8Array.prototype.toHex, ...) stay, pdf.js needs them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { installSyncDecompressionStream } from './inflate';
import { cloneMessage } from './clone';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs' with { 'resolution-mode': 'import' };

export type PdfJs = typeof PdfJsModule;

/** The package directory of pdfjs-dist (cMaps and standard fonts live there). */
export function pdfjsDir(): string {
  return path.dirname(require.resolve('pdfjs-dist/package.json'));
}

/** A real dynamic import, kept as `import()` in the emitted CommonJS (module: node16). */
async function importEsm(specifier: string): Promise<unknown> {
  return import(specifier);
}

let loading: Promise<PdfJs> | undefined;

/**
 * Converting embedded fonts to OpenType for rendering is the largest part of pdf.js's work that text
 * extraction does not need: for a CJK subset of a few thousand glyphs it re-encodes every glyph (a fifth
 * of a typical report's reading time), then the bytes are copied to the display side to be thrown away.
 * pdftotext never does it. For the fonts where the conversion cannot change the text, we have pdf.js
 * treat the program as absent, as it does for a font that is not embedded: composite TrueType fonts
 * (CIDFontType2: how Word, WPS, Chromium, wkhtmltopdf, cairo, XeLaTeX and Ghostscript embed CJK fonts)
 * with a ToUnicode map of their own, horizontal, and not named like a standard font. Their text comes from the ToUnicode map and
 * their widths from the /W array either way (pdf.js's _charToGlyph); only the program's glyph shapes and
 * the font's own ascent and descent, which we do not use, are lost. Other fonts (simple, Type 1, CFF,
 * vertical, Identity-mapped; LibreOffice writes CJK text in simple TrueType or Type 1 subsets) are
 * converted as before. Checked: the fixtures (test/read-pdf-fonts.test.ts) and 166 PDFs from 8 producers
 * and 15 CJK font families, renamed and damaged fonts included, read identically either way.
 *
 * pdf.js has no option for this, so the worker module is loaded from its source with the condition
 * added where the Font constructor checks for a missing file. If that line is not found (another pdf.js
 * release), the unpatched module is used. `globalThis.__nianbaoFontPrograms = 'load'` turns the skip off
 * at run time (the test that proves the text unchanged compares both).
 */
const FONT_PROGRAM_ANCHOR = '    if (!file || file.isEmpty) {\n      if (file) {\n';
const FONT_PROGRAM_PATCH = '    if (!file || file.isEmpty || nianbaoSkipFontProgram(name, type, properties)) {\n      if (file?.isEmpty) {\n';
const FONT_PROGRAM_TEST = `
function nianbaoSkipFontProgram(name, type, properties) {
  if (globalThis.__nianbaoFontPrograms === "load") return false;
  if (!properties.composite || type !== "CIDFontType2" || properties.vertical) return false;
  if (!properties.hasIncludedToUnicodeMap || properties.toUnicode instanceof IdentityToUnicodeMap) return false;
  const fontName = normalizeFontName(name);
  if (getStdFontMap()[fontName] || getNonStdFontMap()[fontName]) return false;
  globalThis.__nianbaoFontProgramsSkipped = (globalThis.__nianbaoFontProgramsSkipped || 0) + 1;
  return true;
}
class Font {`;

/**
 * The worker module to import: the patched source (see FONT_PROGRAM_ANCHOR) as a data: URL, else the
 * original file. A data: URL, not a copy on disk: a file in a shared temp directory could be replaced
 * by another local user between writing and importing.
 */
/**
 * Images: we never decode them (`maxImageSize: 0`), and pdf.js then drops an image from the operator
 * list without a trace. A page whose tables were pasted as pictures must still show where the
 * pictures are (read/pdf/images.ts), so the patch lists a skipped image as a paint op carrying its
 * object id and size (no pixels): the op walker reads its box from the transformation matrix.
 */
const IMAGE_ANCHOR = '    if (maxImageSize !== -1 && w * h > maxImageSize) {\n';
const IMAGE_PATCH = IMAGE_ANCHOR + '      operatorList.addOp(OPS.paintImageXObject, [{ nianbaoSkipped: true, data: imageRef ? String(imageRef) : "", width: w, height: h }]);\n';

/** Which patches the worker module in use carries (for the test that notices a pdf.js upgrade). */
export const workerPatches = { fontPrograms: false, images: false };

const once = (src: string, anchor: string) => {
  const at = src.indexOf(anchor);
  return at >= 0 && src.indexOf(anchor, at + 1) < 0;
};

function workerModuleUrl(dir: string): string {
  const original = path.join(dir, 'legacy/build/pdf.worker.mjs');
  try {
    let src = fs.readFileSync(original, 'utf8');
    let patched = false;
    if (once(src, FONT_PROGRAM_ANCHOR) && src.split('\nclass Font {').length === 2) {
      src = src.replace(FONT_PROGRAM_ANCHOR, FONT_PROGRAM_PATCH).replace('\nclass Font {', FONT_PROGRAM_TEST);
      workerPatches.fontPrograms = patched = true;
    }
    if (once(src, IMAGE_ANCHOR)) {
      src = src.replace(IMAGE_ANCHOR, IMAGE_PATCH);
      workerPatches.images = patched = true;
    }
    if (once(src, TYPE1_WRAP_ANCHOR) && once(src, TYPE1_CONVERT_ANCHOR) && src.split('\nclass Type1Font {').length === 2) {
      src = src.replace(TYPE1_WRAP_ANCHOR, TYPE1_WRAP_PATCH).replace(TYPE1_CONVERT_ANCHOR, TYPE1_CONVERT_PATCH).replace('\nclass Type1Font {', TYPE1_TEST);
      patched = true;
    }
    if (once(src, TYPE3_ANCHOR)) {
      src = src.replace(TYPE3_ANCHOR, TYPE3_PATCH);
      patched = true;
    }
    if (once(src, INFLATE_ANCHOR)) {
      src = src.replace(INFLATE_ANCHOR, INFLATE_PATCH);
      patched = true;
    }
    if (!patched) return pathToFileURL(original).href;
    return `data:text/javascript;base64,${Buffer.from(src, 'utf8').toString('base64')}`;
  } catch {
    return pathToFileURL(original).href; // unreadable: convert fonts as before
  }
}

/**
 * Simple Type 1 fonts (how LibreOffice embeds CJK text: subsets of 255 glyphs, many per report) are
 * parsed as before — their builtin encoding, widths and glyph names come from the program — but not
 * compiled into CFF and wrapped as OpenType for rendering (a tenth of a LibreOffice report's time),
 * when the font maps its codes to Unicode itself (a ToUnicode map: the text comes from it whatever
 * the program holds). The font then reaches the display side without data, as one that could not be
 * rendered; text and widths are the same (test/read-pdf-fonts.test.ts compares with
 * `__nianbaoFontPrograms = 'load'`, which turns this off too).
 */
const TYPE1_WRAP_ANCHOR = '    this.data = this.wrap(name, type2Charstrings, this.charstrings, subrs, properties);\n';
const TYPE1_WRAP_PATCH = '    this.data = nianbaoSkipType1Data(properties) ? new Uint8Array(0) : this.wrap(name, type2Charstrings, this.charstrings, subrs, properties);\n';
const TYPE1_CONVERT_ANCHOR = '          data = this.convert(name, cff, properties);\n';
const TYPE1_CONVERT_PATCH = '          data = cff.data?.length === 0 ? cff.data : this.convert(name, cff, properties);\n';
const TYPE1_TEST = `
function nianbaoSkipType1Data(properties) {
  if (globalThis.__nianbaoFontPrograms === "load") return false;
  if (properties.composite || properties.vertical || !properties.hasIncludedToUnicodeMap || properties.toUnicode instanceof IdentityToUnicodeMap) return false;
  globalThis.__nianbaoType1Skipped = (globalThis.__nianbaoType1Skipped || 0) + 1;
  return true;
}
class Type1Font {`;

/**
 * Type 3 fonts (how Chromium/Skia prints OpenType CJK fonts: a hundred or more per report, up to 256
 * glyphs each) come with a content stream per glyph, which pdf.js turns into an operator list per
 * glyph for drawing and then copies to the display side. Text needs none of it: the Unicode comes from
 * the ToUnicode map and the advances from /Widths and the font matrix, all read before. The patch
 * leaves the glyph procedures unread (an empty set: nothing is drawn). Also off with
 * `__nianbaoFontPrograms = 'load'` (test/read-pdf-fonts.test.ts compares both).
 */
const TYPE3_ANCHOR = '          await translated.loadType3Data(this, resources, task);\n';
const TYPE3_PATCH = `          if (globalThis.__nianbaoFontPrograms === "load") await translated.loadType3Data(this, resources, task);
          else {
            translatedFont.charProcOperatorList = Object.create(null);
            globalThis.__nianbaoType3Skipped = (globalThis.__nianbaoType3Skipped || 0) + 1;
          }
`;

/**
 * pdf.js inflates each Flate stream through a DecompressionStream (Web streams: a writer, a reader,
 * promise turns), even with ours that inflates in one call (./inflate). A Chromium report has
 * hundreds of small streams (its Type 3 glyph procedures), and the stream machinery around them cost
 * more than the inflating. The patch asks ./inflate's synchronous inflater first, with the same
 * outcome as the stream: the inflated bytes (a copy in a buffer of their own), or null when zlib
 * fails (pdf.js then uses its own inflater, as after a failed stream); formats it does not know go
 * the stream way as before. `globalThis.__nianbaoInflate = 'stream'` turns it off at run time.
 */
const INFLATE_ANCHOR = '    const bytes = this.stream.isAsync ? await this.stream.asyncGetBytes() : this.stream.getBytes();\n';
const INFLATE_PATCH = `${INFLATE_ANCHOR}    const nianbaoInflated = globalThis.__nianbaoInflate === "stream" ? undefined : globalThis.__nianbaoInflateSync?.(name, bytes);
    if (nianbaoInflated !== undefined) {
      return { decompressed: nianbaoInflated, compressed: bytes };
    }
`;

/**
 * Node 20 has no Uint8Array.prototype.toBase64, and the legacy build's polyfill encodes byte by
 * byte in JavaScript. pdf.js base64-encodes every embedded font (a CJK subset runs to hundreds of
 * KB) for an @font-face rule: a tenth of the reader's time. Buffer does the same natively.
 */
function useBufferBase64(): void {
  const proto = Uint8Array.prototype as unknown as { toBase64?: unknown };
  const current = proto.toBase64;
  if (typeof current === 'function' && Function.prototype.toString.call(current).includes('[native code]')) return;
  Object.defineProperty(Uint8Array.prototype, 'toBase64', {
    configurable: true,
    writable: true,
    value: function toBase64(this: Uint8Array, opts?: { alphabet?: string; omitPadding?: boolean }): string {
      const alphabet = opts?.alphabet ?? 'base64';
      if (alphabet !== 'base64' && alphabet !== 'base64url') throw new TypeError(`toBase64: unknown alphabet ${String(alphabet)}`);
      let s = Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('base64');
      if (alphabet === 'base64url') s = s.replace(/\+/g, '-').replace(/\//g, '_');
      return opts?.omitPadding ? s.replace(/=+$/, '') : s;
    },
  });
}

/**
 * pdf.js's fake worker copies every message between its halves with structuredClone (LoopbackPort);
 * for the many small objects of operator lists and Type 3 fonts a copy in JavaScript
 * (./clone: the same values, transfers handed over) is several times cheaper: a fifth of the CPU
 * time of a Chromium-printed report. LoopbackPort is not exported: its prototype is taken from the
 * port of a fake worker made once, and its postMessage runs with cloneMessage in place of the global
 * structuredClone for the length of the (synchronous) call. `globalThis.__nianbaoClone = 'native'`
 * turns it off at run time (the test that proves the text unchanged compares both).
 */
async function useFastLoopbackClone(lib: PdfJs): Promise<void> {
  const native = globalThis.structuredClone;
  if (typeof native !== 'function' || !Function.prototype.toString.call(native).includes('[native code]')) return;
  let worker: InstanceType<PdfJs['PDFWorker']> | undefined;
  try {
    worker = new lib.PDFWorker();
    await worker.promise;
    const proto = Object.getPrototypeOf(worker.port) as { constructor?: { name?: string }; postMessage?: unknown; __nianbaoFastClone?: boolean };
    if (!proto || proto.__nianbaoFastClone || proto.constructor?.name !== 'LoopbackPort' || typeof proto.postMessage !== 'function') return;
    const post = proto.postMessage as (this: unknown, obj: unknown, transfer?: unknown) => void;
    const fast = (value: unknown, options?: { transfer?: unknown[] } | null) => cloneMessage(value, options?.transfer);
    Object.defineProperty(proto, 'postMessage', {
      configurable: true,
      writable: true,
      value: function postMessage(this: unknown, obj: unknown, transfer?: unknown) {
        if ((globalThis as { __nianbaoClone?: string }).__nianbaoClone === 'native') return post.call(this, obj, transfer);
        const saved = globalThis.structuredClone;
        globalThis.structuredClone = fast as typeof structuredClone;
        try {
          return post.call(this, obj, transfer);
        } finally {
          globalThis.structuredClone = saved;
        }
      },
    });
    Object.defineProperty(proto, '__nianbaoFastClone', { value: true });
  } catch {
    /* keep the native clone */
  } finally {
    worker?.destroy();
  }
}

/** Built-ins the legacy build replaces although Node 20 has them natively. */
const NATIVE: [object, PropertyKey][] = [
  [Array.prototype, 'push'],
  [JSON, 'parse'],
  [JSON, 'stringify'],
  [Function.prototype, 'toString'],
];

export function loadPdfjs(): Promise<PdfJs> {
  loading ??= (async () => {
    installSyncDecompressionStream();
    const dir = pdfjsDir();
    const saved = NATIVE.map(([o, k]) => Object.getOwnPropertyDescriptor(o, k));
    try {
      const lib = (await importEsm(pathToFileURL(path.join(dir, 'legacy/build/pdf.mjs')).href)) as PdfJs;
      const g = globalThis as { pdfjsWorker?: unknown };
      if (!g.pdfjsWorker) {
        g.pdfjsWorker = await importEsm(workerModuleUrl(dir));
      }
      await useFastLoopbackClone(lib);
      return lib;
    } finally {
      NATIVE.forEach(([o, k], i) => {
        const d = saved[i];
        if (d && Object.getOwnPropertyDescriptor(o, k)?.value !== d.value) Object.defineProperty(o, k, d);
      });
      useBufferBase64();
    }
  })();
  loading.catch(() => { loading = undefined; });
  return loading;
}

/**
 * cMap and standard-font files, read once per process (pdf.js would read them from disk again for
 * every document). pdf.js copies what we return into its worker, so one cached array serves all.
 */
const binaryCache = new Map<string, Promise<Uint8Array>>();

class CachedBinaryDataFactory {
  private readonly urls: Record<string, string | null>;
  constructor(opts: { cMapUrl?: string | null; standardFontDataUrl?: string | null; wasmUrl?: string | null }) {
    this.urls = { cMapUrl: opts.cMapUrl ?? null, standardFontDataUrl: opts.standardFontDataUrl ?? null, wasmUrl: opts.wasmUrl ?? null };
  }
  fetch({ kind, filename }: { kind: string; filename: string }): Promise<Uint8Array> {
    const base = this.urls[kind];
    if (!base) return Promise.reject(new Error(`no ${kind} for pdf.js`));
    const file = base + filename;
    let p = binaryCache.get(file);
    if (!p) {
      p = fs.promises.readFile(file).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      p.catch(() => binaryCache.delete(file));
      binaryCache.set(file, p);
    }
    return p;
  }
}

/**
 * A stand-in for the DOM document pdf.js loads fonts into. We never render, but pdf.js prepares
 * fonts for rendering anyway: with `disableFontFace` it compiles every glyph drawn into a path in
 * the worker (a third of the time of a page), without it it hands the font to the main thread's
 * font loader, which in Node needs a document to insert an @font-face rule into. This one accepts
 * and forgets the rule.
 */
const FONTLESS_DOCUMENT = {
  createElement: () => ({ sheet: { cssRules: [], insertRule: () => 0 }, remove: () => undefined }),
  documentElement: { getElementsByTagName: () => [{ append: () => undefined }] },
};

/**
 * getDocument options for reading text and vector paths only (no rendering). Parameters pdf.js
 * takes from here: the directories of cMaps and standard fonts, `maxImageSize: 0` (images are
 * never decoded: we only need text, ruling lines and where images sit, see IMAGE_PATCH), no eval,
 * no system fonts, no font face (see FONTLESS_DOCUMENT).
 */
export function pdfjsOptions(): Record<string, unknown> {
  const dir = pdfjsDir();
  return {
    cMapUrl: path.join(dir, 'cmaps') + path.sep,
    cMapPacked: true,
    standardFontDataUrl: path.join(dir, 'standard_fonts') + path.sep,
    BinaryDataFactory: CachedBinaryDataFactory,
    useWorkerFetch: false,
    isEvalSupported: false,
    disableFontFace: false,
    ownerDocument: FONTLESS_DOCUMENT,
    useSystemFonts: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    maxImageSize: 0,
    stopAtErrors: false,
    verbosity: 0,
  };
}
