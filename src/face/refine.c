/*
 * refine.c
 *		Landmark refinement (see refine.h).
 *
 * A pass fits the chip template to the current landmarks (the 33 points
 * of the dlib68 alignment: no jaw, brows or lower inner lip), which gives
 * the face's position, scale and roll in the picture; cuts the mean
 * detector box of that face, expressed in chip units, upright, directly at
 * the landmark net's input height (one resampling); runs the net on it and
 * maps its points back through the same similarity.
 */
#include "postgres.h"

#include <math.h>

#include "face/align.h"
#include "face/refine.h"
#include "image/image.h"

int			face_refine_passes = 0;

/* one pass: points in, points out */
static void
refine_pass(FaceLandmarker *lm, const RgbImage *picture, double points[2 * FACE_LANDMARKS])
{
	const int	out_h = FACE_LANDMARK_INPUT;
	const int	out_w = (int) rint(FACE_LANDMARK_INPUT * REFINE_BOX_W / REFINE_BOX_H);
	const double k = REFINE_BOX_H / out_h;	/* chip units per crop pixel */
	const double qx = REFINE_BOX_CX - REFINE_BOX_W / 2;
	const double qy = REFINE_BOX_CY - REFINE_BOX_H / 2;
	FaceSimilarity fit;
	FaceSimilarity crop;
	double		m[6];
	RgbImage   *img;
	float		rel[2 * FACE_LANDMARKS];

	/* crop pixel c -> chip point (qx, qy) + k c -> picture point */
	face_align_fit(points, FACE_ALIGN_DLIB68, &fit);
	crop.a = k * fit.a;
	crop.b = k * fit.b;
	crop.tx = fit.a * qx - fit.b * qy + fit.tx;
	crop.ty = fit.b * qx + fit.a * qy + fit.ty;
	face_similarity_warp(&crop, m);
	img = image_warp_affine(picture, m, out_w, out_h);
	face_landmarker_run(lm, img->pixels, out_w, out_h, (size_t) out_w * 3, rel);
	for (int i = 0; i < FACE_LANDMARKS; i++)
	{
		double		cx = rel[2 * i] * out_w;
		double		cy = rel[2 * i + 1] * out_h;

		points[2 * i] = crop.a * cx - crop.b * cy + crop.tx;
		points[2 * i + 1] = crop.b * cx + crop.a * cy + crop.ty;
	}
	pfree(img->pixels);
	pfree(img);
}

void
face_landmarks_refine(FaceLandmarker *lm, const uint8_t *rgb, int width, int height,
					  int passes, double points[2 * FACE_LANDMARKS])
{
	/* the warp only reads the picture */
	RgbImage	picture = {width, height, unconstify(uint8_t *, rgb)};

	for (int pass = 0; pass < passes; pass++)
		refine_pass(lm, &picture, points);
}

