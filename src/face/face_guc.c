/*
 * face_guc.c
 *		The settings of face detection (README "Face detection and
 *		landmarks"), registered once from _PG_init:
 *
 *		facerec.second_look (on): when the detector finds no face in a
 *		picture, look again at the picture framed at half size (ssd.h,
 *		face_detector_run_framed).  Off gives face-api's faces exactly.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "face/pipeline.h"

bool		face_second_look = true;

void
face_init(void)
{
	DefineCustomBoolVariable("facerec.second_look",
							 "Looks again, at the picture framed at half size, when the face detector finds no face.",
							 "The detector misses faces that fill the picture; off gives face-api's results exactly.",
							 &face_second_look,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}
