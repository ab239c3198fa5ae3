/*
 * face_api_crop.c
 *		face-api's alignDlib: centres of the two eyes (points 36-41, 42-47)
 *		and of the mouth (48-67); size = floor(mean distance mouth-eye /
 *		0.45); the square's left edge is 0.5 size and its top 0.43 size
 *		from the mean of the three centres, floored and not below 0.
 *		Sums run in face-api's order, in doubles.
 */
#include "face/face_api_crop.h"

#include <math.h>

/* getCenterPoint of points first..last */
static void
centre(const double *points, int first, int last, double *x, double *y)
{
	double		sx = 0;
	double		sy = 0;
	int			n = last - first + 1;

	for (int i = first; i <= last; i++)
	{
		sx += points[2 * i];
		sy += points[2 * i + 1];
	}
	*x = sx / n;
	*y = sy / n;
}

FaceBox
face_api_crop(const double points[2 * FACE_LANDMARKS], int landmark_width,
			  int landmark_height)
{
	double		ex1,
				ey1,
				ex2,
				ey2,
				mx,
				my;
	double		d1,
				d2,
				size,
				cx,
				cy,
				x,
				y;
	FaceBox		box;

	centre(points, 36, 41, &ex1, &ey1);
	centre(points, 42, 47, &ex2, &ey2);
	centre(points, 48, 67, &mx, &my);
	d1 = sqrt((mx - ex1) * (mx - ex1) + (my - ey1) * (my - ey1));
	d2 = sqrt((mx - ex2) * (mx - ex2) + (my - ey2) * (my - ey2));
	size = floor((d1 + d2) / 2 / 0.45);
	cx = ((0 + ex1) + ex2 + mx) / 3;
	cy = ((0 + ey1) + ey2 + my) / 3;
	x = floor(fmax(0, cx - 0.5 * size));
	y = floor(fmax(0, cy - 0.43 * size));
	box.x = x;
	box.y = y;
	box.width = fmin(size, landmark_width + x);
	box.height = fmin(size, landmark_height + y);
	return box;
}
