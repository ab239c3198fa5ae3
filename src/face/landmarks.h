/*
 * landmarks.h
 *		face-api's 68-point landmark nets (face_landmark_68_model and
 *		face_landmark_68_tiny_model) on src/nn, and their use on a detected
 *		face box exactly as face-api does it.
 *		Plain C, so that bench/ can drive it without a server.
 */
#ifndef FACEREC_LANDMARKS_H
#define FACEREC_LANDMARKS_H

#include <stddef.h>
#include <stdint.h>

#include "face/face_box.h"
#include "nn/nn.h"

#define FACE_LANDMARKS 68
#define FACE_LANDMARK_INPUT 112
#define FACE_LANDMARK68_FILE "face_landmark_68_model.frw"
#define FACE_LANDMARK68_TINY_FILE "face_landmark_68_tiny_model.frw"

typedef struct FaceLandmarker FaceLandmarker;

/*
 * map the weights of the full net, or of the tiny one when tiny, and
 * allocate every buffer once (like the recognizer)
 */
extern FaceLandmarker *face_landmarker_open(const char *weights_path, int tiny,
											NnError *err);
extern void face_landmarker_close(FaceLandmarker *lm);

/*
 * The 68 points of the face filling an RGB8 crop (rows stride bytes apart),
 * as (x, y) pairs relative to the crop: x / width, y / height.
 */
extern void face_landmarker_run(FaceLandmarker *lm, const uint8_t *rgb,
								int width, int height, size_t stride,
								float rel[2 * FACE_LANDMARKS]);

/*
 * face-api's withFaceLandmarks for one detection in a width x height RGB8
 * picture: the box clipped to the picture and floored is the crop; the
 * points come back in picture pixels, shifted by the unfloored box origin
 * (face-api's quirk, kept for exact comparison); crop receives the crop.
 * Returns 0, or -1 when the clipped box is empty (face-api drops such a
 * face).
 */
extern int	face_landmarks_in_box(FaceLandmarker *lm, const uint8_t *rgb,
								  int width, int height, const FaceBox *box,
								  double points[2 * FACE_LANDMARKS],
								  FaceCrop *crop);

#endif							/* FACEREC_LANDMARKS_H */
