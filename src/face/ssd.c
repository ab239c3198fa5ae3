/*
 * ssd.c
 *		face-api's SsdMobilenetv1 on src/nn.
 *
 *   picture padded right/bottom to a square, resized to 512x512, x/127.5 - 1
 *   MobileNetV1: conv_0 3x3/2 3->32, then 13 x [depthwise 3x3 (stride 2 at
 *     layers 2, 4, 6, 12) + batch norm (folded at conversion), 1x1 conv],
 *     every layer ReLU6: 32x32x512 after layer 11, 16x16x1024 at the end
 *   extra layers (ReLU6): [1x1, 3x3/2] x 4 down to 8, 4, 2, 1
 *   box predictors: 1x1 convs (no activation) on the six maps, 3 anchors
 *     per cell on the first and 6 on the others: 5,118 box encodings and
 *     class logits in (map, y, x, anchor) order
 *   decode against the anchors of the model file, score = sigmoid(logit 1),
 *   greedy NMS at IoU 0.5 (nms.c), boxes clipped to [0, 1] and mapped back
 *   through the padding to picture pixels.
 *
 * The framed looks (not in face-api) run the same net on the picture
 * centred in a zero frame twice, then three times its longer side.  The
 * net was trained on WIDER FACE, where a face rarely fills the frame: a
 * face covering most of the picture (a portrait, an LFW photo) often scores
 * below 0.5 at full size and well above it at half or a third of the size.
 * The framed looks only speak for such large faces: a smaller one was
 * better seen by the full-size look, which turned it down (a dog's face,
 * found at half size, for one).
 *
 * In int16 (face_detector_set_precision) the 1x1 halves of the separable
 * layers and the 1x1 extra layers run as NnQConv, the depthwise halves
 * storing their output quantized for them, and the maps between separable
 * layers are int16 too, except where a box predictor reads them; the rest
 * stays float32.  In int8 the separable layers run between u8 maps
 * instead (qdepthwise.c's u8 variant, then qconv_u8.c's u8 x s8 1x1
 * layers, every map a ReLU6 output in steps of 6 / NN_Q8_IN_MAX); after a
 * float map (conv_0's, and those the box predictors read) the float
 * depthwise half stores u8 steps; the extra layers run as in int16.  The
 * 1x1 layers' biases take back the mean error of their rounded weights,
 * from their inputs' means over calibration photos (ssd_means.c, which
 * face_detector_pointwise_means measures).
 *
 * Each predictor runs as soon as its feature map exists, so two ping-pong
 * activation buffers (the largest map is 256x256x64) serve the whole net.
 * All buffers are allocated at open and reused: a call allocates nothing.
 */
#include "face/ssd.h"
#include "face/net_input.h"
#include "face/ssd_means.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define N_LAYERS 14				/* conv_0 and the 13 separable layers */
#define N_EXTRA 8
#define N_PREDICTORS 6
#define LARGEST_MAP ((size_t) 256 * 256 * 64)	/* layer 1's pointwise output */
#define RELU6_MAX 6.0f			/* every map is a ReLU6 output */
#define RELU6_STEP (RELU6_MAX / NN_QCONV_IN_MAX)	/* its int16 steps */
#define RELU6_STEP_U8 (RELU6_MAX / NN_Q8_IN_MAX)	/* its u8 steps */

static const int layer_channels[N_LAYERS] = {
	32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024
};

/* the extra layers: output channels; odd ones are 3x3 stride 2 */
static const int extra_channels[N_EXTRA] = {256, 512, 128, 256, 128, 256, 64, 128};

/* box predictors: input channels, anchors per cell */
static const int predictor_cin[N_PREDICTORS] = {512, 1024, 512, 256, 256, 128};
static const int predictor_anchors[N_PREDICTORS] = {3, 6, 6, 6, 6, 6};
static const int predictor_side[N_PREDICTORS] = {32, 16, 8, 4, 2, 1};

static const NetInputSpec ssd_spec = {
	.size = SSD_INPUT, .centred = 0,
	.mean = {127.5f, 127.5f, 127.5f}, .divisor = 127.5f
};

/*
 * The framed looks: a border of half, then all of the longer side all
 * round: the picture at half, then a third of its size.
 */
static const NetInputSpec framed_specs[SSD_FRAMED_LOOKS] = {
	{.size = SSD_INPUT, .centred = 1, .mean = {127.5f, 127.5f, 127.5f},
	.divisor = 127.5f, .margin = 0.5f},
	{.size = SSD_INPUT, .centred = 1, .mean = {127.5f, 127.5f, 127.5f},
	.divisor = 127.5f, .margin = 1.0f}
};

typedef struct BoxPredictor
{
	NnConv		box;			/* anchors x 4 box encodings per cell */
	NnConv		cls;			/* anchors x 3 class logits per cell */
	int			offset;			/* first anchor's index among the 5,118 */
} BoxPredictor;

struct FaceDetector
{
	DetectorBuffers buf;		/* weights, input, maps, boxes, NMS, check */
	NnConv		conv0;
	NnDepthwise dw[N_LAYERS];	/* [0] unused */
	NnConv		pw[N_LAYERS];	/* [0] unused */
	NnConv		extra[N_EXTRA];
	BoxPredictor pred[N_PREDICTORS];
	NnPrecision precision;
	NnQConv		qpw[N_LAYERS];	/* pw in integers, [0] unused */
	NnQDepthwise qdw[N_LAYERS];	/* dw in integers, on int16 maps, [0] unused */
	NnQConv		qextra[N_EXTRA];	/* the 1x1 (even) extra layers */
	NnQ8Conv	q8pw[N_LAYERS];	/* pw in u8 x s8, [0] unused */
	NnQDepthwise q8dw[N_LAYERS];	/* dw in integers, on u8 maps, [0] unused */
	bool		u8_ready;		/* q8pw and q8dw prepared (first int8 use) */
	void	   *qscratch;
	const float (*anchors)[4];	/* [ymin, xmin, ymax, xmax], 0..1 */
	float		(*encodings)[4];
	float	   *logits;			/* [SSD_BOXES * 3] */
};

static int
bind_layers(FaceDetector *det, NnError *err)
{
	char		prefix[96];
	int			anchor_dims[3] = {1, SSD_BOXES, 4};
	int			offset = 0;
	int			cin;

	if (nn_conv_bind(&det->conv0, det->buf.weights, "MobilenetV1/Conv2d_0_pointwise",
					 3, 3, layer_channels[0], 2, NN_PAD_SAME, err) != 0)
		return -1;
	for (int i = 1; i < N_LAYERS; i++)
	{
		int			stride = (i == 2 || i == 4 || i == 6 || i == 12) ? 2 : 1;

		snprintf(prefix, sizeof(prefix), "MobilenetV1/Conv2d_%d_depthwise", i);
		if (nn_depthwise_bind(&det->dw[i], det->buf.weights, prefix, 3,
							  layer_channels[i - 1], stride, NN_PAD_SAME, 1, err) != 0)
			return -1;
		snprintf(prefix, sizeof(prefix), "MobilenetV1/Conv2d_%d_pointwise", i);
		if (nn_conv_bind(&det->pw[i], det->buf.weights, prefix, 1, layer_channels[i - 1],
						 layer_channels[i], 1, NN_PAD_SAME, err) != 0)
			return -1;
	}
	cin = layer_channels[N_LAYERS - 1];
	for (int i = 0; i < N_EXTRA; i++)
	{
		snprintf(prefix, sizeof(prefix), "Prediction/Conv2d_%d_pointwise", i);
		if (nn_conv_bind(&det->extra[i], det->buf.weights, prefix, i % 2 ? 3 : 1, cin,
						 extra_channels[i], i % 2 ? 2 : 1, NN_PAD_SAME, err) != 0)
			return -1;
		cin = extra_channels[i];
	}
	for (int p = 0; p < N_PREDICTORS; p++)
	{
		BoxPredictor *pred = &det->pred[p];
		int			a = predictor_anchors[p];
		int			map = predictor_side[p];

		snprintf(prefix, sizeof(prefix), "Prediction/BoxPredictor_%d/BoxEncodingPredictor", p);
		if (nn_conv_bind(&pred->box, det->buf.weights, prefix, 1, predictor_cin[p], a * 4,
						 1, NN_PAD_SAME, err) != 0)
			return -1;
		snprintf(prefix, sizeof(prefix), "Prediction/BoxPredictor_%d/ClassPredictor", p);
		if (nn_conv_bind(&pred->cls, det->buf.weights, prefix, 1, predictor_cin[p], a * 3,
						 1, NN_PAD_SAME, err) != 0)
			return -1;
		pred->offset = offset;
		offset += map * map * a;
	}
	if (offset != SSD_BOXES)
	{
		snprintf(err->msg, sizeof(err->msg), "SSD predictors cover %d boxes, not %d",
				 offset, SSD_BOXES);
		return -1;
	}
	det->anchors = (const float (*)[4]) nn_weights_find(det->buf.weights, "Output/extra_dim",
														3, anchor_dims, err);
	return det->anchors ? 0 : -1;
}

/* the largest im2col scratch: conv_0 on 512x512 or an extra 3x3 layer */
static size_t
scratch_size(const FaceDetector *det)
{
	size_t		max = nn_conv_scratch_size(&det->conv0, SSD_INPUT, SSD_INPUT);
	int			side = 16;

	for (int i = 0; i < N_EXTRA; i++)
	{
		size_t		s = nn_conv_scratch_size(&det->extra[i], side, side);

		max = s > max ? s : max;
		side = nn_out_size(side, det->extra[i].k, det->extra[i].stride, NN_PAD_SAME);
	}
	return max;
}

/* prepare q from conv for inputs in [0, 6]; *scratch grows to its need */
static int
prepare_integer(NnQConv *q, const NnConv *conv, size_t *scratch, NnError *err)
{
	if (nn_qconv_prepare(q, conv, RELU6_MAX, err) != 0)
		return -1;
	if (nn_qconv_scratch_size(q) > *scratch)
		*scratch = nn_qconv_scratch_size(q);
	return 0;
}

/*
 * The 1x1 layers in integers: each reads the ReLU6 output of the layer
 * before (depthwise or extra), so its inputs lie in [0, 6].
 */
static int
prepare_integer_layers(FaceDetector *det, NnError *err)
{
	size_t		scratch = 0;

	for (int i = 1; i < N_LAYERS; i++)
		if (prepare_integer(&det->qpw[i], &det->pw[i], &scratch, err) != 0 ||
			nn_qdepthwise_prepare(&det->qdw[i], &det->dw[i], RELU6_STEP, RELU6_STEP,
								  NN_ACT_RELU6, err) != 0)
			return -1;
	for (int i = 0; i < N_EXTRA; i += 2)
		if (prepare_integer(&det->qextra[i], &det->extra[i], &scratch, err) != 0)
			return -1;
	det->qscratch = nn_alloc_floats(scratch);
	if (det->qscratch == NULL)
	{
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	return 0;
}

static void
free_u8_layers(FaceDetector *det)
{
	for (int i = 0; i < N_LAYERS; i++)
	{
		nn_q8conv_free(&det->q8pw[i]);
		nn_qdepthwise_free(&det->q8dw[i]);
	}
	det->u8_ready = false;
}

/*
 * The separable layers in u8 x s8, prepared on the first int8 pass rather
 * than at open: a backend that never asks for int8 does not carry its
 * weights (about 3 MiB).  All or nothing: a failure frees what it made.
 */
static int
prepare_u8_layers(FaceDetector *det, NnError *err)
{
	const float *mean = ssd_pointwise_means;

	for (int i = 1; i < N_LAYERS; mean += layer_channels[i - 1], i++)
		if (nn_q8conv_prepare(&det->q8pw[i], &det->pw[i], RELU6_MAX, mean, err) != 0 ||
			nn_qdepthwise_prepare(&det->q8dw[i], &det->dw[i], RELU6_STEP_U8,
								  RELU6_STEP_U8, NN_ACT_RELU6, err) != 0)
		{
			free_u8_layers(det);
			return -1;
		}
	det->u8_ready = true;
	return 0;
}

FaceDetector *
face_detector_open(const char *weights_path, NnError *err)
{
	FaceDetector *det = calloc(1, sizeof(FaceDetector));

	if (det == NULL)
	{
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	det->buf.weights = nn_weights_open(weights_path, err);
	if (det->buf.weights != NULL && bind_layers(det, err) == 0 &&
		prepare_integer_layers(det, err) == 0 &&
		detector_buffers_alloc(&det->buf, (size_t) SSD_INPUT * SSD_INPUT * 3,
							   LARGEST_MAP, scratch_size(det), SSD_BOXES, err) == 0)
	{
		det->encodings = (float (*)[4]) nn_alloc_floats((size_t) SSD_BOXES * 4);
		det->logits = nn_alloc_floats((size_t) SSD_BOXES * 3);
		if (det->encodings && det->logits)
			return det;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	}
	face_detector_close(det);
	return NULL;
}

void
face_detector_close(FaceDetector *det)
{
	if (det == NULL)
		return;
	detector_buffers_free(&det->buf);
	for (int i = 0; i < N_LAYERS; i++)
	{
		nn_qconv_free(&det->qpw[i]);
		nn_qdepthwise_free(&det->qdw[i]);
	}
	free_u8_layers(det);
	for (int i = 0; i < N_EXTRA; i++)
		nn_qconv_free(&det->qextra[i]);
	free(det->qscratch);
	free(det->encodings);
	free(det->logits);
	free(det);
}

int
face_detector_set_precision(FaceDetector *det, NnPrecision precision,
							NnError *err)
{
	if (precision == NN_PRECISION_INT8 && !det->u8_ready &&
		prepare_u8_layers(det, err) != 0)
		return -1;
	det->precision = precision;
	return 0;
}

void
face_detector_set_check(FaceDetector *det, void (*check) (void))
{
	det->buf.check = check;
}

static inline void
check(const FaceDetector *det)
{
	if (det->buf.check)
		det->buf.check();
}

/* the box encodings and class logits of one feature map */
static void
predict(FaceDetector *det, const BoxPredictor *pred, const NnTensor *map)
{
	NnTensor	enc = {0, 0, 0, det->encodings[pred->offset]};
	NnTensor	cls = {0, 0, 0, det->logits + (size_t) pred->offset * 3};

	nn_conv2d(&pred->box, map, &enc, NN_ACT_NONE, NULL);
	nn_conv2d(&pred->cls, map, &cls, NN_ACT_NONE, NULL);
}

/* an extra 1x1 layer in the detector's precision */
static void
extra_pointwise(const FaceDetector *det, int i, const NnTensor *in, NnTensor *out)
{
	if (det->precision != NN_PRECISION_FLOAT)
		nn_qconv2d(&det->qextra[i], in, out, NN_ACT_RELU6, det->qscratch);
	else
		nn_conv2d(&det->extra[i], in, out, NN_ACT_RELU6, NULL);
}

/* the layers after which a box predictor reads the map (as floats) */
static inline int
feeds_predictor(int i)
{
	return i == 11 || i == N_LAYERS - 1;
}

/*
 * separable's int8 arithmetic: x holds a u8 map when *xq, else floats
 * (conv_0's, or one a box predictor read), which the float depthwise half
 * reads as such; either way the depthwise half writes u8 steps into t and
 * the 1x1 half writes x: u8 unless a box predictor reads it.
 */
static void
separable_u8(const FaceDetector *det, int i, NnTensor *x, int *xq, NnTensor *t)
{
	NnU8Tensor	mid = {0, 0, 0, (uint8_t *) t->data};

	if (*xq)
	{
		NnU8Tensor	in = {x->h, x->w, x->c, (uint8_t *) x->data};

		nn_qdepthwise_conv2d_u8(&det->q8dw[i], &in, &mid);
	}
	else
		nn_depthwise_conv2d_u8(&det->dw[i], x, &mid, NN_ACT_RELU6, RELU6_STEP_U8);
	*xq = !feeds_predictor(i);
	if (*xq)
	{
		NnU8Tensor	out = {0, 0, 0, (uint8_t *) x->data};

		nn_q8conv2d_requantized(&det->q8pw[i], &mid, &out, RELU6_STEP_U8);
		x->h = out.h;
		x->w = out.w;
		x->c = out.c;
	}
	else
		nn_q8conv2d(&det->q8pw[i], &mid, x, NN_ACT_RELU6);
}

/*
 * Separable layer i from x back into x, through t.  In integers the
 * depthwise half stores its output quantized for the 1x1 half, in t's
 * memory (int16 take half a float's room), and the 1x1 half stores its
 * output quantized too (in x's memory, *xq set) unless a box predictor
 * reads it: the next depthwise half reads it as such.  Every map is a
 * ReLU6 output, so one step (RELU6_STEP) covers them all.
 */
static void
separable(const FaceDetector *det, int i, NnTensor *x, int *xq, NnTensor *t)
{
	if (det->precision == NN_PRECISION_INT8)
		separable_u8(det, i, x, xq, t);
	else if (det->precision == NN_PRECISION_INT16)
	{
		NnQTensor	q = {0, 0, 0, (int16_t *) t->data};
		NnQTensor	qx = {x->h, x->w, x->c, (int16_t *) x->data};

		if (*xq)
			nn_qdepthwise_conv2d(&det->qdw[i], &qx, &q);
		else
			nn_depthwise_conv2d_quantized(&det->dw[i], x, &q, NN_ACT_RELU6, RELU6_STEP);
		*xq = !feeds_predictor(i);
		if (*xq)
		{
			nn_qconv2d_requantized(&det->qpw[i], &q, &qx, NN_ACT_RELU6, RELU6_STEP);
			x->h = qx.h;
			x->w = qx.w;
			x->c = qx.c;
		}
		else
			nn_qconv2d_quantized(&det->qpw[i], &q, x, NN_ACT_RELU6);
	}
	else
	{
		nn_depthwise_conv2d(&det->dw[i], x, t, NN_ACT_RELU6);
		nn_conv2d(&det->pw[i], t, x, NN_ACT_RELU6, NULL);
	}
}

/* the network: fills det->encodings and det->logits */
static void
run_net(FaceDetector *det)
{
	NnTensor	in = {SSD_INPUT, SSD_INPUT, 3, det->buf.input};
	NnTensor	x = {0, 0, 0, det->buf.act[0]};
	NnTensor	t = {0, 0, 0, det->buf.act[1]};
	NnTensor	swap;
	int			xq = 0;

	nn_conv2d(&det->conv0, &in, &x, NN_ACT_RELU6, det->buf.scratch);
	for (int i = 1; i < N_LAYERS; i++)
	{
		check(det);
		separable(det, i, &x, &xq, &t);
		if (i == 11)
			predict(det, &det->pred[0], &x);
	}
	predict(det, &det->pred[1], &x);
	for (int i = 0; i < N_EXTRA; i++)
	{
		check(det);
		if (i % 2 == 0)
			extra_pointwise(det, i, &x, &t);
		else
			nn_conv2d(&det->extra[i], &x, &t, NN_ACT_RELU6, det->buf.scratch);
		swap = x;
		x = t;
		t = swap;
		if (i % 2)
			predict(det, &det->pred[2 + i / 2], &x);
	}
}

void
face_detector_pointwise_means(FaceDetector *det, const uint8_t *rgb, int width,
							  int height, double sums[SSD_POINTWISE_INPUTS])
{
	NnTensor	in = {SSD_INPUT, SSD_INPUT, 3, det->buf.input};
	NnTensor	x = {0, 0, 0, det->buf.act[0]};
	NnTensor	t = {0, 0, 0, det->buf.act[1]};

	face_net_input(rgb, width, height, (size_t) width * 3, &ssd_spec, det->buf.input);
	nn_conv2d(&det->conv0, &in, &x, NN_ACT_RELU6, det->buf.scratch);
	for (int i = 1; i < N_LAYERS; sums += t.c, i++)
	{
		size_t		pixels;

		nn_depthwise_conv2d(&det->dw[i], &x, &t, NN_ACT_RELU6);
		pixels = (size_t) t.h * t.w;
		for (int c = 0; c < t.c; c++)
		{
			double		sum = 0;

			for (size_t p = 0; p < pixels; p++)
				sum += t.data[p * t.c + c];
			sums[c] += sum / pixels;
		}
		nn_conv2d(&det->pw[i], &t, &x, NN_ACT_RELU6, NULL);
	}
}

/* boxes [ymin, xmin, ymax, xmax] in the 512 square, 0..1, and scores */
static void
decode(FaceDetector *det)
{
	for (int i = 0; i < SSD_BOXES; i++)
	{
		const float *a = det->anchors[i];
		const float *e = det->encodings[i];
		float		ha = a[2] - a[0];
		float		wa = a[3] - a[1];
		float		cy = e[0] / 10.0f * ha + (a[0] + ha / 2.0f);
		float		cx = e[1] / 10.0f * wa + (a[1] + wa / 2.0f);
		float		hh = expf(e[2] / 5.0f) * ha / 2.0f;
		float		hw = expf(e[3] / 5.0f) * wa / 2.0f;

		det->buf.boxes[i][0] = cy - hh;
		det->buf.boxes[i][1] = cx - hw;
		det->buf.boxes[i][2] = cy + hh;
		det->buf.boxes[i][3] = cx + hw;
		det->buf.scores[i] = 1.0f / (1.0f + expf(-det->logits[i * 3 + 1]));
	}
}

/* the net, decoding and NMS on the input spec makes: det->buf.keep's count */
static int
detect(FaceDetector *det, const uint8_t *rgb, int width, int height,
	   const NetInputSpec *spec, double min_score)
{
	face_net_input(rgb, width, height, (size_t) width * 3, spec, det->buf.input);
	run_net(det);
	decode(det);
	return face_nms((const float (*)[4]) det->buf.boxes, det->buf.scores, SSD_BOXES, min_score,
					SSD_IOU_THRESHOLD, SSD_MAX_FACES, det->buf.keep, det->buf.candidates);
}

int
face_detector_run(FaceDetector *det, const uint8_t *rgb, int width, int height,
				  double min_score, FaceDetection faces[SSD_MAX_FACES])
{
	double		to_x,
				to_y;
	int			n = detect(det, rgb, width, height, &ssd_spec, min_score);

	face_net_input_unpad(SSD_INPUT, width, height, &to_x, &to_y);
	for (int i = 0; i < n; i++)
	{
		const float *b = det->buf.boxes[det->buf.keep[i]];
		double		top = fmax(0, b[0]) * to_y;
		double		left = fmax(0, b[1]) * to_x;
		double		bottom = fmin(1, b[2]) * to_y;
		double		right = fmin(1, b[3]) * to_x;

		faces[i].box.x = left;
		faces[i].box.y = top;
		faces[i].box.width = right - left;
		faces[i].box.height = bottom - top;
		faces[i].score = det->buf.scores[det->buf.keep[i]];
	}
	return n;
}

int
face_detector_run_framed(FaceDetector *det, const uint8_t *rgb, int width,
						 int height, int look, double min_score,
						 FaceDetection faces[SSD_MAX_FACES])
{
	const NetInputSpec *spec = &framed_specs[look];
	NetInputFrame frame = face_net_input_frame(width, height, spec);
	int			n = detect(det, rgb, width, height, spec, min_score);
	double		min_side = SSD_FRAMED_MIN_FACE * (width > height ? width : height);
	int			found = 0;

	/* boxes clipped to the picture; one wholly in the frame is dropped */
	for (int i = 0; i < n; i++)
	{
		const float *b = det->buf.boxes[det->buf.keep[i]];
		double		top = fmax(0, b[0] * frame.side - frame.top);
		double		left = fmax(0, b[1] * frame.side - frame.left);
		double		bottom = fmin(height, b[2] * frame.side - frame.top);
		double		right = fmin(width, b[3] * frame.side - frame.left);

		if (bottom <= top || right <= left ||
			fmax(bottom - top, right - left) < min_side)
			continue;
		faces[found].box.x = left;
		faces[found].box.y = top;
		faces[found].box.width = right - left;
		faces[found].box.height = bottom - top;
		faces[found].score = det->buf.scores[det->buf.keep[i]];
		found++;
	}
	return found;
}
