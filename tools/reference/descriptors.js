// descriptors.js: face-api's 128-d descriptors computed from raw RGB, the
// reference for facerec's differential test and benchmark.
//
//   node descriptors.js FILE.WxH.rgb...       writes FILE.descriptor next to
//                                              each input ('[x1,...,x128]',
//                                              float32 values, 9 digits)
//   node descriptors.js --bench N FILE.WxH.rgb prints the median ms of N runs
//
// Backend: tfjs wasm, one thread (no SIMD threads), models from the pinned
// @vladmandic/face-api package itself.
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

async function descriptor(input) {
  return faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input);
}

async function main() {
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);

  const args = process.argv.slice(2);
  if (args[0] === '--bench') {
    const runs = Number(args[1]);
    const input = readRgb(args[2]);
    for (let i = 0; i < 5; i++) await descriptor(input);
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await descriptor(input);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    console.log(`reference (tfjs ${tf.version.tfjs} ${tf.getBackend()}, face-api ${faceapi.version}): `
      + `median ${ms[Math.floor(runs / 2)].toFixed(2)} ms over ${runs} runs`);
    return;
  }
  for (const file of args) {
    const input = readRgb(file);
    const d = await descriptor(input);
    const text = `[${Array.from(d, (x) => x.toPrecision(9)).join(',')}]\n`;
    fs.writeFileSync(file.replace(/\.\d+x\d+\.rgb$/, '.descriptor'), text);
    console.log(`${path.basename(file)}: norm ${Math.hypot(...d).toFixed(4)}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
