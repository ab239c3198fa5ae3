/*
 * recognizer.h
 *		The face recognition network (face-api's port of dlib's ResNet-29):
 *		a 150x150 face chip in, a 128-d descriptor out.  Plain C on top of
 *		src/nn, so that bench/ can drive it without a server.
 */
#ifndef FACEREC_RECOGNIZER_H
#define FACEREC_RECOGNIZER_H

#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"

#define FACE_CHIP_SIZE 150
#define FACE_DESCRIPTOR_DIM 128
#define FACE_RECOGNIZER_FILE "face_recognition_model.frw"

typedef struct FaceRecognizer FaceRecognizer;

/*
 * Map the weights and allocate every buffer a forward pass needs, once; the
 * result lives until face_recognizer_close (in a backend: the process).
 */
extern FaceRecognizer *face_recognizer_open(const char *weights_path, NnError *err);
extern void face_recognizer_close(FaceRecognizer *rec);

/*
 * The arithmetic of the residual blocks' 3x3 convolutions from the next
 * call on: float32 (the default: face-api's descriptors) or int16
 * (nn_qconv2d_dynamic; the first 7x7 layer on the image stays float32).
 */
extern void face_recognizer_set_precision(FaceRecognizer *rec, NnPrecision precision);

/*
 * The descriptor of an RGB8 image (interleaved, rows stride bytes apart: a
 * crop of a larger picture is fine) that is an aligned face chip: padded to
 * a square and resized to 150x150 exactly as face-api does.  Width and
 * height must be positive.
 */
extern void face_recognizer_describe(FaceRecognizer *rec, const uint8_t *rgb,
									 int width, int height, size_t stride,
									 float descriptor[FACE_DESCRIPTOR_DIM]);

#endif							/* FACEREC_RECOGNIZER_H */
