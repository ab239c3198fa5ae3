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
 *
 * The same code runs between u8 maps (nn_qdepthwise_conv2d_u8, for
 * qconv_u8.c's layers): the inputs widened to int16 as they are loaded
 * (a step is at most NN_U8_MAX, within the bound above), the outputs
 * clamped at NN_U8_MAX and narrowed to bytes.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include "nn/quantize_avx2.h"
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
		int32_t		wq[QDW_MAX_K * QDW_MAX_K];
		double		step = nn_weight_step(dw->filters + ch, c, taps, 32767,
										  NN_QCONV_IN_MAX, wq);

		for (int t = 0; t < taps; t++)
			q->taps[(size_t) t * c + ch] = (int16_t) wq[t];
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

/* the output step of a channel's exact sum, at most top */
static inline int
finish(const NnQDepthwise *q, int32_t sum, int ch, float top)
{
	float		v = fmaf((float) sum, q->mul[ch], q->add[ch]);

	/* truncation after the +0.5 in add rounds: v >= 0 */
	return (int) (v < 0 ? 0 : v > top ? top : v);
}

/*
 * channels [c0, c) of one pixel, tap t's input row at tap[t]; u8 maps
 * when U8 (constant where inlined), else int16
 */
static inline __attribute__((always_inline)) void
channels_portable(const NnQDepthwise *q, const void *const *tap, int c0, void *o,
				  const int U8)
{
	const float top = U8 ? fminf(q->top, NN_U8_MAX) : q->top;

	for (int ch = c0; ch < q->c; ch++)
	{
		int32_t		sum = 0;

		for (int t = 0; t < q->k * q->k; t++)
			sum += (U8 ? ((const uint8_t *) tap[t])[ch] : ((const int16_t *) tap[t])[ch]) *
				q->taps[(size_t) t * q->c + ch];
		if (U8)
			((uint8_t *) o)[ch] = finish(q, sum, ch, top);
		else
			((int16_t *) o)[ch] = finish(q, sum, ch, top);
	}
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma")))

/* 16 input steps of channels c0.. of one tap as int16 */
static inline __attribute__((always_inline)) AVX2 __m256i
load16(const void *row, int c0, const int U8)
{
	if (U8)
		return _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) ((const uint8_t *) row + c0)));
	return _mm256_loadu_si256((const __m256i *) ((const int16_t *) row + c0));
}

/*
 * Every whole block of one pixel (tap t's input row at tap[t]), K = q->k
 * and U8 (u8 maps, else int16) constant where it is inlined, so that the
 * pairs unroll.
 */
static inline __attribute__((always_inline)) AVX2 void
blocks_avx2(const NnQDepthwise *q, const void *const *tap, void *o, const int K,
			const int U8)
{
	const int	pairs = (K * K + 1) / 2;
	const __m256 zero = _mm256_setzero_ps();
	const __m256 top = _mm256_set1_ps(U8 ? fminf(q->top, NN_U8_MAX) : q->top);
	const int16_t *w = q->packed;

	for (int c0 = 0; c0 + QDW_BLOCK <= q->c; c0 += QDW_BLOCK)
	{
		__m256i		lo = _mm256_setzero_si256();
		__m256i		hi = _mm256_setzero_si256();
		__m256		f0,
					f1;
		__m256i		s0,
					s1,
					v;

		for (int p = 0; p < pairs; p++, w += 2 * QDW_BLOCK)
		{
			__m256i		a = load16(tap[2 * p], c0, U8);
			__m256i		b = 2 * p + 1 < K * K ? load16(tap[2 * p + 1], c0, U8) :
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
		v = _mm256_permute4x64_epi64(_mm256_packs_epi32(s0, s1), 0xD8);
		if (U8)
			nn_store16_u8_avx2(v, (uint8_t *) o + c0);
		else
			_mm256_storeu_si256((__m256i *) ((int16_t *) o + c0), v);
	}
}

static AVX2 void
blocks_avx2_k3(const NnQDepthwise *q, const void *const *tap, void *o)
{
	blocks_avx2(q, tap, o, 3, 0);
}

static AVX2 void
blocks_avx2_any(const NnQDepthwise *q, const void *const *tap, void *o)
{
	blocks_avx2(q, tap, o, q->k, 0);
}

static AVX2 void
blocks_avx2_k3_u8(const NnQDepthwise *q, const void *const *tap, void *o)
{
	blocks_avx2(q, tap, o, 3, 1);
}

static AVX2 void
blocks_avx2_any_u8(const NnQDepthwise *q, const void *const *tap, void *o)
{
	blocks_avx2(q, tap, o, q->k, 1);
}
#endif

/* the whole blocks of a pixel */
typedef void (*BlocksFunc) (const NnQDepthwise *q, const void *const *tap, void *o);

static void
channels_portable_i16(const NnQDepthwise *q, const void *const *tap, int c0, void *o)
{
	channels_portable(q, tap, c0, o, 0);
}

static void
channels_portable_u8(const NnQDepthwise *q, const void *const *tap, int c0, void *o)
{
	channels_portable(q, tap, c0, o, 1);
}

/*
 * out = act(depthwise(in) + bias) in steps, between maps of rows of row
 * elements of size bytes (int16 or u8) at in and out, of in_h x in_w input
 * pixels; sets out_h, out_w.  blocks (NULL without AVX2) does the whole
 * blocks of a pixel, rest the channels after them.  Inlined, so that
 * size, blocks and rest are constants at each call.
 */
static inline __attribute__((always_inline)) void
qdepthwise_map(const NnQDepthwise *q, const void *in, int in_h, int in_w,
			   void *out, int *out_h, int *out_w, size_t size, int row,
			   BlocksFunc blocks,
			   void (*rest) (const NnQDepthwise *, const void *const *, int, void *))
{
	const int	k = q->k;
	const int	s = q->stride;
	const void *tap[QDW_MAX_K * QDW_MAX_K];
	const int	c0 = blocks ? q->c / QDW_BLOCK * QDW_BLOCK : 0;
	int			oh = nn_out_size(in_h, k, s, q->padding);
	int			ow = nn_out_size(in_w, k, s, q->padding);
	int			top = nn_pad_before(in_h, oh, k, s, q->padding);
	int			left = nn_pad_before(in_w, ow, k, s, q->padding);

	*out_h = oh;
	*out_w = ow;
	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++)
		{
			const int	iy = oy * s - top;
			const int	ix = ox * s - left;
			char	   *o = (char *) out + ((size_t) oy * ow + ox) * row * size;

			/* taps over the padding read zeros (at least row elements) */
			for (int ky = 0; ky < k; ky++)
				for (int kx = 0; kx < k; kx++)
				{
					int			y = iy + ky;
					int			x = ix + kx;

					tap[ky * k + kx] = y < 0 || y >= in_h || x < 0 || x >= in_w ?
						(const void *) q->zeros :
						(const char *) in + ((size_t) y * in_w + x) * row * size;
				}
			if (blocks)
				blocks(q, tap, o);
			if (c0 < q->c)
				rest(q, tap, c0, o);
			if (row != q->c)
				memset(o + q->c * size, 0, (row - q->c) * size);
		}
}

#if defined(__x86_64__)
/* AVX2 for whole blocks of 16 channels, when the CPU has it */
static int
use_avx2(const NnQDepthwise *q)
{
	return q->c >= QDW_BLOCK &&
		__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

void
nn_qdepthwise_conv2d(const NnQDepthwise *q, const NnQTensor *in, NnQTensor *out)
{
	BlocksFunc	blocks = NULL;

#if defined(__x86_64__)
	if (use_avx2(q))
		blocks = q->k == 3 ? blocks_avx2_k3 : blocks_avx2_any;
#endif
	out->c = q->c;
	qdepthwise_map(q, in->data, in->h, in->w, out->data, &out->h, &out->w,
				   sizeof(int16_t), NN_QROW(q->c), blocks, channels_portable_i16);
}

void
nn_qdepthwise_conv2d_u8(const NnQDepthwise *q, const NnU8Tensor *in, NnU8Tensor *out)
{
	BlocksFunc	blocks = NULL;

#if defined(__x86_64__)
	if (use_avx2(q))
		blocks = q->k == 3 ? blocks_avx2_k3_u8 : blocks_avx2_any_u8;
#endif
	out->c = q->c;
	qdepthwise_map(q, in->data, in->h, in->w, out->data, &out->h, &out->w,
				   sizeof(uint8_t), NN_U8ROW(q->c), blocks, channels_portable_u8);
}
