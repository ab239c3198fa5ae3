/*
 * face_guc.c
 *		The settings of face detection (README "Face detection and
 *		landmarks"), registered once from _PG_init:
 *
 *		facerec.detector (ssd): 'ssd' (SSD MobileNetV1, accurate) or 'tiny'
 *		(tiny face detector, fast).
 *		facerec.landmarks (full): 'full' (face_landmark_68_model) or 'tiny'
 *		(face_landmark_68_tiny_model, about half the work).
 *		facerec.tiny_input_size (416): the tiny detector's input side, a
 *		multiple of 32 (face-api's inputSize).
 *		facerec.fast_main_face (on): face_embedding(image) finds the main
 *		face of a small picture with the tiny detector first (pipeline.h).
 *		facerec.refine_landmarks (0): passes of landmark refinement
 *		(refine.h) on every face; the fast path makes at least one.
 *		facerec.min_face_score (0.5): the detector score a face needs when
 *		face_detect is called without min_score.
 *		facerec.second_look (on): when the SSD finds no face in a picture,
 *		look again at the picture framed at half size, then at a third
 *		(ssd.h, face_detector_run_framed).  Off, with facerec.verify_faces
 *		off, gives face-api's faces exactly.
 *		facerec.verify_faces (on): every detected box must pass the second
 *		check (face_check.h) to count as a face; before the second look, so
 *		that a picture whose only box fails gets its second look.
 *		facerec.verify_min_score (-1.0): the second check's score a box
 *		needs.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "face/face_check.h"
#include "face/pipeline.h"
#include "face/refine.h"
#include "face/tiny.h"

int			face_detector_choice = FACE_DETECTOR_SSD;
int			face_landmarks_choice = FACE_LANDMARKS_FULL;
int			face_tiny_input_size = TINY_INPUT;
bool		face_fast_main = true;
double		face_min_score = 0.5;
bool		face_second_look = true;

static const struct config_enum_entry detector_options[] = {
	{"ssd", FACE_DETECTOR_SSD, false},
	{"tiny", FACE_DETECTOR_TINY, false},
	{NULL, 0, false}
};

static const struct config_enum_entry landmarks_options[] = {
	{"full", FACE_LANDMARKS_FULL, false},
	{"tiny", FACE_LANDMARKS_TINY, false},
	{NULL, 0, false}
};

static bool
check_tiny_input_size(int *newval, void **extra, GucSource source)
{
	if (*newval % 32 != 0)
	{
		GUC_check_errdetail("The tiny detector's input size must be a multiple of 32.");
		return false;
	}
	return true;
}

void
face_init(void)
{
	DefineCustomEnumVariable("facerec.detector",
							 "Face detector: ssd (SSD MobileNetV1, accurate) or tiny (tiny face detector, fast).",
							 NULL,
							 &face_detector_choice,
							 FACE_DETECTOR_SSD,
							 detector_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomEnumVariable("facerec.landmarks",
							 "68-point landmark net: full or tiny (faster, less precise).",
							 NULL,
							 &face_landmarks_choice,
							 FACE_LANDMARKS_FULL,
							 landmarks_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("facerec.tiny_input_size",
							"Input size of the tiny face detector (a multiple of 32).",
							"Smaller is faster and suits faces that fill more of the picture.",
							&face_tiny_input_size,
							TINY_INPUT,
							32, TINY_INPUT,
							PGC_USERSET,
							0,
							check_tiny_input_size, NULL, NULL);
	DefineCustomBoolVariable("facerec.fast_main_face",
							 "face_embedding(image) looks for the main face of a picture of at most 512 pixels a side with the tiny detector first.",
							 "Off: the SSD only, as face_embeddings.",
							 &face_fast_main,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomRealVariable("facerec.min_face_score",
							 "Detector score a face needs when face_detect is called without min_score.",
							 NULL,
							 &face_min_score,
							 0.5,
							 0.0, 1.0,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("facerec.refine_landmarks",
							"Passes of the landmark net on a crop recentred from its own landmarks.",
							"0 gives face-api's landmarks exactly; face_embedding's fast path makes at least one.",
							&face_refine_passes,
							0,
							0, 3,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("facerec.second_look",
							 "Looks again, at the picture framed at half and then a third of its size, when the SSD face detector finds no face.",
							 "The detector misses faces that fill the picture; off, with facerec.verify_faces off, gives face-api's results exactly.",
							 &face_second_look,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("facerec.verify_faces",
							 "Checks every detected box with dlib's MMOD face detector before counting it as a face.",
							 "Removes boxes on faces of animals and other non-faces; costs about 5-20 ms per box.",
							 &face_verify,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomRealVariable("facerec.verify_min_score",
							 "Score a detected box needs from the MMOD check (facerec.verify_faces).",
							 "face_verify_score(image, box) gives a box's score.",
							 &face_verify_min_score,
							 -1.0,
							 -100.0, 100.0,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}
