/*
 * tiny.c
 *		face-api's TinyFaceDetector on src/nn (tinyYolov2/TinyYolov2Base.ts,
 *		runMobilenet with a first plain convolution):
 *
 *   picture padded right/bottom to a square, resized to the input size
 *   (face-api's default 416; the sides below are at 416),
 *   (x - mean RGB (117.001, 114.697, 97.404)) / 255
 *   conv0 3x3 VALID 3->16 + bias, leaky ReLU (0.1) -> 414; max pool 2x2/2 SAME
 *   five separable units: depthwise 3x3 (padding 1, no bias), pointwise
 *     + bias, leaky ReLU; 16->32->64->128->256->512, each followed by a
 *     max pool 2x2 SAME, stride 2 after the first four (207, 104, 52, 26,
 *     13) and stride 1 after the last
 *   conv8 1x1 512->25 + bias: a 13x13 grid (input / 32) of 5 anchors x (tx, ty, tw, th,
 *     score logit), in (row, column, anchor) order
 *   decode (TinyYolov2Base.extractBoxes): score = sigmoid(logit), kept when
 *     > min_score; centre = (cell + sigmoid(t)) / grid, size = exp(t) *
 *     anchor / grid, relative to the square; greedy NMS at IoU 0.4 (nms.c:
 *     the same rule as face-api's ops/nonMaxSuppression on these boxes);
 *     boxes mapped back to picture pixels, not clipped.
 *
 * Buffers are allocated at open and reused: a call allocates nothing.
 */
#include "face/tiny.h"
#include "face/net_input.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N_SEPARABLE 5
#define MAX_GRID (TINY_INPUT / 32)	/* 13 cells a side */
#define N_ANCHORS 5
#define MAX_BOXES (MAX_GRID * MAX_GRID * N_ANCHORS)
#define CONV0_SIDE (TINY_INPUT - 2)	/* 3x3 VALID */
#define LARGEST_MAP ((size_t) CONV0_SIDE * CONV0_SIDE * 16)

static const int sep_channels[N_SEPARABLE + 1] = {16, 32, 64, 128, 256, 512};

/* TinyFaceDetector's BOX_ANCHORS: width, height in grid cells */
static const double anchors[N_ANCHORS][2] = {
	{1.603231, 2.094468}, {6.041143, 7.080126}, {2.882459, 3.518061},
	{4.266906, 5.178857}, {9.041765, 10.66308}
};

/* .size is the call's input size */
static const NetInputSpec tiny_spec = {
	.size = TINY_INPUT, .centred = 0,
	.mean = {117.001f, 114.697f, 97.404f}, .divisor = 255.0f
};

struct TinyDetector
{
	DetectorBuffers buf;		/* weights, input, maps, boxes, NMS, check */
	NnConv		conv0;
	NnDepthwise dw[N_SEPARABLE];
	NnConv		pw[N_SEPARABLE];
	NnConv		conv8;
	float	   *grid;			/* 13x13x25 */
};

static int
bind_layers(TinyDetector *det, NnError *err)
{
	char		prefix[32];

	if (nn_conv_bind(&det->conv0, det->buf.weights, "conv0", 3, 3, sep_channels[0], 1,
					 NN_PAD_VALID, err) != 0)
		return -1;
	for (int i = 0; i < N_SEPARABLE; i++)
	{
		snprintf(prefix, sizeof(prefix), "conv%d/depthwise", i + 1);
		if (nn_depthwise_bind(&det->dw[i], det->buf.weights, prefix, 3, sep_channels[i], 1,
							  NN_PAD_SAME, 0, err) != 0)
			return -1;
		snprintf(prefix, sizeof(prefix), "conv%d/pointwise", i + 1);
		if (nn_conv_bind(&det->pw[i], det->buf.weights, prefix, 1, sep_channels[i],
						 sep_channels[i + 1], 1, NN_PAD_SAME, err) != 0)
			return -1;
	}
	return nn_conv_bind(&det->conv8, det->buf.weights, "conv8", 1, sep_channels[N_SEPARABLE],
						N_ANCHORS * 5, 1, NN_PAD_SAME, err);
}

TinyDetector *
tiny_detector_open(const char *weights_path, NnError *err)
{
	TinyDetector *det = calloc(1, sizeof(TinyDetector));

	if (det == NULL)
	{
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	det->buf.weights = nn_weights_open(weights_path, err);
	if (det->buf.weights != NULL && bind_layers(det, err) == 0 &&
		detector_buffers_alloc(&det->buf, (size_t) TINY_INPUT * TINY_INPUT * 3,
							   LARGEST_MAP,
							   nn_conv_scratch_size(&det->conv0, TINY_INPUT, TINY_INPUT),
							   MAX_BOXES, err) == 0)
	{
		det->grid = nn_alloc_floats((size_t) MAX_BOXES * 5);
		if (det->grid)
			return det;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	}
	tiny_detector_close(det);
	return NULL;
}

void
tiny_detector_close(TinyDetector *det)
{
	if (det == NULL)
		return;
	detector_buffers_free(&det->buf);
	free(det->grid);
	free(det);
}

void
tiny_detector_set_check(TinyDetector *det, void (*check) (void))
{
	det->buf.check = check;
}

/* the network on a size x size input: fills det->grid */
static void
run_net(TinyDetector *det, int size)
{
	NnTensor	in = {size, size, 3, det->buf.input};
	NnTensor	x = {0, 0, 0, det->buf.act[0]};
	NnTensor	y = {0, 0, 0, det->buf.act[1]};
	NnTensor	grid = {0, 0, 0, det->grid};
	NnTensor	swap;

	/* each step writes the buffer it does not read; x is the current map */
	nn_conv2d(&det->conv0, &in, &y, NN_ACT_LEAKY, det->buf.scratch);
	nn_max_pool(&y, &x, 2, 2, NN_PAD_SAME);
	for (int i = 0; i < N_SEPARABLE; i++)
	{
		if (det->buf.check)
			det->buf.check();
		nn_depthwise_conv2d(&det->dw[i], &x, &y, NN_ACT_NONE);
		nn_conv2d(&det->pw[i], &y, &x, NN_ACT_LEAKY, NULL);
		nn_max_pool(&x, &y, 2, i < N_SEPARABLE - 1 ? 2 : 1, NN_PAD_SAME);
		swap = x;
		x = y;
		y = swap;
	}
	nn_conv2d(&det->conv8, &x, &grid, NN_ACT_NONE, NULL);
}

static double
sigmoid(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

/* boxes relative to the square and scores of every anchor of a grid x grid map */
static void
decode(TinyDetector *det, int grid)
{
	for (int row = 0; row < grid; row++)
		for (int col = 0; col < grid; col++)
			for (int a = 0; a < N_ANCHORS; a++)
			{
				int			i = (row * grid + col) * N_ANCHORS + a;
				const float *t = det->grid + (size_t) i * 5;
				double		cx = (col + sigmoid(t[0])) / grid;
				double		cy = (row + sigmoid(t[1])) / grid;
				double		w = exp(t[2]) * anchors[a][0] / grid;
				double		h = exp(t[3]) * anchors[a][1] / grid;

				det->buf.boxes[i][0] = cy - h / 2;
				det->buf.boxes[i][1] = cx - w / 2;
				det->buf.boxes[i][2] = cy + h / 2;
				det->buf.boxes[i][3] = cx + w / 2;
				det->buf.scores[i] = sigmoid(t[4]);
			}
}

int
tiny_detector_run(TinyDetector *det, const uint8_t *rgb, int width, int height,
				  size_t stride, int size, double min_score,
				  FaceDetection faces[SSD_MAX_FACES])
{
	NetInputSpec spec = tiny_spec;
	int			grid = size / 32;
	double		to_x,
				to_y;
	int			n;

	/* the buffers hold TINY_INPUT; a smaller grid is a prefix of them */
	assert(size % 32 == 0 && size >= 32 && size <= TINY_INPUT);
	spec.size = size;
	face_net_input(rgb, width, height, stride, &spec, det->buf.input);
	run_net(det, size);
	decode(det, grid);
	n = face_nms((const float (*)[4]) det->buf.boxes, det->buf.scores, grid * grid * N_ANCHORS,
				 min_score, TINY_IOU_THRESHOLD, SSD_MAX_FACES, det->buf.keep,
				 det->buf.candidates);
	face_net_input_unpad(size, width, height, &to_x, &to_y);
	for (int i = 0; i < n; i++)
	{
		const float *b = det->buf.boxes[det->buf.keep[i]];

		faces[i].box.x = b[1] * to_x;
		faces[i].box.y = b[0] * to_y;
		faces[i].box.width = (b[3] - b[1]) * to_x;
		faces[i].box.height = (b[2] - b[0]) * to_y;
		faces[i].score = det->buf.scores[det->buf.keep[i]];
	}
	return n;
}
