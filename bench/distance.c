/*
 * distance.c (bench)
 *		ns per 128-d distance for each operator's kernel, every variant this
 *		CPU supports against the portable scalar loop, in one run.
 *
 * A query is compared with a block of 1024 embeddings (512 kB, cache
 * resident, as the hot part of an index scan is); each pass is timed and the
 * median pass is reported.  The variants are also checked against the
 * scalar results (error = |v - scalar| / (1 + |scalar|), above 1e-5 fails)
 * so that a fast but wrong kernel cannot go unnoticed; `--check` does only
 * that, without timing (tools/run-tests runs it).  The int8-code kernels of
 * the graph index (a float query against quantized rows) are measured and
 * checked the same way.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "type/distance.h"

#define DIM 128
#define ROWS 1024
#define PASSES 301

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

typedef enum
{
	OP_L2, OP_IP, OP_COSINE, OP_L2_SQ8, OP_DOT_SQ8
} Op;

static const char *const op_names[] = {"<-> l2", "<#> inner product", "<=> cosine",
"l2 vs int8 codes", "dot vs int8 codes"};

/* the rows as int8 codes (code row r goes with float row r of rows_base)
 * and the weights of the weighted int8 L2 */
static const float *rows_base;
static signed char codes[DIM * ROWS];
static float weights[DIM];

/* the query as the index passes it: in code units (L2), times the scale (dot) */
static float q_in_codes[DIM];
static float q_scaled[DIM];

static double
one_distance(const DistanceKernels *k, Op op, const float *a, const float *b)
{
	float		d,
				na,
				nb;
	const signed char *code = codes + (b - rows_base);

	switch (op)
	{
		case OP_L2_SQ8:
			return k->l2_squared_sq8(q_in_codes, code, weights, DIM);
		case OP_DOT_SQ8:
			return k->dot_sq8(q_scaled, code, DIM);
		case OP_L2:
			return sqrt((double) k->l2_squared(a, b, DIM));
		case OP_IP:
			return -(double) k->inner_product(a, b, DIM);
		case OP_COSINE:
			k->cosine_parts(a, b, DIM, &d, &na, &nb);
			return cosine_distance_from_parts(d, na, nb);
	}
	return 0;
}

/* median ns per distance over PASSES passes through the block */
static double
time_kernel(const DistanceKernels *k, Op op, const float *q, const float *data)
{
	static double passes[PASSES];
	volatile double sink = 0;

	for (int p = 0; p < PASSES; p++)
	{
		double		t0 = now_ns();
		double		s = 0;

		for (int r = 0; r < ROWS; r++)
			s += one_distance(k, op, q, data + (size_t) r * DIM);
		passes[p] = (now_ns() - t0) / ROWS;
		sink += s;
	}
	(void) sink;
	qsort(passes, PASSES, sizeof(double), cmp_double);
	return passes[PASSES / 2];
}

int
main(int argc, char **argv)
{
	int			check_only = argc > 1 && strcmp(argv[1], "--check") == 0;
	const DistanceKernels *variants;
	int			nvariants = distance_kernel_variants(&variants);
	float	   *data = malloc(sizeof(float) * DIM * ROWS);
	float		q[DIM];
	int			failures = 0;

	srand(42);
	for (int i = 0; i < DIM * ROWS; i++)
		data[i] = (float) rand() / RAND_MAX * 0.4f - 0.2f;
	for (int i = 0; i < DIM; i++)
		q[i] = (float) rand() / RAND_MAX * 0.4f - 0.2f;
	rows_base = data;
	for (int i = 0; i < DIM * ROWS; i++)
		codes[i] = (signed char) lrintf(data[i] * 635.0f);
	for (int i = 0; i < DIM; i++)
	{
		weights[i] = 1.0f / (635.0f * 635.0f);
		q_in_codes[i] = q[i] * 635.0f;
		q_scaled[i] = q[i] / 635.0f;
	}
	distance_kernels_init();
	printf("distance kernels, %d dimensions, %d rows per pass, median of %d passes\n",
		   DIM, ROWS, PASSES);
	printf("server would use: %s\n\n", active_kernels.isa);
	printf("%-20s %-8s %10s %12s %14s\n", "operator", "kernel", "ns/dist", "vs scalar", "max error");

	for (int op = OP_L2; op <= OP_DOT_SQ8; op++)
	{
		double		scalar_ns = 0;

		for (int v = 0; v < nvariants; v++)
		{
			double		ns,
						worst = 0;

			if (!distance_kernel_supported(&variants[v]))
			{
				printf("%-20s %-8s %10s\n", op_names[op], variants[v].isa, "n/a");
				continue;
			}
			for (int r = 0; r < ROWS; r++)
			{
				double		ref = one_distance(&variants[0], op, q, data + (size_t) r * DIM);
				double		got = one_distance(&variants[v], op, q, data + (size_t) r * DIM);
				double		err = fabs(got - ref) / (1.0 + fabs(ref));

				worst = fmax(worst, err);
			}
			if (worst > 1e-5)
				failures++;
			if (check_only)
			{
				printf("%-20s %-8s %10s %12s %14.1e\n", op_names[op], variants[v].isa,
					   "-", "-", worst);
				continue;
			}
			ns = time_kernel(&variants[v], op, q, data);
			if (v == 0)
				scalar_ns = ns;
			printf("%-20s %-8s %10.2f %11.2fx %14.1e\n", op_names[op], variants[v].isa,
				   ns, scalar_ns / ns, worst);
		}
	}
	free(data);
	if (failures)
	{
		printf("\n%d kernel(s) disagree with the scalar loop\n", failures);
		return 1;
	}
	return 0;
}
