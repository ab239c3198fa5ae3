/*
 * match.c
 *		SQL face_match: are two descriptors the same person?  Their
 *		Euclidean distance below a threshold whose default was calibrated on
 *		LFW (face.sql, README "Face descriptors").
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "type/face_embedding.h"

/* face_match(a face_embedding, b face_embedding, threshold real) */
PG_FUNCTION_INFO_V1(face_match);
Datum
face_match(PG_FUNCTION_ARGS)
{
	float4		threshold = PG_GETARG_FLOAT4(2);
	float8		distance;

	if (isnan(threshold) || threshold < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face_match threshold must be a non-negative distance, not %g",
						threshold)));
	/* the <-> operator's function: checks that the dimensions agree */
	distance = DatumGetFloat8(DirectFunctionCall2(face_embedding_l2_distance,
												  PG_GETARG_DATUM(0),
												  PG_GETARG_DATUM(1)));
	PG_RETURN_BOOL(distance < threshold);
}
