/*
 * mmod.h
 *		dlib's CNN face detector (MMOD, mmod_human_face_detector: Davis
 *		King, public domain) on src/nn, used as a second check on another
 *		detector's box (face_check.h).  The net slides one 80x80 window over
 *		its input in steps of 8 pixels and scores each position: a face is
 *		there when the score is above 0.  Plain C, like the other nets.
 */
#ifndef FACEREC_MMOD_H
#define FACEREC_MMOD_H

#include <stdint.h>

#include "nn/nn.h"

#define FACE_MMOD_FILE "mmod_human_face_detector.frw"

/* the largest input side the buffers hold */
#define MMOD_MAX_SIDE 240

typedef struct MmodNet MmodNet;

/* map the weights and allocate every buffer once (a few MB) */
extern MmodNet *mmod_open(const char *weights_path, NnError *err);
extern void mmod_close(MmodNet *net);

/* as face_detector_set_check: called between layers, may longjmp out */
extern void mmod_set_check(MmodNet *net, void (*check) (void));

/*
 * The arithmetic from the next call on: NN_PRECISION_FLOAT (dlib's maps,
 * the default at open) or, for the others, int16 in every layer but the
 * first (mmod.c).
 */
extern void mmod_set_precision(MmodNet *net, NnPrecision precision);

/*
 * The net on a side x side RGB8 picture (rows 3 * side bytes, side at
 * most MMOD_MAX_SIDE and at least the window's 80): its map of scores,
 * one per window position (row r, column c: the window centred on pixel
 * (8c + 14, 8r + 14)), in the net's buffers until the next call.
 */
extern NnTensor mmod_run(MmodNet *net, const uint8_t *rgb, int side);

/*
 * mmod_run, then the best score among
 * the window positions whose centre falls inside [x0, x1] x [y0, y1]
 * (continuous pixel coordinates of the picture, pixel i covering
 * [i, i + 1)), or -HUGE_VAL when no centre does.
 */
extern double mmod_best_score(MmodNet *net, const uint8_t *rgb, int side,
							  double x0, double y0, double x1, double y1);

#endif							/* FACEREC_MMOD_H */
