#!/bin/bash
# make-mmod-fixtures.sh: dlib's own MMOD face detector net on the square
# crop the second check cuts around two boxes (bench/dlib_reference/
# mmod_map.cpp), written to tools/reference/fixtures/mmod-NAME.240x240.rgb
# (the crop, raw RGB8) and mmod-NAME.map (dlib's output map).
# bench/mmod_check holds src/face/mmod.c to these maps (tools/run-tests).
# Run from anywhere on Debian 12; installs libdlib-dev (19.24), g++ and
# pkg-config when missing (tools/setup.sh's install_deps).
#   dog:  dogs.jpg's dog, the SSD's box (no human face: the check's negative)
#   face: 2008_002470.jpg's first face, the SSD's box
set -euo pipefail
source "$(dirname "$0")/../setup.sh"
FACEREC_PACKAGES+=(libdlib-dev g++ pkg-config)
install_deps
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -std=c++17 -Wall -Wextra -o "$work/mmod_map" \
	"$FACEREC_TOP/bench/dlib_reference/mmod_map.cpp" $(pkg-config --cflags --libs dlib-1)
photos=$FACEREC_DATA/faces/dlib-detection
out=$FACEREC_TOP/tools/reference/fixtures
model=$FACEREC_TOP/models/mmod_human_face_detector.dat
"$work/mmod_map" "$model" "$photos/dogs.jpg" 485.87256 536.6878 318.10312 320.8883 "$out/mmod-dog"
"$work/mmod_map" "$model" "$photos/2008_002470.jpg" 277.42697 166.8455 46.41503 63.726894 "$out/mmod-face"
ls -l "$out"/mmod-*
