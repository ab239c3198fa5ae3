/*
 * embedding_agg.c
 *		avg(face_embedding) and sum(face_embedding).
 *
 * The transition state is a float8[] laid out as {count, sum_1, ..., sum_d}:
 * an ordinary SQL value, so partial aggregation across parallel workers needs
 * only a combine function, no (de)serialisation.  Sums run in float8; the
 * final functions fail cleanly if a result does not fit in float4.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"

#include "type/face_embedding.h"

static float8 *
state_values(ArrayType *state)
{
	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != FLOAT8OID || ARR_DIMS(state)[0] < 1)
		elog(ERROR, "face_embedding aggregate state is not a float8 array");
	return (float8 *) ARR_DATA_PTR(state);
}

static inline int
state_dim(ArrayType *state)
{
	return ARR_DIMS(state)[0] - 1;
}

static ArrayType *
new_state(int dim)
{
	Datum	   *zeros = palloc(sizeof(Datum) * (dim + 1));

	for (int i = 0; i <= dim; i++)
		zeros[i] = Float8GetDatum(0.0);
	return construct_array(zeros, dim + 1, FLOAT8OID, sizeof(float8),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static void
check_state_dims(int a, int b)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different face_embedding dimensions %d and %d", a, b)));
}

/*
 * Not strict: the state and the input have different types, so the first
 * row cannot become the state by itself.
 *
 * The state array is modified in place when we are called as an aggregate
 * (it then lives in the aggregate's memory context and nobody else sees it);
 * otherwise a copy is made, as for any SQL function.
 */
PG_FUNCTION_INFO_V1(face_embedding_accum);
Datum
face_embedding_accum(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e;
	ArrayType  *state;
	float8	   *sums;

	/* NULL inputs are skipped, as by the built-in avg() and sum() */
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	e = PG_GETARG_FACE_EMBEDDING_P(1);

	if (PG_ARGISNULL(0))
	{
		MemoryContext aggctx;
		MemoryContext old;

		if (!AggCheckCallContext(fcinfo, &aggctx))
			aggctx = CurrentMemoryContext;
		old = MemoryContextSwitchTo(aggctx);
		state = new_state(e->dim);
		MemoryContextSwitchTo(old);
	}
	else if (AggCheckCallContext(fcinfo, NULL))
		state = PG_GETARG_ARRAYTYPE_P(0);
	else
		state = PG_GETARG_ARRAYTYPE_P_COPY(0);

	sums = state_values(state);
	check_state_dims(state_dim(state), e->dim);
	sums[0] += 1.0;
	for (int i = 0; i < e->dim; i++)
		sums[i + 1] += e->x[i];
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(face_embedding_combine);
Datum
face_embedding_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	ArrayType  *b;
	float8	   *sa;
	float8	   *sb;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));

	a = AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(0)
		: PG_GETARG_ARRAYTYPE_P_COPY(0);
	b = PG_GETARG_ARRAYTYPE_P(1);
	sa = state_values(a);
	sb = state_values(b);
	check_state_dims(state_dim(a), state_dim(b));
	for (int i = 0; i <= state_dim(a); i++)
		sa[i] += sb[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

static Datum
finish(ArrayType *state, bool average)
{
	float8	   *sums = state_values(state);
	int			dim = state_dim(state);
	FaceEmbedding *result = new_face_embedding(dim);

	for (int i = 0; i < dim; i++)
	{
		float8		v = average ? sums[i + 1] / sums[0] : sums[i + 1];

		result->x[i] = (float4) v;
		if (isinf(result->x[i]) || isnan(result->x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("face_embedding %s out of range at dimension %d",
							average ? "average" : "sum", i + 1)));
	}
	PG_RETURN_FACE_EMBEDDING_P(result);
}

PG_FUNCTION_INFO_V1(face_embedding_avg_final);
Datum
face_embedding_avg_final(PG_FUNCTION_ARGS)
{
	return finish(PG_GETARG_ARRAYTYPE_P(0), true);
}

PG_FUNCTION_INFO_V1(face_embedding_sum_final);
Datum
face_embedding_sum_final(PG_FUNCTION_ARGS)
{
	return finish(PG_GETARG_ARRAYTYPE_P(0), false);
}
