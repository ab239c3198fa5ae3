/*
 * face_box.c
 *		face-api's Box.clipAtImageBorders + floor: the crop a net sees.
 */
#include "face/face_box.h"

#include <math.h>

int
face_box_crop(const FaceBox *box, int width, int height, FaceCrop *crop)
{
	double		cx = fmax(box->x, 0);
	double		cy = fmax(box->y, 0);
	double		cw = fmin(box->x + box->width - cx, width - cx);
	double		ch = fmin(box->y + box->height - cy, height - cy);

	crop->x = (int) floor(cx);
	crop->y = (int) floor(cy);
	crop->width = (int) floor(cw);
	crop->height = (int) floor(ch);
	if (crop->width <= 0 || crop->height <= 0 ||
		crop->x >= width || crop->y >= height)
		return -1;
	return 0;
}
