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

/* facerec.tiny_input_size (face_guc.c): a multiple of 32 up to TINY_INPUT */
extern int	face_tiny_input_size;

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

/* facerec.fast_main_face (face_guc.c) */
extern bool face_fast_main;

/*
 * The fast path of face_find_main, for the photos where the main face is
 * large (portraits, LFW): on a picture whose longer side is at most
 * FAST_MAX_SIDE, the tiny detector at input FAST_INPUT (5x5 cells: its
 * anchors, in cells, then suit faces of a quarter of the picture and more,
 * and the pass costs about a sixth of face-api's default 416); boxes whose
 * longer side is below FAST_MIN_FACE of the picture's do not count.  The
 * tiny detector's boxes at that input are looser than the SSD's, which the
 * landmark net is used to: at least FAST_REFINE_PASSES passes of landmark
 * refinement (refine.h) recentre its crop before the chip is cut (LFW dev:
 * 98.72% with one pass, 98.50% without).  When it finds no face, the SSD
 * runs as without the fast path.
 */
#define FAST_MAX_SIDE 512
#define FAST_INPUT 160
#define FAST_MIN_FACE 0.25
#define FAST_REFINE_PASSES 1

/*
 * The main face of a picture: among the faces found (by the fast path when
 * facerec.fast_main_face is on and it finds one, else face_find's), the
 * largest box (area; the better score on a tie) of those that hold the
 * picture's centre, else the largest box.  A photo is usually framed on
 * its subject, and a larger face off-centre is often someone passing in
 * front (LFW: +2 pairs of 1,800).  False when there is none.
 */
extern bool face_find_main(const uint8_t *rgb, int width, int height,
						   double min_score, FoundFace *face);

/*
 * The landmarks of face->detection.box into face->points and
 * face->landmark_crop: face-api's pass on the box, then
 * facerec.refine_landmarks passes of refinement (refine.h), at least
 * min_passes.  Returns 0, or -1 when the box has no pixel in the picture
 * (face-api drops such a face).
 */
extern int	face_place_landmarks(const uint8_t *rgb, int width, int height,
								 int min_passes, FoundFace *face);

/*
 * The descriptor of a found face from the chip facerec.alignment chooses
 * (align.h); false when face-api's crop has no pixel in the picture (a
 * dlib chip always has one).
 */
extern bool face_describe(const uint8_t *rgb, int width, int height,
						  const FoundFace *face,
						  float descriptor[FACE_DESCRIPTOR_DIM]);

#endif							/* FACEREC_PIPELINE_H */
