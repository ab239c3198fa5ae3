/*
 * pipeline.h
 *		Photo pixels to faces, in the backend: detection, landmarks, and
 *		the descriptor of an aligned chip (dlib's alignment, or face-api's
 *		crop as in detectAllFaces(SSD).withFaceLandmarks()
 *		.withFaceDescriptors()).
 */
#ifndef FACEREC_PIPELINE_H
#define FACEREC_PIPELINE_H

#include "face/face_box.h"
#include "face/landmarks.h"
#include "face/recognizer.h"
#include "face/ssd.h"

typedef struct FoundFace
{
	FaceDetection detection;	/* box in picture pixels, score */
	FaceCrop	landmark_crop;	/* what the landmark net saw */
	double		points[2 * FACE_LANDMARKS];	/* picture pixels */
} FoundFace;

/* facerec.detector (face_guc.c) */
typedef enum FaceDetectorChoice
{
	FACE_DETECTOR_SSD,
	FACE_DETECTOR_TINY
} FaceDetectorChoice;

extern int	face_detector_choice;

/* facerec.landmarks (face_guc.c) */
typedef enum FaceLandmarksChoice
{
	FACE_LANDMARKS_FULL,
	FACE_LANDMARKS_TINY
} FaceLandmarksChoice;

extern int	face_landmarks_choice;

/* facerec.min_face_score (face_guc.c) */
extern double face_min_score;

/* facerec.second_look (face_guc.c) */
extern bool face_second_look;

/* registers the settings of face detection; called once from _PG_init */
extern void face_init(void);

/*
 * The faces of a width x height RGB8 picture scoring above min_score, best
 * first, with their landmarks, by the detector facerec.detector names;
 * faces holds SSD_MAX_FACES.  When the SSD finds none and
 * facerec.second_look is on, the faces of its first framed look that finds
 * any.  Checks for interrupts between looks and between faces.
 */
extern int	face_find(const uint8_t *rgb, int width, int height,
					  double min_score, FoundFace *faces);

/*
 * The descriptor of a found face from the chip facerec.alignment chooses
 * (align.h); false when face-api's crop has no pixel in the picture (a
 * dlib chip always has one).
 */
extern bool face_describe(const uint8_t *rgb, int width, int height,
						  const FoundFace *face,
						  float descriptor[FACE_DESCRIPTOR_DIM]);

#endif							/* FACEREC_PIPELINE_H */
