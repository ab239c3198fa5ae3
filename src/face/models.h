/*
 * models.h
 *		The nets of a backend: each is opened from this installation's model
 *		folder on first use and kept for the life of the process; a missing
 *		or corrupt file is one clean ERROR.
 */
#ifndef FACEREC_MODELS_H
#define FACEREC_MODELS_H

#include "face/landmarks.h"
#include "face/mmod.h"
#include "face/recognizer.h"
#include "face/ssd.h"
#include "face/tiny.h"

/* facerec.nn_precision (an NnPrecision) */
extern int	face_nn_precision;

/* define the GUCs of the nets (from _PG_init) */
extern void face_models_init(void);

extern FaceDetector *face_detector(void);
extern TinyDetector *face_tiny_detector(void);
extern FaceLandmarker *face_landmarker(void);
extern FaceRecognizer *face_recognizer(void);
extern MmodNet *face_mmod(void);

#endif							/* FACEREC_MODELS_H */
