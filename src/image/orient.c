/*
 * orient.c
 *		Turn a decoded picture upright according to its EXIF orientation.
 *
 * EXIF orientation v says how the stored rows and columns must be turned
 * for display: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90
 * clockwise, 7 transverse, 8 rotate 90 counter-clockwise.  For 5..8 width
 * and height swap.  The stored pixel behind upright pixel (x, y) is an
 * affine function of (x, y): a start pixel plus x times one step plus y
 * times another.  We copy in 64x64 tiles so that the column-wise reads of
 * the quarter turns stay in cache.
 */
#include "image/image_core.h"

#define TILE 64

void
image_apply_orientation(RgbImage *img, int orientation)
{
	/* per orientation 2..8: start pixel (x, y) and the steps along x and y */
	static const struct
	{
		int			start_right,	/* start at x = w - 1 instead of 0 */
					start_bottom;	/* start at y = h - 1 instead of 0 */
		int			xdx,
					xdy,		/* stored step for upright x + 1 */
					ydx,
					ydy;		/* stored step for upright y + 1 */
	}			map[9] = {
		[2] = {1, 0, -1, 0, 0, 1},
		[3] = {1, 1, -1, 0, 0, -1},
		[4] = {0, 1, 1, 0, 0, -1},
		[5] = {0, 0, 0, 1, 1, 0},
		[6] = {0, 1, 0, -1, 1, 0},
		[7] = {1, 1, 0, -1, -1, 0},
		[8] = {1, 0, 0, 1, -1, 0},
	};
	int			w = img->width,
				h = img->height;
	int			ow,
				oh;
	ptrdiff_t	step_x,
				step_y;
	const uint8 *start;
	uint8	   *dst;

	if (orientation < 2 || orientation > 8)
		return;
	ow = orientation >= 5 ? h : w;
	oh = orientation >= 5 ? w : h;
	step_x = 3 * ((ptrdiff_t) map[orientation].xdx + (ptrdiff_t) map[orientation].xdy * w);
	step_y = 3 * ((ptrdiff_t) map[orientation].ydx + (ptrdiff_t) map[orientation].ydy * w);
	start = img->pixels +
		3 * ((map[orientation].start_right ? (size_t) w - 1 : 0) +
			 (map[orientation].start_bottom ? (size_t) (h - 1) * w : 0));

	dst = image_port_alloc((size_t) 3 * w * h);
	if (dst == NULL)
		image_port_fail(IMAGE_ERR_MEMORY, "out of memory rotating the image");

	for (int ty = 0; ty < oh; ty += TILE)
	{
		if (image_port_interrupt_pending())
		{
			image_port_free(dst);
			image_port_raise_interrupt();
		}
		for (int tx = 0; tx < ow; tx += TILE)
		{
			for (int y = ty; y < Min(ty + TILE, oh); y++)
			{
				const uint8 *s = start + y * step_y + tx * step_x;
				uint8	   *o = dst + 3 * ((size_t) y * ow + tx);

				for (int x = tx; x < Min(tx + TILE, ow); x++, s += step_x, o += 3)
				{
					o[0] = s[0];
					o[1] = s[1];
					o[2] = s[2];
				}
			}
		}
	}
	image_port_free(img->pixels);
	img->pixels = dst;
	img->width = ow;
	img->height = oh;
}
