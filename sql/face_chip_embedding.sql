-- face_chip_embedding on raw RGB: the recognition network against face-api's
-- own descriptors of the same pixels (tools/reference/fixtures, made by
-- tools/reference/descriptors.js), bad input, and no OpenBLAS threads.
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixtures :abs_srcdir '/tools/reference/fixtures/'
-- the recognition net in float32 (face_nn_precision.sql tests the int16 default)
SET facerec.nn_precision = float;

-- three 150x150 chips, one padded to a square then resized up (117x140),
-- one padded then resized down (211x173)
CREATE TEMP TABLE fixture (name text, width int, height int);
INSERT INTO fixture VALUES
	('salley', 150, 150), ('savage', 150, 150), ('schneider', 150, 150),
	('shimkus-pad', 117, 140), ('lfw-resize', 211, 173);

CREATE TEMP TABLE result AS
SELECT name,
	face_chip_embedding(pg_read_binary_file(:'fixtures' || name || '.' ||
											width || 'x' || height || '.rgb'),
						width, height) AS ours,
	btrim(pg_read_file(:'fixtures' || name || '.descriptor'), E'\n')::face_embedding
		AS reference
FROM fixture;

-- every element within 1e-4 of the reference
SELECT name, array_length(ours::real[], 1) AS dim,
	(SELECT max(abs(o - r)) FROM unnest(ours::real[], reference::real[]) AS u(o, r))
		< 1e-4 AS matches_reference
FROM result ORDER BY name;

-- different people are apart, and the descriptor is not unit length
SELECT a.name, b.name, a.ours <-> b.ours >= 0.6 AS different
FROM result a JOIN result b ON a.name < b.name
WHERE a.name IN ('salley', 'savage', 'schneider') AND b.name IN ('salley', 'savage', 'schneider')
ORDER BY 1, 2;
SELECT name, sqrt(-(ours <#> ours)) BETWEEN 1.3 AND 1.6 AS norm_as_dlib
FROM result ORDER BY name;

-- the same call twice gives the same bits (buffers are reused, not stale)
SELECT ours = face_chip_embedding(pg_read_binary_file(:'fixtures' || 'salley.150x150.rgb'), 150, 150)
	AS repeatable
FROM result WHERE name = 'salley';

-- a single pixel is a valid (if useless) chip
SELECT array_length(face_chip_embedding('\x808080', 1, 1)::real[], 1);

-- bad input
SELECT face_chip_embedding('\x808080', 0, 1);
SELECT face_chip_embedding('\x808080', 1, -1);
SELECT face_chip_embedding('\x80808080', 1, 1);
SELECT face_chip_embedding('\x808080', 2147483647, 2147483647);
SELECT face_chip_embedding(NULL, 1, 1) IS NULL AS strict;

-- the serial OpenBLAS: this backend still has exactly one thread
SELECT count(*) AS backend_threads FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task');
