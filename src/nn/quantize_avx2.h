/*
 * quantize_avx2.h
 *		nn_quantize on 16 floats at once, for the AVX2 kernels inside src/nn
 *		that store int16 or u8 activations (depthwise.c, qconv.c,
 *		qconv_u8.c).  Include only
 *		on x86-64, from functions compiled for AVX2.
 */
#ifndef FACEREC_NN_QUANTIZE_AVX2_H
#define FACEREC_NN_QUANTIZE_AVX2_H

#include "nn/nn.h"

#include <immintrin.h>

/*
 * lo, hi (channels 0-7, 8-15) as nn_quantize steps (inv = 1 / step) into
 * o[0..15]: x * inv + 0.5 clamped to [0, NN_QCONV_IN_MAX], truncated.
 * packs interleaves the 128-bit halves; the permute puts them back.
 */
static inline __attribute__((always_inline, target("avx2,fma"))) void
nn_quantize16_avx2(__m256 lo, __m256 hi, float inv, int16_t *o)
{
	const __m256 half = _mm256_set1_ps(0.5f);
	const __m256 zero = _mm256_setzero_ps();
	const __m256 top = _mm256_set1_ps(NN_QCONV_IN_MAX);
	const __m256 scale = _mm256_set1_ps(inv);
	__m256i		qlo = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(lo, scale, half), zero), top));
	__m256i		qhi = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(hi, scale, half), zero), top));

	_mm256_storeu_si256((__m256i *) o,
						_mm256_permute4x64_epi64(_mm256_packs_epi32(qlo, qhi), 0xD8));
}

/*
 * The same as nn_quantize_u8 steps, clamped to [0, NN_U8_MAX]: 16 bytes
 * into o[0..15].
 */
static inline __attribute__((always_inline, target("avx2,fma"))) void
nn_quantize16_u8_avx2(__m256 lo, __m256 hi, float inv, uint8_t *o)
{
	const __m256 half = _mm256_set1_ps(0.5f);
	const __m256 zero = _mm256_setzero_ps();
	const __m256 top = _mm256_set1_ps(NN_U8_MAX);
	const __m256 scale = _mm256_set1_ps(inv);
	__m256i		qlo = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(lo, scale, half), zero), top));
	__m256i		qhi = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(hi, scale, half), zero), top));
	__m256i		w = _mm256_permute4x64_epi64(_mm256_packs_epi32(qlo, qhi), 0xD8);

	_mm_storeu_si128((__m128i *) o, _mm_packus_epi16(_mm256_castsi256_si128(w),
													 _mm256_extracti128_si256(w, 1)));
}

#endif							/* FACEREC_NN_QUANTIZE_AVX2_H */
