/*
 * image.h
 *		The only door into src/image/: decoding untrusted JPEG, PNG and WebP
 *		bytes into an upright RGB8 picture, resampling (resize, affine warp)
 *		for the later stages, and JPEG encoding for pictures given back to
 *		users.
 *
 * Everything here needs only c.h types, so that the decode core can also be
 * linked into the libFuzzer harness (fuzz/), outside any backend.
 */
#ifndef FACEREC_IMAGE_H
#define FACEREC_IMAGE_H

typedef struct RgbImage
{
	int			width;
	int			height;
	uint8	   *pixels;			/* RGB8 interleaved, row stride 3 * width, palloc'd */
} RgbImage;

/* interleaved float picture (e.g. a network input): channels per pixel */
typedef struct FloatImage
{
	int			width;
	int			height;
	int			channels;
	float	   *data;			/* row stride channels * width, palloc'd */
} FloatImage;

typedef enum ImageFormat
{
	IMAGE_FORMAT_UNKNOWN = 0,
	IMAGE_FORMAT_JPEG,
	IMAGE_FORMAT_PNG,
	IMAGE_FORMAT_WEBP
} ImageFormat;

/* what the headers say, without decoding pixels */
typedef struct ImageInfo
{
	ImageFormat format;
	int			width;			/* as stored, before EXIF orientation */
	int			height;
	int			orientation;	/* EXIF orientation 1..8; 1 when absent/broken */
} ImageInfo;

/* default of facerec.max_image_pixels: 50 megapixels */
#define IMAGE_DEFAULT_MAX_PIXELS 50000000

/* registers facerec.max_image_pixels; called once from _PG_init */
extern void image_init(void);

/*
 * decode JPEG/PNG/WebP bytes to an upright RGB image (EXIF applied);
 * ereport(ERROR) on bad input; honours facerec.max_image_pixels
 */
extern RgbImage *image_decode(const uint8 *data, size_t len);

/* header-only look at the bytes; ereport(ERROR) when they are no image */
extern void image_read_info(const uint8 *data, size_t len, ImageInfo *info);

extern const char *image_format_name(ImageFormat format);

/*
 * Resampling.  All of it samples at pixel centres: the pixel (x, y) covers
 * [x, x+1) x [y, y+1) and its value sits at (x + 0.5, y + 0.5).
 *
 * image_resize / image_resize_float: bilinear to width x height.  When a
 * side shrinks by more than 2x, the picture first goes down a 2x2 box-filter
 * pyramid (area averaging) until at most 2x remains, so that no source
 * pixel is skipped: strong downscaling does not alias.
 */
extern RgbImage *image_resize(const RgbImage *src, int width, int height);
extern FloatImage *image_resize_float(const FloatImage *src, int width, int height);

/*
 * Affine warp, e.g. for dlib-style 150x150 face chips.  m maps OUTPUT
 * coordinates to SOURCE coordinates (both in pixel-centre units as above):
 *		sx = m[0] * x + m[1] * y + m[2]
 *		sy = m[3] * x + m[4] * y + m[5]
 * Sampling is bilinear; outside the source, pixels are 0 (black).  When
 * the map shrinks by more than 2x (its larger singular value > 2), the
 * source first goes down the same 2x2 pyramid and m is rescaled to match.
 */
extern RgbImage *image_warp_affine(const RgbImage *src, const double m[6],
								   int width, int height);
extern FloatImage *image_warp_affine_float(const FloatImage *src, const double m[6],
										   int width, int height);

/* one pyramid level: 2x2 box average, odd last row/column averaged alone */
extern RgbImage *image_shrink_half(const RgbImage *src);

/* RGB8 -> float (value * scale + offset per channel), and back (rounded, clamped) */
extern FloatImage *image_to_float(const RgbImage *src, float scale, float offset);
extern RgbImage *image_from_float(const FloatImage *src, float scale, float offset);

extern RgbImage *image_new(int width, int height);

/* JPEG-encode an RGB image (quality 1..100) into a new bytea */
extern bytea *image_encode_jpeg(const RgbImage *img, int quality);

#endif							/* FACEREC_IMAGE_H */
