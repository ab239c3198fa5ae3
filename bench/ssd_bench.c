/*
 * ssd_bench.c
 *		The SSD detector without a server, on one thread: for each fixture,
 *		milliseconds per detection pass (the 512x512 net plus decoding and
 *		NMS, no landmarks) in float32, int16 and int8 (NnPrecision), runs
 *		of the three interleaved, the medians, their ratios and the achieved
 *		GFLOP/s; then where a pass's time goes, stage by stage, in each.
 *
 *   ssd_bench WEIGHTS.frw RUNS FIXTURE.WxH.rgb...
 *
 * Times are medians (and the minimum) of wall-clock milliseconds, and
 * medians of the thread's CPU time (which leaves out the time other processes had the core: on a
 * shared machine, the steadier of the two).  The stages come from the
 * detector's check hook, which run_net calls before each separable layer
 * and each extra layer; the input tensor (face_net_input) is timed on
 * its own and taken out of the first stage.  Stages are given as medians
 * and, for int16 and int8, as the fastest pass (which the other jobs of a
 * shared machine disturb least: the figure to compare builds by).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "face/net_input.h"
#include "face/ssd.h"
#include "ssd_util.h"

/* 3.14 G multiply-adds at 512x512 (face-models.md) */
#define SSD_GFLOP 6.28

/* the checks of one pass: 13 separable layers, 8 extra layers */
#define N_CHECKS 21
#define N_STAGES (N_CHECKS + 2)


static double stamps[N_CHECKS];
static int	n_stamps;

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
stamp(void)
{
	if (n_stamps < N_CHECKS)
		stamps[n_stamps++] = cpu_ms();
}

static void
stage_name(int s, char *buf, size_t size)
{
	if (s == 0)
		snprintf(buf, size, "input tensor (pad, resize, normalize)");
	else if (s == 1)
		snprintf(buf, size, "conv_0 3x3/2");
	else if (s <= 14)
		snprintf(buf, size, "layer %d: depthwise + 1x1%s", s - 1,
				 s - 1 == 11 || s - 1 == 13 ? " + box predictor" : "");
	else if (s < N_STAGES - 1)
		snprintf(buf, size, "extra %d: %s", s - 15,
				 (s - 15) % 2 ? "3x3/2 + box predictor" : "1x1");
	else
		snprintf(buf, size, "extra 7 3x3/2 + box predictor, decode, NMS");
}

int
main(int argc, char **argv)
{
	FaceDetector *det;
	FaceDetection faces[SSD_MAX_FACES];
	NnError		err;
	int			runs;
	float	   *tensor = malloc(sizeof(float) * SSD_INPUT * SSD_INPUT * 3);
	const NetInputSpec spec = {
		.size = SSD_INPUT, .centred = 0,
		.mean = {127.5f, 127.5f, 127.5f}, .divisor = 127.5f
	};

	if (argc < 4 || (runs = atoi(argv[2])) <= 0)
	{
		fprintf(stderr, "usage: %s WEIGHTS.frw RUNS FIXTURE.WxH.rgb...\n", argv[0]);
		return 2;
	}
	det = ssd_open(argv[1]);
	face_detector_set_check(det, stamp);
	/* every precision once before timing: int8 prepares its weights then */
	ssd_prepare_precisions(det);
	for (int a = 3; a < argc; a++)
	{
		int			w,
					h,
					n[SSD_N_PRECISIONS] = {0};
		uint8_t    *rgb = read_fixture(argv[a], &w, &h);
		double	   *ms = malloc(sizeof(double) * runs * SSD_N_PRECISIONS * (2 + N_STAGES));
		double	   *cpu = ms + runs * SSD_N_PRECISIONS;
		double	   *stage = cpu + runs * SSD_N_PRECISIONS;	/* [stage][precision][run] */
		double	   *input = malloc(sizeof(double) * runs);
		double		med[SSD_N_PRECISIONS],
					cpu_med[SSD_N_PRECISIONS],
					input_med;

		for (int i = 0; i < runs; i++)
		{
			double		t0 = cpu_ms();

			face_net_input(rgb, w, h, (size_t) w * 3, &spec, tensor);
			input[i] = cpu_ms() - t0;
		}
		for (int i = 0; i < runs; i++)
			for (int p = 0; p < SSD_N_PRECISIONS; p++)
			{
				double		t0 = now_ms(),
							c0 = cpu_ms(),
							c1;

				face_detector_set_precision(det, ssd_precisions[p], &err);	/* prepared */
				n_stamps = 0;
				n[p] = face_detector_run(det, rgb, w, h, 0.5, faces);
				c1 = cpu_ms();
				ms[p * runs + i] = now_ms() - t0;
				cpu[p * runs + i] = c1 - c0;
				/* stage s lies between check s - 2 and check s - 1 */
				for (int s = 0; s < N_STAGES; s++)
				{
					double		from = s < 2 ? c0 : stamps[s - 2];
					double		to = s == 0 ? c0 : s == N_STAGES - 1 ? c1 : stamps[s - 1];

					stage[(s * SSD_N_PRECISIONS + p) * runs + i] = to - from;
				}
			}
		for (int p = 0; p < SSD_N_PRECISIONS; p++)
		{
			med[p] = sort_median(ms + p * runs, runs);
			cpu_med[p] = sort_median(cpu + p * runs, runs);
			/* sorted by sort_median: [0] is the minimum */
			printf("%s %s: %d faces, median %.2f ms over %d runs (CPU time %.2f ms), min %.2f ms, %.1f GFLOP/s\n",
				   fixture_name(argv[a]),
				   ssd_precision_name[p], n[p], med[p], runs, cpu_med[p],
				   ms[p * runs], SSD_GFLOP / cpu_med[p] * 1e3);
		}
		printf("ratio float32 / int16: %.2f (CPU time %.2f)\n", med[0] / med[1],
			   cpu_med[0] / cpu_med[1]);
		printf("ratio int16 / int8: %.2f (CPU time %.2f)\n", med[1] / med[2],
			   cpu_med[1] / cpu_med[2]);
		input_med = sort_median(input, runs);
		printf("  %-44s %8s %8s %8s %8s %8s  (CPU ms: medians; the fastest\n"
			   "  %-44s %8s %8s %8s %8s %8s  pass, which the other jobs of a\n"
			   "  %-44s %8s %8s %8s %8s %8s  shared machine disturb least)\n",
			   "stage", "float32", "int16", "int8", "int16", "int8",
			   "", "", "", "", "min", "min", "", "", "", "", "", "");
		for (int s = 0; s < N_STAGES; s++)
		{
			char		name[64];
			double		m[SSD_N_PRECISIONS],
						fastest[SSD_N_PRECISIONS];

			for (int p = 0; p < SSD_N_PRECISIONS; p++)
			{
				/* sort_median sorts: [0] is then the fastest pass */
				if (s == 0)
				{
					m[p] = sort_median(input, runs);
					fastest[p] = input[0];
				}
				else
				{
					m[p] = sort_median(stage + (s * SSD_N_PRECISIONS + p) * runs, runs);
					fastest[p] = stage[(s * SSD_N_PRECISIONS + p) * runs];
				}
				/* the first check comes after the input tensor: take it out */
				if (s == 1)
				{
					m[p] -= input_med;
					fastest[p] -= input[0];
				}
			}
			stage_name(s, name, sizeof(name));
			printf("  %-44s %8.2f %8.2f %8.2f %8.2f %8.2f\n", name, m[0], m[1], m[2],
				   fastest[1], fastest[2]);
		}
		free(ms);
		free(input);
		free(rgb);
	}
	free(tensor);
	face_detector_close(det);
	return 0;
}
