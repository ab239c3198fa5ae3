/*
 * ssd_bench.c
 *		The SSD detector without a server: milliseconds per detection pass
 *		on one thread (median of many runs, the 512x512 net plus decoding
 *		and NMS, no landmarks) and achieved GFLOP/s, for each fixture.
 *
 *   ssd_bench WEIGHTS.frw RUNS FIXTURE.WxH.rgb...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "face/ssd.h"

/* 3.14 G multiply-adds at 512x512 (face-models.md) */
#define SSD_GFLOP 6.28

int
main(int argc, char **argv)
{
	FaceDetector *det;
	FaceDetection faces[SSD_MAX_FACES];
	NnError		err;
	int			runs;

	if (argc < 4 || (runs = atoi(argv[2])) <= 0)
	{
		fprintf(stderr, "usage: %s WEIGHTS.frw RUNS FIXTURE.WxH.rgb...\n", argv[0]);
		return 2;
	}
	det = face_detector_open(argv[1], &err);
	if (det == NULL)
	{
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	for (int a = 3; a < argc; a++)
	{
		int			w,
					h,
					n = 0;
		uint8_t    *rgb = read_fixture(argv[a], &w, &h);
		double	   *ms = malloc(sizeof(double) * runs);
		double		med;

		for (int i = 0; i < runs; i++)
		{
			double		t0 = now_ms();

			n = face_detector_run(det, rgb, w, h, 0.5, faces);
			ms[i] = now_ms() - t0;
		}
		med = sort_median(ms, runs);
		printf("%s: %d faces, median %.2f ms over %d runs (min %.2f), %.1f GFLOP/s\n",
			   strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a], n, med, runs,
			   ms[0], SSD_GFLOP / med * 1e3);
		free(ms);
		free(rgb);
	}
	face_detector_close(det);
	return 0;
}
