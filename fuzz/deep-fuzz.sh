#!/usr/bin/env bash
# deep-fuzz.sh: the decode harness linked against libjpeg-turbo, libpng,
# libwebp and libexif built from Debian's sources with the same sanitizers
# (ASan) and libFuzzer coverage, so that the fuzzer also steers through (and
# ASan also checks) the libraries' own code.  `make fuzz` links the system
# libraries instead: fast to build in CI, but blind inside them.
#
# Usage: fuzz/deep-fuzz.sh [SECONDS [WORKDIR]]   (default 1800 s, /tmp/deepfuzz)
# Needs clang, cmake, zlib1g-dev, network access to deb.debian.org (apt).
# The Debian source lists go to WORKDIR; the system's apt setup is untouched.
# libpng is upstream 1.6.39 (Debian's security patches are not applied).
set -euo pipefail
SECONDS_TO_RUN=${1:-1800}
W=${2:-/tmp/deepfuzz}
TOP=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
# Our code: ASan + UBSan.  The libraries: ASan only, because UBSan stops at
# their own arithmetic overflows (libwebp's VP8 inverse transform wraps on
# crafted coefficients: upstream's, harmless in an ordinary build), which
# would end every run before it reached anything else.
SAN="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined"
export CC=clang CFLAGS="-g -O1 -fsanitize=address,fuzzer-no-link"
P=$W/inst
mkdir -p "$W/lists/partial" "$W/src" "$W/build" "$P/lib" "$P/include/jpeg" "$P/include/libexif"

printf '%s\n' 'deb-src http://deb.debian.org/debian bookworm main' > "$W/debsrc.list"
APT=(-o Dir::Etc::SourceList="$W/debsrc.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$W/lists")
apt-get "${APT[@]}" update -qq
(cd "$W/src" && apt-get "${APT[@]}" source --download-only libjpeg-turbo libpng1.6 libwebp libexif)
cd "$W/build"
for t in "$W"/src/*.orig.tar.gz; do tar xzf "$t"; done

(cd libjpeg-turbo-*/ && mkdir -p b && cd b &&
	cmake .. -DENABLE_SHARED=0 -DWITH_SIMD=0 -DWITH_TURBOJPEG=0 -DCMAKE_C_FLAGS="$CFLAGS" >/dev/null &&
	make -j2 jpeg-static >/dev/null && cp libjpeg.a "$P/lib/" &&
	cp jconfig.h ../jpeglib.h ../jmorecfg.h ../jerror.h "$P/include/jpeg/")
(cd libpng-*/ && ./configure --prefix="$P" --disable-shared >/dev/null &&
	make -j2 >/dev/null && make install >/dev/null)
(cd libwebp-*/ && mkdir -p b && cd b &&
	cmake .. -DBUILD_SHARED_LIBS=OFF -DWEBP_ENABLE_SIMD=OFF -DCMAKE_C_FLAGS="$CFLAGS" >/dev/null &&
	make -j2 webpdecoder >/dev/null && cp libwebpdecoder.a "$P/lib/")
# libexif's release tarball has no configure script: compile it directly
(cd libexif-*/ && printf '#define HAVE_LOCALTIME_R 1\n#define GETTEXT_PACKAGE "libexif-12"\n' > config.h &&
	mkdir -p o && for f in libexif/*.c libexif/*/*.c; do
		$CC $CFLAGS -I. -Ilibexif -c "$f" -o "o/$(echo "$f" | tr / _).o"; done &&
	ar rcs "$P/lib/libexif.a" o/*.o && cp libexif/*.h "$P/include/libexif/")

cd "$TOP"
clang $SAN -fsanitize=fuzzer -Wno-ignored-attributes -DFACEREC_FUZZ \
	-I"$P/include/jpeg" -I"$P/include" -I"$(echo "$W"/build/libwebp-*/src)" -Isrc -Ifuzz \
	-I"$("$PG_CONFIG" --includedir-server)" \
	src/image/{decode,decode_jpeg,decode_png,decode_webp,exif_orientation,jpeg_errmgr,orient}.c \
	fuzz/decode_fuzz.c fuzz/fuzz_port.c -o "$W/decode_fuzz_deep" \
	"$P/lib/libjpeg.a" "$P/lib/libpng16.a" "$P/lib/libwebpdecoder.a" "$P/lib/libexif.a" \
	-lz -lm -lpthread -L"$("$PG_CONFIG" --pkglibdir)" -lpgcommon -lpgport
mkdir -p "$W/corpus" "$W/artifacts"
exec nice "$W/decode_fuzz_deep" -max_total_time="$SECONDS_TO_RUN" -timeout=25 -rss_limit_mb=2048 \
	-max_len=262144 -print_final_stats=1 -artifact_prefix="$W/artifacts/" \
	"$W/corpus" "$TOP"/../shared/data/jpeg-corpus/*/ "$TOP"/test/images "$TOP"/fuzz/regressions
