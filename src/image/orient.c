/*
 * orient.c
 *		Turn a decoded picture upright according to its EXIF orientation.
 *
 * EXIF orientation v says how the stored rows and columns must be turned
 * for display: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90
 * clockwise, 7 transverse, 8 rotate 90 counter-clockwise.  For 5..8 width
 * and height swap.  We compute, for each upright pixel (x, y), the stored
 * pixel it comes from.
 */
#include "image/image_core.h"

void
image_apply_orientation(RgbImage *img, int orientation)
{
	int			w = img->width,
				h = img->height;
	bool		swap = orientation >= 5;
	int			ow = swap ? h : w,
				oh = swap ? w : h;
	uint8	   *dst;

	if (orientation < 2 || orientation > 8)
		return;
	dst = image_port_alloc((size_t) 3 * w * h);
	if (dst == NULL)
		image_port_fail(IMAGE_ERR_MEMORY, "out of memory rotating the image");

	for (int y = 0; y < oh; y++)
	{
		uint8	   *o = dst + (size_t) 3 * ow * y;

		if (y % 256 == 0 && image_port_interrupt_pending())
		{
			image_port_free(dst);
			image_port_raise_interrupt();
		}
		for (int x = 0; x < ow; x++, o += 3)
		{
			int			sx,
						sy;
			const uint8 *s;

			switch (orientation)
			{
				case 2:
					sx = w - 1 - x, sy = y;
					break;
				case 3:
					sx = w - 1 - x, sy = h - 1 - y;
					break;
				case 4:
					sx = x, sy = h - 1 - y;
					break;
				case 5:
					sx = y, sy = x;
					break;
				case 6:
					sx = y, sy = h - 1 - x;
					break;
				case 7:
					sx = w - 1 - y, sy = h - 1 - x;
					break;
				default:		/* 8 */
					sx = w - 1 - y, sy = x;
					break;
			}
			s = img->pixels + (size_t) 3 * ((size_t) w * sy + sx);
			o[0] = s[0];
			o[1] = s[1];
			o[2] = s[2];
		}
	}
	image_port_free(img->pixels);
	img->pixels = dst;
	img->width = ow;
	img->height = oh;
}
