/*
 * mmod.c
 *		dlib's MMOD face detector net on src/nn (dlib's
 *		dnn_mmod_face_detection_ex.cpp; the weights converted by
 *		tools/convert-dlib-mmod.py, batch norms folded):
 *
 *   (v - input/mean per channel) / 256
 *   conv1..conv3: 5x5, stride 2, no padding, 3 -> 16 -> 32 -> 32, ReLU
 *   conv4..conv6: 5x5, stride 1, padding 2, -> 45, ReLU
 *   out: 9x9, stride 1, padding 4, 45 -> 1, no activation
 *
 * An output position (row r, column c) scores the 80x80 window centred on
 * input pixel (8c + 14, 8r + 14): each stride-2 layer without padding maps
 * its output o to the centre 2o + 2 of its 5x5 window, and the padded
 * stride-1 layers keep positions.  In float32 the maps equal dlib 19.24's
 * within 2e-6 (bench/mmod_check).  In int16 (mmod_set_precision) every
 * layer but the first (whose input, the normalized picture, is signed)
 * runs through nn_qconv2d_dynamic on its ReLU input; the maps then move by
 * at most the bound bench/mmod_check holds them to.
 *
 * Buffers are allocated at open and reused: a call allocates nothing.
 */
#include "face/mmod.h"
#include "face/ssd.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MMOD_LAYERS 7
#define MMOD_WINDOW 80
#define MMOD_STEP 8				/* input pixels per output position */
#define MMOD_OFFSET 14			/* input pixel of output position 0 */

static const struct
{
	const char *name;
	int			k;
	int			cout;
	int			stride;
	NnPadding	padding;
	NnActivation act;
}			layers[MMOD_LAYERS] = {
	{"conv1", 5, 16, 2, NN_PAD_VALID, NN_ACT_RELU},
	{"conv2", 5, 32, 2, NN_PAD_VALID, NN_ACT_RELU},
	{"conv3", 5, 32, 2, NN_PAD_VALID, NN_ACT_RELU},
	{"conv4", 5, 45, 1, NN_PAD_SAME, NN_ACT_RELU},
	{"conv5", 5, 45, 1, NN_PAD_SAME, NN_ACT_RELU},
	{"conv6", 5, 45, 1, NN_PAD_SAME, NN_ACT_RELU},
	{"out", 9, 1, 1, NN_PAD_SAME, NN_ACT_NONE},
};

struct MmodNet
{
	DetectorBuffers buf;		/* weights, input, maps, scratch, check */
	NnConv		conv[MMOD_LAYERS];
	NnQConv		qconv[MMOD_LAYERS];	/* the same in integers; [0] unused */
	NnPrecision precision;
	const float *mean;			/* input/mean: R, G, B */
};

/*
 * Binds the layers and prepares the integer ones (their input range is
 * taken per call); the largest map and scratch at MMOD_MAX_SIDE.
 */
static int
bind_layers(MmodNet *net, size_t *map, size_t *scratch, NnError *err)
{
	static const int mean_dims[1] = {3};
	int			cin = 3;
	int			side = MMOD_MAX_SIDE;

	net->mean = nn_weights_find(net->buf.weights, "input/mean", 1, mean_dims, err);
	if (net->mean == NULL)
		return -1;
	*map = 0;
	*scratch = 0;
	for (int i = 0; i < MMOD_LAYERS; i++)
	{
		size_t		s;

		if (nn_conv_bind(&net->conv[i], net->buf.weights, layers[i].name, layers[i].k,
						 cin, layers[i].cout, layers[i].stride, layers[i].padding,
						 err) != 0)
			return -1;
		s = nn_conv_scratch_size(&net->conv[i], side, side);
		if (i > 0)
		{
			size_t		qs;

			if (nn_qconv_prepare(&net->qconv[i], &net->conv[i], NN_QCONV_IN_MAX, err) != 0)
				return -1;
			qs = nn_qconv_dynamic_scratch_size(&net->qconv[i], side, side);
			s = qs > s ? qs : s;
		}
		if (s > *scratch)
			*scratch = s;
		side = nn_out_size(side, layers[i].k, layers[i].stride, layers[i].padding);
		if ((size_t) side * side * layers[i].cout > *map)
			*map = (size_t) side * side * layers[i].cout;
		cin = layers[i].cout;
	}
	return 0;
}

MmodNet *
mmod_open(const char *weights_path, NnError *err)
{
	MmodNet    *net = calloc(1, sizeof(MmodNet));
	size_t		map;
	size_t		scratch;

	if (net == NULL)
	{
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	net->buf.weights = nn_weights_open(weights_path, err);
	if (net->buf.weights != NULL && bind_layers(net, &map, &scratch, err) == 0 &&
		detector_buffers_alloc(&net->buf, (size_t) MMOD_MAX_SIDE * MMOD_MAX_SIDE * 3,
							   map, scratch, 0, err) == 0)
		return net;
	mmod_close(net);
	return NULL;
}

void
mmod_close(MmodNet *net)
{
	if (net == NULL)
		return;
	detector_buffers_free(&net->buf);
	for (int i = 1; i < MMOD_LAYERS; i++)
		nn_qconv_free(&net->qconv[i]);
	free(net);
}

void
mmod_set_check(MmodNet *net, void (*check) (void))
{
	net->buf.check = check;
}

void
mmod_set_precision(MmodNet *net, NnPrecision precision)
{
	net->precision = precision;
}

NnTensor
mmod_run(MmodNet *net, const uint8_t *rgb, int side)
{
	NnTensor	maps[2] = {{0, 0, 0, net->buf.act[0]}, {0, 0, 0, net->buf.act[1]}};
	NnTensor	in = {side, side, 3, net->buf.input};
	const NnTensor *cur = &in;

	assert(side >= MMOD_WINDOW && side <= MMOD_MAX_SIDE);
	for (size_t i = 0; i < (size_t) side * side * 3; i++)
		net->buf.input[i] = (rgb[i] - net->mean[i % 3]) / 256.0f;
	for (int i = 0; i < MMOD_LAYERS; i++)
	{
		if (net->buf.check)
			net->buf.check();
		/* int8 has no u8 path here (ReLU outputs, unbounded): int16 */
		if (i > 0 && net->precision != NN_PRECISION_FLOAT)
			nn_qconv2d_dynamic(&net->qconv[i], cur, &maps[i % 2], layers[i].act,
							   net->buf.scratch);
		else
			nn_conv2d(&net->conv[i], cur, &maps[i % 2], layers[i].act, net->buf.scratch);
		cur = &maps[i % 2];
	}
	return *cur;
}

double
mmod_best_score(MmodNet *net, const uint8_t *rgb, int side,
				double x0, double y0, double x1, double y1)
{
	NnTensor	map = mmod_run(net, rgb, side);
	double		best = -HUGE_VAL;

	for (int r = 0; r < map.h; r++)
	{
		/* the window's centre: the middle of its centre pixel */
		double		cy = MMOD_STEP * r + MMOD_OFFSET + 0.5;

		if (cy < y0 || cy > y1)
			continue;
		for (int c = 0; c < map.w; c++)
		{
			double		cx = MMOD_STEP * c + MMOD_OFFSET + 0.5;

			if (cx >= x0 && cx <= x1 && map.data[r * map.w + c] > best)
				best = map.data[r * map.w + c];
		}
	}
	return best;
}
