/**
 * jest's node environment with the host's Float32Array: onnxruntime-node (OCR, src/ocr/engine.ts)
 * checks tensor data with `instanceof Float32Array`, and its native binding returns arrays of the
 * host realm, which fail that check inside jest's sandbox.
 */
'use strict';
const { TestEnvironment } = require('jest-environment-node');

class NodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.Float32Array = Float32Array;
  }
}

module.exports = NodeEnvironment;
