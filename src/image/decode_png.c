/*
 * decode_png.c
 *		PNG to RGB8 with libpng: 1/2/4/8/16-bit, gray, palette, RGB, alpha
 *		(tRNS too), Adam7 interlaced.  16-bit samples are scaled (not
 *		truncated) to 8 bits; alpha is composited on white; gamma and colour
 *		profiles are not applied.  Orientation is always 1 (no eXIf support).
 *
 * libpng's memory is released by png_destroy_read_struct on every path;
 * libpng reports errors by longjmp to png_jmpbuf, which we set.
 */
#include "image/image_core.h"

#include <png.h>

typedef struct PngSession
{
	const uint8 *data;
	size_t		len;
	size_t		pos;
	bool		interrupted;
	ImageError	kind;
	char		message[256];
} PngSession;

static void
png_read_memory(png_structp png, png_bytep dst, size_t n)
{
	PngSession *s = (PngSession *) png_get_io_ptr(png);

	if (n > s->len - s->pos)
		png_error(png, "truncated PNG data");
	memcpy(dst, s->data + s->pos, n);
	s->pos += n;
}

static void
png_fail(png_structp png, png_const_charp text)
{
	PngSession *s = (PngSession *) png_get_error_ptr(png);

	/* our own errors have filled message already */
	if (s->message[0] == '\0')
	{
		if (strncmp(text, "truncated", 9) == 0)
			snprintf(s->message, sizeof(s->message), "%s", text);
		else
			snprintf(s->message, sizeof(s->message), "invalid PNG data: %s", text);
	}
	png_longjmp(png, 1);
}

/* warnings concern ancillary chunks (bad iCCP, CRC of text), which we skip */
static void
png_ignore_warning(png_structp png, png_const_charp text)
{
}

static void png_throw(png_structp png, PngSession *s, ImageError kind,
					  const char *message) pg_attribute_noreturn();

static void
png_throw(png_structp png, PngSession *s, ImageError kind, const char *message)
{
	s->kind = kind;
	snprintf(s->message, sizeof(s->message), "%s", message);
	png_error(png, message);
}

void
png_decode(const uint8 *data, size_t len, ImageInfo *info, RgbImage *out)
{
	PngSession	s;
	png_structp png;
	png_infop	pinfo = NULL;
	uint8	   *volatile pixels = NULL;
	png_uint_32 width,
				height;
	int			bit_depth,
				color_type,
				interlace,
				passes,
				channels;
	char		msg[256];

	memset(&s, 0, sizeof(s));
	s.data = data;
	s.len = len;
	s.kind = IMAGE_ERR_CORRUPT;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, png_fail, png_ignore_warning);
	if (png == NULL)
		image_port_fail(IMAGE_ERR_MEMORY, "out of memory for the PNG decoder");
	if (setjmp(png_jmpbuf(png)))
	{
		png_destroy_read_struct(&png, &pinfo, NULL);
		image_port_free(pixels);
		if (s.interrupted)
			image_port_raise_interrupt();
		image_port_fail(s.kind, "%s", s.message);
	}
	pinfo = png_create_info_struct(png);
	if (pinfo == NULL)
		png_throw(png, &s, IMAGE_ERR_MEMORY, "out of memory for the PNG decoder");
	png_set_read_fn(png, &s, png_read_memory);
	/* our pixel limit is the bound, not libpng's 1,000,000 per side */
	png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
	png_read_info(png, pinfo);
	png_get_IHDR(png, pinfo, &width, &height, &bit_depth, &color_type,
				 &interlace, NULL, NULL);

	info->format = IMAGE_FORMAT_PNG;
	info->width = (int) width;
	info->height = (int) height;
	info->orientation = 1;
	if (out == NULL)
	{
		png_destroy_read_struct(&png, &pinfo, NULL);
		return;
	}

	if (image_over_limit("PNG", info->width, info->height, msg, sizeof(msg)))
		png_throw(png, &s, IMAGE_ERR_LIMIT, msg);

	png_set_expand(png);		/* palette, gray < 8 bits, tRNS -> 8-bit RGB(A) */
	png_set_scale_16(png);
	png_set_gray_to_rgb(png);
	passes = png_set_interlace_handling(png);
	png_read_update_info(png, pinfo);
	channels = png_get_channels(png, pinfo);
	if ((channels != 3 && channels != 4) ||
		png_get_rowbytes(png, pinfo) != (size_t) channels * width)
		png_throw(png, &s, IMAGE_ERR_UNSUPPORTED, "PNG pixel layout is not supported");

	pixels = image_port_alloc((size_t) channels * width * height);
	if (pixels == NULL)
		png_throw(png, &s, IMAGE_ERR_MEMORY, "out of memory for the decoded PNG");
	for (int pass = 0; pass < passes; pass++)
	{
		for (png_uint_32 y = 0; y < height; y++)
		{
			if (image_port_interrupt_pending())
			{
				s.interrupted = true;
				png_throw(png, &s, IMAGE_ERR_CORRUPT, "canceled");
			}
			png_read_row(png, pixels + (size_t) channels * width * y, NULL);
		}
	}
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &pinfo, NULL);

	if (channels == 4)
		composite_on_white(pixels, (size_t) width * height);
	out->width = info->width;
	out->height = info->height;
	out->pixels = pixels;
}
