// common.js: what descriptors.js and detections.js share: face-api on tfjs
// wasm with one thread and the pinned package's own models, and raw RGB
// fixtures named NAME.WxH.rgb read as int32 tensors.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

function readRgb(file) {
  const m = /\.(\d+)x(\d+)\.rgb$/.exec(file);
  if (!m) throw new Error(`${file}: name must end in .WxH.rgb`);
  const w = Number(m[1]);
  const h = Number(m[2]);
  const bytes = fs.readFileSync(file);
  if (bytes.length !== w * h * 3) throw new Error(`${file}: expected ${w * h * 3} bytes`);
  return tf.tensor3d(Int32Array.from(bytes), [h, w, 3], 'int32');
}

// the wasm backend on one thread, then the named nets of faceapi.nets
async function setup(nets) {
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  for (const net of nets) await faceapi.nets[net].loadFromDisk(modelDir);
}

// median ms of runs calls of fn, after warm warm-up calls
async function medianMs(runs, warm, fn) {
  for (let i = 0; i < warm; i++) await fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(runs / 2)];
}

const label = () => `tfjs ${tf.version.tfjs} ${tf.getBackend()}, face-api ${faceapi.version}`;

module.exports = { tf, faceapi, readRgb, setup, medianMs, label };
