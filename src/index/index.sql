
-- ---------------------------------------------------------------------------
-- src/index: the face_graph index access method and its operator classes
-- ---------------------------------------------------------------------------

CREATE FUNCTION face_graph_handler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD face_graph TYPE INDEX HANDLER face_graph_handler;
COMMENT ON ACCESS METHOD face_graph IS
	'graph index for nearest-face search: ORDER BY e <-> q LIMIT k';

CREATE OPERATOR CLASS face_embedding_l2_ops
	DEFAULT FOR TYPE face_embedding USING face_graph AS
	OPERATOR 1 <-> (face_embedding, face_embedding) FOR ORDER BY float_ops,
	FUNCTION 1 l2_distance(face_embedding, face_embedding);

CREATE OPERATOR CLASS face_embedding_cosine_ops
	FOR TYPE face_embedding USING face_graph AS
	OPERATOR 1 <=> (face_embedding, face_embedding) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(face_embedding, face_embedding);

CREATE OPERATOR CLASS face_embedding_ip_ops
	FOR TYPE face_embedding USING face_graph AS
	OPERATOR 1 <#> (face_embedding, face_embedding) FOR ORDER BY float_ops,
	FUNCTION 1 negative_inner_product(face_embedding, face_embedding);

CREATE FUNCTION facerec_index_check(index regclass,
		OUT blkno bigint, OUT offnum integer, OUT problem text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
COMMENT ON FUNCTION facerec_index_check(regclass) IS
	'walk a face_graph index and list structural damage (no rows: sound)';

CREATE FUNCTION facerec_index_flush(index regclass) RETURNS bigint
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
COMMENT ON FUNCTION facerec_index_flush(regclass) IS
	'merge a face_graph index''s pending list into its graph now; returns the vectors merged';
