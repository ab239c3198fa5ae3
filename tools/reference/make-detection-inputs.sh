#!/bin/bash
# make-detection-inputs.sh: decode a few photos of ../shared/data/faces with
# ONE decoder (libjpeg-turbo's djpeg, with its DCT scaling to keep the
# fixtures small) into raw RGB fixtures NAME.WxH.rgb in
# tools/reference/fixtures/, for detections.js and sql/face_detect.sql.
# Needs djpeg (libjpeg-turbo-progs) and python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
photos=$(cd "$here/../../../shared/data/faces/dlib-detection" && pwd)
out=$here/fixtures

# ppm NAME JPEG SCALE: decode at SCALE (1/1, 1/2, ...), write NAME.WxH.rgb
ppm() {
	djpeg -scale "$3" -ppm "$2" | python3 -c '
import sys
data = sys.stdin.buffer.read()
# binary PPM: "P6", width, height, maxval, each followed by one whitespace
fields, pos = [], 0
while len(fields) < 4:
    while data[pos:pos + 1].isspace():
        pos += 1
    start = pos
    while not data[pos:pos + 1].isspace():
        pos += 1
    fields.append(data[start:pos])
    pos += 1
assert fields[0] == b"P6" and fields[3] == b"255"
w, h = int(fields[1]), int(fields[2])
with open(sys.argv[1] + ".%dx%d.rgb" % (w, h), "wb") as f:
    f.write(data[pos:pos + w * h * 3])
' "$out/$1"
}

ppm group    "$photos/2008_002470.jpg" 1/1   # landscape, several faces
ppm portrait "$photos/2008_001009.jpg" 1/2   # taller than wide
ppm dogs     "$photos/dogs.jpg"        1/4   # no face
ls -l "$out"/group.* "$out"/portrait.* "$out"/dogs.*
