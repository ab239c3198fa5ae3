// detections.js: face-api's SSD MobileNetV1 faces and 68-point landmarks
// computed from raw RGB, the reference for facerec's face_detect test.
//
//   node detections.js FILE.WxH.rgb...     writes FILE.faces next to each
//                                           input: one line per face, best
//                                           first: score,x,y,width,height,
//                                           x1,y1,...,x68,y68 (pixels), then
//                                           the 128-d descriptor of face-api's
//                                           crop (withFaceDescriptors)
//   node detections.js --bench N FILE.WxH.rgb   median ms of N detections
//                                           (SSD only, no landmarks)
//
// Same setup as descriptors.js: tfjs wasm, one thread, the pinned package's
// own models; detectAllFaces(SsdMobilenetv1Options { minConfidence 0.5,
// maxResults 100 }).withFaceLandmarks().withFaceDescriptors() on an int32
// tensor.
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

const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });

async function main() {
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);

  const args = process.argv.slice(2);
  if (args[0] === '--bench') {
    const runs = Number(args[1]);
    const input = readRgb(args[2]);
    for (let i = 0; i < 3; i++) await faceapi.detectAllFaces(input, options);
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await faceapi.detectAllFaces(input, options);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    console.log(`reference SSD (tfjs ${tf.version.tfjs} ${tf.getBackend()}, face-api ${faceapi.version}): `
      + `median ${ms[Math.floor(runs / 2)].toFixed(1)} ms over ${runs} runs`);
    return;
  }
  for (const file of args) {
    const input = readRgb(file);
    const faces = await faceapi.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
    const lines = faces.map((f) => {
      const b = f.detection.box;
      const pts = f.landmarks.positions.flatMap((p) => [p.x, p.y]);
      return [f.detection.score, b.x, b.y, b.width, b.height, ...pts, ...f.descriptor]
        .map((v) => v.toPrecision(9)).join(',');
    });
    fs.writeFileSync(file.replace(/\.\d+x\d+\.rgb$/, '.faces'), lines.map((l) => `${l}\n`).join(''));
    console.log(`${path.basename(file)}: ${faces.length} faces`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
