/*
 * face_check.h
 *		The second check on a detector's box (facerec.verify_faces): dlib's
 *		MMOD face detector (mmod.h) looks at the box and its surroundings,
 *		and a box it scores below facerec.verify_min_score is not a face.
 *		The SSD and the tiny detector give a dog's face a face's box
 *		(dogs.jpg); MMOD, trained on other data with other negatives, does
 *		not (README, "The second check").
 */
#ifndef FACEREC_FACE_CHECK_H
#define FACEREC_FACE_CHECK_H

#include <stdint.h>

#include "face/face_box.h"
#include "face/mmod.h"

/*
 * The recipe, measured (README): a square crop FACE_CHECK_CROP times the
 * box's longer side, centred on the box and black outside the picture,
 * resampled so that the box's longer side is FACE_CHECK_BOX pixels; the
 * net on it and on FACE_CHECK_LEVELS - 1 smaller copies, each 5/6 of the
 * one before (dlib's pyramid step), one at a time; the score is the best
 * of any level's windows centred inside the box.
 */
#define FACE_CHECK_CROP 2
#define FACE_CHECK_BOX 120
#define FACE_CHECK_LEVELS 3

#if FACE_CHECK_CROP * FACE_CHECK_BOX > MMOD_MAX_SIDE
#error "the second check's first level does not fit MMOD's buffers"
#endif

/* facerec.verify_faces, facerec.verify_min_score (face_guc.c) */
extern bool face_verify;
extern double face_verify_min_score;

/* the second check's score of a box of a width x height RGB8 picture */
extern double face_check_score(const uint8_t *rgb, int width, int height,
							   const FaceBox *box);

/* true when facerec.verify_faces is off or the box scores at least the minimum */
extern bool face_box_verified(const uint8_t *rgb, int width, int height,
							  const FaceBox *box);

#endif							/* FACEREC_FACE_CHECK_H */
