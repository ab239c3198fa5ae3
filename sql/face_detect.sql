-- face_detect: the SSD and tiny detectors and the full and tiny 68-point
-- landmark nets against face-api's own faces for the same pixels
-- (tools/reference/fixtures, made by tools/reference/make-inputs.sh and
-- detections.js), then the image path, the settings, the second look,
-- cancellation, bad input, and the function's properties.
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixtures :abs_srcdir '/tools/reference/fixtures/'

-- face-api's faces exactly: without the second look (see below), without
-- the second check (face_verify.sql), and with the SSD in float32
-- (face_nn_precision.sql tests the int16 default)
SET facerec.second_look = off;
SET facerec.verify_faces = off;
SET facerec.nn_precision = float;

SELECT set_config('test.fixtures', :'fixtures', false) IS NOT NULL AS set;
CREATE TEMP TABLE fixture AS
SELECT n AS name, w AS width, h AS height,
	pg_read_binary_file(:'fixtures' || n || '.' || w || 'x' || h || '.rgb') AS rgb
FROM (VALUES ('group', 500, 332), ('portrait', 180, 240), ('dogs', 225, 229)) AS v(n, w, h);

-- face-api's faces in fixtures/NAME.SUFFIX: one line per face, best first:
-- score, x, y, width, height, then 68 (x, y) landmark pairs
CREATE FUNCTION pg_temp.reference(suffix text)
	RETURNS TABLE (fixture text, n int, v float8[]) LANGUAGE sql AS $$
SELECT f.name, l.n::int, string_to_array(l.line, ',')::float8[]
FROM fixture f,
	regexp_split_to_table(rtrim(pg_read_file(current_setting('test.fixtures') ||
											 f.name || '.' || suffix), E'\n'),
						  E'\n') WITH ORDINALITY AS l(line, n)
WHERE l.line <> ''
$$;

-- our faces for the fixtures under the current settings against face-api's:
-- the same faces in the same order (a missing or extra face is a row with
-- NULLs), scores within 1e-5, boxes and every landmark within 0.001 px
CREATE FUNCTION pg_temp.compare(suffix text)
	RETURNS TABLE (fixture text, n int, score_ok bool, box_ok bool, landmarks_ok bool)
	LANGUAGE sql AS $$
WITH ours AS (SELECT f.name, d.* FROM fixture f, face_detect(f.rgb, f.width, f.height) d)
SELECT coalesce(o.name, r.fixture), coalesce(o.face, r.n),
	abs(o.score - r.v[1]) < 1e-5,
	greatest(abs(o.x - r.v[2]), abs(o.y - r.v[3]),
			 abs(o.width - r.v[4]), abs(o.height - r.v[5])) < 1e-3,
	(SELECT max(greatest(abs((o.landmarks[i])[0] - r.v[4 + 2 * i]),
						 abs((o.landmarks[i])[1] - r.v[5 + 2 * i])))
	 FROM generate_series(1, 68) AS i) < 1e-3
FROM ours o FULL JOIN pg_temp.reference(suffix) r ON o.name = r.fixture AND o.face = r.n
ORDER BY 1, 2
$$;

-- the SSD and the full landmark net (measured largest differences: 1.2e-7,
-- 1.8e-5 px and 3.8e-5 px); the dogs have no face, as in face-api
SELECT * FROM pg_temp.compare('faces');
SELECT DISTINCT array_length(landmarks, 1) AS points
FROM fixture f, face_detect(f.rgb, f.width, f.height);

-- the tiny detector (facerec.detector; detections.js --tiny: measured 3.7e-7,
-- 1.1e-5 px, 1.6e-5 px), then the tiny landmark net on the SSD's faces
-- (facerec.landmarks; detections.js --tiny-landmarks); the two landmark nets
-- put points pixels apart, so the wrong net fails the comparison
SET facerec.detector = tiny;
SELECT * FROM pg_temp.compare('tiny-faces');
RESET facerec.detector;
SET facerec.landmarks = tiny;
SELECT * FROM pg_temp.compare('tiny-landmarks');
RESET facerec.landmarks;
SELECT max(abs(t.v[6] - f.v[6])) > 0.1 AS nets_differ
FROM pg_temp.reference('tiny-landmarks') t JOIN pg_temp.reference('faces') f USING (fixture, n);
-- the settings' values are checked; min_score also applies to the tiny
-- detector (the group's tiny faces score 0.56-0.79)
SET facerec.detector = 'yolo';
SET facerec.landmarks = 'medium';
SET facerec.detector = tiny;
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'group.500x332.rgb'),
								 500, 332, 0.7);
RESET facerec.detector;

-- min_score: the portrait's second face scores 0.81
SELECT face, round(score::numeric, 2) AS score
FROM face_detect(pg_read_binary_file(:'fixtures' || 'portrait.180x240.rgb'), 180, 240, 0.9);
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'portrait.180x240.rgb'), 180, 240, 0.0);

-- the JPEG itself, decoded in the server by libjpeg-turbo as djpeg did for
-- the fixture: the same six faces
\set photos :abs_srcdir '/../shared/data/faces/dlib-detection/'
SELECT d.face,
	greatest(abs(d.x - r.v[2]), abs(d.y - r.v[3]),
			 abs(d.width - r.v[4]), abs(d.height - r.v[5])) < 1e-3 AS box_ok
FROM face_detect(pg_read_binary_file(:'photos' || '2008_002470.jpg')) AS d
	JOIN pg_temp.reference('faces') r ON r.fixture = 'group' AND r.n = d.face
ORDER BY d.face;

-- facerec.min_face_score is the threshold when min_score is not given; a
-- min_score given wins (the portrait's faces score 0.98, 0.81)
SET facerec.min_face_score = 0.9;
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'portrait.180x240.rgb'), 180, 240);
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'portrait.180x240.rgb'), 180, 240, 0.5);
SELECT count(*) FROM fixture f, face_detect(f.rgb, f.width, f.height, min_score => 0.5)
WHERE f.name = 'portrait';
SET facerec.min_face_score = 1.5;
RESET facerec.min_face_score;
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'portrait.180x240.rgb'), 180, 240);

-- the second look (facerec.second_look, on by default) finds a face that
-- fills its picture: this LFW photo's face scores 0.06 at full size, where
-- face-api finds nothing, and 0.96 in the picture framed at half size
\set lfw :abs_srcdir '/../shared/data/lfw-dev/images/'
SELECT count(*) FROM face_detect(pg_read_binary_file(:'lfw' || 'Andy_Wisecarver/Andy_Wisecarver_0001.jpg'));
RESET facerec.second_look;
RESET facerec.verify_faces;
SELECT face, round(score::numeric, 2) AS score, round(x) AS x, round(y) AS y,
	round(width) AS width, round(height) AS height,
	array_length(landmarks, 1) AS points,
	-- the eyes (points 36-47) inside the box, above the mouth (48-67)
	(SELECT bool_and(box(point(x, y), point(x + width, y + height)) @> landmarks[i])
	 FROM generate_series(37, 48) i) AS eyes_in_box,
	(landmarks[37])[1] < (landmarks[49])[1] AS eyes_above_mouth
FROM face_detect(pg_read_binary_file(:'lfw' || 'Andy_Wisecarver/Andy_Wisecarver_0001.jpg'));
-- when the half-size look finds nothing either, the picture at a third of
-- its size: this face scores 0.13 there and 0.82 here
SELECT face, round(score::numeric, 2) AS score, round(width) AS width, round(height) AS height
FROM face_detect(pg_read_binary_file(:'lfw' || 'John_Thune/John_Thune_0001.jpg'));
-- the dogs: the framed look finds a dog's face (0.81) but reports only
-- faces of a third of the picture or more, which this one is not
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'dogs.225x229.rgb'), 225, 229);
-- a picture with faces at full size gets no second look: the same faces
SELECT count(*) AS faces, min(score) > 0.5 AS above
FROM face_detect(pg_read_binary_file(:'fixtures' || 'group.500x332.rgb'), 500, 332);

-- a detector pass checks for interrupts between layers: statement_timeout
-- cancels it (one pass takes about 0.1 s)
SET statement_timeout = '10ms';
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'group.500x332.rgb'), 500, 332);
RESET statement_timeout;

-- bad input
SELECT * FROM face_detect('\x000102'::bytea, 2, 1);
SELECT * FROM face_detect('\x000102'::bytea, 0, 1);
SELECT * FROM face_detect('\x000102'::bytea, 1, 1, 1.5);
SELECT * FROM face_detect('\x000102'::bytea, 1, 1, 'NaN');
SELECT * FROM face_detect('not an image'::bytea);
SELECT count(*) FROM face_detect('\x000000'::bytea, 1, 1);

-- usable in parallel queries and expression contexts
SELECT p.oid::regprocedure, p.provolatile, p.proparallel, p.proisstrict, p.proretset
FROM pg_proc p WHERE p.proname = 'face_detect' ORDER BY 1::text;
