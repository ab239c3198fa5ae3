/*
 * embedding_io.c
 *		Text and binary input/output of face_embedding, its typmod, and the
 *		length coercion face_embedding -> face_embedding(n).
 *
 * Text form: '[1,-2.5,3e-3]', whitespace allowed around every token.  Output
 * uses the shortest decimal that reads back to the same float4.
 * Binary form: int16 dim, int16 reserved (0), then dim float4s.
 */
#include "postgres.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "type/face_embedding.h"

static inline char *
skip_space(char *p)
{
	while (isspace((unsigned char) *p))
		p++;
	return p;
}

static void
syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type face_embedding: \"%s\"", input),
			 errdetail("%s", detail)));
}

PG_FUNCTION_INFO_V1(face_embedding_in);
Datum
face_embedding_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	float4	   *values;
	int			capacity = 128;
	int			dim = 0;
	char	   *p = skip_space(input);
	FaceEmbedding *result;

	if (*p != '[')
		syntax_error(input, "Embedding contents must start with \"[\".");
	p = skip_space(p + 1);
	if (*p == ']')
		check_embedding_dim(0);

	values = palloc(sizeof(float4) * capacity);
	for (;;)
	{
		char	   *end;
		float4		v;

		if (dim == FACE_EMBEDDING_MAX_DIM)
			check_embedding_dim(dim + 1);
		if (dim == capacity)
		{
			capacity *= 2;
			values = repalloc(values, sizeof(float4) * capacity);
		}

		errno = 0;
		v = strtof(p, &end);
		if (end == p)
			syntax_error(input, "Expected a number.");
		if (errno == ERANGE && (isinf(v) || v == 0.0f))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%.*s\" is out of range for type face_embedding",
							(int) (end - p), p)));
		check_embedding_element(v);
		values[dim++] = v;

		p = skip_space(end);
		if (*p == ',')
			p = skip_space(p + 1);
		else if (*p == ']')
			break;
		else
			syntax_error(input, "Expected \",\" or \"]\" after a number.");
	}
	if (*skip_space(p + 1) != '\0')
		syntax_error(input, "Junk after closing \"]\".");

	check_embedding_typmod(dim, typmod);
	result = new_face_embedding(dim);
	memcpy(result->x, values, sizeof(float4) * dim);
	pfree(values);
	PG_RETURN_FACE_EMBEDDING_P(result);
}

PG_FUNCTION_INFO_V1(face_embedding_out);
Datum
face_embedding_out(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING_P(0);
	char	   *buf = palloc(e->dim * (FLOAT_SHORTEST_DECIMAL_LEN + 1) + 2);
	char	   *p = buf;

	*p++ = '[';
	for (int i = 0; i < e->dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(e->x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	PG_FREE_IF_COPY(e, 0);
	PG_RETURN_CSTRING(buf);
}

PG_FUNCTION_INFO_V1(face_embedding_typmod_in);
Datum
face_embedding_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *mods;
	int			n;

	mods = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("face_embedding takes one modifier, its dimension count.")));
	if (mods[0] < 1 || mods[0] > FACE_EMBEDDING_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type face_embedding must be between 1 and %d",
						FACE_EMBEDDING_MAX_DIM)));
	PG_RETURN_INT32(mods[0]);
}

PG_FUNCTION_INFO_V1(face_embedding_recv);
Datum
face_embedding_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int			reserved = (int16) pq_getmsgint(buf, sizeof(int16));
	FaceEmbedding *result;

	if (reserved != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("reserved field of binary face_embedding must be zero")));
	check_embedding_dim(dim);
	check_embedding_typmod(dim, typmod);
	result = new_face_embedding(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = pq_getmsgfloat4(buf);
		check_embedding_element(result->x[i]);
	}
	PG_RETURN_FACE_EMBEDDING_P(result);
}

PG_FUNCTION_INFO_V1(face_embedding_send);
Datum
face_embedding_send(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, e->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < e->dim; i++)
		pq_sendfloat4(&buf, e->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* face_embedding(face_embedding, typmod, explicit): the length coercion */
PG_FUNCTION_INFO_V1(face_embedding_coerce);
Datum
face_embedding_coerce(PG_FUNCTION_ARGS)
{
	FaceEmbedding *e = PG_GETARG_FACE_EMBEDDING_P(0);

	check_embedding_typmod(e->dim, PG_GETARG_INT32(1));
	PG_RETURN_FACE_EMBEDDING_P(e);
}
