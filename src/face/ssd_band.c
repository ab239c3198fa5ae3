/*
 * ssd_band.c
 *		The SSD's first layers without the padding they would compute for
 *		nothing.
 *
 * face-api pads a picture right or bottom to a square: a third of a 3:2
 * photo's 512x512 input, a quarter of a 4:3 one's, is one value.  The rows
 * of such a band are identical, and the layers are convolutions: translated
 * by their combined stride S, their output moves by one row.  So when D
 * rows (a multiple of S, starting at a multiple of S) are cut out of the
 * middle of the band:
 * - an output row whose window (the input rows it depends on) lies on one
 *   side of the cut sees what it saw before, the picture's edges included
 *   (the bottom edge moved by D, and the row with it: D / S rows);
 * - one whose window crosses the cut sees only band rows, as the band rows
 *   of the full input did: those are all the same, before and after.
 * The cut keeps a window's height of band on each side, so that no window
 * that crosses it reaches the picture or an edge.  The layers thus compute
 * every output row of the full input but D / S of the band's, which are
 * copies of the band row after the cut: restoring them gives the full map,
 * bit for bit, when every kernel computes an output pixel from its window
 * alone, whatever the map's size.  The kernels of the int16 and int8 passes
 * do (conv_0's direct convolution, the depthwise halves, the integer 1x1
 * layers); float32's 1x1 layers (sgemm) do not, so ssd.c cuts only in
 * int16 and int8.  The same holds for the columns of a right-hand band.
 * Only the bottom or the right band is cut (face-api's own padding, and the
 * far side of a framed look's border).
 */
#include "face/ssd_band.h"

#include <string.h>

static bool
rows_equal(const float *input, int side, int channels, int a, int b)
{
	size_t		row = (size_t) side * channels;

	return memcmp(input + a * row, input + b * row, row * sizeof(float)) == 0;
}

static bool
columns_equal(const float *input, int side, int channels, int a, int b)
{
	for (int y = 0; y < side; y++)
	{
		const float *row = input + (size_t) y * side * channels;

		if (memcmp(row + a * channels, row + b * channels, channels * sizeof(float)) != 0)
			return false;
	}
	return true;
}

/* the cut in a band [start, side): 0 rows when it is too narrow */
static SsdBand
cut_in(int start, int side, int stride, int window, bool columns)
{
	SsdBand		band = {columns, 0, 0};
	int			at = (start + window + stride - 1) / stride * stride;
	int			room = side - window - at;

	if (room >= stride)
	{
		band.at = at;
		band.count = room / stride * stride;
	}
	return band;
}

SsdBand
ssd_band_find(const float *input, int side, int channels, int stride, int window)
{
	int			bottom = side - 1;
	int			right = side - 1;
	SsdBand		rows;
	SsdBand		columns;

	while (bottom > 0 && rows_equal(input, side, channels, bottom - 1, side - 1))
		bottom--;
	while (right > 0 && columns_equal(input, side, channels, right - 1, side - 1))
		right--;
	rows = cut_in(bottom, side, stride, window, false);
	columns = cut_in(right, side, stride, window, true);
	return columns.count > rows.count ? columns : rows;
}

void
ssd_band_cut(const SsdBand *band, float *input, int *h, int *w, int channels)
{
	if (band->count == 0)
		return;
	if (!band->columns)
	{
		size_t		row = (size_t) *w * channels;

		memmove(input + band->at * row, input + (band->at + band->count) * row,
				(*h - band->at - band->count) * row * sizeof(float));
		*h -= band->count;
		return;
	}
	/* rows move down to their narrower places, first to last */
	for (int y = 0; y < *h; y++)
	{
		const float *from = input + (size_t) y * *w * channels;
		float	   *to = input + (size_t) y * (*w - band->count) * channels;

		memmove(to, from, band->at * channels * sizeof(float));
		memmove(to + band->at * channels, from + (band->at + band->count) * channels,
				(*w - band->at - band->count) * channels * sizeof(float));
	}
	*w -= band->count;
}

void
ssd_band_restore(const SsdBand *band, int stride, void *map, int *h, int *w,
				 int c, size_t elem)
{
	int			at = band->at / stride;
	int			n = band->count / stride;
	char	   *m = map;

	if (band->count == 0)
		return;
	if (!band->columns)
	{
		size_t		row = (size_t) *w * c * elem;

		memmove(m + (at + n) * row, m + at * row, (*h - at) * row);
		for (int y = at; y < at + n; y++)
			memcpy(m + y * row, m + (at + n) * row, row);
		*h += n;
		return;
	}
	/* rows move up to their wider places, last to first */
	for (int y = *h - 1; y >= 0; y--)
	{
		size_t		pixel = (size_t) c * elem;
		const char *from = m + y * *w * pixel;
		char	   *to = m + y * (*w + n) * pixel;

		memmove(to + (at + n) * pixel, from + at * pixel, (*w - at) * pixel);
		memmove(to, from, at * pixel);
		for (int x = at; x < at + n; x++)
			memcpy(to + x * pixel, to + (at + n) * pixel, pixel);
	}
	*w += n;
}
