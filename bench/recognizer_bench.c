/*
 * recognizer_bench.c
 *		The recognition network without a server: milliseconds per
 *		descriptor on one thread (median of many runs), achieved GFLOP/s,
 *		the OpenBLAS kernel in use, and the largest difference from the
 *		reference descriptors in tools/reference/fixtures; then the same
 *		in int16 (face_recognizer_set_precision), runs of the two
 *		interleaved, and its largest difference from the float32 descriptor.
 *
 *   recognizer_bench WEIGHTS.frw RUNS FIXTURE.WxH.rgb...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "face/recognizer.h"
#include "bench_util.h"

/* 270.9 M multiply-adds per descriptor (docs: face-models.md) */
#define DESCRIPTOR_GFLOP 0.5418

extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);

/* largest |ours - reference| against NAME.descriptor, or -1 when absent */
static double
reference_diff(const char *rgb_path, const float *d)
{
	char		path[4096];
	char	   *dot;
	FILE	   *f;
	double		worst = 0;

	snprintf(path, sizeof(path), "%s", rgb_path);
	dot = strstr(path, ".rgb");
	if (dot == NULL)
		return -1;
	*dot = '\0';
	dot = strrchr(path, '.');
	snprintf(dot, sizeof(path) - (dot - path), ".descriptor");
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fgetc(f) != '[')
		return -1;
	for (int i = 0; i < FACE_DESCRIPTOR_DIM; i++)
	{
		double		ref;

		if (fscanf(f, "%lf%*c", &ref) != 1)
			return -1;
		worst = fmax(worst, fabs(ref - d[i]));
	}
	fclose(f);
	return worst;
}

int
main(int argc, char **argv)
{
	FaceRecognizer *rec;
	NnError		err;
	int			runs;
	double		t0;
	double		open_ms;

	if (argc < 4)
	{
		fprintf(stderr, "usage: %s WEIGHTS.frw RUNS FIXTURE.WxH.rgb...\n", argv[0]);
		return 2;
	}
	runs = atoi(argv[2]);
	t0 = now_ms();
	rec = face_recognizer_open(argv[1], &err);
	if (rec == NULL)
	{
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	open_ms = now_ms() - t0;
	printf("OpenBLAS %s, kernel %s\n", openblas_get_config(), openblas_get_corename());
	printf("open (map weights, allocate buffers): %.2f ms\n", open_ms);
	for (int a = 3; a < argc; a++)
	{
		int			w,
					h;
		uint8_t    *rgb = read_fixture(argv[a], &w, &h);
		float		d[FACE_DESCRIPTOR_DIM];
		float		dq[FACE_DESCRIPTOR_DIM];
		double	   *ms = malloc(sizeof(double) * 2 * (runs > 0 ? runs : 1));
		double		norm = 0,
					qdiff = 0,
					diff;

		t0 = now_ms();
		face_recognizer_describe(rec, rgb, w, h, (size_t) w * 3, d);
		printf("%s: first call %.2f ms", fixture_name(argv[a]),
			   now_ms() - t0);
		for (int i = 0; i < runs; i++)
			for (int p = 0; p < 2; p++)
			{
				face_recognizer_set_precision(rec, p ? NN_PRECISION_INT16 : NN_PRECISION_FLOAT);
				t0 = now_ms();
				face_recognizer_describe(rec, rgb, w, h, (size_t) w * 3, p ? dq : d);
				ms[p * runs + i] = now_ms() - t0;
			}
		face_recognizer_set_precision(rec, NN_PRECISION_INT16);
		face_recognizer_describe(rec, rgb, w, h, (size_t) w * 3, dq);
		face_recognizer_set_precision(rec, NN_PRECISION_FLOAT);
		face_recognizer_describe(rec, rgb, w, h, (size_t) w * 3, d);
		for (int i = 0; i < FACE_DESCRIPTOR_DIM; i++)
		{
			norm += (double) d[i] * d[i];
			qdiff = fmax(qdiff, fabs(dq[i] - d[i]));
		}
		printf(", norm %.4f", sqrt(norm));
		diff = reference_diff(argv[a], d);
		if (diff >= 0)
			printf(", max |ours - reference| %.2e", diff);
		if (runs > 0)
		{
			double		med = sort_median(ms, runs);
			double		qmed = sort_median(ms + runs, runs);

			/* the int16 figures avoid "median N ms": scripts read float32's */
			printf(", median %.3f ms over %d runs (min %.3f), %.1f GFLOP/s; "
				   "int16: %.3f ms median (min %.3f), %.2fx, max |int16 - float32| %.2e",
				   med, runs, ms[0], DESCRIPTOR_GFLOP / med * 1e3,
				   qmed, ms[runs], med / qmed, qdiff);
		}
		printf("\n");
		free(ms);
		free(rgb);
	}
	face_recognizer_close(rec);
	return 0;
}
