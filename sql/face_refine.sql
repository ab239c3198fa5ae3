-- What the face pipeline adds to face-api's detections: landmark
-- refinement (facerec.refine_landmarks),
-- the tiny detector's input size (facerec.tiny_input_size) and the fast
-- main-face path of face_embedding(image) (facerec.fast_main_face).  Real
-- photos, real nets.
\getenv abs_srcdir PG_ABS_SRCDIR
\set photos :abs_srcdir '/../shared/data/faces/dlib-detection/'
\set lfw :abs_srcdir '/../shared/data/lfw-dev/images/'

LOAD 'facerec';
SELECT name, setting FROM pg_settings
WHERE name IN ('facerec.refine_landmarks',
			   'facerec.tiny_input_size', 'facerec.fast_main_face')
ORDER BY name;
SET facerec.refine_landmarks = 4;
SET facerec.tiny_input_size = 100;
SET facerec.tiny_input_size = 448;

-- Landmark refinement (off by default but in face_embedding's fast path):
-- the landmark net again on the crop its own points define, so that the
-- chip (hence the descriptor) depends less on the box it started from.
-- Each LFW face's SSD box moved by up to 10% of its size and scaled by
-- 0.9-1.2: how far the descriptor moves, on average, with
-- and without refinement (measured: Aaron_Sorkin 0.221 unrefined, 0.117
-- with one pass, 0.056 with two; Abdullah_Gul 0.118, 0.066, 0.031).
CREATE TEMP TABLE lfw_box AS
SELECT f, pg_read_binary_file(:'lfw' || f) AS img, d.x, d.y, d.width AS w, d.height AS h
FROM unnest(ARRAY['Aaron_Sorkin/Aaron_Sorkin_0001.jpg', 'Abdullah_Gul/Abdullah_Gul_0001.jpg']) AS f,
	face_detect(pg_read_binary_file(:'lfw' || f)) d;
CREATE TEMP VIEW moved AS
SELECT f, avg(face_embedding(img, box(point(x + dx * w, y + dy * h),
									  point(x + dx * w + k * w, y + dy * h + k * h))) <->
			  face_embedding(img, box(point(x, y), point(x + w, y + h)))) AS moved
FROM lfw_box, (VALUES (0.1, 0.0, 1.0), (-0.1, 0.05, 1.1), (0.0, -0.1, 0.9),
					  (0.05, 0.05, 1.2)) AS j(dx, dy, k)
GROUP BY f;
SET facerec.refine_landmarks = 0;
CREATE TEMP TABLE moved0 AS SELECT * FROM moved;
SET facerec.refine_landmarks = 1;
CREATE TEMP TABLE moved1 AS SELECT * FROM moved;
SET facerec.refine_landmarks = 2;
CREATE TEMP TABLE moved2 AS SELECT * FROM moved;
RESET facerec.refine_landmarks;
SELECT f, count(*) AS faces, m1.moved < 0.7 * m0.moved AS one_pass_steadier,
	m2.moved < 0.7 * m1.moved AS two_passes_steadier_still
FROM moved0 m0 JOIN moved1 m1 USING (f) JOIN moved2 m2 USING (f) GROUP BY f, m0.moved, m1.moved, m2.moved ORDER BY f;

-- The tiny detector's input size (face-api's inputSize): a smaller input
-- suits a face that fills more of the picture.  This LFW face: one box at
-- 416 and at 160, the box at 160 larger (its anchors are in grid cells).
SET facerec.detector = tiny;
CREATE TEMP TABLE tiny_sizes AS
SELECT 416 AS size, count(*) AS faces, max(width) AS width
FROM face_detect(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'));
SET facerec.tiny_input_size = 160;
INSERT INTO tiny_sizes
SELECT 160, count(*), max(width)
FROM face_detect(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'));
RESET facerec.tiny_input_size;
RESET facerec.detector;
SELECT size, faces, width > (SELECT width FROM tiny_sizes WHERE size = 416) AS larger
FROM tiny_sizes ORDER BY size DESC;

-- The fast main-face path of face_embedding(image) (facerec.fast_main_face):
-- on a picture of at most 512 pixels a side, the tiny detector at 160
-- finds the main face, refinement recentres its landmarks; the SSD only
-- when that finds nothing.  The same face as through the SSD, whose
-- landmarks are not refined (measured 0.080 and 0.176 apart); in
-- George_HW_Bush_0006 the tiny detector finds no face, the SSD's second
-- look does (see face_align.sql): exactly the SSD path's descriptor.
CREATE TEMP TABLE fast AS
SELECT f, img, face_embedding(img) AS e FROM
	unnest(ARRAY['Aaron_Sorkin/Aaron_Sorkin_0001.jpg', 'George_HW_Bush/George_HW_Bush_0001.jpg',
				 'George_HW_Bush/George_HW_Bush_0006.jpg']) AS f,
	pg_read_binary_file(:'lfw' || f) AS img;
SET facerec.fast_main_face = off;
SELECT f, e = face_embedding(img) AS ssd_path, face_match(e, face_embedding(img)) AS same_face
FROM fast ORDER BY f;
RESET facerec.fast_main_face;
SELECT a.f, b.f, face_match(a.e, b.e) AS same_person
FROM fast a JOIN fast b ON a.f < b.f ORDER BY 1, 2;
-- a larger picture (501x700) goes to the SSD: the same descriptor either way
\set people :abs_srcdir '/../shared/data/faces/named-people/test/'
CREATE TEMP TABLE large AS
SELECT face_embedding(pg_read_binary_file(:'people' || 'kit_with_rose.jpg')) AS e;
SET facerec.fast_main_face = off;
SELECT e = face_embedding(pg_read_binary_file(:'people' || 'kit_with_rose.jpg')) AS large_picture_same
FROM large;
RESET facerec.fast_main_face;
