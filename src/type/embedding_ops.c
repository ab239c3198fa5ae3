/*
 * embedding_ops.c
 *		Distances (the functions behind <->, <=>, <#>), dims(), norm(),
 *		l2_normalize(), and element-wise + and -.
 *
 * Distances go through the run-time selected kernels of distance.c and are
 * returned as float8.
 */
#include "postgres.h"

#include <math.h>

#include "type/distance.h"
#include "type/face_embedding.h"

PG_FUNCTION_INFO_V1(face_embedding_l2_distance);
Datum
face_embedding_l2_distance(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING_P(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING_P(1);

	check_same_dims(a, b);
	PG_RETURN_FLOAT8(sqrt((double) active_kernels.l2_squared(a->x, b->x, a->dim)));
}

PG_FUNCTION_INFO_V1(face_embedding_l2_squared_distance);
Datum
face_embedding_l2_squared_distance(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING_P(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING_P(1);

	check_same_dims(a, b);
	PG_RETURN_FLOAT8((double) active_kernels.l2_squared(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(face_embedding_inner_product);
Datum
face_embedding_inner_product(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING_P(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING_P(1);

	check_same_dims(a, b);
	PG_RETURN_FLOAT8((double) active_kernels.inner_product(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(face_embedding_negative_inner_product);
Datum
face_embedding_negative_inner_product(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING_P(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING_P(1);

	check_same_dims(a, b);
	PG_RETURN_FLOAT8(-(double) active_kernels.inner_product(a->x, b->x, a->dim));
}

PG_FUNCTION_INFO_V1(face_embedding_cosine_distance);
Datum
face_embedding_cosine_distance(PG_FUNCTION_ARGS)
{
	FaceEmbedding *a = PG_GETARG_FACE_EMBEDDING_P(0);
	FaceEmbedding *b = PG_GETARG_FACE_EMBEDDING_P(1);
	float		dot,
				na,
				nb;

	check_same_dims(a, b);
	active_kernels.cosine_parts(a->x, b->x, a->dim, &dot, &na, &nb);
	PG_RETURN_FLOAT8(cosine_distance_from_parts(dot, na, nb));
}

PG_FUNCTION_INFO_V1(face_embedding_dims);
Datum
face_embedding_dims(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING_P(0);

	PG_RETURN_INT32(e->dim);
}

static double
euclidean_norm(const FaceEmbedding *e)
{
	double		sum = 0.0;

	for (int i = 0; i < e->dim; i++)
		sum += (double) e->x[i] * (double) e->x[i];
	return sqrt(sum);
}

PG_FUNCTION_INFO_V1(face_embedding_norm);
Datum
face_embedding_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(euclidean_norm(PG_GETARG_FACE_EMBEDDING_P(0)));
}

/* the zero embedding normalizes to itself */
PG_FUNCTION_INFO_V1(face_embedding_l2_normalize);
Datum
face_embedding_l2_normalize(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING_P(0);
	FaceEmbedding *result = new_face_embedding(e->dim);
	double		norm = euclidean_norm(e);

	if (norm > 0.0)
	{
		for (int i = 0; i < e->dim; i++)
			result->x[i] = (float4) (e->x[i] / norm);
	}
	PG_RETURN_FACE_EMBEDDING_P(result);
}

static FaceEmbedding *
elementwise(FaceEmbedding *a, FaceEmbedding *b, bool subtract)
{
	FaceEmbedding *result;

	check_same_dims(a, b);
	result = new_face_embedding(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		result->x[i] = subtract ? a->x[i] - b->x[i] : a->x[i] + b->x[i];
		if (isinf(result->x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("face_embedding element out of range at dimension %d", i + 1)));
	}
	return result;
}

PG_FUNCTION_INFO_V1(face_embedding_add);
Datum
face_embedding_add(PG_FUNCTION_ARGS)
{
	PG_RETURN_FACE_EMBEDDING_P(elementwise(PG_GETARG_FACE_EMBEDDING_P(0),
										   PG_GETARG_FACE_EMBEDDING_P(1), false));
}

PG_FUNCTION_INFO_V1(face_embedding_sub);
Datum
face_embedding_sub(PG_FUNCTION_ARGS)
{
	PG_RETURN_FACE_EMBEDDING_P(elementwise(PG_GETARG_FACE_EMBEDDING_P(0),
										   PG_GETARG_FACE_EMBEDDING_P(1), true));
}
