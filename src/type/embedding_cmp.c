/*
 * embedding_cmp.c
 *		Comparison and hashing for the btree and hash opclasses, so that
 *		DISTINCT, GROUP BY, unique constraints and ORDER BY work.
 *
 * Hashing must agree with equality: -0 and +0 are equal, so each element is
 * hashed with its zero normalized to +0.
 */
#include "postgres.h"

#include "common/hashfn.h"

#include "type/face_embedding.h"

static int
compare_args(FunctionCallInfo fcinfo)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING_P(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING_P(1);
	int			result = compare_face_embeddings(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return result;
}

#define COMPARISON(name, test) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(compare_args(fcinfo) test); \
}

COMPARISON(face_embedding_lt, < 0)
COMPARISON(face_embedding_le, <= 0)
COMPARISON(face_embedding_eq, == 0)
COMPARISON(face_embedding_ne, != 0)
COMPARISON(face_embedding_ge, >= 0)
COMPARISON(face_embedding_gt, > 0)

PG_FUNCTION_INFO_V1(face_embedding_cmp);
Datum
face_embedding_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(compare_args(fcinfo));
}

static uint64
hash_elements(const FaceEmbedding *e, uint64 seed)
{
	uint64		h = hash_combine64(seed, (uint64) e->dim);

	for (int i = 0; i < e->dim; i++)
	{
		float4		v = e->x[i] == 0.0f ? 0.0f : e->x[i];
		uint32		bits;

		memcpy(&bits, &v, sizeof(bits));
		h = hash_combine64(h, hash_bytes_uint32_extended(bits, seed));
	}
	return h;
}

PG_FUNCTION_INFO_V1(face_embedding_hash);
Datum
face_embedding_hash(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32((int32) hash_elements(PG_GETARG_FACE_EMBEDDING_P(0), 0));
}

PG_FUNCTION_INFO_V1(face_embedding_hash_extended);
Datum
face_embedding_hash_extended(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) hash_elements(PG_GETARG_FACE_EMBEDDING_P(0),
										  (uint64) PG_GETARG_INT64(1)));
}
