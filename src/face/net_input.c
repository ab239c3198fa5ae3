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

void
face_net_input(const uint8_t *rgb, int width, int height, size_t stride,
			   const NetInputSpec *spec, float *out)
{
	const int	size = spec->size;
	const NetInputFrame frame = face_net_input_frame(width, height, spec);
	const int	side = frame.side;
	const float scale = (float) side / (float) size;
	PaddedImage im = {rgb, stride, width, height, frame.left, frame.top};

	/*
	 * Rows and columns are located once per output row and pixel; the
	 * arithmetic per channel is the same, in the same order, as face-api's.
	 */
	for (int y = 0; y < size; y++)
	{
		const float sy = (float) y * scale;
		const int	y0 = side == size ? y : (int) sy;
		const int	y1 = y0 + 1 < side ? y0 + 1 : side - 1;
		const float fy = sy - (float) y0;
		const uint8_t *r0 = padded_row(&im, y0);
		const uint8_t *r1 = padded_row(&im, y1);

		for (int x = 0; x < size; x++)
		{
			const float sx = (float) x * scale;
			const int	x0 = side == size ? x : (int) sx;
			const int	x1 = x0 + 1 < side ? x0 + 1 : side - 1;
			const float fx = sx - (float) x0;
			const ptrdiff_t c0 = padded_column(&im, x0);
			const ptrdiff_t c1 = padded_column(&im, x1);
			float	   *o = out + ((size_t) y * size + x) * 3;

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
}
