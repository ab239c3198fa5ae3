
-- ---------------------------------------------------------------------------
-- src/type: the face_embedding type, its operators, casts and aggregates
-- ---------------------------------------------------------------------------

CREATE TYPE face_embedding;

CREATE FUNCTION face_embedding_in(cstring, oid, integer) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_out(face_embedding) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_recv(internal, oid, integer) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_send(face_embedding) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- floats do not compress: keep values out of line uncompressed when large
CREATE TYPE face_embedding (
	INPUT = face_embedding_in,
	OUTPUT = face_embedding_out,
	TYPMOD_IN = face_embedding_typmod_in,
	RECEIVE = face_embedding_recv,
	SEND = face_embedding_send,
	STORAGE = external
);

COMMENT ON TYPE face_embedding IS
	'a face descriptor: 1 to 16000 float4 values, written ''[0.1,-2,3e-3]''';

-- casts ---------------------------------------------------------------------

CREATE FUNCTION face_embedding(face_embedding, integer, boolean) RETURNS face_embedding
	AS 'MODULE_PATHNAME', 'face_embedding_coerce' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (face_embedding AS face_embedding)
	WITH FUNCTION face_embedding(face_embedding, integer, boolean) AS IMPLICIT;

CREATE FUNCTION array_to_face_embedding(real[], integer, boolean) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_face_embedding(double precision[], integer, boolean) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_face_embedding(integer[], integer, boolean) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_face_embedding(numeric[], integer, boolean) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (real[] AS face_embedding)
	WITH FUNCTION array_to_face_embedding(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS face_embedding)
	WITH FUNCTION array_to_face_embedding(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (integer[] AS face_embedding)
	WITH FUNCTION array_to_face_embedding(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS face_embedding)
	WITH FUNCTION array_to_face_embedding(numeric[], integer, boolean) AS ASSIGNMENT;

CREATE FUNCTION face_embedding_to_real_array(face_embedding) RETURNS real[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_to_float8_array(face_embedding) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_to_int4_array(face_embedding) RETURNS integer[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_to_numeric_array(face_embedding) RETURNS numeric[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (face_embedding AS real[])
	WITH FUNCTION face_embedding_to_real_array(face_embedding) AS ASSIGNMENT;
CREATE CAST (face_embedding AS double precision[])
	WITH FUNCTION face_embedding_to_float8_array(face_embedding) AS ASSIGNMENT;
-- rounds to the nearest integer: explicit only
CREATE CAST (face_embedding AS integer[])
	WITH FUNCTION face_embedding_to_int4_array(face_embedding);
CREATE CAST (face_embedding AS numeric[])
	WITH FUNCTION face_embedding_to_numeric_array(face_embedding) AS ASSIGNMENT;

-- functions -----------------------------------------------------------------

CREATE FUNCTION dims(face_embedding) RETURNS integer
	AS 'MODULE_PATHNAME', 'face_embedding_dims' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION norm(face_embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'face_embedding_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_normalize(face_embedding) RETURNS face_embedding
	AS 'MODULE_PATHNAME', 'face_embedding_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION l2_distance(face_embedding, face_embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'face_embedding_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_squared_distance(face_embedding, face_embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'face_embedding_l2_squared_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(face_embedding, face_embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'face_embedding_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION inner_product(face_embedding, face_embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'face_embedding_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION negative_inner_product(face_embedding, face_embedding) RETURNS double precision
	AS 'MODULE_PATHNAME', 'face_embedding_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION face_embedding_add(face_embedding, face_embedding) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_sub(face_embedding, face_embedding) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION facerec_distance_isa() RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION facerec_distance_isa() IS
	'the distance kernels this server runs: avx512, avx2 or scalar';

-- operators -----------------------------------------------------------------

CREATE OPERATOR <-> (
	LEFTARG = face_embedding, RIGHTARG = face_embedding,
	FUNCTION = l2_distance, COMMUTATOR = '<->'
);
CREATE OPERATOR <=> (
	LEFTARG = face_embedding, RIGHTARG = face_embedding,
	FUNCTION = cosine_distance, COMMUTATOR = '<=>'
);
CREATE OPERATOR <#> (
	LEFTARG = face_embedding, RIGHTARG = face_embedding,
	FUNCTION = negative_inner_product, COMMUTATOR = '<#>'
);
CREATE OPERATOR + (
	LEFTARG = face_embedding, RIGHTARG = face_embedding,
	FUNCTION = face_embedding_add, COMMUTATOR = +
);
CREATE OPERATOR - (
	LEFTARG = face_embedding, RIGHTARG = face_embedding,
	FUNCTION = face_embedding_sub
);

-- comparison: btree and hash opclasses -------------------------------------

CREATE FUNCTION face_embedding_lt(face_embedding, face_embedding) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_le(face_embedding, face_embedding) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_eq(face_embedding, face_embedding) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_ne(face_embedding, face_embedding) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_ge(face_embedding, face_embedding) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_gt(face_embedding, face_embedding) RETURNS boolean
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_cmp(face_embedding, face_embedding) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_hash(face_embedding) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_hash_extended(face_embedding, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR < (
	LEFTARG = face_embedding, RIGHTARG = face_embedding, FUNCTION = face_embedding_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
	LEFTARG = face_embedding, RIGHTARG = face_embedding, FUNCTION = face_embedding_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR = (
	LEFTARG = face_embedding, RIGHTARG = face_embedding, FUNCTION = face_embedding_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);
CREATE OPERATOR <> (
	LEFTARG = face_embedding, RIGHTARG = face_embedding, FUNCTION = face_embedding_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR >= (
	LEFTARG = face_embedding, RIGHTARG = face_embedding, FUNCTION = face_embedding_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR > (
	LEFTARG = face_embedding, RIGHTARG = face_embedding, FUNCTION = face_embedding_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR CLASS face_embedding_btree_ops
	DEFAULT FOR TYPE face_embedding USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 face_embedding_cmp(face_embedding, face_embedding);

CREATE OPERATOR CLASS face_embedding_hash_ops
	DEFAULT FOR TYPE face_embedding USING hash AS
	OPERATOR 1 =,
	FUNCTION 1 face_embedding_hash(face_embedding),
	FUNCTION 2 face_embedding_hash_extended(face_embedding, bigint);

-- aggregates ----------------------------------------------------------------

CREATE FUNCTION face_embedding_accum(double precision[], face_embedding) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION face_embedding_combine(double precision[], double precision[]) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION face_embedding_avg_final(double precision[]) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION face_embedding_sum_final(double precision[]) RETURNS face_embedding
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE avg(face_embedding) (
	SFUNC = face_embedding_accum,
	STYPE = double precision[],
	FINALFUNC = face_embedding_avg_final,
	COMBINEFUNC = face_embedding_combine,
	PARALLEL = SAFE
);
CREATE AGGREGATE sum(face_embedding) (
	SFUNC = face_embedding_accum,
	STYPE = double precision[],
	FINALFUNC = face_embedding_sum_final,
	COMBINEFUNC = face_embedding_combine,
	PARALLEL = SAFE
);
