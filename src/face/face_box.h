/*
 * face_box.h
 *		Face boxes in picture pixels, and face-api's way of turning one
 *		into a crop (Box.clipAtImageBorders, then floor).  Plain C.
 */
#ifndef FACEREC_FACE_BOX_H
#define FACEREC_FACE_BOX_H

/* a box in picture pixels (doubles, as face-api keeps them) */
typedef struct FaceBox
{
	double		x;
	double		y;
	double		width;
	double		height;
} FaceBox;

/* a crop: whole pixels inside the picture */
typedef struct FaceCrop
{
	int			x;
	int			y;
	int			width;
	int			height;
} FaceCrop;

/*
 * The box clipped to a width x height picture, each of x, y, width and
 * height floored.  Returns 0, or -1 when no pixel is left (face-api drops
 * such a face).
 */
extern int	face_box_crop(const FaceBox *box, int width, int height, FaceCrop *crop);

#endif							/* FACEREC_FACE_BOX_H */
