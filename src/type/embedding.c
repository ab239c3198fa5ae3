/*
 * embedding.c
 *		Constructors and the validity checks every face_embedding function
 *		shares: dimension limits, typmods, finite elements, equal lengths.
 */
#include "postgres.h"

#include <math.h>

#include "type/face_embedding.h"

FaceEmbedding *
new_face_embedding(int dim)
{
	Size		size = FACE_EMBEDDING_SIZE(dim);
	FaceEmbedding *e;

	check_embedding_dim(dim);
	e = (FaceEmbedding *) palloc0(size);
	SET_VARSIZE(e, size);
	e->dim = dim;
	return e;
}

void
check_embedding_dim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("face_embedding must have at least 1 dimension")));
	if (dim > FACE_EMBEDDING_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("face_embedding cannot have more than %d dimensions, not %d",
						FACE_EMBEDDING_MAX_DIM, dim)));
}

/* typmod -1 means "any dimension count" */
void
check_embedding_typmod(int dim, int32 typmod)
{
	if (typmod >= 0 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

void
check_same_dims(const FaceEmbedding *a, const FaceEmbedding *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different face_embedding dimensions %d and %d",
						a->dim, b->dim)));
}

void
check_embedding_element(float4 value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in face_embedding")));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("infinite value not allowed in face_embedding")));
}

/*
 * Total order used by the btree and hash opclasses: element by element, then
 * the shorter embedding first.  Elements are finite, so float comparison is
 * a total order; -0 and +0 compare equal (and hash alike, see embedding_cmp.c).
 */
int
compare_face_embeddings(const FaceEmbedding *a, const FaceEmbedding *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	if (a->dim != b->dim)
		return a->dim < b->dim ? -1 : 1;
	return 0;
}
