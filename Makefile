# facerec: PGXS build of the extension.
#
# Every C file under src/ is part of the shared library; every SQL fragment
# named in SQL_PARTS is concatenated, in that order, into the install script;
# every sql/*.sql is a pg_regress test and every t/*.pl a TAP test.

EXTENSION = facerec
EXTVERSION = 0.1.0

MODULE_big = facerec
SRCS = $(sort $(wildcard src/*.c src/*/*.c))
OBJS = $(SRCS:.c=.o)

# The install script is built from one fragment per room of src/, so that each
# room keeps its SQL next to its C.  Order matters: the type comes first.
SQL_FIRST = src/type/face_embedding.sql
SQL_PARTS = $(SQL_FIRST) $(sort $(filter-out $(SQL_FIRST),$(wildcard src/*/*.sql)))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql

REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)
TAP_TESTS = 1

# OpenBLAS: link the serial build so that no BLAS worker thread ever exists in
# a backend (threads would receive PostgreSQL's signals); see README.
OPENBLAS_SERIAL = /usr/lib/x86_64-linux-gnu/openblas-serial
PG_CPPFLAGS = -I$(srcdir)/src -I/usr/include/x86_64-linux-gnu/openblas-pthread
# -Wextra, less unused-parameter: every V1 function takes fcinfo, used or not.
# The server headers are system headers so that their macros do not warn.
# -MMD -MP: gcc writes src/x/y.d beside each object, listing the headers it
# read, so that changing a header rebuilds its users (Debian's server is built
# without PostgreSQL's own autodepend).
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -MMD -MP \
	-isystem $(shell $(PG_CONFIG) --includedir-server)
SHLIB_LINK = -ljpeg -lpng16 -lwebp -lexif \
	-L$(OPENBLAS_SERIAL) -l:libopenblas.so.0 -Wl,-rpath,$(OPENBLAS_SERIAL) -lm

# The model weights: each shipped manifest + .bin becomes a .frw file that
# backends map read-only (tools/convert-model.py; models/README.md).  They are
# installed beside the control file, where only the installation's owner can
# put them; the server never reads a model from any other path.
MODELS = face_recognition_model face_landmark_68_model face_landmark_68_tiny_model \
	ssd_mobilenetv1_model tiny_face_detector_model
# dlib's MMOD face detector (the second check on a box) ships as dlib's .dat
DLIB_MODELS = mmod_human_face_detector
MODEL_FILES = $(MODELS:%=models/%.frw) $(DLIB_MODELS:%=models/%.frw)
MODEL_DIR = extension/facerec_models
# numpy comes from Debian's python3-numpy: use that interpreter, not a PATH one
FACEREC_PYTHON ?= /usr/bin/python3
EXTRA_CLEAN = $(MODEL_FILES) $(OBJS:.o=.d)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Header dependencies written by -MMD; the JIT bitcode (%.bc, compiled without
# CFLAGS) follows its object, and so the same headers.
-include $(OBJS:.o=.d)
$(OBJS:.o=.bc): %.bc: %.o

# The inference loops (ReLU, residual adds, im2col) need the vectorizer: at
# -O2 every ReLU is a mispredicted branch per element (2 ms per descriptor).
NN_OBJS = $(patsubst %.c,%.o,$(wildcard src/nn/*.c) src/face/recognizer.c src/face/net_input.c src/face/landmarks.c src/face/ssd.c src/face/tiny.c src/face/detector_buffers.c src/face/mmod.c src/face/nms.c src/face/face_box.c)
$(NN_OBJS): CFLAGS += -O3

all: $(MODEL_FILES)

models/%.frw: models/%-weights_manifest.json models/%.bin tools/convert-model.py
	$(FACEREC_PYTHON) tools/convert-model.py $< $@

models/mmod_human_face_detector.frw: models/mmod_human_face_detector.dat \
		tools/convert-dlib-mmod.py tools/convert-dlib-model.py tools/convert-model.py
	$(FACEREC_PYTHON) tools/convert-dlib-mmod.py $< $@

install: install-models
installdirs: installdirs-models
uninstall: uninstall-models

installdirs-models:
	$(MKDIR_P) '$(DESTDIR)$(datadir)/$(MODEL_DIR)'

install-models: $(MODEL_FILES) installdirs-models
	$(INSTALL_DATA) $(MODEL_FILES) '$(DESTDIR)$(datadir)/$(MODEL_DIR)/'

uninstall-models:
	rm -f $(addprefix '$(DESTDIR)$(datadir)/$(MODEL_DIR)'/, $(notdir $(MODEL_FILES)))

.PHONY: install-models installdirs-models uninstall-models

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	{ printf '%s\n' '-- generated from $(SQL_PARTS); edit those files' \
	    '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  cat $(SQL_PARTS); } > $@

.PHONY: bench
bench: all
	$(MAKE) -C bench

# libFuzzer harness for the image decode core (fuzz/decode_fuzz.c), seeded
# with the shared JPEG corpus, test/images and fuzz/regressions (past
# findings, replayed on every run).  `make fuzz` runs it for FUZZ_SECONDS and
# fails on any finding (crash, sanitizer report, leak, out-of-memory, 25 s
# timeout); new inputs go to a temporary corpus, findings and the log to
# fuzz/bin/.
# libpgcommon/libpgport supply PostgreSQL's snprintf, which c.h substitutes
# for the C library's.
FUZZ_CORE = $(addprefix src/image/,decode.c decode_jpeg.c decode_png.c \
	decode_webp.c exif_orientation.c jpeg_errmgr.c orient.c)
FUZZ_SECONDS ?= 60
FUZZ_SEEDS ?= $(wildcard $(srcdir)/../shared/data/jpeg-corpus/*/) \
	$(srcdir)/test/images $(srcdir)/fuzz/regressions
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wno-ignored-attributes -DFACEREC_FUZZ -I$(srcdir)/src -I$(srcdir)/fuzz -I$(includedir_server)

fuzz/bin/decode_fuzz: $(FUZZ_CORE) $(wildcard fuzz/*.c fuzz/*.h src/image/*.h)
	mkdir -p fuzz/bin
	clang $(FUZZ_FLAGS) $(FUZZ_CORE) fuzz/decode_fuzz.c fuzz/fuzz_port.c \
		-o $@ -ljpeg -lpng16 -lwebp -lexif -L$(pkglibdir) -lpgcommon -lpgport

.PHONY: fuzz
fuzz: fuzz/bin/decode_fuzz
	@corpus=$$(mktemp -d) && \
	fuzz/bin/decode_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=25 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=fuzz/bin/ \
		$$corpus $(FUZZ_SEEDS) > fuzz/bin/fuzz.log 2>&1; rc=$$?; rm -rf $$corpus; \
	if [ $$rc -ne 0 ]; then tail -80 fuzz/bin/fuzz.log; echo "fuzz: FINDING (exit $$rc), see fuzz/bin/"; exit 1; fi; \
	grep '^stat::' fuzz/bin/fuzz.log; echo "fuzz: no finding in $(FUZZ_SECONDS) s"
