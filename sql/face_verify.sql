-- face_verify: the second check on detected boxes (facerec.verify_faces:
-- dlib's MMOD face detector on each box, face_check.h).  dogs.jpg's dog
-- loses the box the SSD gives it, real faces keep theirs, the second look
-- runs when every box fails, the threshold, face_verify_score, bad input
-- and the function's properties.
\getenv abs_srcdir PG_ABS_SRCDIR
\set photos :abs_srcdir '/../shared/data/faces/dlib-detection/'
\set fixtures :abs_srcdir '/tools/reference/fixtures/'
CREATE TEMP TABLE photo AS
SELECT f AS name, pg_read_binary_file(:'photos' || f) AS img
FROM unnest(ARRAY['dogs.jpg', '2008_002470.jpg']) f;

-- dogs.jpg (no human face in it): without the check the SSD gives the dog's
-- face a box at 0.79, and face_embedding its descriptor
SET facerec.verify_faces = off;
CREATE TEMP TABLE dog AS
SELECT score, box(point(x, y), point(x + width, y + height)) AS b
FROM photo, face_detect(img) WHERE name = 'dogs.jpg';
SELECT round(score::numeric, 2) AS score, round(width(b)) AS width FROM dog;
SELECT face_embedding(img) IS NULL AS no_embedding FROM photo WHERE name = 'dogs.jpg';
-- the check scores that box far below the minimum, -1.0 (every real face
-- measured scores above -0.8: README, "The second check")
SELECT round(face_verify_score(img, b)::numeric, 1) AS check_score
FROM photo, dog WHERE name = 'dogs.jpg';
-- with the check (the default): no face, no embedding (the second look
-- runs, the only box having failed, and finds nothing that passes)
RESET facerec.verify_faces;
SHOW facerec.verify_faces;
SHOW facerec.verify_min_score;
SELECT count(*) FROM photo, face_detect(img) WHERE name = 'dogs.jpg';
SELECT count(*) FROM photo, face_embeddings(img) WHERE name = 'dogs.jpg';
SELECT face_embedding(img) IS NULL AS no_embedding FROM photo WHERE name = 'dogs.jpg';
-- a minimum below the dog's score lets its box through
SET facerec.verify_min_score = -2;
SELECT count(*) FROM photo, face_detect(img) WHERE name = 'dogs.jpg';
RESET facerec.verify_min_score;

-- the six faces of 2008_002470.jpg (face-api's fixture 'group') are the
-- same with and without the check, and each scores well above the minimum
CREATE TEMP TABLE checked AS
SELECT d.* FROM photo, face_detect(img) d WHERE name = '2008_002470.jpg';
SET facerec.verify_faces = off;
CREATE TEMP TABLE unchecked AS
SELECT d.* FROM photo, face_detect(img) d WHERE name = '2008_002470.jpg';
RESET facerec.verify_faces;
SELECT (SELECT count(*) FROM checked) AS checked, (SELECT count(*) FROM unchecked) AS unchecked,
	(SELECT array_agg((face, x, y, width, height, score, landmarks::text) ORDER BY face)
	 FROM checked)::text =
	(SELECT array_agg((face, x, y, width, height, score, landmarks::text) ORDER BY face)
	 FROM unchecked)::text AS same_faces;
SELECT face, face_verify_score(img, box(point(x, y), point(x + width, y + height))) > 0.9
	AS face_like
FROM photo, checked WHERE name = '2008_002470.jpg' ORDER BY face;
-- a minimum above every face's score leaves none
SET facerec.verify_min_score = 5;
SELECT count(*) FROM photo, face_detect(img) WHERE name = '2008_002470.jpg';
RESET facerec.verify_min_score;

-- at min_score 0 the SSD returns its 100 best boxes, nearly all of them
-- background; the check keeps the portrait's two faces
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'portrait.180x240.rgb'),
								 180, 240, 0.0);
SET facerec.verify_faces = off;
SELECT count(*) FROM face_detect(pg_read_binary_file(:'fixtures' || 'portrait.180x240.rgb'),
								 180, 240, 0.0);
RESET facerec.verify_faces;

-- face_verify_score clips a box reaching past the picture to it: the
-- group's first face with its box stretched far to the left and top
SELECT face_verify_score(img, box(point(-1e30, -1e30), point(x + width, y + height))) =
	face_verify_score(img, box(point(0, 0), point(x + width, y + height))) AS clipped
FROM photo, checked WHERE name = '2008_002470.jpg' AND face = 1;

-- bad input
SELECT face_verify_score(img, box '((10,10),(10,50))') FROM photo WHERE name = 'dogs.jpg';
SELECT face_verify_score(img, box '((1000,1000),(2000,2000))') FROM photo WHERE name = 'dogs.jpg';
SELECT face_verify_score(img, box '((0,0),(NaN,50))') FROM photo WHERE name = 'dogs.jpg';
SELECT face_verify_score('not an image'::bytea, box '((0,0),(10,10))');
SET facerec.verify_min_score = 'high';
SET facerec.verify_min_score = 1000;

-- usable in parallel queries and expression contexts
SELECT p.oid::regprocedure, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p WHERE p.proname = 'face_verify_score';
