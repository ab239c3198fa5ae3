/*
 * refine.h
 *		Landmark refinement: the landmark net run again on a crop cut
 *		around the face its first landmarks describe, upright and at the
 *		scale and position the detector's boxes have on average, so that
 *		the landmarks (and the chip cut from them) depend less on the box
 *		the detector or the user gave.
 */
#ifndef FACEREC_REFINE_H
#define FACEREC_REFINE_H

#include <stdint.h>

#include "face/landmarks.h"

/*
 * Where the SSD's box lies around a face, in the chip units of
 * align_template.c (the face core is the chip's middle 100 x 100): the mean
 * centre and size over the 75 faces the SSD finds in
 * ../shared/data/faces/dlib-detection (dogs.jpg excepted) and
 * named-people/train, each box mapped through the inverse of its face's
 * dlib68 fit to its first landmarks (per-face standard deviations 14, 6,
 * 10 and 12 units).  Not measured on LFW.
 */
#define REFINE_BOX_CX 75.8
#define REFINE_BOX_CY 60.8
#define REFINE_BOX_W 117.8
#define REFINE_BOX_H 168.8

/* facerec.refine_landmarks (face_guc.c): passes of refinement (default 0) */
extern int	face_refine_passes;

/*
 * Replace the 68 landmarks (picture pixels) of a face in a width x height
 * RGB8 picture by those the landmark net finds in the crop they define;
 * passes times, each starting from the last one's points.  Parts of the
 * crop outside the picture are black.
 */
extern void face_landmarks_refine(FaceLandmarker *lm, const uint8_t *rgb,
								  int width, int height, int passes,
								  double points[2 * FACE_LANDMARKS]);

#endif							/* FACEREC_REFINE_H */
