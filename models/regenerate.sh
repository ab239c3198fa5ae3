#!/bin/bash
# regenerate.sh: fetch @vladmandic/face-api@1.7.15 from the npm registry,
# check the package's checksum, copy the five networks' manifests and weights
# into models/ and verify them against SHA256SUMS.  Exits non-zero on any
# mismatch.  `make` then converts them into the .frw files backends map.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
package=@vladmandic/face-api@1.7.15
tarball_sha256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
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
cd "$here" && sha256sum -c SHA256SUMS
