/*
 * qdepthwise.c
 *		A depthwise convolution in 16-bit integers, between two int16 maps
 *		(the SSD's separable layers, between its integer 1x1 layers): the
 *		input in steps of in_step, each channel's weights with their own
 *		step, the products summed exactly in int32, the sum scaled, biased,
 *		activated (ReLU or ReLU6) and stored again as int16 steps of
 *		out_step, all in one multiply-add and a clamp.
 *
 * Overflow cannot happen: an NnQTensor's steps lie in [0, NN_QCONV_IN_MAX]
 * (nn_quantize clamps them there), and each channel's weight step is
 * chosen so that NN_QCONV_IN_MAX * sum(|quantized weight|) fits an int32
 * (checked after rounding) and every weight fits +-32767, as in qconv.c.
 *
 * AVX2 does 16 channels of one output pixel at a time: the taps are
 * taken in pairs, the two taps' inputs interleaved (unpacklo / unpackhi)
 * and multiplied with the weight pairs packed alike by vpmaddwd, so one
 * instruction does two taps of 8 channels; a 3x3 kernel is five pairs,
 * the last one with a zero.  Taps over the padding read a row of zeros,
 * so every pixel runs the same code.  The last c % 16 channels, and CPUs
 * without AVX2, take the portable loop, whose float steps are the same
 * (fmaf: one rounding, as the AVX2 multiply-add): both give the same
 * int16 results bit for bit.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define QDW_BLOCK 16			/* channels per AVX2 block */
#define QDW_MAX_K 7				/* taps per pixel: QDW_MAX_K^2 at most */

/* weight pairs of a block: (k*k + 1) / 2 pairs, 2 vectors of 16 int16 each */
#define QDW_PAIRS(q) (((q)->k * (q)->k + 1) / 2)

/*
 * The packed weights of whole blocks, [block][pair][lo, hi][16]: the lo
 * vector holds, in 128-bit lane L and position j < 4, the pair (tap 2p,
 * tap 2p + 1) of channel 8L + j, the hi vector of channel 8L + 4 + j:
 * what unpacklo_epi16 / unpackhi_epi16 make of the two taps' inputs.
 */
static void
pack_block(NnQDepthwise *q, int block)
{
	const int	taps = q->k * q->k;
	int16_t    *dst = q->packed + (size_t) block * QDW_PAIRS(q) * 2 * QDW_BLOCK;

	for (int p = 0; p < QDW_PAIRS(q); p++)
		for (int half = 0; half < 2; half++)
			for (int lane = 0; lane < 2; lane++)
				for (int j = 0; j < 4; j++)
				{
					int			ch = block * QDW_BLOCK + 8 * lane + 4 * half + j;
					int16_t    *o = dst + ((size_t) (p * 2 + half) * QDW_BLOCK + 8 * lane + 2 * j);

					o[0] = q->taps[(size_t) (2 * p) * q->c + ch];
					o[1] = 2 * p + 1 < taps ? q->taps[(size_t) (2 * p + 1) * q->c + ch] : 0;
				}
}

int
nn_qdepthwise_prepare(NnQDepthwise *q, const NnDepthwise *dw, float in_step,
					  float out_step, NnActivation act, NnError *err)
{
	const int	c = dw->c;
	const int	taps = dw->k * dw->k;

	memset(q, 0, sizeof(*q));
	if (dw->k > QDW_MAX_K || (act != NN_ACT_RELU && act != NN_ACT_RELU6))
	{
		snprintf(err->msg, sizeof(err->msg),
				 "integer depthwise convolution: kernel %d or activation %d not supported",
				 dw->k, (int) act);
		return -1;
	}
	q->k = dw->k;
	q->c = c;
	q->stride = dw->stride;
	q->padding = dw->padding;
	q->taps = malloc(sizeof(int16_t) * taps * c);
	q->packed = aligned_alloc(64, sizeof(int16_t) * ((size_t) (c / QDW_BLOCK) * QDW_PAIRS(q) * 2 * QDW_BLOCK + 32));
	q->zeros = calloc(NN_QROW(c), sizeof(int16_t));
	q->mul = nn_alloc_floats(c);
	q->add = nn_alloc_floats(c);
	if (q->taps == NULL || q->packed == NULL || q->zeros == NULL ||
		q->mul == NULL || q->add == NULL)
	{
		nn_qdepthwise_free(q);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	/* ReLU6 clamps at 6, in output steps (+0.5: rounded by truncation) */
	q->top = NN_QCONV_IN_MAX;
	if (act == NN_ACT_RELU6 && 6.0 / out_step + 0.5 < q->top)
		q->top = 6.0 / out_step + 0.5;
	for (int ch = 0; ch < c; ch++)
	{
		double		maxabs = 0,
					sumabs = 0,
					step = 0;
		int64_t		qsum;

		for (int t = 0; t < taps; t++)
		{
			double		w = fabs(dw->filters[(size_t) t * c + ch]);

			maxabs = w > maxabs ? w : maxabs;
			sumabs += w;
		}
		if (maxabs > 0)
			step = fmin(32767.0 / maxabs, (double) INT32_MAX / NN_QCONV_IN_MAX / sumabs);
		for (;;)
		{
			qsum = 0;
			for (int t = 0; t < taps; t++)
			{
				long		v = lround(dw->filters[(size_t) t * c + ch] * step);

				q->taps[(size_t) t * c + ch] = (int16_t) v;
				qsum += v < 0 ? -v : v;
			}
			if (qsum * NN_QCONV_IN_MAX <= INT32_MAX)
				break;
			/* rounding up crossed the bound: a slightly coarser step */
			step *= 0.999;
		}
		/* out = sum * in_step / step + bias, then in output steps, + 0.5 */
		q->mul[ch] = step > 0 ? in_step / step / out_step : 0;
		q->add[ch] = (dw->bias ? dw->bias[ch] : 0) / (double) out_step + 0.5;
	}
	for (int b = 0; b < c / QDW_BLOCK; b++)
		pack_block(q, b);
	return 0;
}

void
nn_qdepthwise_free(NnQDepthwise *q)
{
	free(q->taps);
	free(q->packed);
	free(q->zeros);
	free(q->mul);
	free(q->add);
	q->taps = q->packed = q->zeros = NULL;
	q->mul = q->add = NULL;
}

/* the int16 step of a channel's exact sum */
static inline int16_t
finish(const NnQDepthwise *q, int32_t sum, int ch)
{
	float		v = fmaf((float) sum, q->mul[ch], q->add[ch]);

	/* truncation after the +0.5 in add rounds: v >= 0 */
	return (int16_t) (v < 0 ? 0 : v > q->top ? q->top : v);
}

/* channels [c0, c) of one pixel, tap t's input row at tap[t] */
static void
channels_portable(const NnQDepthwise *q, const int16_t *const *tap, int c0, int16_t *o)
{
	for (int ch = c0; ch < q->c; ch++)
	{
		int32_t		sum = 0;

		for (int t = 0; t < q->k * q->k; t++)
			sum += tap[t][ch] * q->taps[(size_t) t * q->c + ch];
		o[ch] = finish(q, sum, ch);
	}
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma")))

/*
 * Every whole block of one pixel (tap t's input row at tap[t]), K = q->k
 * constant where it is inlined, so that the pairs unroll.
 */
static inline __attribute__((always_inline)) AVX2 void
blocks_avx2(const NnQDepthwise *q, const int16_t *const *tap, int16_t *o, const int K)
{
	const int	pairs = (K * K + 1) / 2;
	const __m256 zero = _mm256_setzero_ps();
	const __m256 top = _mm256_set1_ps(q->top);
	const int16_t *w = q->packed;

	for (int c0 = 0; c0 + QDW_BLOCK <= q->c; c0 += QDW_BLOCK)
	{
		__m256i		lo = _mm256_setzero_si256();
		__m256i		hi = _mm256_setzero_si256();
		__m256		f0,
					f1;
		__m256i		s0,
					s1;

		for (int p = 0; p < pairs; p++, w += 2 * QDW_BLOCK)
		{
			__m256i		a = _mm256_loadu_si256((const __m256i *) (tap[2 * p] + c0));
			__m256i		b = 2 * p + 1 < K * K ?
				_mm256_loadu_si256((const __m256i *) (tap[2 * p + 1] + c0)) :
				_mm256_setzero_si256();

			lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b),
														 _mm256_load_si256((const __m256i *) w)));
			hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b),
														 _mm256_load_si256((const __m256i *) (w + QDW_BLOCK))));
		}
		/* lo holds channels 0-3 and 8-11, hi 4-7 and 12-15: in order */
		s0 = _mm256_permute2x128_si256(lo, hi, 0x20);
		s1 = _mm256_permute2x128_si256(lo, hi, 0x31);
		f0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), _mm256_loadu_ps(q->mul + c0),
							 _mm256_loadu_ps(q->add + c0));
		f1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1), _mm256_loadu_ps(q->mul + c0 + 8),
							 _mm256_loadu_ps(q->add + c0 + 8));
		s0 = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(f0, zero), top));
		s1 = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(f1, zero), top));
		/* packs interleaves the 128-bit halves; the permute puts them back */
		_mm256_storeu_si256((__m256i *) (o + c0),
							_mm256_permute4x64_epi64(_mm256_packs_epi32(s0, s1), 0xD8));
	}
}

static AVX2 void
blocks_avx2_k3(const NnQDepthwise *q, const int16_t *const *tap, int16_t *o)
{
	blocks_avx2(q, tap, o, 3);
}

static AVX2 void
blocks_avx2_any(const NnQDepthwise *q, const int16_t *const *tap, int16_t *o)
{
	blocks_avx2(q, tap, o, q->k);
}
#endif

/* the whole blocks of a pixel */
typedef void (*BlocksFunc) (const NnQDepthwise *q, const int16_t *const *tap, int16_t *o);

/*
 * out = act(depthwise(in) + bias) in int16 steps; sets out's shape.
 * out must not alias in.
 */
void
nn_qdepthwise_conv2d(const NnQDepthwise *q, const NnQTensor *in, NnQTensor *out)
{
	const int	k = q->k;
	const int	s = q->stride;
	const int	row = NN_QROW(q->c);
	const int16_t *tap[QDW_MAX_K * QDW_MAX_K];
	BlocksFunc	blocks = NULL;
	int			c0 = 0;
	int			top,
				left;

	out->h = nn_out_size(in->h, k, s, q->padding);
	out->w = nn_out_size(in->w, k, s, q->padding);
	out->c = q->c;
	top = nn_pad_before(in->h, out->h, k, s, q->padding);
	left = nn_pad_before(in->w, out->w, k, s, q->padding);
#if defined(__x86_64__)
	if (q->c >= QDW_BLOCK &&
		__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
	{
		blocks = k == 3 ? blocks_avx2_k3 : blocks_avx2_any;
		c0 = q->c / QDW_BLOCK * QDW_BLOCK;
	}
#endif
	for (int oy = 0; oy < out->h; oy++)
		for (int ox = 0; ox < out->w; ox++)
		{
			const int	iy = oy * s - top;
			const int	ix = ox * s - left;
			int16_t    *o = out->data + ((size_t) oy * out->w + ox) * row;

			/* taps over the padding read zeros */
			for (int ky = 0; ky < k; ky++)
				for (int kx = 0; kx < k; kx++)
				{
					int			y = iy + ky;
					int			x = ix + kx;

					tap[ky * k + kx] = y < 0 || y >= in->h || x < 0 || x >= in->w ? q->zeros :
						in->data + ((size_t) y * in->w + x) * row;
				}
			if (blocks)
				blocks(q, tap, o);
			channels_portable(q, tap, c0, o);
			if (row != q->c)
				o[q->c] = 0;
		}
}
