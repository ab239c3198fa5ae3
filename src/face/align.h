/*
 * align.h
 *		dlib-style face alignment: a similarity transform (rotation, uniform
 *		scale, translation) fitted by least squares from a template to a
 *		face's landmarks, and the 150x150 chip it cuts from the picture, as
 *		dlib's get_face_chip_details(shape, 150, 0.25) + extract_image_chip
 *		do.  Also the setting that chooses between this and face-api's crop.
 */
#ifndef FACEREC_ALIGN_H
#define FACEREC_ALIGN_H

#include <stdint.h>

#include "face/landmarks.h"
#include "face/recognizer.h"

/* facerec.alignment: how the descriptor's chip is cut from the picture */
typedef enum FaceAlignment
{
	FACE_ALIGN_DLIB68,			/* 33 of the 68 points (dlib's choice) */
	FACE_ALIGN_DLIB5,			/* 5 points: eye corners, nose base (default) */
	FACE_ALIGN_FACE_API			/* face-api's upright square (face_api_crop.h) */
} FaceAlignment;

extern int	face_alignment;

/* the mean landmarks of a dlib chip, measured (align_template.c) */
extern const float face_chip_template[FACE_LANDMARKS][2];

/* registers facerec.alignment; called once from _PG_init */
extern void face_align_init(void);

/*
 * A similarity map between continuous pixel coordinates (pixel i covering
 * [i, i + 1)): (x, y) -> (a x - b y + tx, b x + a y + ty).
 */
typedef struct FaceSimilarity
{
	double		a;
	double		b;
	double		tx;
	double		ty;
} FaceSimilarity;

/*
 * The least-squares similarity from the chip template's points to these 68
 * landmarks (picture pixels), over the points of a dlib alignment.
 */
extern void face_align_fit(const double points[2 * FACE_LANDMARKS],
						   FaceAlignment alignment, FaceSimilarity *fit);

/* image_warp_affine's matrix for an output whose pixels s maps to the picture */
extern void face_similarity_warp(const FaceSimilarity *s, double m[6]);

/*
 * The warp matrix (image_warp_affine's convention: chip pixel to picture
 * point) of the chip for these 68 landmarks (picture pixels, as the
 * landmark net gives them) under a dlib alignment.
 */
extern void face_align_matrix(const double points[2 * FACE_LANDMARKS],
							  FaceAlignment alignment, double m[6]);

/*
 * The descriptor of the dlib-aligned chip of a face with these landmarks in
 * a width x height RGB8 picture, averaged with those of
 * facerec.descriptor_jitter jittered chips (align.c) and, when
 * facerec.mirror_descriptor is on, of the mirror image of each chip.
 * Parts of a chip outside the picture are black, as in dlib.
 */
extern void face_align_describe(const uint8_t *rgb, int width, int height,
								const double points[2 * FACE_LANDMARKS],
								FaceAlignment alignment,
								float descriptor[FACE_DESCRIPTOR_DIM]);

#endif							/* FACEREC_ALIGN_H */
