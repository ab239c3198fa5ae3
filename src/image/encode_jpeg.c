/*
 * encode_jpeg.c
 *		RGB8 to a JPEG bytea with libjpeg-turbo (baseline, 4:2:0, optimised
 *		Huffman tables), for pictures handed back to users.
 *
 * libjpeg writes into a malloc'd buffer (jpeg_mem_dest); both it and the
 * compressor are freed on every path before anything is raised.
 */
#include "image/image_core.h"

#include <stdlib.h>

#include "image/jpeg_errmgr.h"

bytea *
image_encode_jpeg(const RgbImage *img, int quality)
{
	struct jpeg_compress_struct cinfo;
	struct jpeg_progress_mgr progress;
	JpegErrorMgr err;
	unsigned char *volatile buffer = NULL;
	unsigned long size = 0;
	bytea	   *result;

	jpeg_errmgr_install((j_common_ptr) &cinfo, &err);
	if (setjmp(err.jump))
	{
		jpeg_destroy_compress(&cinfo);
		free(buffer);
		jpeg_errmgr_raise(&err);
	}
	jpeg_create_compress(&cinfo);
	jpeg_errmgr_monitor((j_common_ptr) &cinfo, &progress);
	jpeg_mem_dest(&cinfo, (unsigned char **) &buffer, &size);
	cinfo.image_width = img->width;
	cinfo.image_height = img->height;
	cinfo.input_components = 3;
	cinfo.in_color_space = JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, quality, TRUE);
	cinfo.optimize_coding = TRUE;
	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < cinfo.image_height)
	{
		JSAMPROW	row = img->pixels + (size_t) 3 * img->width * cinfo.next_scanline;

		jpeg_errmgr_check_interrupt((j_common_ptr) &cinfo);
		jpeg_write_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);

	/* a bytea holds less than 1 GB */
	result = size < 0x3FFFFFFF - VARHDRSZ ? image_port_alloc(VARHDRSZ + size) : NULL;
	if (result != NULL)
	{
		SET_VARSIZE(result, VARHDRSZ + size);
		memcpy(VARDATA(result), buffer, size);
	}
	free(buffer);
	if (result == NULL)
		image_port_fail(IMAGE_ERR_MEMORY, "encoded JPEG is too large");
	return result;
}
