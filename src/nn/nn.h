/*
 * nn.h
 *		facerec's CNN inference engine: float32 NHWC tensors (batch 1),
 *		convolutions as im2col + cblas_sgemm, pooling, element-wise ops and
 *		fully connected layers over weights mapped read-only from a .frw
 *		file.  This header is the only door into src/nn/.
 *
 * The engine is plain C: it never includes PostgreSQL headers, never
 * allocates inside a layer (callers hand in output and scratch buffers) and
 * reports failures through an NnError the caller turns into its own error
 * (ereport in the server, a message in the benchmark driver).
 *
 * OpenBLAS is used single-threaded: the extension links the serial build
 * (see the Makefile), so no BLAS worker thread ever exists in a backend.
 */
#ifndef FACEREC_NN_H
#define FACEREC_NN_H

#include <stddef.h>
#include <stdint.h>

/* a failure message; functions returning int give 0 on success, -1 on error */
typedef struct NnError
{
	char		msg[256];
} NnError;

/* activations: height x width x channels, channels innermost */
typedef struct NnTensor
{
	int			h;
	int			w;
	int			c;
	float	   *data;
} NnTensor;

#define NN_TENSOR_SIZE(t) ((size_t) (t)->h * (t)->w * (t)->c)

/* ---- weights: a .frw file (written by tools/convert-model.py) ---------- */

typedef struct NnWeights NnWeights;

extern NnWeights *nn_weights_open(const char *path, NnError *err);
extern void nn_weights_close(NnWeights *weights);

/*
 * The tensor called name, which must have exactly the ndim dims given.
 * The pointer is into the read-only mapping: never write through it.
 */
extern const float *nn_weights_find(const NnWeights *weights, const char *name,
									int ndim, const int *dims, NnError *err);

/*
 * n floats for activations and scratch, 64-byte aligned for the BLAS
 * kernels (size rounded up as aligned_alloc requires); free() them.
 * NULL when out of memory.
 */
extern float *nn_alloc_floats(size_t n);

/* ---- layers -------------------------------------------------------------- */

typedef enum NnPadding
{
	NN_PAD_VALID,				/* no padding: out = (in - k) / s + 1 */
	NN_PAD_SAME					/* TensorFlow SAME: out = ceil(in / s) */
} NnPadding;

typedef enum NnActivation
{
	NN_ACT_NONE,
	NN_ACT_RELU,				/* max(x, 0) */
	NN_ACT_RELU6,				/* min(max(x, 0), 6) (MobileNet) */
	NN_ACT_LEAKY				/* x > 0 ? x : NN_LEAKY_SLOPE * x (tiny YOLO) */
} NnActivation;

#define NN_LEAKY_SLOPE 0.1f

/* a convolution with bias (any affine scale already folded in) */
typedef struct NnConv
{
	int			k;				/* square kernel size */
	int			cin;
	int			cout;
	int			stride;
	NnPadding	padding;
	const float *filters;		/* [k, k, cin, cout]: an im2col row times it */
	const float *bias;			/* [cout] */
} NnConv;

/* Bind conv prefix/filters and prefix/bias of the given shape. */
extern int	nn_conv_bind(NnConv *conv, const NnWeights *weights, const char *prefix,
						 int k, int cin, int cout, int stride, NnPadding padding,
						 NnError *err);

/* output height or width of conv or pooling over in */
extern int	nn_out_size(int in, int k, int stride, NnPadding padding);

/* padding before the input (top or left): SAME puts the smaller half there */
extern int	nn_pad_before(int in, int out, int k, int stride, NnPadding padding);

/* floats of scratch that nn_conv2d needs for an in_h x in_w input */
extern size_t nn_conv_scratch_size(const NnConv *conv, int in_h, int in_w);

/* out = act(conv(in) + bias); sets out's shape; out must not alias in */
extern void nn_conv2d(const NnConv *conv, const NnTensor *in, NnTensor *out,
					  NnActivation act, float *scratch);

/*
 * nn_conv2d's own path for a first layer (conv_direct.c): at most
 * NN_DIRECT_MAX_CIN input channels and 8, 16, 24 or 32 outputs, on a CPU
 * with AVX2.  Returns 1 when it computed out (shape already set), else 0.
 */
#define NN_DIRECT_MAX_CIN 4
extern int	nn_conv2d_direct(const NnConv *conv, const NnTensor *in, NnTensor *out,
							 NnActivation act);

/*
 * A convolution in 16-bit integers (qconv.c): the input is quantized in
 * NN_QCONV_IN_MAX steps over [0, in_max] (values outside are clamped:
 * meant for ReLU and ReLU6 outputs), each output channel's weights with
 * their own step; sums are exact int32.  Prepared once from a bound NnConv
 * (the packed weights are this struct's own; the bias stays the NnConv's).
 * 1x1 stride-1 layers run on their input as it is (nn_qconv2d and its
 * variants); any other (k x k, any stride and padding) through int16
 * im2col rows (nn_qconv2d_dynamic, qconv_kxk.c).
 */
#define NN_QCONV_IN_MAX 4095

/*
 * Activations quantized for an NnQConv: value = data * step, rows of
 * NN_QROW(c) int16 (c rounded up to even, the padding 0) so that every
 * (k, k + 1) pair of a row is 4-byte aligned.
 */
#define NN_QROW(c) (((c) + 1) & ~1)

typedef struct NnQTensor
{
	int			h;
	int			w;
	int			c;
	int16_t    *data;
} NnQTensor;

/*
 * One output channel's weights w[i * stride] (i < n) for an integer kernel
 * (qstep.c): rounded into q[i] at the finest step that keeps every |q[i]|
 * <= wmax and in_max * sum(|q[i]|) within an int32; returns the step, 0
 * (q all 0) when every weight is 0.
 */
extern double nn_weight_step(const float *w, size_t stride, int n, int wmax,
							 int in_max, int32_t *q);

/* x / step rounded and clamped to [0, NN_QCONV_IN_MAX]; inv = 1 / step */
static inline int16_t
nn_quantize(float x, float inv)
{
	float		v = x * inv + 0.5f;

	/* truncation after +0.5 rounds: v >= 0 */
	return (int16_t) (v < 0 ? 0 : v > NN_QCONV_IN_MAX ? NN_QCONV_IN_MAX : v);
}

typedef struct NnQConv
{
	int			k;				/* the NnConv's kernel, stride, padding */
	int			stride;
	NnPadding	padding;
	int			cin;			/* input channels */
	int			kk;				/* k * k * cin: one im2col row */
	int			cout;
	int			kp;				/* kk rounded up to even */
	int			np;				/* cout rounded up to the panel width */
	float		in_step;		/* in_max / NN_QCONV_IN_MAX */
	int16_t    *packed;			/* weight panels, see qconv.c */
	float	   *scale;			/* [np]: in_step / each channel's weight step */
	const float *bias;			/* [cout] */
} NnQConv;

/* Quantize conv's weights for inputs in [0, in_max]; -1 with err set */
extern int	nn_qconv_prepare(NnQConv *q, const NnConv *conv, float in_max,
							 NnError *err);
extern void nn_qconv_free(NnQConv *q);

/* floats of scratch (holding int16 values) that nn_qconv2d needs */
extern size_t nn_qconv_scratch_size(const NnQConv *q);

/* out = act(conv(in) + bias) as nn_conv2d does, in integers */
extern void nn_qconv2d(const NnQConv *q, const NnTensor *in, NnTensor *out,
					   NnActivation act, void *scratch);

/* the same on an input already quantized in q->in_step steps (no scratch) */
extern void nn_qconv2d_quantized(const NnQConv *q, const NnQTensor *in, NnTensor *out,
								 NnActivation act);

/*
 * The same, the output (act NN_ACT_RELU or NN_ACT_RELU6) stored quantized
 * in steps of step (nn_quantize) for the next layer: the float output is
 * never written out.
 */
extern void nn_qconv2d_requantized(const NnQConv *q, const NnQTensor *in,
								   NnQTensor *out, NnActivation act, float step);

/*
 * Any convolution (qconv_kxk.c) on an input >= 0 of any range (a ReLU
 * output): each call quantizes it with the step max(in) / NN_QCONV_IN_MAX,
 * whatever in_max q was prepared for.  scratch: nn_qconv_dynamic_scratch_size
 * floats (64-byte aligned).
 */
extern size_t nn_qconv_dynamic_scratch_size(const NnQConv *q, int in_h, int in_w);
extern void nn_qconv2d_dynamic(const NnQConv *q, const NnTensor *in, NnTensor *out,
							   NnActivation act, void *scratch);

/*
 * A 1x1 stride-1 convolution on unsigned 8-bit activations (qconv_u8.c),
 * for MobileNet's ReLU6 maps: the input in steps of in_max /
 * NN_Q8_IN_MAX (an NnU8Tensor whose steps lie in [0, NN_Q8_IN_MAX]: 7
 * bits), each output channel's weights signed 8-bit (|w| <=
 * NN_Q8_WEIGHT_MAX) with their own step, so that AVX2's vpmaddubsw never
 * saturates (2 * 127 * 127 < 32767); sums exact in int32.  Prepared once
 * from a bound 1x1 NnConv (the packed weights and the corrected bias are
 * this struct's own).
 */
#define NN_U8_MAX 255
#define NN_Q8_IN_MAX 127
#define NN_Q8_WEIGHT_MAX 127

/* u8 activations: value = data * step, rows of NN_U8ROW(c) bytes (c
 * rounded up to a multiple of 4, the padding 0: whole 4-byte groups) */
#define NN_U8ROW(c) (((c) + 3) & ~3)

typedef struct NnU8Tensor
{
	int			h;
	int			w;
	int			c;
	uint8_t    *data;
} NnU8Tensor;

/* x / step rounded and clamped to [0, NN_U8_MAX]; inv = 1 / step */
static inline uint8_t
nn_quantize_u8(float x, float inv)
{
	float		v = x * inv + 0.5f;

	return (uint8_t) (v < 0 ? 0 : v > NN_U8_MAX ? NN_U8_MAX : v);
}

typedef struct NnQ8Conv
{
	int			cin;
	int			kp;				/* cin rounded up to a multiple of 4 */
	int			cout;
	int			np;				/* cout rounded up to the panel width */
	float		in_step;		/* in_max / NN_Q8_IN_MAX */
	int8_t	   *packed;			/* weight panels, see qconv_u8.c */
	float	   *scale;			/* [np]: in_step / each channel's weight step */
	float	   *bias;			/* [np]: the bias less the rounding's mean error */
} NnQ8Conv;

/*
 * Quantize the 1x1 conv's weights for inputs in [0, in_max]; -1 with err
 * set.  in_mean (NULL: none) gives each input's mean over typical inputs:
 * the rounding of the weights then moves each output channel's mean by
 * sum(rounding error of weight k * in_mean[k]), which the bias takes back
 * (bias correction).
 */
extern int	nn_q8conv_prepare(NnQ8Conv *q, const NnConv *conv, float in_max,
							  const float *in_mean, NnError *err);
extern void nn_q8conv_free(NnQ8Conv *q);

/* out = act(conv(in) + bias) as floats, as nn_conv2d does */
extern void nn_q8conv2d(const NnQ8Conv *q, const NnU8Tensor *in, NnTensor *out,
						NnActivation act);

/*
 * The same, act NN_ACT_RELU6, stored as u8 steps of step (nn_quantize_u8;
 * step >= 6 / NN_Q8_IN_MAX so that 6 fits an NnQ8Conv's input) for the
 * next layer.
 */
extern void nn_q8conv2d_requantized(const NnQ8Conv *q, const NnU8Tensor *in,
									NnU8Tensor *out, float step);

/* the arithmetic a net runs its 1x1 layers in */
typedef enum NnPrecision
{
	NN_PRECISION_FLOAT,			/* float32 sgemm: the reference's results */
	NN_PRECISION_INT16,			/* NnQConv: faster, within stated tolerances */
	NN_PRECISION_INT8			/* as INT16, and NnQ8Conv where a net has it */
} NnPrecision;

/* a depthwise convolution: one k x k filter per channel */
typedef struct NnDepthwise
{
	int			k;
	int			c;
	int			stride;
	NnPadding	padding;
	const float *filters;		/* [k, k, c, 1] */
	const float *bias;			/* [c], or NULL for none */
} NnDepthwise;

/*
 * Bind prefix/filters [k, k, c, 1] and, when with_bias, prefix/bias [c]
 * (else bias is NULL).
 */
extern int	nn_depthwise_bind(NnDepthwise *dw, const NnWeights *weights,
							  const char *prefix, int k, int c, int stride,
							  NnPadding padding, int with_bias, NnError *err);

/* out = act(depthwise(in) + bias); sets out's shape; out must not alias in */
extern void nn_depthwise_conv2d(const NnDepthwise *dw, const NnTensor *in,
								NnTensor *out, NnActivation act);

/*
 * The same, stored quantized in steps of step (nn_quantize) for an NnQConv
 * that reads it: the float output is never written out.
 */
extern void nn_depthwise_conv2d_quantized(const NnDepthwise *dw, const NnTensor *in,
										  NnQTensor *out, NnActivation act,
										  float step);

/* the same as u8 steps (nn_quantize_u8), rows of NN_U8ROW(c) */
extern void nn_depthwise_conv2d_u8(const NnDepthwise *dw, const NnTensor *in,
								   NnU8Tensor *out, NnActivation act, float step);

/*
 * A depthwise convolution in 16-bit integers (qdepthwise.c) between int16
 * maps: the input in steps of in_step (an NnQTensor: steps in [0,
 * NN_QCONV_IN_MAX]), the output act(depthwise + bias), act NN_ACT_RELU or
 * NN_ACT_RELU6, stored in steps of out_step as nn_quantize would; exact
 * int32 sums.  Prepared once from a bound NnDepthwise (weights quantized
 * per channel; the arrays are this struct's own).
 */
typedef struct NnQDepthwise
{
	int			k;				/* the NnDepthwise's kernel, channels, stride, padding */
	int			c;
	int			stride;
	NnPadding	padding;
	int16_t    *taps;			/* [k * k][c]: quantized weights */
	int16_t    *packed;			/* the same for the AVX2 kernel, see qdepthwise.c */
	int16_t    *zeros;			/* [NN_QROW(c)]: what taps over the padding read */
	float	   *mul;			/* [c]: in_step / weight step / out_step */
	float	   *add;			/* [c]: bias / out_step + 0.5 (rounding) */
	float		top;			/* largest output (+0.5): IN_MAX or ReLU6's 6 */
} NnQDepthwise;

/* Quantize dw's weights for those steps and act; -1 with err set */
extern int	nn_qdepthwise_prepare(NnQDepthwise *q, const NnDepthwise *dw,
								  float in_step, float out_step,
								  NnActivation act, NnError *err);
extern void nn_qdepthwise_free(NnQDepthwise *q);

/* out = act(depthwise(in) + bias) in steps; sets out's shape; no aliasing */
extern void nn_qdepthwise_conv2d(const NnQDepthwise *q, const NnQTensor *in,
								 NnQTensor *out);

/*
 * The same between u8 maps (NnU8Tensor), q prepared with act NN_ACT_RELU6
 * and out_step >= 6 / NN_U8_MAX (so that every output fits a byte) and
 * in_step the input's step.
 */
extern void nn_qdepthwise_conv2d_u8(const NnQDepthwise *q, const NnU8Tensor *in,
									NnU8Tensor *out);

/* x[i] = act(x[i]) for n values */
extern void nn_activate(float *x, size_t n, NnActivation act);

/* k x k max pooling (padding counts as -infinity); sets out's shape */
extern void nn_max_pool(const NnTensor *in, NnTensor *out, int k, int stride,
						NnPadding padding);

/* k x k average pooling, VALID; sets out's shape */
extern void nn_avg_pool(const NnTensor *in, NnTensor *out, int k, int stride);

/* out[c] = mean of in over height and width */
extern void nn_global_avg_pool(const NnTensor *in, float *out);

/* x = x + y, same shapes */
extern void nn_add(NnTensor *x, const NnTensor *y);

/* x = relu(x + y), same shapes */
extern void nn_add_relu(NnTensor *x, const NnTensor *y);

/*
 * out = relu(a' + b') where a' is a zero-padded bottom/right to out's shape
 * and b' is b with its missing channels zero-padded; out takes b's height
 * and width and a's channels (the shortcut add of a downsampling residual
 * block).  out may alias a but not b.
 */
extern void nn_add_padded_relu(const NnTensor *a, const NnTensor *b, NnTensor *out);

/* y[out] = x[in] . w[in, out] (no bias) */
extern void nn_dense(const float *x, int in, const float *w, int out, float *y);

#endif							/* FACEREC_NN_H */
