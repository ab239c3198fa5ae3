/*
 * mmod_check.c
 *		src/face/mmod.c against dlib's own net: for each crop
 *		tools/reference/fixtures/mmod-NAME.240x240.rgb, the output map must
 *		equal dlib's (mmod-NAME.map, tools/reference/make-mmod-fixtures.sh)
 *		at every window position within MMOD_TOLERANCE in float32 and within
 *		MMOD_INT16_TOLERANCE in int16.  Exits non-zero on any larger
 *		difference.  Run by tools/run-tests:
 *
 *			mmod_check MODEL.frw CROP.240x240.rgb ...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "face/mmod.h"

/* float32 sums in another order: dlib's and ours agreed within 2.6e-6 */
#define MMOD_TOLERANCE 1e-4
/* int16 steps: 0.0037 and 0.0016 measured on these crops (the margin
 * between the dog and the lowest real face is 0.6) */
#define MMOD_INT16_TOLERANCE 0.01

/* dlib's map beside the crop: "rows cols", then the scores row by row */
static float *
read_map(const char *crop_path, int *rows, int *cols)
{
	char		path[1024];
	const char *size = strstr(crop_path, ".240x240.rgb");
	FILE	   *f;
	float	   *map;

	if (size == NULL || (size_t) (size - crop_path) + 5 > sizeof(path))
	{
		fprintf(stderr, "%s: not a mmod-NAME.240x240.rgb crop\n", crop_path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%.*s.map", (int) (size - crop_path), crop_path);
	f = fopen(path, "r");
	if (f == NULL || fscanf(f, "%d %d", rows, cols) != 2 || *rows <= 0 || *cols <= 0)
	{
		fprintf(stderr, "%s: cannot read the map's size\n", path);
		exit(1);
	}
	map = malloc(sizeof(float) * *rows * *cols);
	for (int i = 0; i < *rows * *cols; i++)
		if (fscanf(f, "%f", &map[i]) != 1)
		{
			fprintf(stderr, "%s: map ends at value %d\n", path, i);
			exit(1);
		}
	fclose(f);
	return map;
}

int
main(int argc, char **argv)
{
	NnError		err;
	MmodNet    *net;
	int			failed = 0;

	if (argc < 3)
	{
		fprintf(stderr, "usage: mmod_check MODEL.frw CROP.240x240.rgb ...\n");
		return 2;
	}
	net = mmod_open(argv[1], &err);
	if (net == NULL)
	{
		fprintf(stderr, "%s: %s\n", argv[1], err.msg);
		return 1;
	}
	for (int a = 2; a < argc; a++)
	{
		int			w,
					h,
					rows,
					cols;

		uint8_t    *rgb = read_fixture(argv[a], &w, &h);
		float	   *ref = read_map(argv[a], &rows, &cols);

		for (int p = 0; p < 2; p++)
		{
			NnPrecision precision = p == 0 ? NN_PRECISION_FLOAT : NN_PRECISION_INT16;
			double		tolerance = p == 0 ? MMOD_TOLERANCE : MMOD_INT16_TOLERANCE;
			NnTensor	map;
			double		worst = 0;
			float		best = -INFINITY;

			mmod_set_precision(net, precision);
			map = mmod_run(net, rgb, w);
			if (map.h != rows || map.w != cols || map.c != 1)
			{
				printf("%s: map %dx%dx%d, dlib's %dx%d\n", argv[a], map.h, map.w,
					   map.c, rows, cols);
				failed = 1;
				break;
			}
			for (int i = 0; i < rows * cols; i++)
			{
				worst = fmax(worst, fabs(map.data[i] - ref[i]));
				best = fmaxf(best, map.data[i]);
			}
			printf("%s, %s: %dx%d map, best score %.4f, max |ours - dlib| %.2g\n",
				   argv[a], p == 0 ? "float32" : "int16", rows, cols, best, worst);
			if (!(worst <= tolerance))
				failed = 1;
		}
		free(rgb);
		free(ref);
	}
	mmod_close(net);
	if (failed)
		printf("FAILED: MMOD maps differ from dlib's by more than %g (float32) or %g (int16)\n",
			   MMOD_TOLERANCE, MMOD_INT16_TOLERANCE);
	return failed;
}
