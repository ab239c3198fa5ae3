/*
 * embedding_cast.c
 *		Casts between face_embedding and one-dimensional arrays of real,
 *		double precision, integer and numeric.
 *
 * Arrays must be one-dimensional and free of NULLs; every element must be a
 * finite value representable as float4.  Casts to integer[] round to the
 * nearest integer and fail when a value does not fit.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "type/face_embedding.h"

static float4
element_to_float4(Datum d, Oid elemtype)
{
	switch (elemtype)
	{
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case FLOAT8OID:
			{
				float8		v = DatumGetFloat8(d);
				float4		f = (float4) v;

				if (isinf(f) && !isinf(v))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("value %g is out of range for type face_embedding", v)));
				return f;
			}
		case INT4OID:
			return (float4) DatumGetInt32(d);
		case NUMERICOID:
			return DatumGetFloat4(DirectFunctionCall1(numeric_float4, d));
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("cannot cast %s to face_embedding",
							format_type_be(get_array_type(elemtype)))));
	}
	return 0;					/* keep compiler quiet */
}

/* array_to_face_embedding(anyarray, typmod, explicit) for all four types */
PG_FUNCTION_INFO_V1(array_to_face_embedding);
Datum
array_to_face_embedding(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	FaceEmbedding *result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("array must be one-dimensional to become a face_embedding")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &n);
	check_embedding_dim(n);
	check_embedding_typmod(n, typmod);

	result = new_face_embedding(n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("array must not contain NULLs to become a face_embedding")));
		result->x[i] = element_to_float4(elems[i], elemtype);
		check_embedding_element(result->x[i]);
	}
	PG_RETURN_FACE_EMBEDDING_P(result);
}

static Datum
embedding_to_array(FaceEmbedding *e, Oid elemtype)
{
	Datum	   *elems = palloc(sizeof(Datum) * e->dim);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	for (int i = 0; i < e->dim; i++)
	{
		switch (elemtype)
		{
			case FLOAT4OID:
				elems[i] = Float4GetDatum(e->x[i]);
				break;
			case FLOAT8OID:
				elems[i] = Float8GetDatum((float8) e->x[i]);
				break;
			case INT4OID:
				elems[i] = DirectFunctionCall1(ftoi4, Float4GetDatum(e->x[i]));
				break;
			case NUMERICOID:
				elems[i] = DirectFunctionCall1(float4_numeric, Float4GetDatum(e->x[i]));
				break;
		}
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(elems, e->dim, elemtype,
										   typlen, typbyval, typalign));
}

PG_FUNCTION_INFO_V1(face_embedding_to_real_array);
Datum
face_embedding_to_real_array(PG_FUNCTION_ARGS)
{
	return embedding_to_array(PG_GETARG_FACE_EMBEDDING_P(0), FLOAT4OID);
}

PG_FUNCTION_INFO_V1(face_embedding_to_float8_array);
Datum
face_embedding_to_float8_array(PG_FUNCTION_ARGS)
{
	return embedding_to_array(PG_GETARG_FACE_EMBEDDING_P(0), FLOAT8OID);
}

PG_FUNCTION_INFO_V1(face_embedding_to_int4_array);
Datum
face_embedding_to_int4_array(PG_FUNCTION_ARGS)
{
	return embedding_to_array(PG_GETARG_FACE_EMBEDDING_P(0), INT4OID);
}

PG_FUNCTION_INFO_V1(face_embedding_to_numeric_array);
Datum
face_embedding_to_numeric_array(PG_FUNCTION_ARGS)
{
	return embedding_to_array(PG_GETARG_FACE_EMBEDDING_P(0), NUMERICOID);
}
