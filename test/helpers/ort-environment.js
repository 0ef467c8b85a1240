'use strict';
// A Jest environment for tests that run onnxruntime-node. Jest runs each test file in its own V8 context,
// whose typed-array constructors differ from the main context's; onnxruntime-node's native binding creates
// output tensors' data with the main context's Float32Array, which then fails onnxruntime-common's
// `data instanceof Float32Array` check in the test's context ("A float32 tensor's data must be type of
// function Float32Array()"). Sharing the main context's typed-array constructors removes the mismatch.
// Use with a `@jest-environment ./test/helpers/ort-environment.js` docblock.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
