
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

-- ---------------------------------------------------------------------------
-- src/face: face detection (SSD MobileNetV1) and 68-point landmarks
-- ---------------------------------------------------------------------------

-- Without min_score, the threshold is facerec.min_face_score.
CREATE FUNCTION face_detect(image bytea,
	OUT face integer, OUT x real, OUT y real, OUT width real, OUT height real,
	OUT score real, OUT landmarks point[])
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'face_detect_image'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000 ROWS 2;

COMMENT ON FUNCTION face_detect(bytea) IS
	'faces in an image file (JPEG, PNG, WebP) scoring above facerec.min_face_score: box in pixels of the upright picture, detector score, 68 landmarks; best first';

CREATE FUNCTION face_detect(image bytea, min_score real,
	OUT face integer, OUT x real, OUT y real, OUT width real, OUT height real,
	OUT score real, OUT landmarks point[])
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'face_detect_image'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000 ROWS 2;

COMMENT ON FUNCTION face_detect(bytea, real) IS
	'faces in an image file (JPEG, PNG, WebP): box in pixels of the upright picture, detector score, 68 landmarks; best first';

CREATE FUNCTION face_detect(rgb bytea, width integer, height integer,
	OUT face integer, OUT x real, OUT y real, OUT width real, OUT height real,
	OUT score real, OUT landmarks point[])
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'face_detect_rgb'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000 ROWS 2;

COMMENT ON FUNCTION face_detect(bytea, integer, integer) IS
	'faces in raw RGB8 pixels scoring above facerec.min_face_score: box, detector score, 68 landmarks; best first';

CREATE FUNCTION face_detect(rgb bytea, width integer, height integer, min_score real,
	OUT face integer, OUT x real, OUT y real, OUT width real, OUT height real,
	OUT score real, OUT landmarks point[])
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'face_detect_rgb'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10000 ROWS 2;

COMMENT ON FUNCTION face_detect(bytea, integer, integer, real) IS
	'faces in raw RGB8 pixels (3 bytes per pixel, rows top to bottom): box, detector score, 68 landmarks; best first';

-- ---------------------------------------------------------------------------
-- src/face: photo to descriptors (detector, landmarks, aligned chip)
-- ---------------------------------------------------------------------------

CREATE FUNCTION face_embeddings(image bytea, min_score real DEFAULT 0.5,
	OUT face integer, OUT x real, OUT y real, OUT width real, OUT height real,
	OUT score real, OUT embedding face_embedding)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'face_embeddings_image'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20000 ROWS 2;

COMMENT ON FUNCTION face_embeddings(bytea, real) IS
	'every face in an image file (JPEG, PNG, WebP): box, detector score and 128-d descriptor; best first';

CREATE FUNCTION face_embeddings(rgb bytea, width integer, height integer,
	min_score real DEFAULT 0.5,
	OUT face integer, OUT x real, OUT y real, OUT width real, OUT height real,
	OUT score real, OUT embedding face_embedding)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'face_embeddings_rgb'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20000 ROWS 2;

COMMENT ON FUNCTION face_embeddings(bytea, integer, integer, real) IS
	'every face in raw RGB8 pixels: box, detector score and 128-d descriptor; best first';

CREATE FUNCTION face_embedding(image bytea)
	RETURNS face_embedding
	AS 'MODULE_PATHNAME', 'face_embedding_image'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20000;

COMMENT ON FUNCTION face_embedding(bytea) IS
	'128-d descriptor of the main face (largest detected box, score >= facerec.min_face_score; when none, the second look) of an image file; NULL when there is none';

CREATE FUNCTION face_embedding(image bytea, box box)
	RETURNS face_embedding
	AS 'MODULE_PATHNAME', 'face_embedding_image_box'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5000;

COMMENT ON FUNCTION face_embedding(bytea, box) IS
	'128-d descriptor of the face inside a box (pixels of the upright picture) of an image file: landmarks and alignment, no detector';

CREATE FUNCTION face_verify_score(image bytea, box box)
	RETURNS real
	AS 'MODULE_PATHNAME', 'face_verify_score_image_box'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 2500;

COMMENT ON FUNCTION face_verify_score(bytea, box) IS
	'score of the second check (dlib''s MMOD face detector) on a box (pixels of the upright picture, clipped to it) of an image file; detected boxes need facerec.verify_min_score';

-- ---------------------------------------------------------------------------
-- src/face: same person?  The default threshold maximises accuracy on the
-- 1,800 LFW dev pairs with the default pipeline (bench/lfw_accuracy.sh,
-- "best threshold, all folds" of dlib5: 0.6074).
-- ---------------------------------------------------------------------------

CREATE FUNCTION face_match(a face_embedding, b face_embedding, threshold real DEFAULT 0.607)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'face_match'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION face_match(face_embedding, face_embedding, real) IS
	'true when a <-> b < threshold: the same person';
