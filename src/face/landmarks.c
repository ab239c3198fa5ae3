/*
 * landmarks.c
 *		face-api's FaceLandmark68Net and FaceLandmark68TinyNet on src/nn.
 *
 *   112x112x3 (crop padded centred, resized, mean subtracted, / 255)
 *     -> dense block 0 (32 ch, 56x56) -> 1 (64, 28x28) -> 2 (128, 14x14)
 *     -> 3 (256, 7x7) -> average over 7x7 -> fc 256 -> 136 with bias.
 * Dense block: o1 = relu(conv0(x)) with stride 2 (a plain 3x3 conv in
 * block 0, a separable conv after), o2 = sep(o1), o3 = sep(relu(o1 + o2)),
 * o4 = sep(relu(o1 + o2 + o3)), out = relu(o1 + o2 + o3 + o4); sep is a
 * 3x3 depthwise conv then a 1x1 conv with bias, both SAME.
 * The tiny net stops one step short everywhere: three blocks (average over
 * 14x14, fc 128 -> 136) of three convolutions (out = relu(o1 + o2 + o3)).
 * The 136 outputs are (x, y) in [0, 1] of the padded square; the padding is
 * taken off as face-api's postProcess does.
 *
 * All buffers are allocated at open and reused: a call allocates nothing.
 */
#include "face/landmarks.h"
#include "face/net_input.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_DENSE 4				/* the full net's; the tiny net has 3 */
#define N_SEP 4					/* conv0 (separable after block 0) .. conv3;
								 * the tiny net has 3 */
#define LAST_CHANNELS 256		/* the full net's; the tiny net's 128 */
#define FIRST_SIDE (FACE_LANDMARK_INPUT / 2)

typedef struct SeparableConv
{
	NnDepthwise dw;
	NnConv		pw;
} SeparableConv;

typedef struct DenseBlock
{
	NnConv		first;			/* block 0's plain conv0 */
	SeparableConv sep[N_SEP];	/* sep[0] unused in block 0 */
} DenseBlock;

struct FaceLandmarker
{
	NnWeights  *weights;
	int			n_dense;		/* N_DENSE, or 3 for the tiny net */
	int			n_sep;			/* N_SEP, or 3 for the tiny net */
	DenseBlock	blocks[N_DENSE];
	const float *fc;			/* [256, 136] */
	const float *fc_bias;		/* [136] */
	float	   *input;			/* 112x112x3 */
	float	   *o1;
	float	   *o2;
	float	   *sum;
	float	   *relu;
	float	   *tmp;			/* depthwise output */
	float	   *scratch;		/* im2col of block 0's conv0 */
	float		pooled[LAST_CHANNELS];
};

static const int block_channels[N_DENSE] = {32, 64, 128, 256};

static const NetInputSpec landmark_spec = {
	.size = FACE_LANDMARK_INPUT, .centred = 1,
	.mean = FACE_API_RGB_MEAN, .divisor = 255.0f
};

static int
bind_separable(SeparableConv *sep, const NnWeights *w, const char *prefix,
			   int cin, int cout, int stride, NnError *err)
{
	char		name[64];

	snprintf(name, sizeof(name), "%s/depthwise", prefix);
	if (nn_depthwise_bind(&sep->dw, w, name, 3, cin, stride, NN_PAD_SAME, 0, err) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s/pointwise", prefix);
	return nn_conv_bind(&sep->pw, w, name, 1, cin, cout, 1, NN_PAD_SAME, err);
}

static int
bind_layers(FaceLandmarker *lm, NnError *err)
{
	int			fc_dims[2] = {block_channels[lm->n_dense - 1], 2 * FACE_LANDMARKS};
	int			fc_bias_dims[1] = {2 * FACE_LANDMARKS};
	int			cin = 3;

	for (int b = 0; b < lm->n_dense; b++)
	{
		DenseBlock *block = &lm->blocks[b];
		int			cout = block_channels[b];
		char		prefix[64];

		for (int i = 0; i < lm->n_sep; i++)
		{
			snprintf(prefix, sizeof(prefix), "dense%d/conv%d", b, i);
			if (i == 0 && b == 0)
			{
				if (nn_conv_bind(&block->first, lm->weights, prefix, 3, cin, cout,
								 2, NN_PAD_SAME, err) != 0)
					return -1;
			}
			else if (bind_separable(&block->sep[i], lm->weights, prefix,
									i == 0 ? cin : cout, cout, i == 0 ? 2 : 1,
									err) != 0)
				return -1;
		}
		cin = cout;
	}
	lm->fc = nn_weights_find(lm->weights, "fc/weights", 2, fc_dims, err);
	lm->fc_bias = lm->fc ? nn_weights_find(lm->weights, "fc/bias", 1, fc_bias_dims, err) : NULL;
	return lm->fc_bias ? 0 : -1;
}

FaceLandmarker *
face_landmarker_open(const char *weights_path, int tiny, NnError *err)
{
	FaceLandmarker *lm = calloc(1, sizeof(FaceLandmarker));
	/* the largest activation: block 0's 56x56x32; later blocks are smaller */
	size_t		act = (size_t) FIRST_SIDE * FIRST_SIDE * block_channels[0];

	if (lm == NULL)
		goto oom;
	lm->n_dense = tiny ? N_DENSE - 1 : N_DENSE;
	lm->n_sep = tiny ? N_SEP - 1 : N_SEP;
	lm->weights = nn_weights_open(weights_path, err);
	if (lm->weights == NULL || bind_layers(lm, err) != 0)
	{
		face_landmarker_close(lm);
		return NULL;
	}
	lm->input = nn_alloc_floats((size_t) FACE_LANDMARK_INPUT * FACE_LANDMARK_INPUT * 3);
	lm->scratch = nn_alloc_floats(nn_conv_scratch_size(&lm->blocks[0].first,
													FACE_LANDMARK_INPUT,
													FACE_LANDMARK_INPUT));
	lm->o1 = nn_alloc_floats(act);
	lm->o2 = nn_alloc_floats(act);
	lm->sum = nn_alloc_floats(act);
	lm->relu = nn_alloc_floats(act);
	lm->tmp = nn_alloc_floats((size_t) FACE_LANDMARK_INPUT * FACE_LANDMARK_INPUT * 3 > act ?
						   (size_t) FACE_LANDMARK_INPUT * FACE_LANDMARK_INPUT * 3 : act);
	if (lm->input && lm->scratch && lm->o1 && lm->o2 && lm->sum && lm->relu && lm->tmp)
		return lm;
	face_landmarker_close(lm);
oom:
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return NULL;
}

void
face_landmarker_close(FaceLandmarker *lm)
{
	if (lm == NULL)
		return;
	nn_weights_close(lm->weights);
	free(lm->input);
	free(lm->scratch);
	free(lm->o1);
	free(lm->o2);
	free(lm->sum);
	free(lm->relu);
	free(lm->tmp);
	free(lm);
}

/* out = sep(in): depthwise into lm->tmp, then the 1x1 conv with bias */
static void
run_separable(FaceLandmarker *lm, const SeparableConv *sep, const NnTensor *in,
			  NnTensor *out, NnActivation act)
{
	NnTensor	t = {0, 0, 0, lm->tmp};

	nn_depthwise_conv2d(&sep->dw, in, &t, NN_ACT_NONE);
	nn_conv2d(&sep->pw, &t, out, act, NULL);
}

/* sum = relu(sum) copied into relu */
static void
relu_copy(FaceLandmarker *lm, const NnTensor *sum, NnTensor *relu)
{
	*relu = (NnTensor) {sum->h, sum->w, sum->c, lm->relu};
	memcpy(relu->data, sum->data, NN_TENSOR_SIZE(sum) * sizeof(float));
	nn_activate(relu->data, NN_TENSOR_SIZE(sum), NN_ACT_RELU);
}

/* one dense block from x; the output is in lm->sum */
static void
run_dense(FaceLandmarker *lm, int b, const NnTensor *x, NnTensor *out)
{
	const DenseBlock *block = &lm->blocks[b];
	NnTensor	o1 = {0, 0, 0, lm->o1};
	NnTensor	o2 = {0, 0, 0, lm->o2};
	NnTensor	sum;
	NnTensor	relu;

	if (b == 0)
		nn_conv2d(&block->first, x, &o1, NN_ACT_RELU, lm->scratch);
	else
		run_separable(lm, &block->sep[0], x, &o1, NN_ACT_RELU);
	run_separable(lm, &block->sep[1], &o1, &o2, NN_ACT_NONE);
	sum = (NnTensor) {o1.h, o1.w, o1.c, lm->sum};
	memcpy(sum.data, o1.data, NN_TENSOR_SIZE(&o1) * sizeof(float));
	nn_add(&sum, &o2);
	for (int i = 2; i < lm->n_sep; i++)
	{
		relu_copy(lm, &sum, &relu);
		run_separable(lm, &block->sep[i], &relu, &o2, NN_ACT_NONE);
		nn_add(&sum, &o2);
	}
	nn_activate(sum.data, NN_TENSOR_SIZE(&sum), NN_ACT_RELU);
	*out = sum;
}

void
face_landmarker_run(FaceLandmarker *lm, const uint8_t *rgb, int width, int height,
					size_t stride, float rel[2 * FACE_LANDMARKS])
{
	NnTensor	x = {FACE_LANDMARK_INPUT, FACE_LANDMARK_INPUT, 3, lm->input};
	const double scale = (double) FACE_LANDMARK_INPUT / (width > height ? width : height);
	const double sw = width * scale;
	const double sh = height * scale;
	const float pad_x = width < height ? (float) (fabs(sw - sh) / 2) : 0.0f;
	const float pad_y = height < width ? (float) (fabs(sw - sh) / 2) : 0.0f;

	face_net_input(rgb, width, height, stride, &landmark_spec, lm->input);
	for (int b = 0; b < lm->n_dense; b++)
	{
		NnTensor	out;

		/* block b > 0 reads lm->sum through x and writes o1 before sum */
		run_dense(lm, b, &x, &out);
		x = out;
	}
	nn_global_avg_pool(&x, lm->pooled);
	nn_dense(lm->pooled, x.c, lm->fc, 2 * FACE_LANDMARKS, rel);
	/* postProcess: fc + bias is in [0, 1] of the padded 112 square */
	for (int i = 0; i < FACE_LANDMARKS; i++)
	{
		float		px = (rel[2 * i] + lm->fc_bias[2 * i]) * FACE_LANDMARK_INPUT;
		float		py = (rel[2 * i + 1] + lm->fc_bias[2 * i + 1]) * FACE_LANDMARK_INPUT;

		rel[2 * i] = (px - pad_x) / (float) sw;
		rel[2 * i + 1] = (py - pad_y) / (float) sh;
	}
}

int
face_landmarks_in_box(FaceLandmarker *lm, const uint8_t *rgb, int width, int height,
					  const FaceBox *box, double points[2 * FACE_LANDMARKS],
					  FaceCrop *crop)
{
	float		rel[2 * FACE_LANDMARKS];

	if (face_box_crop(box, width, height, crop) != 0)
		return -1;
	face_landmarker_run(lm, rgb + ((size_t) crop->y * width + crop->x) * 3,
						crop->width, crop->height, (size_t) width * 3, rel);
	for (int i = 0; i < FACE_LANDMARKS; i++)
	{
		points[2 * i] = rel[2 * i] * (double) crop->width + box->x;
		points[2 * i + 1] = rel[2 * i + 1] * (double) crop->height + box->y;
	}
	return 0;
}
