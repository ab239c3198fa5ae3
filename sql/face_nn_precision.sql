-- facerec.nn_precision: the SSD detector's 1x1 layers in 16-bit integers
-- (int16, the default; int8, coarser, at the end; and its maps between
-- separable layers in int16 steps, the depthwise layers between them in
-- integers) against the float32 path (which matches
-- face-api exactly, face_detect.sql) on every fixture, and against
-- face-api's own faces.  Tolerances are 1.4 to 2.4 times the largest
-- differences measured on these fixtures at min_score 0.3: scores 2.1e-3
-- (2.9e-4 on average), boxes 0.042 px, landmarks (the same float landmark
-- net on the slightly moved box) 0.042 px.
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixtures :abs_srcdir '/tools/reference/fixtures/'
SET facerec.second_look = off;
SET facerec.verify_faces = off;

CREATE TEMP TABLE fixture AS
SELECT n AS name, w AS width, h AS height,
	pg_read_binary_file(:'fixtures' || n || '.' || w || 'x' || h || '.rgb') AS rgb
FROM (VALUES ('group', 500, 332), ('portrait', 180, 240), ('dogs', 225, 229),
			 ('lfw-resize', 211, 173), ('salley', 150, 150), ('savage', 150, 150),
			 ('schneider', 150, 150), ('shimkus-pad', 117, 140)) AS v(n, w, h);

SET facerec.nn_precision = float;
CREATE TEMP TABLE by_float AS
SELECT f.name, d.* FROM fixture f, face_detect(f.rgb, f.width, f.height, 0.3) d;
SET facerec.nn_precision = int16;
CREATE TEMP TABLE by_int16 AS
SELECT f.name, d.* FROM fixture f, face_detect(f.rgb, f.width, f.height, 0.3) d;

-- the same faces in the same order (a missing or extra face is a row with
-- NULLs), within the tolerances; and the integer path does differ
SELECT coalesce(f.name, q.name) AS fixture, coalesce(f.face, q.face) AS face,
	abs(q.score - f.score) < 3e-3 AS score_ok,
	greatest(abs(q.x - f.x), abs(q.y - f.y),
			 abs(q.width - f.width), abs(q.height - f.height)) < 0.1 AS box_ok,
	(SELECT max(greatest(abs((q.landmarks[i])[0] - (f.landmarks[i])[0]),
						 abs((q.landmarks[i])[1] - (f.landmarks[i])[1])))
	 FROM generate_series(1, 68) AS i) < 0.1 AS landmarks_ok
FROM by_float f FULL JOIN by_int16 q ON f.name = q.name AND f.face = q.face
ORDER BY 1, 2;
SHOW facerec.nn_precision;
SELECT bool_or(q.score <> f.score) AS scores_differ
FROM by_float f JOIN by_int16 q USING (name, face);

-- against face-api's faces (fixtures/NAME.faces: score, x, y, width, height,
-- landmarks) at its threshold 0.5, then the faces found at 0.5: the same
-- count (the dogs have no face here either)
SELECT f.name AS fixture, l.n AS face,
	abs(q.score - v[1]) < 3e-3 AS score_ok,
	greatest(abs(q.x - v[2]), abs(q.y - v[3]),
			 abs(q.width - v[4]), abs(q.height - v[5])) < 0.1 AS box_ok
FROM fixture f
	CROSS JOIN LATERAL regexp_split_to_table(
		rtrim(pg_read_file(:'fixtures' || f.name || '.faces'), E'\n'), E'\n')
		WITH ORDINALITY AS l(line, n)
	CROSS JOIN LATERAL (SELECT string_to_array(l.line, ',')::float8[] AS v) r
	LEFT JOIN by_int16 q ON q.name = f.name AND q.face = l.n AND q.score >= 0.5
WHERE f.name IN ('group', 'portrait', 'dogs') AND l.line <> ''
ORDER BY 1, 2;
SELECT name, count(*) FROM by_int16 WHERE score >= 0.5 GROUP BY name ORDER BY name;

-- the recognition net's residual blocks in integers against float32 on the
-- descriptor fixtures (face_chip_embedding.sql holds float32 to face-api):
-- measured at most 2.9e-4 per element and 1.3e-3 apart (face_match's
-- threshold is 0.607); bounds about three times that; and they do differ
CREATE TEMP TABLE chip (name text, width int, height int);
INSERT INTO chip VALUES
	('salley', 150, 150), ('savage', 150, 150), ('schneider', 150, 150),
	('shimkus-pad', 117, 140), ('lfw-resize', 211, 173);
PREPARE describe AS
SELECT name, face_chip_embedding(pg_read_binary_file(:'fixtures' || name || '.' ||
													 width || 'x' || height || '.rgb'),
								 width, height) AS e
FROM chip;
SET facerec.nn_precision = float;
CREATE TEMP TABLE chip_float AS EXECUTE describe;
SET facerec.nn_precision = int16;
CREATE TEMP TABLE chip_int16 AS EXECUTE describe;
SELECT name,
	(SELECT max(abs(a - b)) FROM unnest(f.e::real[], q.e::real[]) AS u(a, b)) < 1e-3
		AS elements_ok,
	f.e <-> q.e < 4e-3 AS distance_ok,
	f.e <> q.e AS differ
FROM chip_float f JOIN chip_int16 q USING (name)
ORDER BY name;

-- int8: the SSD's separable layers on 7-bit u8 maps with 8-bit weights
-- and corrected biases (qconv_u8.c), a coarser level with bounds of its
-- own.  Measured on these fixtures at min_score 0.3, on the faces that
-- float32 scores >= 0.6 (the clear ones), each matched to the int8 face
-- nearest its centre: scores 0.012 apart at most, boxes 3.1 px (a 138 px
-- face on lfw-resize), landmarks 1.65 px; bounds about 1.5 times that.
-- Borderline faces move further (schneider 0.40 -> 0.45; with 7-bit
-- weights and no bias correction it was 0.57, and savage none -> 0.52).
SET facerec.nn_precision = int8;
CREATE TEMP TABLE by_int8 AS
SELECT f.name, d.* FROM fixture f, face_detect(f.rgb, f.width, f.height, 0.3) d;
SELECT f.name AS fixture, f.face,
	abs(q.score - f.score) < 0.02 AS score_ok,
	greatest(abs(q.x - f.x), abs(q.y - f.y),
			 abs(q.width - f.width), abs(q.height - f.height)) < 5 AS box_ok,
	(SELECT max(greatest(abs((q.landmarks[i])[0] - (f.landmarks[i])[0]),
						 abs((q.landmarks[i])[1] - (f.landmarks[i])[1])))
	 FROM generate_series(1, 68) AS i) < 2.5 AS landmarks_ok
FROM by_float f
	LEFT JOIN LATERAL (
		SELECT * FROM by_int8 q WHERE q.name = f.name
		ORDER BY (q.x + q.width / 2 - f.x - f.width / 2) ^ 2 +
			(q.y + q.height / 2 - f.y - f.height / 2) ^ 2
		LIMIT 1) q ON true
WHERE f.score >= 0.6
ORDER BY 1, 2;
-- int8 is not int16 under another name
SELECT bool_or(q.score <> i.score) AS scores_differ
FROM by_int16 i JOIN by_int8 q USING (name, face);
-- the recognition net has no u8 path (its ReLU outputs are unbounded):
-- int8 gives int16's descriptors exactly
CREATE TEMP TABLE chip_int8 AS EXECUTE describe;
SELECT bool_and(i.e = q.e) AS same_as_int16
FROM chip_int16 i JOIN chip_int8 q USING (name);

-- the setting's values are checked; int16 is the default
SET facerec.nn_precision = int4;
RESET facerec.nn_precision;
SHOW facerec.nn_precision;
