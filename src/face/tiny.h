/*
 * tiny.h
 *		face-api's tiny face detector (tiny_face_detector_model, a tiny
 *		YOLO v2 with separable convolutions) on src/nn: an RGB8 picture in,
 *		scored face boxes in picture pixels out, exactly as face-api's
 *		TinyFaceDetector.locateFaces at a given input size (face-api's
 *		default: 416).  At 416, about 16 times fewer multiply-adds than
 *		the SSD; less accurate (README figures).
 *		Plain C, so that bench/ can drive it without a server.
 */
#ifndef FACEREC_TINY_H
#define FACEREC_TINY_H

#include <stdint.h>

#include "face/ssd.h"

#define TINY_INPUT 416			/* face-api's default inputSize */
#define TINY_IOU_THRESHOLD 0.4
#define FACE_TINY_FILE "tiny_face_detector_model.frw"

typedef struct TinyDetector TinyDetector;

/* map the weights and allocate every buffer once (about 24 MB) */
extern TinyDetector *tiny_detector_open(const char *weights_path, NnError *err);
extern void tiny_detector_close(TinyDetector *det);

/* as face_detector_set_check: called between layers, may longjmp out */
extern void tiny_detector_set_check(TinyDetector *det, void (*check) (void));

/*
 * The faces of a width x height RGB8 picture (rows stride bytes apart: a
 * crop of a larger picture is fine) scoring above min_score, the net's
 * input size x size (a multiple of 32 up to TINY_INPUT; face-api's
 * inputSize: the grid has size / 32 cells a side, and the anchors are in
 * cells, so a smaller input suits faces that fill more of the picture),
 * after greedy non-maximum suppression at IoU 0.4, best first: at most
 * SSD_MAX_FACES, their number returned.  Boxes are relative to the crop
 * and not clipped to it (face-api does not clip them either).
 */
extern int	tiny_detector_run(TinyDetector *det, const uint8_t *rgb, int width,
							  int height, size_t stride, int size, double min_score,
							  FaceDetection faces[SSD_MAX_FACES]);

#endif							/* FACEREC_TINY_H */
