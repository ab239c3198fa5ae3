#!/bin/bash
# ssd_calibrate.sh: regenerates src/face/ssd_means.c, the mean inputs of
# the SSD's separable 1x1 layers that the int8 path's bias correction
# uses (src/nn/qconv_u8.c), from the calibration photos: the 9 photos of
# ../shared/data/faces/named-people/train/ (none of them is in the LFW
# dev folds or the dlib detection set that measure accuracy), decoded by
# the extension (image_rgb, upright), the float32 net's first look.
#   PG_CONFIG=... bench/ssd_calibrate.sh   (needs `make install`)
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/setup.sh >/dev/null
BIN=$("$PG_CONFIG" --bindir)
PHOTOS=$(cd ../shared/data/faces/named-people/train && pwd)
tmp=$(mktemp -d)
chmod 777 "$tmp"
start_cluster >/dev/null
trap 'stop_cluster; rm -rf "$tmp"' EXIT
make -s -C bench bin/ssd_calibrate
as_cluster_user "$BIN/psql" -X -q -c "CREATE EXTENSION IF NOT EXISTS facerec"
files=()
for f in "$PHOTOS"/*/*; do
	name=$(basename "$(dirname "$f")")_$(basename "${f%.*}")
	# width, height upright, then the pixels as hex
	set -- $(as_cluster_user "$BIN/psql" -X -q -At -F' ' -c "
		SELECT CASE WHEN orientation >= 5 THEN height ELSE width END,
			CASE WHEN orientation >= 5 THEN width ELSE height END,
			encode(image_rgb(pg_read_binary_file('$f')), 'hex')
		FROM image_info(pg_read_binary_file('$f'))")
	/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))' \
		<<<"$3" >"$tmp/$name.$1x$2.rgb"
	files+=("$tmp/$name.$1x$2.rgb")
done
bench/bin/ssd_calibrate models/ssd_mobilenetv1_model.frw \
	"every photo of ../shared/data/faces/named-people/train" \
	"${files[@]}" >src/face/ssd_means.c
echo "wrote src/face/ssd_means.c from ${#files[@]} photos"
