/*
 * depthwise.c
 *		Depthwise convolution (MobileNet-style separable convolutions are
 *		this followed by a 1x1 nn_conv2d).
 *
 * NHWC keeps a pixel's channels contiguous, and so does the [k, k, c, 1]
 * filter for one tap.  Each output pixel is computed DW_BLOCK channels at a
 * time: the block's sums stay in registers across all k x k taps, then get
 * the bias and the activation and are stored once (the output is written
 * once, not once per tap).  Taps over the padding are skipped.  The sums
 * run over the taps in (ky, kx) order from zero, the bias added last.
 *
 * Whole blocks use AVX2 + FMA intrinsics when the CPU has them (checked at
 * run time), else the portable loop that also does the last few channels.
 *
 * The quantized variant stores each block as int16 steps (nn_quantize) for
 * an integer 1x1 convolution instead of floats: half the bytes written, and
 * no separate pass to read the floats back and quantize them; the u8
 * variant as u8 steps (nn_quantize_u8) for qconv_u8.c.  (Between int16 or
 * u8 maps, qdepthwise.c does the whole layer in integers.)
 */
#include "nn/nn.h"

#include <stdio.h>

#if defined(__x86_64__)
#include "nn/quantize_avx2.h"
#endif

int
nn_depthwise_bind(NnDepthwise *dw, const NnWeights *weights, const char *prefix,
				  int k, int c, int stride, NnPadding padding, int with_bias,
				  NnError *err)
{
	char		name[128];
	int			fdims[4] = {k, k, c, 1};

	dw->k = k;
	dw->c = c;
	dw->stride = stride;
	dw->padding = padding;
	dw->bias = NULL;
	snprintf(name, sizeof(name), "%s/filters", prefix);
	dw->filters = nn_weights_find(weights, name, 4, fdims, err);
	if (dw->filters == NULL)
		return -1;
	if (!with_bias)
		return 0;
	snprintf(name, sizeof(name), "%s/bias", prefix);
	dw->bias = nn_weights_find(weights, name, 1, &c, err);
	return dw->bias ? 0 : -1;
}

#define DW_BLOCK 16				/* channels per block: two AVX2 registers */

/*
 * Where quantized outputs go: int16 steps (q16, rows of NN_QROW(c)) or u8
 * steps (q8, rows of NN_U8ROW(c)) of 1 / inv, or neither (floats).  In
 * dw_run, the map; in the block kernels, the pixel's row.
 */
typedef struct DwQuant
{
	int16_t    *q16;
	uint8_t    *q8;
	float		inv;
} DwQuant;

/*
 * Channels [c0, c0 + n) of one output pixel o, from the taps [ky0, ky1) x
 * [kx0, kx1) whose top-left input pixel is p (taps outside the input are
 * already cut off; row: the input's row stride in values).  n is
 * DW_BLOCK, or the last few channels.
 */
static inline __attribute__((always_inline)) void
dw_block(const NnDepthwise *dw, const float *p, size_t row, int c0,
		 int n, int ky0, int ky1, int kx0, int kx1, NnActivation act,
		 float *restrict o, DwQuant qo)
{
	const int	k = dw->k;
	const int	c = dw->c;
	float		acc[DW_BLOCK] = {0};

	for (int ky = ky0; ky < ky1; ky++)
		for (int kx = kx0; kx < kx1; kx++)
		{
			size_t		at = (ky - ky0) * row + (size_t) (kx - kx0) * dw->c + c0;
			const float *restrict f = dw->filters + ((size_t) ky * k + kx) * c + c0;

			for (int j = 0; j < n; j++)
				acc[j] += p[at + j] * f[j];
		}
	if (dw->bias)
		for (int j = 0; j < n; j++)
			acc[j] += dw->bias[c0 + j];
	nn_activate(acc, n, act);
	for (int j = 0; j < n; j++)
		if (qo.q16)
			qo.q16[c0 + j] = nn_quantize(acc[j], qo.inv);
		else if (qo.q8)
			qo.q8[c0 + j] = nn_quantize_u8(acc[j], qo.inv);
		else
			o[c0 + j] = acc[j];
}

/*
 * A kernel for DW_BLOCK channels of one pixel (dw_block's arguments): into
 * o, or quantized into qo's row when it has one.
 */
typedef void (*DwBlockFunc) (const NnDepthwise *dw, const float *p, size_t row,
							 int c0, int ky0, int ky1, int kx0,
							 int kx1, NnActivation act, float *o, DwQuant qo);

/*
 * out's shape is set; the float output goes to out->data, or quantized
 * to qout's map when it has one
 */
static inline __attribute__((always_inline)) void
dw_run(const NnDepthwise *dw, const NnTensor *in, NnTensor *out,
	   NnActivation act, DwQuant qout, DwBlockFunc block)
{
	const int	k = dw->k;
	const int	c = dw->c;
	const int	s = dw->stride;
	const size_t row = (size_t) in->w * c;
	const int	top = nn_pad_before(in->h, out->h, k, s, dw->padding);
	const int	left = nn_pad_before(in->w, out->w, k, s, dw->padding);
	float	   *dst = out->data;

	for (int oy = 0; oy < out->h; oy++)
	{
		const int	iy = oy * s - top;
		const int	ky0 = iy < 0 ? -iy : 0;
		const int	ky1 = iy + k > in->h ? in->h - iy : k;

		for (int ox = 0; ox < out->w; ox++)
		{
			const int	ix = ox * s - left;
			const int	kx0 = ix < 0 ? -ix : 0;
			const int	kx1 = ix + k > in->w ? in->w - ix : k;
			const size_t at = (size_t) (iy + ky0) * row + (size_t) (ix + kx0) * c;
			const float *p = in->data + at;
			const size_t px = (size_t) oy * out->w + ox;
			float	   *o = qout.q16 || qout.q8 ? NULL : dst + px * c;
			DwQuant		qo = {qout.q16 ? qout.q16 + px * NN_QROW(c) : NULL,
			qout.q8 ? qout.q8 + px * NN_U8ROW(c) : NULL, qout.inv};
			int			c0 = 0;

			for (; c0 + DW_BLOCK <= c; c0 += DW_BLOCK)
				block(dw, p, row, c0, ky0, ky1, kx0, kx1, act, o, qo);
			if (c0 < c)
				dw_block(dw, p, row, c0, c - c0, ky0, ky1, kx0, kx1, act, o, qo);
			/* the rows' padding */
			if (qo.q16 && NN_QROW(c) != c)
				qo.q16[c] = 0;
			for (int j = c; qo.q8 && j < NN_U8ROW(c); j++)
				qo.q8[j] = 0;
		}
	}
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma")))

/*
 * The taps [ky0, ky1) x [kx0, kx1) of a k x k kernel into lo and hi (16
 * channels from c0), in (ky, kx) order; with constant bounds the loops
 * unroll.
 */
static inline __attribute__((always_inline)) AVX2 void
dw_taps_avx2(const NnDepthwise *dw, const float *p, size_t row, int c0,
			 int k, int ky0, int ky1, int kx0, int kx1, __m256 *lo, __m256 *hi)
{
	const int	c = dw->c;

	for (int ky = ky0; ky < ky1; ky++)
		for (int kx = kx0; kx < kx1; kx++)
		{
			const float *f = dw->filters + ((size_t) ky * k + kx) * c + c0;
			const float *x = p + (ky - ky0) * row + (size_t) (kx - kx0) * dw->c + c0;

			*lo = _mm256_fmadd_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(f), *lo);
			*hi = _mm256_fmadd_ps(_mm256_loadu_ps(x + 8), _mm256_loadu_ps(f + 8), *hi);
		}
}

/*
 * dw_block for n = DW_BLOCK with AVX2 intrinsics: the sums in two
 * registers; a 3x3 kernel wholly inside the input (almost every pixel of
 * MobileNet's) has its nine taps unrolled.
 */
static inline __attribute__((always_inline)) AVX2 void
dw_block_avx2(const NnDepthwise *dw, const float *p, size_t row, int c0,
			  int ky0, int ky1, int kx0, int kx1, NnActivation act, float *o,
			  DwQuant qo)
{
	__m256		lo = _mm256_setzero_ps();
	__m256		hi = _mm256_setzero_ps();
	const __m256 zero = _mm256_setzero_ps();

	if (dw->k == 3 && ky0 == 0 && ky1 == 3 && kx0 == 0 && kx1 == 3)
		dw_taps_avx2(dw, p, row, c0, 3, 0, 3, 0, 3, &lo, &hi);
	else
		dw_taps_avx2(dw, p, row, c0, dw->k, ky0, ky1, kx0, kx1, &lo, &hi);
	if (dw->bias)
	{
		lo = _mm256_add_ps(lo, _mm256_loadu_ps(dw->bias + c0));
		hi = _mm256_add_ps(hi, _mm256_loadu_ps(dw->bias + c0 + 8));
	}
	switch (act)
	{
		case NN_ACT_NONE:
			break;
		case NN_ACT_RELU6:
			lo = _mm256_min_ps(lo, _mm256_set1_ps(6.0f));
			hi = _mm256_min_ps(hi, _mm256_set1_ps(6.0f));
			/* FALLTHROUGH */
		case NN_ACT_RELU:
			lo = _mm256_max_ps(lo, zero);
			hi = _mm256_max_ps(hi, zero);
			break;
		case NN_ACT_LEAKY:
			lo = _mm256_blendv_ps(_mm256_mul_ps(lo, _mm256_set1_ps(NN_LEAKY_SLOPE)), lo,
								  _mm256_cmp_ps(lo, zero, _CMP_GT_OQ));
			hi = _mm256_blendv_ps(_mm256_mul_ps(hi, _mm256_set1_ps(NN_LEAKY_SLOPE)), hi,
								  _mm256_cmp_ps(hi, zero, _CMP_GT_OQ));
			break;
	}
	if (qo.q16)
	{
		nn_quantize16_avx2(lo, hi, qo.inv, qo.q16 + c0);
		return;
	}
	if (qo.q8)
	{
		nn_quantize16_u8_avx2(lo, hi, qo.inv, qo.q8 + c0);
		return;
	}
	_mm256_storeu_ps(o + c0, lo);
	_mm256_storeu_ps(o + c0 + 8, hi);
}

AVX2 static void
dw_block_float_avx2(const NnDepthwise *dw, const float *p, size_t row,
					int c0, int ky0, int ky1, int kx0, int kx1,
					NnActivation act, float *o, DwQuant qo)
{
	dw_block_avx2(dw, p, row, c0, ky0, ky1, kx0, kx1, act, o, qo);
}

AVX2 static void
dw_run_avx2(const NnDepthwise *dw, const NnTensor *in, NnTensor *out,
			NnActivation act, DwQuant qout)
{
	dw_run(dw, in, out, act, qout, dw_block_float_avx2);
}
#endif

/* the whole blocks on CPUs without AVX2 */
static void
dw_block_baseline(const NnDepthwise *dw, const float *p, size_t row,
				  int c0, int ky0, int ky1, int kx0, int kx1, NnActivation act,
				  float *o, DwQuant qo)
{
	dw_block(dw, p, row, c0, DW_BLOCK, ky0, ky1, kx0, kx1, act, o, qo);
}

static void
dw_run_baseline(const NnDepthwise *dw, const NnTensor *in, NnTensor *out,
				NnActivation act, DwQuant qout)
{
	dw_run(dw, in, out, act, qout, dw_block_baseline);
}

/*
 * out = act(depthwise(in) + bias), into out->data or quantized into qout
 */
static void
depthwise(const NnDepthwise *dw, const NnTensor *in, NnTensor *out,
		  NnActivation act, DwQuant qout)
{
	out->h = nn_out_size(in->h, dw->k, dw->stride, dw->padding);
	out->w = nn_out_size(in->w, dw->k, dw->stride, dw->padding);
	out->c = dw->c;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
	{
		dw_run_avx2(dw, in, out, act, qout);
		return;
	}
#endif
	dw_run_baseline(dw, in, out, act, qout);
}

void
nn_depthwise_conv2d(const NnDepthwise *dw, const NnTensor *in, NnTensor *out,
					NnActivation act)
{
	DwQuant		none = {NULL, NULL, 0};

	depthwise(dw, in, out, act, none);
}

void
nn_depthwise_conv2d_quantized(const NnDepthwise *dw, const NnTensor *in,
							  NnQTensor *out, NnActivation act, float step)
{
	NnTensor	shape = {0, 0, 0, NULL};
	DwQuant		q = {out->data, NULL, 1.0f / step};

	depthwise(dw, in, &shape, act, q);
	out->h = shape.h;
	out->w = shape.w;
	out->c = shape.c;
}

void
nn_depthwise_conv2d_u8(const NnDepthwise *dw, const NnTensor *in, NnU8Tensor *out,
					   NnActivation act, float step)
{
	NnTensor	shape = {0, 0, 0, NULL};
	DwQuant		q = {NULL, out->data, 1.0f / step};

	depthwise(dw, in, &shape, act, q);
	out->h = shape.h;
	out->w = shape.w;
	out->c = shape.c;
}
