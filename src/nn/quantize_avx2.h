/*
 * quantize_avx2.h
 *		nn_quantize on 16 floats at once, for the AVX2 kernels inside src/nn
 *		that store int16 or u8 activations (depthwise.c, qdepthwise.c,
 *		qconv.c, qconv_u8.c), and the integer 1x1 kernels' shared epilogue.
 *		Include only on x86-64, from functions compiled for AVX2.
 */
#ifndef FACEREC_NN_QUANTIZE_AVX2_H
#define FACEREC_NN_QUANTIZE_AVX2_H

#include "nn/nn.h"

#include <immintrin.h>

/*
 * lo, hi (channels 0-7, 8-15) as steps (inv = 1 / step) in order in 16
 * int16: x * inv + 0.5 clamped to [0, top], truncated.  packs interleaves
 * the 128-bit halves; the permute puts them back.
 */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256i
nn_steps16_avx2(__m256 lo, __m256 hi, float inv, float top)
{
	const __m256 half = _mm256_set1_ps(0.5f);
	const __m256 zero = _mm256_setzero_ps();
	const __m256 vtop = _mm256_set1_ps(top);
	const __m256 scale = _mm256_set1_ps(inv);
	__m256i		qlo = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(lo, scale, half), zero), vtop));
	__m256i		qhi = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(hi, scale, half), zero), vtop));

	return _mm256_permute4x64_epi64(_mm256_packs_epi32(qlo, qhi), 0xD8);
}

/* 16 int16 in [0, 255] as bytes into o[0..15] */
static inline __attribute__((always_inline, target("avx2,fma"))) void
nn_store16_u8_avx2(__m256i v, uint8_t *o)
{
	_mm_storeu_si128((__m128i *) o, _mm_packus_epi16(_mm256_castsi256_si128(v),
													 _mm256_extracti128_si256(v, 1)));
}

/* lo, hi as nn_quantize steps into o[0..15] */
static inline __attribute__((always_inline, target("avx2,fma"))) void
nn_quantize16_avx2(__m256 lo, __m256 hi, float inv, int16_t *o)
{
	_mm256_storeu_si256((__m256i *) o, nn_steps16_avx2(lo, hi, inv, NN_QCONV_IN_MAX));
}

/* lo, hi as nn_quantize_u8 steps into o[0..15] */
static inline __attribute__((always_inline, target("avx2,fma"))) void
nn_quantize16_u8_avx2(__m256 lo, __m256 hi, float inv, uint8_t *o)
{
	nn_store16_u8_avx2(nn_steps16_avx2(lo, hi, inv, NN_U8_MAX), o);
}

/*
 * lo, hi = act(sum * scale + bias) for 16 channels' int32 sums (act
 * none, ReLU or ReLU6; leaky is the caller's): the integer 1x1 kernels'
 * epilogue (qconv.c, qconv_u8.c).
 */
static inline __attribute__((always_inline, target("avx2,fma"))) void
nn_scale_bias16_avx2(__m256i lo_sum, __m256i hi_sum, const float *scale,
					 const float *bias, NnActivation act, __m256 *lo, __m256 *hi)
{
	*lo = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lo_sum), _mm256_load_ps(scale),
						  _mm256_loadu_ps(bias));
	*hi = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi_sum), _mm256_load_ps(scale + 8),
						  _mm256_loadu_ps(bias + 8));
	if (act == NN_ACT_RELU6)
	{
		*lo = _mm256_min_ps(*lo, _mm256_set1_ps(6.0f));
		*hi = _mm256_min_ps(*hi, _mm256_set1_ps(6.0f));
	}
	if (act == NN_ACT_RELU6 || act == NN_ACT_RELU)
	{
		*lo = _mm256_max_ps(*lo, _mm256_setzero_ps());
		*hi = _mm256_max_ps(*hi, _mm256_setzero_ps());
	}
}

#endif							/* FACEREC_NN_QUANTIZE_AVX2_H */
