/*
 * net_input.c
 *		The nets' input exactly as face-api builds it (NetInput.toBatchTensor,
 *		then the net's normalization):
 *		- pad to a square with zeros: either right/bottom only, or centred,
 *		  where the larger half of an odd padding goes after the image
 *		  (JavaScript's Math.round of half the difference);
 *		- resize bilinearly to size x size when the square is another size,
 *		  with align_corners and half_pixel_centers false: source = dst *
 *		  in/out, neighbours floor and ceil clamped to the last pixel, float
 *		  math;
 *		- (v - mean) / divisor per channel.
 * The padded square is never built: samples outside the image read 0.
 * A margin (not in face-api) widens the square by a zero border on every
 * side, for a second look at a picture whose face fills it (ssd.c).
 * This is deliberately not image_resize (src/image), which samples at pixel
 * centres through an anti-aliasing pyramid: outputs must match face-api.
 */
#include "face/net_input.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* an image seen through its zero padding */
typedef struct PaddedImage
{
	const uint8_t *rgb;
	size_t		stride;
	int			width;
	int			height;
	int			left;			/* padding before the image, columns */
	int			top;			/* padding before the image, rows */
} PaddedImage;

/* the picture's row at padded row y, or NULL when y is in the padding */
static inline const uint8_t *
padded_row(const PaddedImage *im, int y)
{
	y -= im->top;
	if (y < 0 || y >= im->height)
		return NULL;
	return im->rgb + (size_t) y * im->stride;
}

/* byte offset of padded column x in a row, or -1 when x is in the padding */
static inline ptrdiff_t
padded_column(const PaddedImage *im, int x)
{
	x -= im->left;
	if (x < 0 || x >= im->width)
		return -1;
	return (ptrdiff_t) x * 3;
}

/* channel ch of the pixel at (row, column), 0 in the padding */
static inline float
padded_sample(const uint8_t *row, ptrdiff_t column, int ch)
{
	if (row == NULL || column < 0)
		return 0.0f;
	return (float) row[column + ch];
}

NetInputFrame
face_net_input_frame(int width, int height, const NetInputSpec *spec)
{
	const int	longer = width > height ? width : height;
	const int	diff = longer - (width < height ? width : height);
	const int	before = spec->centred ? diff - (diff + 1) / 2 : 0;
	const int	border = (int) (spec->margin * longer + 0.5f);
	NetInputFrame frame = {longer + 2 * border, border, border};

	if (width < height)
		frame.left += before;
	else
		frame.top += before;
	return frame;
}

void
face_net_input_unpad(int size, int width, int height, double *to_x, double *to_y)
{
	double		scale = (double) size / (width > height ? width : height);

	*to_x = size / floor(width * scale + 0.5) * width;
	*to_y = size / floor(height * scale + 0.5) * height;
}

/*
 * One output row from the picture rows r0 (above) and r1 (below; NULL in
 * the padding) at vertical weight fy: the channel arithmetic face-api does,
 * in its order, per output value.
 */
static void
row_scalar(const PaddedImage *im, const NetInputSpec *spec, int side,
		   const uint8_t *r0, const uint8_t *r1, float fy, float *out)
{
	const int	size = spec->size;
	const float scale = (float) side / (float) size;

	for (int x = 0; x < size; x++)
	{
		const float sx = (float) x * scale;
		const int	x0 = side == size ? x : (int) sx;
		const int	x1 = x0 + 1 < side ? x0 + 1 : side - 1;
		const float fx = sx - (float) x0;
		const ptrdiff_t c0 = padded_column(im, x0);
		const ptrdiff_t c1 = padded_column(im, x1);
		float	   *o = out + (size_t) x * 3;

		for (int ch = 0; ch < 3; ch++)
		{
			float		v;

			if (side == size)
				v = padded_sample(r0, c0, ch);
			else
			{
				float		tl = padded_sample(r0, c0, ch);
				float		tr = padded_sample(r0, c1, ch);
				float		bl = padded_sample(r1, c0, ch);
				float		br = padded_sample(r1, c1, ch);
				float		t = tl + (tr - tl) * fx;
				float		b = bl + (br - bl) * fx;

				v = t + (b - t) * fy;
			}
			o[ch] = (v - spec->mean[ch]) / spec->divisor;
		}
	}
}

#if defined(__x86_64__)
#define ROW_VALUES_MAX (3 * 512)	/* the vector path's widest output row */

/*
 * Where each value of an output row comes from, the same for every row of
 * a call: byte offsets of its left (c0) and right (c1) picture samples in a
 * row (-1 in the padding), its horizontal weight and its channel's mean.
 * Padded to whole vectors with padding entries.
 */
typedef struct RowTaps
{
	int32_t		c0[ROW_VALUES_MAX];
	int32_t		c1[ROW_VALUES_MAX];
	float		fx[ROW_VALUES_MAX];
	float		mean[ROW_VALUES_MAX];
} RowTaps;

/* the taps of spec's output row; the same arithmetic as row_scalar's */
static void
row_taps(const PaddedImage *im, const NetInputSpec *spec, int side, RowTaps *taps)
{
	const int	size = spec->size;
	const float scale = (float) side / (float) size;

	/* whole vectors: the last one's excess values are padding */
	for (int j = 0; j < (3 * size + 7) / 8 * 8; j++)
	{
		const int	x = j / 3;
		const int	ch = j % 3;
		const float sx = (float) x * scale;
		const int	x0 = side == size ? x : (int) sx;
		const int	x1 = x0 + 1 < side ? x0 + 1 : side - 1;
		const ptrdiff_t c0 = x < size ? padded_column(im, x0) : -1;
		const ptrdiff_t c1 = x < size ? padded_column(im, x1) : -1;

		taps->c0[j] = c0 < 0 ? -1 : (int32_t) (c0 + ch);
		taps->c1[j] = c1 < 0 ? -1 : (int32_t) (c1 + ch);
		taps->fx[j] = side == size ? 0.0f : sx - (float) x0;
		taps->mean[j] = spec->mean[ch];
	}
}

/*
 * 8 samples of row r at the byte offsets c (-1: padding, 0): gathered as
 * 32-bit words, the low byte kept.  A word reads up to 3 bytes past its
 * sample: the caller never passes the picture's last row, so they lie in
 * the next row.
 */
static inline __attribute__((always_inline, target("avx2"))) __m256
samples(const uint8_t *r, __m256i c)
{
	__m256i		v;

	if (r == NULL)
		return _mm256_setzero_ps();
	v = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), (const int *) r, c,
									_mm256_cmpgt_epi32(c, _mm256_set1_epi32(-1)), 1);
	return _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0xFF)));
}

/*
 * row_scalar's row, 8 values at a time from the taps.  Compiled for AVX2
 * without FMA, so no multiply-add is fused: every value is rounded as in
 * row_scalar (and face-api), bit for bit; a resize to the same side has
 * fx = fy = 0, which gives the left sample exactly, as row_scalar does.
 */
static __attribute__((target("avx2"))) void
row_avx2(const RowTaps *taps, int n, const uint8_t *r0, const uint8_t *r1,
		 float fy, float divisor, float *out)
{
	const __m256 vfy = _mm256_set1_ps(fy);
	const __m256 vdiv = _mm256_set1_ps(divisor);

	for (int j = 0; j < n; j += 8)
	{
		__m256i		c0 = _mm256_loadu_si256((const __m256i *) (taps->c0 + j));
		__m256i		c1 = _mm256_loadu_si256((const __m256i *) (taps->c1 + j));
		__m256		fx = _mm256_loadu_ps(taps->fx + j);
		__m256		tl = samples(r0, c0);
		__m256		tr = samples(r0, c1);
		__m256		bl = samples(r1, c0);
		__m256		br = samples(r1, c1);
		__m256		t = _mm256_add_ps(tl, _mm256_mul_ps(_mm256_sub_ps(tr, tl), fx));
		__m256		b = _mm256_add_ps(bl, _mm256_mul_ps(_mm256_sub_ps(br, bl), fx));
		__m256		v = _mm256_add_ps(t, _mm256_mul_ps(_mm256_sub_ps(b, t), vfy));
		__m256		y = _mm256_div_ps(_mm256_sub_ps(v, _mm256_loadu_ps(taps->mean + j)), vdiv);

		if (j + 8 <= n)
			_mm256_storeu_ps(out + j, y);
		else
		{
			float		last[8];

			_mm256_storeu_ps(last, y);
			memcpy(out + j, last, sizeof(float) * (n - j));
		}
	}
}

/* whether this call can take the vector path */
static int
use_avx2(const NetInputSpec *spec)
{
	return 3 * spec->size <= ROW_VALUES_MAX && __builtin_cpu_supports("avx2");
}
#endif

void
face_net_input(const uint8_t *rgb, int width, int height, size_t stride,
			   const NetInputSpec *spec, float *out)
{
	const int	size = spec->size;
	const NetInputFrame frame = face_net_input_frame(width, height, spec);
	const int	side = frame.side;
	const float scale = (float) side / (float) size;
	PaddedImage im = {rgb, stride, width, height, frame.left, frame.top};
#if defined(__x86_64__)
	const uint8_t *last_row = padded_row(&im, frame.top + height - 1);
	RowTaps		taps;
	const int	vector = use_avx2(spec);

	if (vector)
		row_taps(&im, spec, side, &taps);
#endif

	/*
	 * Rows are located once per output row, columns once per call (vector
	 * path) or per pixel; the arithmetic per channel is the same, in the
	 * same order, as face-api's.
	 */
	for (int y = 0; y < size; y++)
	{
		const float sy = (float) y * scale;
		const int	y0 = side == size ? y : (int) sy;
		const int	y1 = y0 + 1 < side ? y0 + 1 : side - 1;
		const float fy = side == size ? 0.0f : sy - (float) y0;
		const uint8_t *r0 = padded_row(&im, y0);
		const uint8_t *r1 = side == size ? NULL : padded_row(&im, y1);
		float	   *o = out + (size_t) y * size * 3;

#if defined(__x86_64__)
		/* the vector path's gathers read past a sample: not on the last row */
		if (vector && r0 != last_row && r1 != last_row)
		{
			row_avx2(&taps, size * 3, r0, r1, fy, spec->divisor, o);
			continue;
		}
#endif
		row_scalar(&im, spec, side, r0, r1, fy, o);
	}
}
