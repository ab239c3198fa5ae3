/*
 * detect.h
 *		What the SQL face functions share (detect.c): argument checks, the
 *		two entry shapes (image bytea / raw RGB), and the box columns.
 */
#ifndef FACEREC_DETECT_H
#define FACEREC_DETECT_H

#include "fmgr.h"
#include "utils/geo_decls.h"

#include "face/pipeline.h"

/*
 * The last column of a face's row (after face, x, y, width, height, score);
 * false to leave the face out.
 */
typedef bool (*FaceColumnFunc) (const uint8 *rgb, int width, int height,
								const FoundFace *found, Datum *value);

/*
 * The rows (face, x, y, width, height, score, column()) of every face found,
 * best first, for SQL functions of (image bytea, min_score real) or
 * (rgb bytea, width int, height int, min_score real); without the
 * min_score argument, facerec.min_face_score.
 */
extern Datum face_rows_from_image(FunctionCallInfo fcinfo, FaceColumnFunc column);
extern Datum face_rows_from_rgb(FunctionCallInfo fcinfo, FaceColumnFunc column);

/* ERROR 22023 unless 0 <= min_score <= 1 */
extern void check_min_score(float4 min_score);

/*
 * A face box given in SQL (pixels of the upright width x height picture),
 * clipped to the picture: ERROR 22023 unless its corners are finite, it is
 * not empty and it holds a whole pixel of the picture.
 */
extern FaceBox face_box_arg(const BOX *b, int width, int height);

/* ERROR 22023 unless rgb holds width x height RGB8 pixels */
extern void check_rgb(const bytea *rgb, int32 width, int32 height);

#endif							/* FACEREC_DETECT_H */
