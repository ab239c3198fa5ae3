/*
 * face_api_crop.h
 *		face-api's "dlib alignment" crop for the descriptor
 *		(FaceLandmarks.alignDlib): an upright square around the eyes and
 *		mouth, no rotation.  Plain C.
 */
#ifndef FACEREC_FACE_API_CROP_H
#define FACEREC_FACE_API_CROP_H

#include "face/face_box.h"
#include "face/landmarks.h"

/*
 * The square box face-api cuts for the descriptor of a face with these 68
 * points (picture pixels), found in a landmark crop of landmark_width x
 * landmark_height (face-api bounds the box by that size: a quirk kept).
 */
extern FaceBox face_api_crop(const double points[2 * FACE_LANDMARKS],
							 int landmark_width, int landmark_height);

#endif							/* FACEREC_FACE_API_CROP_H */
