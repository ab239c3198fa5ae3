/*
 * distance.h
 *		Distance kernels over float4 arrays, free of PostgreSQL headers so
 *		that the index, the benchmarks and the fuzzers can use them too.
 *
 * Each kernel has a portable scalar version and vectorized versions for
 * AVX2+FMA and AVX-512F.  distance_kernels_init() picks the best one the CPU
 * (and the OS, via XSAVE state) supports; callers then go through the
 * function pointers.  Vectorized sums run in a different order from the
 * scalar loop, so results may differ from it in the last bits.
 */
#ifndef FACEREC_DISTANCE_H
#define FACEREC_DISTANCE_H

typedef float (*pair_kernel) (const float *a, const float *b, int n);
typedef void (*cosine_kernel) (const float *a, const float *b, int n,
							   float *dot, float *norm_a, float *norm_b);

/*
 * Kernels against int8 codes (a float query against a quantized vector, as
 * the graph index traverses): q is float, code holds n values in -127..127.
 */
typedef float (*sq8_weighted_kernel) (const float *q, const signed char *code,
									  const float *w, int n);
typedef float (*sq8_kernel) (const float *q, const signed char *code, int n);

typedef struct DistanceKernels
{
	const char *isa;			/* "scalar", "avx2", "avx512" */
	pair_kernel l2_squared;		/* sum (a - b)^2 */
	pair_kernel inner_product;	/* sum a * b */
	cosine_kernel cosine_parts; /* a.b, |a|^2, |b|^2 in one pass */
	sq8_weighted_kernel l2_squared_sq8; /* sum w * (q - code)^2 */
	sq8_kernel dot_sq8;			/* sum q * code */
} DistanceKernels;

/* the kernels in use; valid after distance_kernels_init() */
extern DistanceKernels active_kernels;

extern void distance_kernels_init(void);

/*
 * All variants this build has, best last, and whether this CPU can run each
 * one (for benchmarks and for tests that compare them to the scalar loop).
 */
extern int	distance_kernel_variants(const DistanceKernels **variants);
extern int	distance_kernel_supported(const DistanceKernels *k);

/* cosine distance from the parts; NaN when either vector is zero */
extern double cosine_distance_from_parts(float dot, float norm_a, float norm_b);

#endif							/* FACEREC_DISTANCE_H */
