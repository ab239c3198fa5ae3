/*
 * detect.h
 *		Argument checks shared by the SQL face functions (detect.c).
 */
#ifndef FACEREC_DETECT_H
#define FACEREC_DETECT_H

/* ERROR 22023 unless 0 <= min_score <= 1 */
extern void check_min_score(float4 min_score);

/* ERROR 22023 unless rgb holds width x height RGB8 pixels */
extern void check_rgb(const bytea *rgb, int32 width, int32 height);

#endif							/* FACEREC_DETECT_H */
