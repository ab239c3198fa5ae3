#!/bin/bash
# make-inputs.sh: decode a few face pictures from ../shared/data with ONE
# decoder (libjpeg-turbo's djpeg, default settings, its DCT scaling where
# a photo is shrunk to keep the fixture small) into raw RGB fixtures
# NAME.WxH.rgb in tools/reference/fixtures/.  Chip crops exercise face-api's
# preprocessing: pad to square (odd differences) and bilinear resize both up
# and down; whole photos feed the detector (detections.js).  Run from
# anywhere; needs djpeg (libjpeg-turbo-progs) and python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../../../shared/data" && pwd)
out=$here/fixtures
chips=$data/faces/dlib-aligned-chips
mkdir -p "$out"

# crop NAME JPEG X Y W H [SCALE]: decode (at SCALE, e.g. 1/2), crop (W, H 0:
# the whole picture), write NAME.WxH.rgb
crop() {
	djpeg -scale "${7:-1/1}" -ppm "$2" | python3 -c '
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
x, y, cw, ch = (int(a) for a in sys.argv[1:5])
cw, ch = cw or w, ch or h
assert x + cw <= w and y + ch <= h
pix = data[pos:]
rows = [pix[((y + r) * w + x) * 3:((y + r) * w + x + cw) * 3] for r in range(ch)]
with open(sys.argv[5] + ".%dx%d.rgb" % (cw, ch), "wb") as f:
    f.write(b"".join(rows))
' "$3" "$4" "$5" "$6" "$out/$1"
}

crop salley      "$chips/John_Salley/000179_02159509.jpg"    0 0 0 0
crop savage      "$chips/John_Savage/000264_01099001.jpg"    0 0 0 0
crop schneider   "$chips/John_Schneider/000288_00925786.jpg" 0 0 0 0
# 117x140: pads 23 columns (11 before, 12 after), then resizes 140 -> 150
crop shimkus-pad "$chips/John_Shimkus/000373_03228153.jpg"   20 5 117 140
# 211x173 from a 250x250 LFW photo: pads rows, then resizes 211 -> 150
crop lfw-resize  "$data/lfw-dev/images/Aaron_Sorkin/$(ls "$data/lfw-dev/images/Aaron_Sorkin" | head -1)" 19 40 211 173
photos=$data/faces/dlib-detection
crop group       "$photos/2008_002470.jpg" 0 0 0 0 1/1   # landscape, six faces
crop portrait    "$photos/2008_001009.jpg" 0 0 0 0 1/2   # taller than wide
crop dogs        "$photos/dogs.jpg"        0 0 0 0 1/4   # no face
ls -l "$out"/*.rgb
