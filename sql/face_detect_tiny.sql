-- face_detect with facerec.detector = tiny: the tiny face detector and the
-- 68-point landmark net against face-api's own faces for the same pixels
-- (tools/reference/fixtures/NAME.tiny-faces, written by
-- `node detections.js --tiny`); then facerec.landmarks = tiny, the SSD's
-- faces with the tiny landmark net (NAME.tiny-landmarks, from
-- `node detections.js --tiny-landmarks`); then the settings themselves.
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixtures :abs_srcdir '/tools/reference/fixtures/'

SET facerec.detector = tiny;

CREATE TEMP TABLE fixture (name text, width int, height int);
INSERT INTO fixture VALUES
	('group', 500, 332), ('portrait', 180, 240), ('dogs', 225, 229);

-- face-api's faces: one line per face, best first:
-- score, x, y, width, height, then 68 (x, y) landmark pairs
CREATE TEMP TABLE reference AS
SELECT f.name, l.n::int AS face, string_to_array(l.line, ',')::float8[] AS v
FROM fixture f,
	regexp_split_to_table(rtrim(pg_read_file(:'fixtures' || f.name || '.tiny-faces'), E'\n'),
						  E'\n') WITH ORDINALITY AS l(line, n)
WHERE l.line <> '';

CREATE TEMP TABLE ours AS
SELECT f.name, d.*
FROM fixture f,
	face_detect(pg_read_binary_file(:'fixtures' || f.name || '.' || f.width || 'x' ||
									f.height || '.rgb'), f.width, f.height) AS d;

-- the same faces in the same order (dogs: none, as face-api; the tiny
-- detector has no second look)
SELECT f.name,
	(SELECT count(*) FROM ours o WHERE o.name = f.name) AS ours,
	(SELECT count(*) FROM reference r WHERE r.name = f.name) AS reference
FROM fixture f ORDER BY f.name;

-- scores within 1e-5, boxes and every landmark within 0.001 px
SELECT o.name, o.face,
	abs(o.score - r.v[1]) < 1e-5 AS score_ok,
	greatest(abs(o.x - r.v[2]), abs(o.y - r.v[3]),
			 abs(o.width - r.v[4]), abs(o.height - r.v[5])) < 1e-3 AS box_ok,
	(SELECT max(greatest(abs((o.landmarks[i])[0] - r.v[4 + 2 * i]),
						 abs((o.landmarks[i])[1] - r.v[5 + 2 * i])))
	 FROM generate_series(1, 68) AS i) < 1e-3 AS landmarks_ok
FROM ours o JOIN reference r USING (name, face)
ORDER BY o.name, o.face;

-- min_score still wins over the default: the group's faces score 0.56-0.79
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'group.500x332.rgb'),
								 500, 332, 0.7);

-- the tiny landmark net on the SSD's faces
RESET facerec.detector;
SET facerec.landmarks = tiny;
CREATE TEMP TABLE reference_lm AS
SELECT f.name, l.n::int AS face, string_to_array(l.line, ',')::float8[] AS v
FROM fixture f,
	regexp_split_to_table(rtrim(pg_read_file(:'fixtures' || f.name || '.tiny-landmarks'), E'\n'),
						  E'\n') WITH ORDINALITY AS l(line, n)
WHERE f.name <> 'dogs' AND l.line <> '';
CREATE TEMP TABLE ours_lm AS
SELECT f.name, d.*
FROM fixture f,
	face_detect(pg_read_binary_file(:'fixtures' || f.name || '.' || f.width || 'x' ||
									f.height || '.rgb'), f.width, f.height) AS d
WHERE f.name <> 'dogs';
SELECT o.name, o.face,
	(SELECT max(greatest(abs((o.landmarks[i])[0] - r.v[4 + 2 * i]),
						 abs((o.landmarks[i])[1] - r.v[5 + 2 * i])))
	 FROM generate_series(1, 68) AS i) < 1e-3 AS landmarks_ok
FROM ours_lm o FULL JOIN reference_lm r USING (name, face)
ORDER BY o.name, o.face;
-- (the full net's points, in NAME.faces, are pixels away from these: the
-- comparison above fails when the wrong net runs)
SELECT max(abs(r.v[6] - f.v[6])) > 0.1 AS nets_differ
FROM reference_lm r
	JOIN (SELECT l.n::int AS face, string_to_array(l.line, ',')::float8[] AS v
		  FROM regexp_split_to_table(rtrim(pg_read_file(:'fixtures' || 'group.faces'), E'\n'),
									 E'\n') WITH ORDINALITY AS l(line, n)) f
	ON r.name = 'group' AND r.face = f.face;
SET facerec.landmarks = 'medium';
RESET facerec.landmarks;

-- the setting: per session, checked, and back to the SSD
SET facerec.detector = tiny;
SET facerec.detector = 'yolo';
SHOW facerec.detector;
RESET facerec.detector;
SHOW facerec.detector;
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'group.500x332.rgb'), 500, 332);
