/*
 * qconv_u8.c
 *		A 1x1 stride-1 convolution on u8 activations with signed 8-bit
 *		weights (MobileNet's pointwise layers, whose inputs are ReLU6
 *		outputs: non-negative and bounded, here in 7-bit steps).  AVX2's
 *		vpmaddubsw multiplies 32 u8 x s8 pairs and adds neighbours into 16
 *		int16, vpmaddwd with ones adds those pairs into 8 int32: 32
 *		multiply-adds in three instructions, and a 4-byte broadcast carries
 *		four inputs of a pixel (int16's carries two), so the kernel does
 *		about 1.7 times qconv.c's multiply-adds a cycle (bench/nn_check's
 *		figures in README "Inference engine"), and the maps between layers
 *		take half the bytes.
 *
 * Saturation and overflow cannot happen for inputs in the range the
 * NnQ8Conv contract gives (steps in [0, NN_Q8_IN_MAX], which the u8
 * producers of ReLU6 maps keep with a step of 6 / NN_Q8_IN_MAX): every
 * weight lies in [-NN_Q8_WEIGHT_MAX, NN_Q8_WEIGHT_MAX], so a vpmaddubsw
 * pair sum is at most 2 * 127 * 127 = 32258 < 32767 in magnitude; and
 * each channel's step is chosen so that NN_Q8_IN_MAX * sum(|quantized
 * weight|) fits an int32 (checked after rounding), which bounds every
 * partial sum.  Integer sums are exact, so the AVX2 and the portable
 * kernel differ at most in the float rounding of the final scale and
 * bias.  (The bits are split so, 7 for the inputs and 8 for the weights,
 * because the weights' rounding moved the SSD's boxes about twice as much
 * as the maps' did: README "Inference engine".)
 *
 * The price is precision: half a weight step is up to 1/254 of a
 * channel's largest weight, half an input step 6 / 254.  The weights'
 * rounding errors do not average out over a channel's inputs, which are
 * all non-negative: they shift the channel's output by about sum(error_k
 * * mean input_k) on every pixel, and this shift, carried through 13
 * layers, moved boxes most.  Given the inputs' means (measured once over
 * calibration photos, src/face/ssd_means.c), prepare takes it out of the
 * bias.  nn_check states the bound, sql/face_nn_precision.sql the drift
 * of a whole net.
 *
 * Layout: panels of Q8_NR = 16 output channels, [kp / 4][16][4] bytes each:
 * one 32-byte load holds the (k .. k + 3) weights of 8 channels, which a
 * 32-bit broadcast of a pixel's inputs k .. k + 3 multiplies at once.  As
 * in qconv.c, the input is taken in chunks of rows that stay in the L2
 * cache while every panel runs over them, Q8_MR = 6 pixels at a time.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include "nn/quantize_avx2.h"
#endif

#define Q8_NR 16				/* output channels per panel */
#define Q8_MR 6					/* pixels per micro-kernel call */
#define Q8_CHUNK_BYTES (128 * 1024) /* input rows per chunk */

int
nn_q8conv_prepare(NnQ8Conv *q, const NnConv *conv, float in_max,
				  const float *in_mean, NnError *err)
{
	const int	cin = conv->cin;
	const int	cout = conv->cout;
	size_t		bytes;
	int32_t    *wq;				/* one channel's rounded weights */

	memset(q, 0, sizeof(*q));
	if (conv->k != 1 || conv->stride != 1)
	{
		snprintf(err->msg, sizeof(err->msg),
				 "u8 convolution: kernel %d stride %d not supported (1x1 stride 1 only)",
				 conv->k, conv->stride);
		return -1;
	}
	q->cin = cin;
	q->kp = NN_U8ROW(cin);
	q->cout = cout;
	q->np = (cout + Q8_NR - 1) / Q8_NR * Q8_NR;
	q->in_step = in_max / NN_Q8_IN_MAX;
	bytes = (size_t) q->kp * q->np;
	q->packed = aligned_alloc(64, (bytes + 63) / 64 * 64);
	q->scale = nn_alloc_floats(q->np);
	q->bias = nn_alloc_floats(q->np);
	wq = malloc(sizeof(int32_t) * cin);
	if (q->packed == NULL || q->scale == NULL || q->bias == NULL || wq == NULL)
	{
		free(wq);
		nn_q8conv_free(q);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	memset(q->packed, 0, bytes);
	for (int n = 0; n < q->np; n++)
	{
		int8_t	   *panel = q->packed + (size_t) (n / Q8_NR) * q->kp * Q8_NR;
		double		step = n < cout ? nn_weight_step(conv->filters + n, cout, cin,
													 NN_Q8_WEIGHT_MAX, NN_Q8_IN_MAX, wq) : 0;
		double		shift = 0;	/* the rounding's mean error on this channel */

		for (int k = 0; step > 0 && k < cin; k++)
		{
			panel[((size_t) (k / 4) * Q8_NR + n % Q8_NR) * 4 + k % 4] = (int8_t) wq[k];
			if (in_mean)
				shift += (wq[k] / step - conv->filters[(size_t) k * cout + n]) * in_mean[k];
		}
		q->scale[n] = step > 0 ? q->in_step / step : 0;
		q->bias[n] = n < cout ? (conv->bias ? conv->bias[n] : 0) - shift : 0;
	}
	free(wq);
	return 0;
}

void
nn_q8conv_free(NnQ8Conv *q)
{
	free(q->packed);
	free(q->scale);
	free(q->bias);
	q->packed = NULL;
	q->scale = NULL;
	q->bias = NULL;
}

/*
 * Where a chunk's results go: floats in rows of cout, or u8 steps (qout
 * not NULL, inv = 1 / their step, act ReLU6) in rows of NN_U8ROW(cout).
 */
typedef struct Q8Out
{
	float	   *out;
	uint8_t    *qout;
	float		inv;
} Q8Out;

/* o advanced by rows output rows */
static inline Q8Out
out_rows(const NnQ8Conv *q, Q8Out o, size_t rows)
{
	if (o.qout)
		o.qout += rows * NN_U8ROW(q->cout);
	else
		o.out += rows * q->cout;
	return o;
}

/* the kernel over every panel and rows input pixels (a chunk) */
typedef void (*ChunkFunc) (const NnQ8Conv *q, const uint8_t *a, int rows,
						   NnActivation act, Q8Out o);

/* rows of the input per chunk: a multiple of Q8_MR */
static int
chunk_rows(const NnQ8Conv *q)
{
	int			rows = Q8_CHUNK_BYTES / q->kp;

	rows -= rows % Q8_MR;
	return rows < Q8_MR ? Q8_MR : rows;
}

/*
 * y = act(sum * scale + bias) for the valid channels of a panel's row, o
 * at that row; quantized, the panel holding the last channel also zeroes
 * the row's padding.
 */
static inline void
finish_row(const NnQ8Conv *q, const int32_t *sum, int n0, NnActivation act, Q8Out o)
{
	int			n1 = n0 + Q8_NR < q->cout ? n0 + Q8_NR : q->cout;
	float		y[Q8_NR];

	for (int n = n0; n < n1; n++)
		y[n - n0] = (float) sum[n - n0] * q->scale[n] + q->bias[n];
	nn_activate(y, n1 - n0, act);
	for (int n = n0; n < n1; n++)
		if (o.qout)
			o.qout[n] = nn_quantize_u8(y[n - n0], o.inv);
		else
			o.out[n] = y[n - n0];
	if (o.qout && n1 == q->cout)
		for (int n = q->cout; n < NN_U8ROW(q->cout); n++)
			o.qout[n] = 0;
}

/* the portable kernel: every panel over rows pixels */
static void
chunk_portable(const NnQ8Conv *q, const uint8_t *a, int rows, NnActivation act, Q8Out out)
{
	for (int p = 0; p < q->np / Q8_NR; p++)
	{
		const int8_t *b = q->packed + (size_t) p * q->kp * Q8_NR;

		for (int r = 0; r < rows; r++)
		{
			int32_t		sum[Q8_NR] = {0};
			const uint8_t *x = a + (size_t) r * q->kp;

			for (int k = 0; k < q->kp; k++)
				for (int j = 0; j < Q8_NR; j++)
					sum[j] += x[k] * b[((k / 4) * Q8_NR + j) * 4 + k % 4];
			finish_row(q, sum, p * Q8_NR, act, out_rows(q, out, r));
		}
	}
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma")))

/*
 * y = act(sum * scale + bias) for one pixel's sums lo, hi of a panel, o at
 * the pixel's row: a whole panel in registers, a partial one through
 * finish_row.  u8 output comes from ReLU6 only (clamped by the min at 6:
 * NN_Q8_IN_MAX steps when step = 6 / NN_Q8_IN_MAX, fewer when coarser).
 */
static inline __attribute__((always_inline)) AVX2 void
store_avx2(const NnQ8Conv *q, __m256i lo_sum, __m256i hi_sum, int n0,
		   NnActivation act, Q8Out o)
{
	__m256		lo,
				hi;

	if (n0 + Q8_NR > q->cout)
	{
		int32_t		sum[Q8_NR];

		_mm256_storeu_si256((__m256i *) sum, lo_sum);
		_mm256_storeu_si256((__m256i *) (sum + 8), hi_sum);
		finish_row(q, sum, n0, act, o);
		return;
	}
	nn_scale_bias16_avx2(lo_sum, hi_sum, q->scale + n0, q->bias + n0, act, &lo, &hi);
	if (o.qout)
	{
		nn_quantize16_u8_avx2(lo, hi, o.inv, o.qout + n0);
		return;
	}
	_mm256_storeu_ps(o.out + n0, lo);
	_mm256_storeu_ps(o.out + n0 + 8, hi);
	if (act == NN_ACT_LEAKY)
		nn_activate(o.out + n0, Q8_NR, act);
}

/* inputs k .. k + 3 of a pixel in all 8 lanes */
static inline __attribute__((always_inline)) AVX2 __m256i
quad(const uint8_t *x, int k4)
{
	int32_t		v;

	memcpy(&v, x + 4 * k4, sizeof(v));
	return _mm256_set1_epi32(v);
}

/* 8 int32 sums += the 4-term dot products of x's quad and b's 8 channels */
static inline __attribute__((always_inline)) AVX2 __m256i
dot4(__m256i acc, __m256i x, __m256i b)
{
	return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, b),
												   _mm256_set1_epi16(1)));
}

/* Q8_MR pixels x one panel: 12 named accumulators, as in qconv.c */
static inline __attribute__((always_inline)) AVX2 void
tile6_avx2(const NnQ8Conv *q, const uint8_t *a, int panel, NnActivation act,
		   Q8Out out)
{
	const int8_t *b = q->packed + (size_t) panel * q->kp * Q8_NR;
	const uint8_t *x0 = a,
			   *x1 = a + q->kp,
			   *x2 = a + 2 * q->kp,
			   *x3 = a + 3 * q->kp,
			   *x4 = a + 4 * q->kp,
			   *x5 = a + 5 * q->kp;
	__m256i		c00 = _mm256_setzero_si256(),
				c01 = c00,
				c10 = c00,
				c11 = c00,
				c20 = c00,
				c21 = c00,
				c30 = c00,
				c31 = c00,
				c40 = c00,
				c41 = c00,
				c50 = c00,
				c51 = c00;
	const int	n0 = panel * Q8_NR;

	for (int k4 = 0; k4 < q->kp / 4; k4++)
	{
		__m256i		b0 = _mm256_load_si256((const __m256i *) (b + k4 * 4 * Q8_NR));
		__m256i		b1 = _mm256_load_si256((const __m256i *) (b + k4 * 4 * Q8_NR + 32));
		__m256i		x;

#define STEP(xr, lo, hi) \
		x = quad(xr, k4); \
		lo = dot4(lo, x, b0); \
		hi = dot4(hi, x, b1)
		STEP(x0, c00, c01);
		STEP(x1, c10, c11);
		STEP(x2, c20, c21);
		STEP(x3, c30, c31);
		STEP(x4, c40, c41);
		STEP(x5, c50, c51);
#undef STEP
	}
	store_avx2(q, c00, c01, n0, act, out);
	store_avx2(q, c10, c11, n0, act, out_rows(q, out, 1));
	store_avx2(q, c20, c21, n0, act, out_rows(q, out, 2));
	store_avx2(q, c30, c31, n0, act, out_rows(q, out, 3));
	store_avx2(q, c40, c41, n0, act, out_rows(q, out, 4));
	store_avx2(q, c50, c51, n0, act, out_rows(q, out, 5));
}

/* R (1 to 5) pixels x one panel, R constant where inlined: a chunk's tail */
static inline __attribute__((always_inline)) AVX2 void
tile_avx2(const NnQ8Conv *q, const uint8_t *a, int panel, NnActivation act,
		  Q8Out out, const int R)
{
	const int8_t *b = q->packed + (size_t) panel * q->kp * Q8_NR;
	__m256i		c[Q8_MR][2];
	const int	n0 = panel * Q8_NR;

	for (int r = 0; r < R; r++)
		c[r][0] = c[r][1] = _mm256_setzero_si256();
	for (int k4 = 0; k4 < q->kp / 4; k4++)
	{
		__m256i		b0 = _mm256_load_si256((const __m256i *) (b + k4 * 4 * Q8_NR));
		__m256i		b1 = _mm256_load_si256((const __m256i *) (b + k4 * 4 * Q8_NR + 32));

		for (int r = 0; r < R; r++)
		{
			__m256i		x = quad(a + (size_t) r * q->kp, k4);

			c[r][0] = dot4(c[r][0], x, b0);
			c[r][1] = dot4(c[r][1], x, b1);
		}
	}
	for (int r = 0; r < R; r++)
		store_avx2(q, c[r][0], c[r][1], n0, act, out_rows(q, out, r));
}

/* every panel over rows pixels (the chunk) */
static AVX2 void
chunk_avx2(const NnQ8Conv *q, const uint8_t *a, int rows, NnActivation act, Q8Out out)
{
	for (int p = 0; p < q->np / Q8_NR; p++)
	{
		int			r = 0;

		for (; r + Q8_MR <= rows; r += Q8_MR)
			tile6_avx2(q, a + (size_t) r * q->kp, p, act, out_rows(q, out, r));
		/* the rest, fewer than Q8_MR, with its count constant */
#define TAIL(n) case n: tile_avx2(q, a + (size_t) r * q->kp, p, act, out_rows(q, out, r), n); break
		switch (rows - r)
		{
				TAIL(5);
				TAIL(4);
				TAIL(3);
				TAIL(2);
				TAIL(1);
		}
#undef TAIL
	}
}
#endif

/* act(conv(in) + bias) over h x w pixels into o, a chunk at a time */
static void
q8conv_rows(const NnQ8Conv *q, const NnU8Tensor *in, Q8Out o, NnActivation act)
{
	const size_t m = (size_t) in->h * in->w;
	const int	chunk = chunk_rows(q);
	ChunkFunc	run = chunk_portable;

#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		run = chunk_avx2;
#endif
	for (size_t r = 0; r < m; r += chunk)
	{
		int			rows = m - r < (size_t) chunk ? (int) (m - r) : chunk;

		run(q, in->data + r * q->kp, rows, act, out_rows(q, o, r));
	}
}

void
nn_q8conv2d(const NnQ8Conv *q, const NnU8Tensor *in, NnTensor *out, NnActivation act)
{
	Q8Out		o = {out->data, NULL, 0};

	out->h = in->h;
	out->w = in->w;
	out->c = q->cout;
	q8conv_rows(q, in, o, act);
}

void
nn_q8conv2d_requantized(const NnQ8Conv *q, const NnU8Tensor *in, NnU8Tensor *out,
						float step)
{
	Q8Out		o = {NULL, out->data, 1.0f / step};

	out->h = in->h;
	out->w = in->w;
	out->c = q->cout;
	q8conv_rows(q, in, o, NN_ACT_RELU6);
}
