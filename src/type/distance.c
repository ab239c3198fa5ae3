/*
 * distance.c
 *		Scalar, AVX2 and AVX-512 distance kernels (float against float, and
 *		float against int8 codes) and run-time selection.
 *
 * The vectorized versions are compiled with per-function target attributes,
 * so the library itself stays runnable on any x86-64; they are only called
 * after __builtin_cpu_supports() (which also checks that the OS saves the
 * wide registers) said yes.
 */
#include <math.h>
#include <stddef.h>

#include "type/distance.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86_KERNELS 1
#include <immintrin.h>
#endif

/* ---- portable scalar loops: the fallback and the benchmark baseline ---- */

static float
l2_squared_scalar(const float *a, const float *b, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

static float
inner_product_scalar(const float *a, const float *b, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

static void
cosine_parts_scalar(const float *a, const float *b, int n,
					float *dot, float *norm_a, float *norm_b)
{
	float		d = 0.0f,
				na = 0.0f,
				nb = 0.0f;

	for (int i = 0; i < n; i++)
	{
		d += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	*dot = d;
	*norm_a = na;
	*norm_b = nb;
}

static float
l2_squared_sq8_scalar(const float *q, const signed char *code, const float *w, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		d = q[i] - (float) code[i];

		sum += w[i] * d * d;
	}
	return sum;
}

static float
dot_sq8_scalar(const float *q, const signed char *code, int n)
{
	float		sum = 0.0f;

	for (int i = 0; i < n; i++)
		sum += q[i] * (float) code[i];
	return sum;
}

#ifdef HAVE_X86_KERNELS

/* ---- AVX2 + FMA: 8 lanes, two accumulators to hide FMA latency ---- */

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline float
hsum256(__m256 v)
{
	__m128		s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

AVX2 static float
l2_squared_avx2(const float *a, const float *b, int n)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));

		acc0 = _mm256_fmadd_ps(d0, d0, acc0);
		acc1 = _mm256_fmadd_ps(d1, d1, acc1);
	}
	for (; i + 8 <= n; i += 8)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));

		acc0 = _mm256_fmadd_ps(d0, d0, acc0);
	}
	sum = hsum256(_mm256_add_ps(acc0, acc1));
	for (; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

AVX2 static float
inner_product_avx2(const float *a, const float *b, int n)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
		acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
	}
	for (; i + 8 <= n; i += 8)
		acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
	sum = hsum256(_mm256_add_ps(acc0, acc1));
	for (; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

AVX2 static void
cosine_parts_avx2(const float *a, const float *b, int n,
				  float *dot, float *norm_a, float *norm_b)
{
	__m256		vd0 = _mm256_setzero_ps(),
				vd1 = _mm256_setzero_ps();
	__m256		va0 = _mm256_setzero_ps(),
				va1 = _mm256_setzero_ps();
	__m256		vb0 = _mm256_setzero_ps(),
				vb1 = _mm256_setzero_ps();
	int			i = 0;
	float		d,
				na,
				nb;

	for (; i + 16 <= n; i += 16)
	{
		__m256		x0 = _mm256_loadu_ps(a + i);
		__m256		y0 = _mm256_loadu_ps(b + i);
		__m256		x1 = _mm256_loadu_ps(a + i + 8);
		__m256		y1 = _mm256_loadu_ps(b + i + 8);

		vd0 = _mm256_fmadd_ps(x0, y0, vd0);
		va0 = _mm256_fmadd_ps(x0, x0, va0);
		vb0 = _mm256_fmadd_ps(y0, y0, vb0);
		vd1 = _mm256_fmadd_ps(x1, y1, vd1);
		va1 = _mm256_fmadd_ps(x1, x1, va1);
		vb1 = _mm256_fmadd_ps(y1, y1, vb1);
	}
	for (; i + 8 <= n; i += 8)
	{
		__m256		x = _mm256_loadu_ps(a + i);
		__m256		y = _mm256_loadu_ps(b + i);

		vd0 = _mm256_fmadd_ps(x, y, vd0);
		va0 = _mm256_fmadd_ps(x, x, va0);
		vb0 = _mm256_fmadd_ps(y, y, vb0);
	}
	d = hsum256(_mm256_add_ps(vd0, vd1));
	na = hsum256(_mm256_add_ps(va0, va1));
	nb = hsum256(_mm256_add_ps(vb0, vb1));
	for (; i < n; i++)
	{
		d += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	*dot = d;
	*norm_a = na;
	*norm_b = nb;
}

/* 8 int8 codes widened to 8 floats */
AVX2 static inline __m256
load8_sq8(const signed char *code)
{
	return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) code)));
}

AVX2 static float
l2_squared_sq8_avx2(const float *q, const signed char *code, const float *w, int n)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(q + i), load8_sq8(code + i));
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(q + i + 8), load8_sq8(code + i + 8));

		acc0 = _mm256_fmadd_ps(_mm256_mul_ps(d0, d0), _mm256_loadu_ps(w + i), acc0);
		acc1 = _mm256_fmadd_ps(_mm256_mul_ps(d1, d1), _mm256_loadu_ps(w + i + 8), acc1);
	}
	for (; i + 8 <= n; i += 8)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(q + i), load8_sq8(code + i));

		acc0 = _mm256_fmadd_ps(_mm256_mul_ps(d0, d0), _mm256_loadu_ps(w + i), acc0);
	}
	sum = hsum256(_mm256_add_ps(acc0, acc1));
	for (; i < n; i++)
	{
		float		d = q[i] - (float) code[i];

		sum += w[i] * d * d;
	}
	return sum;
}

AVX2 static float
dot_sq8_avx2(const float *q, const signed char *code, int n)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 16 <= n; i += 16)
	{
		acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load8_sq8(code + i), acc0);
		acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load8_sq8(code + i + 8), acc1);
	}
	for (; i + 8 <= n; i += 8)
		acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load8_sq8(code + i), acc0);
	sum = hsum256(_mm256_add_ps(acc0, acc1));
	for (; i < n; i++)
		sum += q[i] * (float) code[i];
	return sum;
}

/* ---- AVX-512F: 16 lanes, masked loads for the tail (no scalar loop) ---- */

#define AVX512 __attribute__((target("avx512f")))

AVX512 static float
l2_squared_avx512(const float *a, const float *b, int n)
{
	__m512		acc0 = _mm512_setzero_ps();
	__m512		acc1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= n; i += 32)
	{
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		__m512		d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));

		acc0 = _mm512_fmadd_ps(d0, d0, acc0);
		acc1 = _mm512_fmadd_ps(d1, d1, acc1);
	}
	for (; i < n; i += 16)
	{
		__mmask16	m = (n - i >= 16) ? 0xFFFF : (__mmask16) ((1u << (n - i)) - 1);
		__m512		d0 = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
									   _mm512_maskz_loadu_ps(m, b + i));

		acc0 = _mm512_fmadd_ps(d0, d0, acc0);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

AVX512 static float
inner_product_avx512(const float *a, const float *b, int n)
{
	__m512		acc0 = _mm512_setzero_ps();
	__m512		acc1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= n; i += 32)
	{
		acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
		acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
	}
	for (; i < n; i += 16)
	{
		__mmask16	m = (n - i >= 16) ? 0xFFFF : (__mmask16) ((1u << (n - i)) - 1);

		acc0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i),
							   _mm512_maskz_loadu_ps(m, b + i), acc0);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

AVX512 static void
cosine_parts_avx512(const float *a, const float *b, int n,
					float *dot, float *norm_a, float *norm_b)
{
	__m512		vd0 = _mm512_setzero_ps(),
				vd1 = _mm512_setzero_ps();
	__m512		va0 = _mm512_setzero_ps(),
				va1 = _mm512_setzero_ps();
	__m512		vb0 = _mm512_setzero_ps(),
				vb1 = _mm512_setzero_ps();
	int			i = 0;

	/* two sets of accumulators: FMA latency, not throughput, is the limit */
	for (; i + 32 <= n; i += 32)
	{
		__m512		x0 = _mm512_loadu_ps(a + i);
		__m512		y0 = _mm512_loadu_ps(b + i);
		__m512		x1 = _mm512_loadu_ps(a + i + 16);
		__m512		y1 = _mm512_loadu_ps(b + i + 16);

		vd0 = _mm512_fmadd_ps(x0, y0, vd0);
		va0 = _mm512_fmadd_ps(x0, x0, va0);
		vb0 = _mm512_fmadd_ps(y0, y0, vb0);
		vd1 = _mm512_fmadd_ps(x1, y1, vd1);
		va1 = _mm512_fmadd_ps(x1, x1, va1);
		vb1 = _mm512_fmadd_ps(y1, y1, vb1);
	}
	for (; i < n; i += 16)
	{
		__mmask16	m = (n - i >= 16) ? 0xFFFF : (__mmask16) ((1u << (n - i)) - 1);
		__m512		x = _mm512_maskz_loadu_ps(m, a + i);
		__m512		y = _mm512_maskz_loadu_ps(m, b + i);

		vd0 = _mm512_fmadd_ps(x, y, vd0);
		va0 = _mm512_fmadd_ps(x, x, va0);
		vb0 = _mm512_fmadd_ps(y, y, vb0);
	}
	*dot = _mm512_reduce_add_ps(_mm512_add_ps(vd0, vd1));
	*norm_a = _mm512_reduce_add_ps(_mm512_add_ps(va0, va1));
	*norm_b = _mm512_reduce_add_ps(_mm512_add_ps(vb0, vb1));
}

/* 16 int8 codes widened to 16 floats (AVX-512F only: no byte masks) */
AVX512 static inline __m512
load16_sq8(const signed char *code)
{
	return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) code)));
}

AVX512 static float
l2_squared_sq8_avx512(const float *q, const signed char *code, const float *w, int n)
{
	__m512		acc0 = _mm512_setzero_ps();
	__m512		acc1 = _mm512_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 32 <= n; i += 32)
	{
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(q + i), load16_sq8(code + i));
		__m512		d1 = _mm512_sub_ps(_mm512_loadu_ps(q + i + 16), load16_sq8(code + i + 16));

		acc0 = _mm512_fmadd_ps(_mm512_mul_ps(d0, d0), _mm512_loadu_ps(w + i), acc0);
		acc1 = _mm512_fmadd_ps(_mm512_mul_ps(d1, d1), _mm512_loadu_ps(w + i + 16), acc1);
	}
	for (; i + 16 <= n; i += 16)
	{
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(q + i), load16_sq8(code + i));

		acc0 = _mm512_fmadd_ps(_mm512_mul_ps(d0, d0), _mm512_loadu_ps(w + i), acc0);
	}
	sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
	for (; i < n; i++)
	{
		float		d = q[i] - (float) code[i];

		sum += w[i] * d * d;
	}
	return sum;
}

AVX512 static float
dot_sq8_avx512(const float *q, const signed char *code, int n)
{
	__m512		acc0 = _mm512_setzero_ps();
	__m512		acc1 = _mm512_setzero_ps();
	int			i = 0;
	float		sum;

	for (; i + 32 <= n; i += 32)
	{
		acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), load16_sq8(code + i), acc0);
		acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i + 16), load16_sq8(code + i + 16), acc1);
	}
	for (; i + 16 <= n; i += 16)
		acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), load16_sq8(code + i), acc0);
	sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
	for (; i < n; i++)
		sum += q[i] * (float) code[i];
	return sum;
}
#endif							/* HAVE_X86_KERNELS */

static const DistanceKernels all_variants[] = {
	{"scalar", l2_squared_scalar, inner_product_scalar, cosine_parts_scalar,
	l2_squared_sq8_scalar, dot_sq8_scalar},
#ifdef HAVE_X86_KERNELS
	{"avx2", l2_squared_avx2, inner_product_avx2, cosine_parts_avx2,
	l2_squared_sq8_avx2, dot_sq8_avx2},
	{"avx512", l2_squared_avx512, inner_product_avx512, cosine_parts_avx512,
	l2_squared_sq8_avx512, dot_sq8_avx512},
#endif
};

DistanceKernels active_kernels = {
	"scalar", l2_squared_scalar, inner_product_scalar, cosine_parts_scalar,
	l2_squared_sq8_scalar, dot_sq8_scalar
};

int
distance_kernel_variants(const DistanceKernels **variants)
{
	*variants = all_variants;
	return (int) (sizeof(all_variants) / sizeof(all_variants[0]));
}

int
distance_kernel_supported(const DistanceKernels *k)
{
#ifdef HAVE_X86_KERNELS
	if (k->l2_squared == l2_squared_avx2)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	if (k->l2_squared == l2_squared_avx512)
		return __builtin_cpu_supports("avx512f");
#endif
	return 1;
}

void
distance_kernels_init(void)
{
	const DistanceKernels *v;
	int			n = distance_kernel_variants(&v);

#ifdef HAVE_X86_KERNELS
	__builtin_cpu_init();
#endif
	for (int i = n - 1; i >= 0; i--)
	{
		if (distance_kernel_supported(&v[i]))
		{
			active_kernels = v[i];
			return;
		}
	}
}

double
cosine_distance_from_parts(float dot, float norm_a, float norm_b)
{
	double		sim;

	if (norm_a == 0.0f || norm_b == 0.0f)
		return NAN;
	sim = (double) dot / sqrt((double) norm_a * (double) norm_b);
	/* rounding can push |sim| a hair above 1 */
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	return 1.0 - sim;
}
