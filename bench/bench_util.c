/*
 * bench_util.c
 *		What the benchmark drivers share (bench_util.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

uint8_t *
read_fixture(const char *path, int *w, int *h)
{
	const char *dims = strrchr(path, '/');
	FILE	   *f;
	uint8_t    *rgb;
	size_t		n;

	dims = strchr(dims ? dims : path, '.');
	if (dims == NULL || sscanf(dims, ".%dx%d.rgb", w, h) != 2 || *w <= 0 || *h <= 0)
	{
		fprintf(stderr, "%s: name must end in .WxH.rgb\n", path);
		exit(1);
	}
	n = (size_t) *w * *h * 3;
	rgb = malloc(n);
	f = fopen(path, "rb");
	if (f == NULL || fread(rgb, 1, n, f) != n)
	{
		fprintf(stderr, "%s: cannot read %zu bytes\n", path, n);
		exit(1);
	}
	fclose(f);
	return rgb;
}

const char *
fixture_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

double
sort_median(double *ms, int n)
{
	qsort(ms, n, sizeof(double), cmp_double);
	return ms[n / 2];
}
