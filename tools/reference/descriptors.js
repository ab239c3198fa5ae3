// descriptors.js: face-api's 128-d descriptors computed from raw RGB, the
// reference for facerec's differential test and benchmark.
//
//   node descriptors.js FILE.WxH.rgb...       writes FILE.descriptor next to
//                                              each input ('[x1,...,x128]',
//                                              float32 values, 9 digits)
//   node descriptors.js --bench N FILE.WxH.rgb prints the median ms of N runs
//
// Backend: tfjs wasm, one thread (no SIMD threads), models from the pinned
// @vladmandic/face-api package itself (common.js).
'use strict';
const fs = require('fs');
const path = require('path');
const { faceapi, readRgb, setup, medianMs, label } = require('./common');

async function descriptor(input) {
  return faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input);
}

async function main() {
  await setup(['faceRecognitionNet']);
  const args = process.argv.slice(2);
  if (args[0] === '--bench') {
    const runs = Number(args[1]);
    const input = readRgb(args[2]);
    const ms = await medianMs(runs, 5, () => descriptor(input));
    console.log(`reference (${label()}): median ${ms.toFixed(2)} ms over ${runs} runs`);
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
