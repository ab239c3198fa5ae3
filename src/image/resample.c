/*
 * resample.c
 *		Bilinear resize and affine warp for RGB8 and float pictures, with a
 *		2x2 box-filter pyramid in front when a map shrinks by more than 2x.
 *
 * Coordinates: pixel (i, j) holds the value at the point (i, j) (pixel
 * centres on integers, as in dlib and OpenCV).  A warp matrix maps output
 * pixel (x, y) to the source point (m0 x + m1 y + m2, m3 x + m4 y + m5).
 * A resize by s maps x to s (x + 0.5) - 0.5, so that the picture edges
 * line up.  One pyramid level puts new pixel i at old point 2i + 0.5.
 *
 * RGB8 and float share one implementation through PixelBuf, which holds
 * either kind; values pass through float.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "image/image.h"

typedef struct PixelBuf
{
	int			width;
	int			height;
	int			channels;
	uint8	   *u8;				/* exactly one of u8 and f32 is set */
	float	   *f32;
} PixelBuf;

#define MAX_CHANNELS 4

static void
check_size(int width, int height, int channels)
{
	if (width < 1 || height < 1 || channels < 1 || channels > MAX_CHANNELS ||
		(int64) width * height > (int64) (MaxAllocHugeSize / sizeof(float)) / channels)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid image size %dx%d with %d channels", width, height, channels)));
}

static PixelBuf
buf_new(int width, int height, int channels, bool is_float)
{
	PixelBuf	b = {width, height, channels, NULL, NULL};
	Size		n = (Size) width * height * channels;

	check_size(width, height, channels);
	if (is_float)
		b.f32 = palloc_extended(n * sizeof(float), MCXT_ALLOC_HUGE);
	else
		b.u8 = palloc_extended(n, MCXT_ALLOC_HUGE);
	return b;
}

static inline float
buf_get(const PixelBuf *b, Size idx)
{
	return b->u8 ? (float) b->u8[idx] : b->f32[idx];
}

static inline void
buf_put(PixelBuf *b, Size idx, float v)
{
	if (b->u8)
		b->u8[idx] = (uint8) (v <= 0.0f ? 0 : v >= 255.0f ? 255 : (int) (v + 0.5f));
	else
		b->f32[idx] = v;
}

static void
buf_free(PixelBuf *b)
{
	if (b->u8)
		pfree(b->u8);
	if (b->f32)
		pfree(b->f32);
}

/* 2x2 box average; an odd last row or column averages with itself */
static PixelBuf
shrink_half(const PixelBuf *src)
{
	PixelBuf	dst = buf_new((src->width + 1) / 2, (src->height + 1) / 2,
							  src->channels, src->f32 != NULL);
	int			c = src->channels;

	for (int y = 0; y < dst.height; y++)
	{
		int			y0 = 2 * y,
					y1 = Min(2 * y + 1, src->height - 1);

		CHECK_FOR_INTERRUPTS();
		for (int x = 0; x < dst.width; x++)
		{
			int			x0 = 2 * x,
						x1 = Min(2 * x + 1, src->width - 1);

			for (int k = 0; k < c; k++)
			{
				float		sum = buf_get(src, ((Size) y0 * src->width + x0) * c + k) +
					buf_get(src, ((Size) y0 * src->width + x1) * c + k) +
					buf_get(src, ((Size) y1 * src->width + x0) * c + k) +
					buf_get(src, ((Size) y1 * src->width + x1) * c + k);

				buf_put(&dst, ((Size) y * dst.width + x) * c + k, sum * 0.25f);
			}
		}
	}
	return dst;
}

/* larger singular value of the 2x2 part of m: the strongest shrink factor */
static double
max_scale(const double m[6])
{
	double		a = m[0] * m[0] + m[3] * m[3],
				b = m[0] * m[1] + m[3] * m[4],
				d = m[1] * m[1] + m[4] * m[4];

	/* largest eigenvalue of the symmetric [a b; b d] */
	return sqrt((a + d) / 2 + sqrt((a - d) * (a - d) / 4 + b * b));
}

/*
 * Bilinear sample at (sx, sy).  clamp: taps beyond the border repeat the
 * edge (resize).  Otherwise taps outside read as 0 (warp), and a point
 * farther than one pixel outside is all 0.
 */
static void
sample(const PixelBuf *src, double sx, double sy, bool clamp, float *out)
{
	int			w = src->width,
				h = src->height,
				c = src->channels;
	int			x0,
				y0;
	float		ax,
				ay,
				wt[4];
	int			tx[4],
				ty[4];

	if (clamp)
	{
		sx = sx < 0 ? 0 : sx > w - 1 ? w - 1 : sx;
		sy = sy < 0 ? 0 : sy > h - 1 ? h - 1 : sy;
	}
	else if (!(sx > -1.0 && sy > -1.0 && sx < w && sy < h))	/* NaN too */
	{
		for (int k = 0; k < c; k++)
			out[k] = 0.0f;
		return;
	}
	x0 = (int) floor(sx);
	y0 = (int) floor(sy);
	ax = (float) (sx - x0);
	ay = (float) (sy - y0);
	tx[0] = x0, ty[0] = y0, wt[0] = (1 - ax) * (1 - ay);
	tx[1] = x0 + 1, ty[1] = y0, wt[1] = ax * (1 - ay);
	tx[2] = x0, ty[2] = y0 + 1, wt[2] = (1 - ax) * ay;
	tx[3] = x0 + 1, ty[3] = y0 + 1, wt[3] = ax * ay;

	for (int k = 0; k < c; k++)
		out[k] = 0.0f;
	for (int t = 0; t < 4; t++)
	{
		Size		base;

		if (tx[t] < 0 || ty[t] < 0 || tx[t] >= w || ty[t] >= h)
		{
			if (!clamp)
				continue;		/* reads as 0 */
			tx[t] = Min(Max(tx[t], 0), w - 1);
			ty[t] = Min(Max(ty[t], 0), h - 1);
		}
		base = ((Size) ty[t] * w + tx[t]) * c;
		for (int k = 0; k < c; k++)
			out[k] += wt[t] * buf_get(src, base + k);
	}
}

/*
 * The one resampler: pyramid down while the map shrinks by more than 2x,
 * then bilinear.  Returns a new buffer of src's kind.
 */
static PixelBuf
warp(const PixelBuf *src, const double m_in[6], int width, int height, bool clamp)
{
	PixelBuf	dst = buf_new(width, height, src->channels, src->f32 != NULL);
	PixelBuf	level = *src;
	double		m[6];
	float		px[MAX_CHANNELS];

	memcpy(m, m_in, sizeof(m));
	while (max_scale(m) > 2.0 && level.width > 1 && level.height > 1)
	{
		PixelBuf	smaller = shrink_half(&level);

		if (level.u8 != src->u8 || level.f32 != src->f32)
			buf_free(&level);
		level = smaller;
		for (int i = 0; i < 6; i++)
			m[i] /= 2;
		m[2] -= 0.25;
		m[5] -= 0.25;
	}

	for (int y = 0; y < height; y++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int x = 0; x < width; x++)
		{
			Size		base = ((Size) y * width + x) * src->channels;

			sample(&level, m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5],
				   clamp, px);
			for (int k = 0; k < src->channels; k++)
				buf_put(&dst, base + k, px[k]);
		}
	}
	if (level.u8 != src->u8 || level.f32 != src->f32)
		buf_free(&level);
	return dst;
}

/* the matrix of a resize from sw x sh to dw x dh, edges aligned */
static void
resize_matrix(int sw, int sh, int dw, int dh, double m[6])
{
	double		fx = (double) sw / dw,
				fy = (double) sh / dh;

	m[0] = fx, m[1] = 0, m[2] = 0.5 * fx - 0.5;
	m[3] = 0, m[4] = fy, m[5] = 0.5 * fy - 0.5;
}

static PixelBuf
rgb_buf(const RgbImage *img)
{
	PixelBuf	b = {img->width, img->height, 3, img->pixels, NULL};

	return b;
}

static PixelBuf
float_buf(const FloatImage *img)
{
	PixelBuf	b = {img->width, img->height, img->channels, NULL, img->data};

	check_size(img->width, img->height, img->channels);
	return b;
}

static RgbImage *
to_rgb_image(PixelBuf b)
{
	RgbImage   *img = palloc(sizeof(RgbImage));

	img->width = b.width;
	img->height = b.height;
	img->pixels = b.u8;
	return img;
}

static FloatImage *
to_float_image(PixelBuf b)
{
	FloatImage *img = palloc(sizeof(FloatImage));

	img->width = b.width;
	img->height = b.height;
	img->channels = b.channels;
	img->data = b.f32;
	return img;
}

RgbImage *
image_new(int width, int height)
{
	return to_rgb_image(buf_new(width, height, 3, false));
}

RgbImage *
image_resize(const RgbImage *src, int width, int height)
{
	PixelBuf	s = rgb_buf(src);
	double		m[6];

	check_size(src->width, src->height, 3);
	resize_matrix(src->width, src->height, width, height, m);
	return to_rgb_image(warp(&s, m, width, height, true));
}

FloatImage *
image_resize_float(const FloatImage *src, int width, int height)
{
	PixelBuf	s = float_buf(src);
	double		m[6];

	resize_matrix(src->width, src->height, width, height, m);
	return to_float_image(warp(&s, m, width, height, true));
}

RgbImage *
image_warp_affine(const RgbImage *src, const double m[6], int width, int height)
{
	PixelBuf	s = rgb_buf(src);

	check_size(src->width, src->height, 3);
	return to_rgb_image(warp(&s, m, width, height, false));
}

FloatImage *
image_warp_affine_float(const FloatImage *src, const double m[6], int width, int height)
{
	PixelBuf	s = float_buf(src);

	return to_float_image(warp(&s, m, width, height, false));
}

RgbImage *
image_shrink_half(const RgbImage *src)
{
	PixelBuf	s = rgb_buf(src);

	check_size(src->width, src->height, 3);
	return to_rgb_image(shrink_half(&s));
}

FloatImage *
image_to_float(const RgbImage *src, float scale, float offset)
{
	PixelBuf	dst = buf_new(src->width, src->height, 3, true);
	Size		n = (Size) src->width * src->height * 3;

	for (Size i = 0; i < n; i++)
		dst.f32[i] = src->pixels[i] * scale + offset;
	return to_float_image(dst);
}

RgbImage *
image_from_float(const FloatImage *src, float scale, float offset)
{
	PixelBuf	dst;
	Size		n;

	if (src->channels != 3 || scale == 0.0f)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("image_from_float needs 3 channels and a non-zero scale")));
	dst = buf_new(src->width, src->height, 3, false);
	n = (Size) src->width * src->height * 3;
	for (Size i = 0; i < n; i++)
		buf_put(&dst, i, (src->data[i] - offset) / scale);
	return to_rgb_image(dst);
}
