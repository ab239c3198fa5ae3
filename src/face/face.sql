
-- ---------------------------------------------------------------------------
-- src/face: descriptors of aligned face chips (the recognition network)
-- ---------------------------------------------------------------------------

-- IMMUTABLE: the result depends only on the arguments and the model files of
-- this installation (so it can feed generated columns and indexes).
CREATE FUNCTION face_chip_embedding(rgb bytea, width integer, height integer)
	RETURNS face_embedding
	AS 'MODULE_PATHNAME', 'face_chip_embedding_rgb'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;

COMMENT ON FUNCTION face_chip_embedding(bytea, integer, integer) IS
	'128-d descriptor of an aligned face chip given as raw RGB8 pixels (3 bytes per pixel, rows top to bottom)';

CREATE FUNCTION face_chip_embedding(image bytea)
	RETURNS face_embedding
	AS 'MODULE_PATHNAME', 'face_chip_embedding_image'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;

COMMENT ON FUNCTION face_chip_embedding(bytea) IS
	'128-d descriptor of an image file (JPEG, PNG, WebP) that is an aligned face chip, e.g. dlib''s 150x150 chips';
