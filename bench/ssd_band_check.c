/*
 * ssd_band_check.c
 *		The SSD's band cut (src/face/ssd_band.c) against passes that compute
 *		the whole padding: for each fixture, precision and look (face-api's
 *		own input, then the two framed looks), the faces down to score 0.05
 *		(up to 100 after NMS) must be the same bits both ways.  Then the
 *		main look's pass both ways, interleaved: medians of wall-clock ms
 *		and their ratio.  Exits 1 when any face differs.
 *
 *   ssd_band_check WEIGHTS.frw RUNS FIXTURE.WxH.rgb...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "face/ssd.h"
#include "ssd_util.h"

#define MIN_SCORE 0.05

/* look -1: face-api's input; 0 and 1: the framed looks */
static int
detect(FaceDetector *det, const uint8_t *rgb, int w, int h, int look,
	   FaceDetection *faces)
{
	if (look < 0)
		return face_detector_run(det, rgb, w, h, MIN_SCORE, faces);
	return face_detector_run_framed(det, rgb, w, h, look, MIN_SCORE, faces);
}

int
main(int argc, char **argv)
{
	FaceDetector *det;
	FaceDetection cut[SSD_MAX_FACES];
	FaceDetection whole[SSD_MAX_FACES];
	NnError		err;
	int			runs;
	int			failed = 0;

	if (argc < 4 || (runs = atoi(argv[2])) <= 0)
	{
		fprintf(stderr, "usage: %s WEIGHTS.frw RUNS FIXTURE.WxH.rgb...\n", argv[0]);
		return 2;
	}
	det = ssd_open(argv[1]);
	ssd_prepare_precisions(det);
	for (int a = 3; a < argc; a++)
	{
		int			w,
					h;
		uint8_t    *rgb = read_fixture(argv[a], &w, &h);
		const char *name = fixture_name(argv[a]);

		for (int p = 0; p < SSD_N_PRECISIONS; p++)
		{
			double	   *ms = malloc(sizeof(double) * runs * 2);
			int			differ = 0;

			face_detector_set_precision(det, ssd_precisions[p], &err);	/* prepared */
			for (int look = -1; look < SSD_FRAMED_LOOKS; look++)
			{
				int			n_cut,
							n_whole;

				face_detector_set_band_cut(det, true);
				n_cut = detect(det, rgb, w, h, look, cut);
				face_detector_set_band_cut(det, false);
				n_whole = detect(det, rgb, w, h, look, whole);
				if (n_cut != n_whole ||
					memcmp(cut, whole, sizeof(FaceDetection) * n_whole) != 0)
				{
					printf("%s %s look %d: DIFFERENT faces with the band cut (%d against %d)\n",
						   name, ssd_precision_name[p], look, n_cut, n_whole);
					differ = 1;
				}
			}
			for (int i = 0; i < runs; i++)
				for (int way = 0; way < 2; way++)
				{
					double		t0 = now_ms();

					face_detector_set_band_cut(det, way == 0);
					detect(det, rgb, w, h, -1, cut);
					ms[way * runs + i] = now_ms() - t0;
				}
			printf("%s %s: %s faces with and without the band cut in 3 looks; "
				   "median %.2f ms cut, %.2f ms whole (%.3fx) over %d runs\n",
				   name, ssd_precision_name[p], differ ? "DIFFERENT" : "the same",
				   sort_median(ms, runs),
				   sort_median(ms + runs, runs),
				   sort_median(ms + runs, runs) / sort_median(ms, runs), runs);
			failed |= differ;
			free(ms);
		}
		free(rgb);
	}
	face_detector_close(det);
	return failed;
}
