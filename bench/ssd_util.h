/*
 * ssd_util.h
 *		What the SSD's bench drivers share (ssd_bench, ssd_band_check,
 *		ssd_calibrate): opening the detector, and the precisions they
 *		compare.
 */
#ifndef FACEREC_BENCH_SSD_UTIL_H
#define FACEREC_BENCH_SSD_UTIL_H

#include "face/ssd.h"

#define SSD_N_PRECISIONS 3
extern const char *const ssd_precision_name[SSD_N_PRECISIONS];
extern const NnPrecision ssd_precisions[SSD_N_PRECISIONS];

/* the detector of weights_path; exits on failure */
extern FaceDetector *ssd_open(const char *weights_path);

/*
 * Every precision once (int8 prepares its weights on first use), so that
 * face_detector_set_precision cannot fail afterwards; exits on failure.
 */
extern void ssd_prepare_precisions(FaceDetector *det);

#endif							/* FACEREC_BENCH_SSD_UTIL_H */
