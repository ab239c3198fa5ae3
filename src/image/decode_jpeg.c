/*
 * decode_jpeg.c
 *		JPEG to RGB8 with libjpeg-turbo: baseline, progressive, arithmetic,
 *		grayscale, RGB, CMYK and YCCK (Adobe-inverted or not).  The EXIF
 *		orientation comes from the first APP1 "Exif" segment.
 *
 * Everything libjpeg allocates lives in its own pools (malloc), released by
 * jpeg_destroy_decompress on every path, including the setjmp error path.
 */
#include "image/image_core.h"

#include "image/jpeg_errmgr.h"

/* libjpeg's memory cap: coefficient buffers of a progressive 4-component
 * picture at 4:4:4 need 8 bytes per pixel, plus a margin for small pools */
#define JPEG_MEMORY_PER_PIXEL 10
#define JPEG_MEMORY_MARGIN (32 * 1024 * 1024)

static int
jpeg_orientation(j_decompress_ptr cinfo)
{
	jpeg_saved_marker_ptr m;

	for (m = cinfo->marker_list; m != NULL; m = m->next)
	{
		if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
			memcmp(m->data, "Exif\0\0", 6) == 0)
			return exif_orientation(m->data, m->data_length);
	}
	return 1;
}

/*
 * CMYK row to RGB.  Adobe's writers (the only ones that produce YCCK, and
 * most CMYK) store the inks inverted: 255 means no ink.
 */
static void
cmyk_row_to_rgb(const JSAMPLE *in, uint8 *out, int width, bool inverted)
{
	for (int x = 0; x < width; x++, in += 4, out += 3)
	{
		int			c = in[0],
					m = in[1],
					y = in[2],
					k = in[3];

		if (!inverted)
		{
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		out[0] = (uint8) ((c * k + 127) / 255);
		out[1] = (uint8) ((m * k + 127) / 255);
		out[2] = (uint8) ((y * k + 127) / 255);
	}
}

void
jpeg_decode(const uint8 *data, size_t len, ImageInfo *info, RgbImage *out)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_progress_mgr progress;
	JpegErrorMgr err;
	uint8	   *volatile pixels = NULL;
	JSAMPLE    *volatile cmyk_row = NULL;
	bool		cmyk;
	char		msg[256];

	jpeg_errmgr_install((j_common_ptr) &cinfo, &err);
	if (setjmp(err.jump))
	{
		jpeg_destroy_decompress(&cinfo);
		image_port_free(pixels);
		image_port_free(cmyk_row);
		jpeg_errmgr_raise(&err);
	}
	jpeg_create_decompress(&cinfo);
	jpeg_errmgr_monitor((j_common_ptr) &cinfo, &progress);
	jpeg_mem_src(&cinfo, data, (unsigned long) len);
	jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
	jpeg_read_header(&cinfo, TRUE);

	info->format = IMAGE_FORMAT_JPEG;
	info->width = (int) cinfo.image_width;
	info->height = (int) cinfo.image_height;
	info->orientation = jpeg_orientation(&cinfo);
	if (out == NULL)
	{
		jpeg_destroy_decompress(&cinfo);
		return;
	}

	if (image_over_limit("JPEG", info->width, info->height, msg, sizeof(msg)))
		jpeg_errmgr_throw((j_common_ptr) &cinfo, IMAGE_ERR_LIMIT, msg);
	cinfo.mem->max_memory_to_use = JPEG_MEMORY_MARGIN +
		(long) JPEG_MEMORY_PER_PIXEL * info->width * info->height;

	cmyk = (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK);
	cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_components != (cmyk ? 4 : 3))
		jpeg_errmgr_throw((j_common_ptr) &cinfo, IMAGE_ERR_UNSUPPORTED,
						  "JPEG colour space is not supported");

	pixels = image_port_alloc((size_t) 3 * info->width * info->height);
	if (cmyk)
		cmyk_row = image_port_alloc((size_t) 4 * info->width);
	if (pixels == NULL || (cmyk && cmyk_row == NULL))
		jpeg_errmgr_throw((j_common_ptr) &cinfo, IMAGE_ERR_MEMORY,
						  "out of memory for the decoded JPEG");

	while (cinfo.output_scanline < cinfo.output_height)
	{
		uint8	   *dst = pixels + (size_t) 3 * info->width * cinfo.output_scanline;
		JSAMPROW	row = cmyk ? cmyk_row : dst;

		jpeg_errmgr_check_interrupt((j_common_ptr) &cinfo);
		jpeg_read_scanlines(&cinfo, &row, 1);
		if (cmyk)
			cmyk_row_to_rgb(cmyk_row, dst, info->width, cinfo.saw_Adobe_marker);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	image_port_free(cmyk_row);

	out->width = info->width;
	out->height = info->height;
	out->pixels = pixels;
}
