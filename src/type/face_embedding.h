/*
 * face_embedding.h
 *		The face_embedding type: on-disk layout and helpers shared by the
 *		type's SQL functions.  This header is the only door into src/type/.
 *
 * A face_embedding is a varlena holding a dimension count and that many
 * float4 values.  Values are always finite (input rejects NaN and
 * infinities, and arithmetic that overflows raises an error), so every
 * comparison and distance below can assume ordinary floats.
 */
#ifndef FACEREC_FACE_EMBEDDING_H
#define FACEREC_FACE_EMBEDDING_H

#include "postgres.h"

#include "fmgr.h"

#define FACE_EMBEDDING_MAX_DIM 16000

typedef struct FaceEmbedding
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* number of elements, 1..FACE_EMBEDDING_MAX_DIM */
	int16		unused;			/* always zero; reserved for flags */
	float4		x[FLEXIBLE_ARRAY_MEMBER];
} FaceEmbedding;

#define FACE_EMBEDDING_SIZE(dim) (offsetof(FaceEmbedding, x) + sizeof(float4) * (dim))
#define DatumGetFaceEmbedding(d) ((FaceEmbedding *) PG_DETOAST_DATUM(d))
#define PG_GETARG_FACE_EMBEDDING_P(n) DatumGetFaceEmbedding(PG_GETARG_DATUM(n))
#define PG_RETURN_FACE_EMBEDDING_P(e) PG_RETURN_POINTER(e)

extern FaceEmbedding *new_face_embedding(int dim);
extern void check_embedding_dim(int dim);
extern void check_embedding_typmod(int dim, int32 typmod);
extern void check_same_dims(const FaceEmbedding *a, const FaceEmbedding *b);
extern void check_embedding_element(float4 value);
extern int	compare_face_embeddings(const FaceEmbedding *a, const FaceEmbedding *b);

/* the distance functions behind <->, <=>, <#> (the index maps its opclass's
 * support function to a metric by comparing against these) */
extern Datum face_embedding_l2_distance(PG_FUNCTION_ARGS);
extern Datum face_embedding_cosine_distance(PG_FUNCTION_ARGS);
extern Datum face_embedding_negative_inner_product(PG_FUNCTION_ARGS);

#endif							/* FACEREC_FACE_EMBEDDING_H */
