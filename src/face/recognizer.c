/*
 * recognizer.c
 *		face-api's FaceRecognitionNet (dlib's ResNet-29) on src/nn.
 *
 *   150x150x3 -> conv32_down 7x7/2 VALID + ReLU (72x72x32)
 *             -> maxpool 3x3/2 VALID (35x35x32)
 *             -> residual x3 (32) -> down + residual x3 (64, 17x17)
 *             -> down + residual x2 (128, 8x8) -> down + residual x2 (256, 4x4)
 *             -> conv256_down_out (2x2) -> mean over H, W -> fc 256x128
 * residual: relu(conv2(relu(conv1(x))) + x), 3x3 SAME convs.
 * down:     conv1 is 3x3 stride 2 VALID; the shortcut is a 2x2/2 average
 *           pool with missing channels zero; a main branch smaller than
 *           the shortcut is zero-padded bottom/right (nn_add_padded_relu).
 * Every conv has its affine scale layer folded in by tools/convert-model.py.
 *
 * In int16 and int8 (face_recognizer_set_precision) the blocks' 3x3 convolutions
 * run as NnQConv on their ReLU inputs, each call quantizing its input with
 * its own step (nn_qconv2d_dynamic); the weights are packed at open (11
 * MiB of int16 panels per process, next to the shared float mapping).
 *
 * All buffers are allocated at open, sized for the largest layer, and
 * reused by every call: a forward pass allocates nothing.
 */
#include "face/recognizer.h"
#include "face/net_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ResidualBlock
{
	const char *name;
	int			cin;
	int			cout;
	int			down;			/* conv1 is 3x3 stride 2 VALID, shortcut pooled */
	NnConv		conv1;
	NnConv		conv2;
	NnQConv		qconv1;			/* the same in integers */
	NnQConv		qconv2;
} ResidualBlock;

static const ResidualBlock block_plan[] = {
	{.name = "conv32_1", .cin = 32, .cout = 32, .down = 0},
	{.name = "conv32_2", .cin = 32, .cout = 32, .down = 0},
	{.name = "conv32_3", .cin = 32, .cout = 32, .down = 0},
	{.name = "conv64_down", .cin = 32, .cout = 64, .down = 1},
	{.name = "conv64_1", .cin = 64, .cout = 64, .down = 0},
	{.name = "conv64_2", .cin = 64, .cout = 64, .down = 0},
	{.name = "conv64_3", .cin = 64, .cout = 64, .down = 0},
	{.name = "conv128_down", .cin = 64, .cout = 128, .down = 1},
	{.name = "conv128_1", .cin = 128, .cout = 128, .down = 0},
	{.name = "conv128_2", .cin = 128, .cout = 128, .down = 0},
	{.name = "conv256_down", .cin = 128, .cout = 256, .down = 1},
	{.name = "conv256_1", .cin = 256, .cout = 256, .down = 0},
	{.name = "conv256_2", .cin = 256, .cout = 256, .down = 0},
	{.name = "conv256_down_out", .cin = 256, .cout = 256, .down = 1},
};

/* face-api: pad centred, resize to 150, subtract the RGB mean, / 255 */
static const NetInputSpec chip_spec = {
	.size = FACE_CHIP_SIZE, .centred = 1,
	.mean = FACE_API_RGB_MEAN, .divisor = 255.0f
};

#define N_BLOCKS (sizeof(block_plan) / sizeof(block_plan[0]))
#define FIRST_CONV_OUT 72		/* (150 - 7) / 2 + 1 */
#define LAST_CHANNELS 256

struct FaceRecognizer
{
	NnWeights  *weights;
	NnConv		conv_in;		/* conv32_down */
	ResidualBlock blocks[N_BLOCKS];
	const float *fc;			/* [256, 128] */
	float	   *chip;			/* 150x150x3 network input */
	float	   *act[3];			/* activations, rotated through the blocks */
	float	   *scratch;		/* im2col, float or int16 */
	NnPrecision precision;
	float		pooled[LAST_CHANNELS];
};

static int
bind_layers(FaceRecognizer *rec, NnError *err)
{
	int			fc_dims[2] = {LAST_CHANNELS, FACE_DESCRIPTOR_DIM};

	if (nn_conv_bind(&rec->conv_in, rec->weights, "conv32_down", 7, 3, 32, 2,
					 NN_PAD_VALID, err) != 0)
		return -1;
	memcpy(rec->blocks, block_plan, sizeof(block_plan));
	for (size_t i = 0; i < N_BLOCKS; i++)
	{
		ResidualBlock *b = &rec->blocks[i];
		char		prefix[64];

		snprintf(prefix, sizeof(prefix), "%s/conv1", b->name);
		if (nn_conv_bind(&b->conv1, rec->weights, prefix, 3, b->cin, b->cout,
						 b->down ? 2 : 1, b->down ? NN_PAD_VALID : NN_PAD_SAME,
						 err) != 0)
			return -1;
		snprintf(prefix, sizeof(prefix), "%s/conv2", b->name);
		if (nn_conv_bind(&b->conv2, rec->weights, prefix, 3, b->cout, b->cout,
						 1, NN_PAD_SAME, err) != 0)
			return -1;
	}
	rec->fc = nn_weights_find(rec->weights, "fc", 2, fc_dims, err);
	return rec->fc ? 0 : -1;
}

/*
 * The blocks' convolutions in integers; their inputs' range is taken per
 * call, so the prepared input range does not matter.
 */
static int
prepare_integer(FaceRecognizer *rec, NnError *err)
{
	for (size_t i = 0; i < N_BLOCKS; i++)
	{
		ResidualBlock *b = &rec->blocks[i];

		if (nn_qconv_prepare(&b->qconv1, &b->conv1, NN_QCONV_IN_MAX, err) != 0 ||
			nn_qconv_prepare(&b->qconv2, &b->conv2, NN_QCONV_IN_MAX, err) != 0)
			return -1;
	}
	return 0;
}

/* the largest activation and im2col sizes over the whole network */
static void
buffer_sizes(const FaceRecognizer *rec, size_t *act_max, size_t *scratch_max)
{
	int			side = nn_out_size(FACE_CHIP_SIZE, 7, 2, NN_PAD_VALID);

	*act_max = (size_t) side * side * rec->conv_in.cout;
	*scratch_max = nn_conv_scratch_size(&rec->conv_in, FACE_CHIP_SIZE, FACE_CHIP_SIZE);
	side = nn_out_size(side, 3, 2, NN_PAD_VALID);
	for (size_t i = 0; i < N_BLOCKS; i++)
	{
		const ResidualBlock *b = &rec->blocks[i];
		int			mid = nn_out_size(side, 3, b->conv1.stride, b->conv1.padding);
		size_t		s[4] = {
			nn_conv_scratch_size(&b->conv1, side, side),
			nn_conv_scratch_size(&b->conv2, mid, mid),
			nn_qconv_dynamic_scratch_size(&b->qconv1, side, side),
			nn_qconv_dynamic_scratch_size(&b->qconv2, mid, mid)
		};
		size_t		a = (size_t) side * side * b->cout;

		for (int j = 0; j < 4; j++)
			*scratch_max = s[j] > *scratch_max ? s[j] : *scratch_max;
		*act_max = a > *act_max ? a : *act_max;
		if (b->down)
			side = nn_out_size(side, 2, 2, NN_PAD_VALID);
	}
}

FaceRecognizer *
face_recognizer_open(const char *weights_path, NnError *err)
{
	FaceRecognizer *rec = calloc(1, sizeof(FaceRecognizer));
	size_t		act_max;
	size_t		scratch_max;

	if (rec == NULL)
		goto oom;
	rec->weights = nn_weights_open(weights_path, err);
	if (rec->weights == NULL || bind_layers(rec, err) != 0 ||
		prepare_integer(rec, err) != 0)
	{
		face_recognizer_close(rec);
		return NULL;
	}
	buffer_sizes(rec, &act_max, &scratch_max);
	rec->chip = nn_alloc_floats((size_t) FACE_CHIP_SIZE * FACE_CHIP_SIZE * 3);
	rec->scratch = nn_alloc_floats(scratch_max);
	for (int i = 0; i < 3; i++)
		rec->act[i] = nn_alloc_floats(act_max);
	if (rec->chip && rec->scratch && rec->act[0] && rec->act[1] && rec->act[2])
		return rec;
	face_recognizer_close(rec);
oom:
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return NULL;
}

void
face_recognizer_close(FaceRecognizer *rec)
{
	if (rec == NULL)
		return;
	nn_weights_close(rec->weights);
	for (size_t i = 0; i < N_BLOCKS; i++)
	{
		nn_qconv_free(&rec->blocks[i].qconv1);
		nn_qconv_free(&rec->blocks[i].qconv2);
	}
	free(rec->chip);
	free(rec->scratch);
	for (int i = 0; i < 3; i++)
		free(rec->act[i]);
	free(rec);
}

void
face_recognizer_set_precision(FaceRecognizer *rec, NnPrecision precision)
{
	rec->precision = precision;
}

/* one of a block's convolutions in the recognizer's precision */
static void
conv(FaceRecognizer *rec, const NnConv *conv, const NnQConv *q, const NnTensor *in,
	 NnTensor *out, NnActivation act)
{
	/* int8 has no u8 path here (ReLU outputs, unbounded): int16 */
	if (rec->precision != NN_PRECISION_FLOAT)
		nn_qconv2d_dynamic(q, in, out, act, rec->scratch);
	else
		nn_conv2d(conv, in, out, act, rec->scratch);
}

/* one residual block from act[xi]; returns the index of its output */
static int
run_block(FaceRecognizer *rec, const ResidualBlock *b, int xi, NnTensor *x)
{
	const int	ti = (xi + 1) % 3;
	const int	oi = (xi + 2) % 3;
	NnTensor	t = {0, 0, 0, rec->act[ti]};
	NnTensor	o = {0, 0, 0, rec->act[oi]};

	/* x is a ReLU output (of the max pool or the block before), t too */
	conv(rec, &b->conv1, &b->qconv1, x, &t, NN_ACT_RELU);
	conv(rec, &b->conv2, &b->qconv2, &t, &o, NN_ACT_NONE);
	if (b->down)
	{
		/* t is consumed: the pooled shortcut goes there */
		nn_avg_pool(x, &t, 2, 2);
		nn_add_padded_relu(&o, &t, &o);
	}
	else
		nn_add_relu(&o, x);
	*x = o;
	return oi;
}

void
face_recognizer_describe(FaceRecognizer *rec, const uint8_t *rgb, int width,
						 int height, size_t stride,
						 float descriptor[FACE_DESCRIPTOR_DIM])
{
	NnTensor	in = {FACE_CHIP_SIZE, FACE_CHIP_SIZE, 3, rec->chip};
	NnTensor	a = {0, 0, 0, rec->act[0]};
	NnTensor	x = {0, 0, 0, rec->act[1]};
	int			xi = 1;

	face_net_input(rgb, width, height, stride, &chip_spec, rec->chip);
	nn_conv2d(&rec->conv_in, &in, &a, NN_ACT_RELU, rec->scratch);
	nn_max_pool(&a, &x, 3, 2, NN_PAD_VALID);
	for (size_t i = 0; i < N_BLOCKS; i++)
		xi = run_block(rec, &rec->blocks[i], xi, &x);
	nn_global_avg_pool(&x, rec->pooled);
	nn_dense(rec->pooled, LAST_CHANNELS, rec->fc, FACE_DESCRIPTOR_DIM, descriptor);
}
