/*
 * face_check.c
 *		The second check on a detector's box (face_check.h), and SQL
 *		face_verify_score(image, box), which gives its score.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/geo_decls.h"

#include "face/detect.h"
#include "face/face_check.h"
#include "face/models.h"
#include "image/image.h"

bool		face_verify = true;
double		face_verify_min_score = -1.0;

/*
 * The order in which the levels are tried, each alone, on every box the SSD
 * finds in LFW dev at default settings (2,419): 23 score below -1.0 at the
 * middle level (200), 72 at the smallest (167), 600 at the largest (240).
 * The check stops at the first level that passes, so a real face usually
 * costs one pass at 200.
 */
static const int level_order[FACE_CHECK_LEVELS] = {1, 2, 0};

/*
 * The best score over the levels (in level_order); stops as soon as one
 * reaches enough (the answer to "at least enough?" is then known).
 */
static double
check_levels(const uint8_t *rgb, int width, int height, const FaceBox *box,
			 double enough)
{
	/* the warp only reads the picture */
	RgbImage	picture = {width, height, unconstify(uint8_t *, rgb)};
	double		crop = FACE_CHECK_CROP * Max(box->width, box->height);
	double		left = box->x + box->width / 2 - crop / 2;
	double		top = box->y + box->height / 2 - crop / 2;
	double		best = -HUGE_VAL;

	for (int i = 0; i < FACE_CHECK_LEVELS && best < enough; i++)
	{
		int			side = (int) lround(FACE_CHECK_CROP * FACE_CHECK_BOX *
										pow(5.0 / 6.0, level_order[i]));
		double		k = crop / side;	/* picture pixels per level pixel */

		/*
		 * image_warp_affine maps level pixel centres to picture pixel
		 * centres: level pixel x covers [x, x + 1), which is [left + x k,
		 * left + (x + 1) k) of the picture.
		 */
		double		m[6] = {k, 0, left + 0.5 * k - 0.5, 0, k, top + 0.5 * k - 0.5};
		RgbImage   *level_image = image_warp_affine(&picture, m, side, side);
		double		score = mmod_best_score(face_mmod(), level_image->pixels, side,
											(box->x - left) / k, (box->y - top) / k,
											(box->x + box->width - left) / k,
											(box->y + box->height - top) / k);

		best = Max(best, score);
		pfree(level_image->pixels);
		pfree(level_image);
	}
	return best;
}

double
face_check_score(const uint8_t *rgb, int width, int height, const FaceBox *box)
{
	return check_levels(rgb, width, height, box, HUGE_VAL);
}

bool
face_box_verified(const uint8_t *rgb, int width, int height, const FaceBox *box)
{
	/* a real face usually passes at the first level tried: one net pass */
	return !face_verify ||
		check_levels(rgb, width, height, box, face_verify_min_score) >= face_verify_min_score;
}

/*
 * face_verify_score(image bytea, box box): the second check's score of a
 * box (pixels of the upright picture), whatever facerec.verify_faces says.
 * The box is clipped to the picture first, as face_embedding(image, box)
 * clips it.
 */
PG_FUNCTION_INFO_V1(face_verify_score_image_box);
Datum
face_verify_score_image_box(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	RgbImage   *img = image_decode((const uint8 *) VARDATA_ANY(data),
								   VARSIZE_ANY_EXHDR(data));
	FaceBox		box = face_box_arg(PG_GETARG_BOX_P(1), img->width, img->height);
	double		score = face_check_score(img->pixels, img->width, img->height, &box);

	pfree(img->pixels);
	pfree(img);
	PG_RETURN_FLOAT4((float4) score);
}
