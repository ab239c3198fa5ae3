/*
 * qconv.c
 *		A 1x1 stride-1 convolution in 16-bit integers (the pointwise half of
 *		a MobileNet separable layer; and the kernel that qconv_kxk.c runs
 *		any convolution's int16 im2col rows through): the input quantized
 *		with one step, the weights with one step per output channel, the products
 *		summed exactly in int32 by AVX2's vpmaddwd (16 multiply-adds per
 *		instruction and, on Zen 3, two instructions a cycle: twice float32
 *		FMA's rate), then scaled back to float, biased and activated.
 *
 * Overflow cannot happen, whatever the input: inputs are clamped to
 * [0, NN_QCONV_IN_MAX] and each output channel's weight step is chosen so
 * that NN_QCONV_IN_MAX * sum(|quantized weight|) fits an int32 (checked
 * after rounding), which bounds every partial sum in any order; a weight
 * also stays within +-32767, so no vpmaddwd pair can reach 2^31 either.
 * Integer sums are exact, so the result does not depend on the order of
 * the sums; the AVX2 and the portable kernel differ at most in the float
 * rounding of the final scale and bias.
 *
 * Layout: the weights are packed once (nn_qconv_prepare) in panels of
 * QC_NR = 16 output channels, [kp / 2][16][2] each: one 32-byte load holds
 * the (k, k + 1) weight pairs of 8 channels, and a 32-bit broadcast of the
 * (k, k + 1) inputs of one pixel multiplies all 8 at once.  The input
 * (quantized by the depthwise layer before, or here) is taken in chunks of
 * rows that stay in the L2 cache while every panel runs over them, QC_MR =
 * 6 pixels at a time (12 accumulators in registers).
 *
 * The output is floats, or (nn_qconv2d_requantized) the ReLU / ReLU6
 * output stored again as int16 steps for the next layer, in rows of
 * NN_QROW(cout): half the bytes through memory on the large maps, where
 * the next depthwise layer is bound by reading them.
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

#define QC_NR 16				/* output channels per panel */
#define QC_MR 6					/* pixels per micro-kernel call */
#define QC_CHUNK_BYTES (128 * 1024) /* quantized input rows per chunk */

/* the filters [k, k, cin, cout] are kk = k * k * cin rows of cout weights */
int
nn_qconv_prepare(NnQConv *q, const NnConv *conv, float in_max, NnError *err)
{
	const int	cin = conv->k * conv->k * conv->cin;
	const int	cout = conv->cout;
	int32_t    *wq;				/* one channel's rounded weights */

	q->k = conv->k;
	q->stride = conv->stride;
	q->padding = conv->padding;
	q->cin = conv->cin;
	q->kk = cin;
	q->cout = cout;
	q->kp = NN_QROW(cin);
	q->np = (cout + QC_NR - 1) / QC_NR * QC_NR;
	q->in_step = in_max / NN_QCONV_IN_MAX;
	q->bias = conv->bias;
	q->packed = aligned_alloc(64, (size_t) q->kp * q->np * sizeof(int16_t));
	q->scale = nn_alloc_floats(q->np);
	wq = malloc(sizeof(int32_t) * cin);
	if (q->packed == NULL || q->scale == NULL || wq == NULL)
	{
		free(wq);
		nn_qconv_free(q);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	memset(q->packed, 0, (size_t) q->kp * q->np * sizeof(int16_t));
	for (int n = 0; n < q->np; n++)
	{
		int16_t    *panel = q->packed + (size_t) (n / QC_NR) * q->kp * QC_NR;
		double		step = n < cout ? nn_weight_step(conv->filters + n, cout, cin, 32767,
													 NN_QCONV_IN_MAX, wq) : 0;

		for (int k = 0; step > 0 && k < cin; k++)
			panel[((size_t) (k / 2) * QC_NR + n % QC_NR) * 2 + k % 2] = (int16_t) wq[k];
		q->scale[n] = step > 0 ? q->in_step / step : 0;
	}
	free(wq);
	return 0;
}

void
nn_qconv_free(NnQConv *q)
{
	free(q->packed);
	free(q->scale);
	q->packed = NULL;
	q->scale = NULL;
}

/*
 * Where a chunk's results go: floats in rows of cout, or int16 steps (qout
 * not NULL, inv = 1 / their step) in rows of NN_QROW(cout).
 */
typedef struct QcOut
{
	float	   *out;
	int16_t    *qout;
	float		inv;
} QcOut;

/* o advanced by rows output rows */
static inline QcOut
out_rows(const NnQConv *q, QcOut o, size_t rows)
{
	if (o.qout)
		o.qout += rows * NN_QROW(q->cout);
	else
		o.out += rows * q->cout;
	return o;
}

/* the kernel over every panel and rows quantized pixels (a chunk) */
typedef void (*ChunkFunc) (const NnQConv *q, const int16_t *a, int rows,
						   NnActivation act, QcOut o);

/* rows of the quantized input per chunk: a multiple of QC_MR */
static int
chunk_rows(const NnQConv *q)
{
	int			rows = QC_CHUNK_BYTES / (q->kp * (int) sizeof(int16_t));

	rows -= rows % QC_MR;
	return rows < QC_MR ? QC_MR : rows;
}

size_t
nn_qconv_scratch_size(const NnQConv *q)
{
	/* int16 values, counted as floats for nn_alloc_floats */
	return ((size_t) chunk_rows(q) * q->kp + 1) / 2;
}

/* rows of cin floats into rows of kp int16 steps, clamped to [0, IN_MAX] */
static void
quantize(const NnQConv *q, const float *in, int rows, int16_t *out)
{
	const float inv = 1.0f / q->in_step;

	for (int r = 0; r < rows; r++)
	{
		const float *x = in + (size_t) r * q->cin;
		int16_t    *o = out + (size_t) r * q->kp;

		for (int k = 0; k < q->cin; k++)
			o[k] = nn_quantize(x[k], inv);
		if (q->kp != q->cin)
			o[q->cin] = 0;
	}
}

/*
 * y = act(sum * scale + bias) for the valid channels of one tile row, o
 * at that row; quantized, a panel holding the last channel also zeroes
 * the row's padding.
 */
static inline void
finish_row(const NnQConv *q, const int32_t *sum, int n0, NnActivation act, QcOut o)
{
	int			n1 = n0 + QC_NR < q->cout ? n0 + QC_NR : q->cout;
	float		y[QC_NR];

	for (int n = n0; n < n1; n++)
		y[n - n0] = (float) sum[n - n0] * q->scale[n] + q->bias[n];
	nn_activate(y, n1 - n0, act);
	for (int n = n0; n < n1; n++)
		if (o.qout)
			o.qout[n] = nn_quantize(y[n - n0], o.inv);
		else
			o.out[n] = y[n - n0];
	if (o.qout && n1 == q->cout && NN_QROW(q->cout) != q->cout)
		o.qout[q->cout] = 0;
}

/* the portable kernel: rows x one panel */
static void
tile_portable(const NnQConv *q, const int16_t *a, int rows, int panel,
			  NnActivation act, QcOut out)
{
	const int16_t *b = q->packed + (size_t) panel * q->kp * QC_NR;

	for (int r = 0; r < rows; r++)
	{
		int32_t		sum[QC_NR] = {0};
		const int16_t *x = a + (size_t) r * q->kp;

		for (int kk = 0; kk < q->kp / 2; kk++)
			for (int j = 0; j < QC_NR; j++)
				sum[j] += x[2 * kk] * b[(kk * QC_NR + j) * 2] +
					x[2 * kk + 1] * b[(kk * QC_NR + j) * 2 + 1];
		finish_row(q, sum, panel * QC_NR, act, out_rows(q, out, r));
	}
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma")))

/*
 * y = act(sum * scale + bias) for one pixel's sums lo, hi of a panel, o at
 * the pixel's row: a whole panel (cout a multiple of 16) in registers, a
 * partial one through finish_row.  Quantized output comes from ReLU or
 * ReLU6 only (nn_qconv2d_requantized), so no leaky branch there.
 */
static inline __attribute__((always_inline)) AVX2 void
store_avx2(const NnQConv *q, __m256i lo_sum, __m256i hi_sum, int n0,
		   NnActivation act, QcOut o)
{
	__m256		lo,
				hi;

	if (n0 + QC_NR > q->cout)
	{
		int32_t		sum[QC_NR];

		_mm256_storeu_si256((__m256i *) sum, lo_sum);
		_mm256_storeu_si256((__m256i *) (sum + 8), hi_sum);
		finish_row(q, sum, n0, act, o);
		return;
	}
	nn_scale_bias16_avx2(lo_sum, hi_sum, q->scale + n0, q->bias + n0, act, &lo, &hi);
	if (o.qout)
	{
		/* a whole panel: cout is even, its rows have no padding */
		nn_quantize16_avx2(lo, hi, o.inv, o.qout + n0);
		return;
	}
	_mm256_storeu_ps(o.out + n0, lo);
	_mm256_storeu_ps(o.out + n0 + 8, hi);
	if (act == NN_ACT_LEAKY)
		nn_activate(o.out + n0, QC_NR, act);
}

/* the (k, k + 1) inputs of a pixel in all 8 lanes */
static inline __attribute__((always_inline)) AVX2 __m256i
pair(const int16_t *x, int kk)
{
	int32_t		v;

	memcpy(&v, x + 2 * kk, sizeof(v));
	return _mm256_set1_epi32(v);
}

/*
 * QC_MR pixels x one panel: 12 named accumulators (an array of them is
 * spilled to the stack by GCC).  The input rows are 4-byte aligned (kp is
 * even, the buffers 64-byte aligned), so the pair loads are aligned.
 */
static inline __attribute__((always_inline)) AVX2 void
tile6_avx2(const NnQConv *q, const int16_t *a, int panel, NnActivation act,
		   QcOut out)
{
	const int16_t *b = q->packed + (size_t) panel * q->kp * QC_NR;
	const int16_t *x0 = a,
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
	const int	n0 = panel * QC_NR;

	for (int kk = 0; kk < q->kp / 2; kk++)
	{
		__m256i		b0 = _mm256_load_si256((const __m256i *) (b + kk * 2 * QC_NR));
		__m256i		b1 = _mm256_load_si256((const __m256i *) (b + kk * 2 * QC_NR + 16));
		__m256i		x;

#define STEP(xr, lo, hi) \
		x = pair(xr, kk); \
		lo = _mm256_add_epi32(lo, _mm256_madd_epi16(x, b0)); \
		hi = _mm256_add_epi32(hi, _mm256_madd_epi16(x, b1))
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

/*
 * R (1 to 5) pixels x one panel, R constant where it is inlined, for the
 * last rows of a chunk: one pass over the panel's weights for them all
 * (a layer of few pixels, such as the recognizer's 4x4 ones, is mostly
 * such rows).  Its accumulator array is kept in registers for these R;
 * for 6 GCC spills it, hence tile6_avx2's named ones.
 */
static inline __attribute__((always_inline)) AVX2 void
tile_avx2(const NnQConv *q, const int16_t *a, int panel, NnActivation act,
		  QcOut out, const int R)
{
	const int16_t *b = q->packed + (size_t) panel * q->kp * QC_NR;
	__m256i		c[QC_MR][2];
	const int	n0 = panel * QC_NR;

	for (int r = 0; r < R; r++)
		c[r][0] = c[r][1] = _mm256_setzero_si256();
	for (int kk = 0; kk < q->kp / 2; kk++)
	{
		__m256i		b0 = _mm256_load_si256((const __m256i *) (b + kk * 2 * QC_NR));
		__m256i		b1 = _mm256_load_si256((const __m256i *) (b + kk * 2 * QC_NR + 16));

		for (int r = 0; r < R; r++)
		{
			__m256i		x = pair(a + (size_t) r * q->kp, kk);

			c[r][0] = _mm256_add_epi32(c[r][0], _mm256_madd_epi16(x, b0));
			c[r][1] = _mm256_add_epi32(c[r][1], _mm256_madd_epi16(x, b1));
		}
	}
	for (int r = 0; r < R; r++)
		store_avx2(q, c[r][0], c[r][1], n0, act, out_rows(q, out, r));
}

/* every panel over rows quantized pixels (the chunk) */
static AVX2 void
chunk_avx2(const NnQConv *q, const int16_t *a, int rows, NnActivation act, QcOut out)
{
	for (int p = 0; p < q->np / QC_NR; p++)
	{
		int			r = 0;

		for (; r + QC_MR <= rows; r += QC_MR)
			tile6_avx2(q, a + (size_t) r * q->kp, p, act, out_rows(q, out, r));
		/* the rest, fewer than QC_MR, with its count constant */
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

static void
chunk_portable(const NnQConv *q, const int16_t *a, int rows, NnActivation act, QcOut out)
{
	for (int p = 0; p < q->np / QC_NR; p++)
		tile_portable(q, a, rows, p, act, out);
}

/* the kernels this CPU runs */
static ChunkFunc
chunk_kernel(void)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return chunk_avx2;
#endif
	return chunk_portable;
}

/*
 * act(conv(input) + bias) over h x w pixels into o: the input is quantized
 * already (qin), or floats (fin) that each chunk quantizes into scratch.
 * A chunk stays in the cache while every panel reads it.
 */
static void
qconv_rows(const NnQConv *q, int h, int w, const float *fin, const int16_t *qin,
		   QcOut o, NnActivation act, int16_t *scratch)
{
	const size_t m = (size_t) h * w;
	const int	chunk = chunk_rows(q);
	ChunkFunc	run = chunk_kernel();

	for (size_t r = 0; r < m; r += chunk)
	{
		int			rows = m - r < (size_t) chunk ? (int) (m - r) : chunk;
		const int16_t *a = qin ? qin + r * q->kp : scratch;

		if (qin == NULL)
			quantize(q, fin + r * q->cin, rows, scratch);
		run(q, a, rows, act, out_rows(q, o, r));
	}
}

void
nn_qconv2d(const NnQConv *q, const NnTensor *in, NnTensor *out,
		   NnActivation act, void *scratch)
{
	QcOut		o = {out->data, NULL, 0};

	out->h = in->h;
	out->w = in->w;
	out->c = q->cout;
	qconv_rows(q, in->h, in->w, in->data, NULL, o, act, scratch);
}

void
nn_qconv2d_quantized(const NnQConv *q, const NnQTensor *in, NnTensor *out,
					 NnActivation act)
{
	QcOut		o = {out->data, NULL, 0};

	out->h = in->h;
	out->w = in->w;
	out->c = q->cout;
	qconv_rows(q, in->h, in->w, NULL, in->data, o, act, NULL);
}

void
nn_qconv2d_requantized(const NnQConv *q, const NnQTensor *in, NnQTensor *out,
					   NnActivation act, float step)
{
	QcOut		o = {NULL, out->data, 1.0f / step};

	out->h = in->h;
	out->w = in->w;
	out->c = q->cout;
	qconv_rows(q, in->h, in->w, NULL, in->data, o, act, NULL);
}
