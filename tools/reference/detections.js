// detections.js: face-api's SSD MobileNetV1 faces, 68-point landmarks and
// descriptors computed from raw RGB, the reference for facerec's
// face_detect and face_embeddings tests.
//
//   node detections.js FILE.WxH.rgb...     writes FILE.faces next to each
//                                           input: one line per face, best
//                                           first: score,x,y,width,height,
//                                           x1,y1,...,x68,y68 (pixels), then
//                                           the 128-d descriptor of face-api's
//                                           crop (withFaceDescriptors)
//   node detections.js --bench N FILE.WxH.rgb   median ms of N detections
//                                           (SSD only, no landmarks)
//   node detections.js --tiny FILE.WxH.rgb...  the same with the tiny face
//                                           detector (TinyFaceDetectorOptions
//                                           { inputSize 416, scoreThreshold
//                                           0.5 }) into FILE.tiny-faces:
//                                           score, box, landmarks, no
//                                           descriptor
//   node detections.js --tiny-landmarks FILE.WxH.rgb...  SSD faces with the
//                                           tiny 68-point landmark net
//                                           (withFaceLandmarks(true)) into
//                                           FILE.tiny-landmarks, same format
//
// Same setup as descriptors.js (common.js);
// detectAllFaces(SsdMobilenetv1Options { minConfidence 0.5, maxResults 100 })
// .withFaceLandmarks().withFaceDescriptors() on an int32 tensor.
'use strict';
const fs = require('fs');
const path = require('path');
const { faceapi, readRgb, setup, medianMs, label } = require('./common');

const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });
const tinyOptions = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });

async function main() {
  await setup(['ssdMobilenetv1', 'tinyFaceDetector', 'faceLandmark68Net', 'faceLandmark68TinyNet',
    'faceRecognitionNet']);
  const args = process.argv.slice(2);
  if (args[0] === '--tiny' || args[0] === '--tiny-landmarks') {
    const tinyNet = args[0] === '--tiny';
    for (const file of args.slice(1)) {
      const faces = tinyNet
        ? await faceapi.detectAllFaces(readRgb(file), tinyOptions).withFaceLandmarks()
        : await faceapi.detectAllFaces(readRgb(file), options).withFaceLandmarks(true);
      const lines = faces.map((f) => {
        const b = f.detection.box;
        const pts = f.landmarks.positions.flatMap((p) => [p.x, p.y]);
        return [f.detection.score, b.x, b.y, b.width, b.height, ...pts]
          .map((v) => v.toPrecision(9)).join(',');
      });
      fs.writeFileSync(file.replace(/\.\d+x\d+\.rgb$/, tinyNet ? '.tiny-faces' : '.tiny-landmarks'),
        lines.map((l) => `${l}\n`).join(''));
      console.log(`${path.basename(file)}: ${faces.length} faces (${args[0]})`);
    }
    return;
  }
  if (args[0] === '--bench') {
    const runs = Number(args[1]);
    const input = readRgb(args[2]);
    const ms = await medianMs(runs, 3, () => faceapi.detectAllFaces(input, options));
    console.log(`reference SSD (${label()}): median ${ms.toFixed(1)} ms over ${runs} runs`);
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
