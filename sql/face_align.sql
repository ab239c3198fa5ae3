-- dlib-style alignment (facerec.alignment), face_embedding(image, box) and
-- face_match, on real photos with the real nets.
\getenv abs_srcdir PG_ABS_SRCDIR
\set chips :abs_srcdir '/../shared/data/faces/dlib-aligned-chips/'
\set photos :abs_srcdir '/../shared/data/faces/dlib-detection/'
\set lfw :abs_srcdir '/../shared/data/lfw-dev/images/'

-- the setting: dlib's alignment on 5 points by default, three choices
LOAD 'facerec';
SHOW facerec.alignment;
SET facerec.alignment = 'nonsense';
SELECT enumvals FROM pg_settings WHERE name = 'facerec.alignment';

-- Alignment undoes a similarity transform.  Three chips of each person of
-- dlib's own aligned chips, each turned by 10 degrees, shrunk to 0.8 and
-- set off-centre in a black 300x300 picture; the descriptor of the face
-- found there must come back close to the descriptor of dlib's chip.
-- face-api's crop (upright, no rotation) cannot undo the turn.
CREATE TEMP TABLE chip AS
SELECT person, file, img, face_chip_embedding(img) AS chip_e,
	-- picture pixel (x, y) shows chip point 1.25 R(10 deg) (x - 140, y - 160) + 75
	image_warp_rgb(img, ARRAY[1.25 * cos(radians(10)), -1.25 * sin(radians(10)),
							  75 - 1.25 * (cos(radians(10)) * 140 - sin(radians(10)) * 160),
							  1.25 * sin(radians(10)), 1.25 * cos(radians(10)),
							  75 - 1.25 * (sin(radians(10)) * 140 + cos(radians(10)) * 160)],
				   300, 300) AS turned
FROM (SELECT person, file, pg_read_binary_file(:'chips' || person || '/' || file) AS img,
			 row_number() OVER (PARTITION BY person ORDER BY file) AS n
	  FROM pg_ls_dir(:'chips') AS person, LATERAL pg_ls_dir(:'chips' || person) AS file
	  WHERE (pg_stat_file(:'chips' || person)).isdir) AS c
WHERE n <= 3;

CREATE TEMP TABLE realigned (alignment text, person text, file text, e face_embedding);
CREATE FUNCTION realign(alignment text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('facerec.alignment', alignment, true);
	INSERT INTO realigned
	SELECT alignment, person, file,
		(SELECT embedding FROM face_embeddings(turned, 300, 300, 0.3)
		 ORDER BY width * height DESC LIMIT 1)
	FROM chip;
END $$;
SELECT realign('dlib5'), realign('dlib68'), realign('face_api');

-- measured: dlib5 0.102 on average (at most 0.129), dlib68 0.098 (0.136),
-- face_api 0.228 (0.273)
SELECT r.alignment, count(r.e) AS faces,
	avg(r.e <-> c.chip_e) < 0.13 AS close_on_average,
	max(r.e <-> c.chip_e) < 0.2 AS all_close
FROM realigned r JOIN chip c USING (person, file)
GROUP BY 1 ORDER BY 1;

-- every realigned face matches its own person and no other (15 x 15 pairs;
-- measured: same person at most 0.38 apart, different people at least 0.69)
SELECT r.alignment,
	count(*) FILTER (WHERE face_match(r.e, c.chip_e) = (r.person = c.person)) AS right_pairs,
	count(*) AS pairs
FROM realigned r CROSS JOIN chip c
WHERE r.alignment <> 'face_api'
GROUP BY 1 ORDER BY 1;

-- Test-time augmentation: facerec.mirror_descriptor averages the chip's
-- descriptor with its mirror image's, facerec.descriptor_jitter with those
-- of up to 8 fixed jittered chips.  Both make the descriptor depend less
-- on the chip's exact cut: the turned chips above against the same chips
-- mirrored before being turned (the mirror matrix: chip x -> 149 - x), a
-- face and its mirror image found and aligned independently.  Measured
-- apart: 0.159 on average without either, 0.083 with the mirror, 0.122
-- with 4 jittered chips, 0.054 with both.
SHOW facerec.mirror_descriptor;
SHOW facerec.descriptor_jitter;
SET facerec.descriptor_jitter = 9;
SET facerec.descriptor_jitter = -1;
CREATE TEMP TABLE mirrored AS
SELECT person, file, turned,
	image_warp_rgb(img, ARRAY[-1.25 * cos(radians(10)), 1.25 * sin(radians(10)),
							  149 - (75 - 1.25 * (cos(radians(10)) * 140 - sin(radians(10)) * 160)),
							  1.25 * sin(radians(10)), 1.25 * cos(radians(10)),
							  75 - 1.25 * (sin(radians(10)) * 140 + cos(radians(10)) * 160)],
				   300, 300) AS mirrored
FROM chip;
CREATE TEMP TABLE augmented (augmentation text, apart float8);
CREATE FUNCTION augment(augmentation text, mirror bool, jitter int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('facerec.mirror_descriptor', mirror::text, true);
	PERFORM set_config('facerec.descriptor_jitter', jitter::text, true);
	INSERT INTO augmented
	SELECT augmentation, a.embedding <-> b.embedding
	FROM mirrored,
		LATERAL (SELECT embedding FROM face_embeddings(turned, 300, 300, 0.3)
				 ORDER BY width * height DESC LIMIT 1) a,
		LATERAL (SELECT embedding FROM face_embeddings(mirrored, 300, 300, 0.3)
				 ORDER BY width * height DESC LIMIT 1) b;
END $$;
SELECT augment('none', false, 0), augment('mirror', true, 0),
	augment('jitter 4', false, 4), augment('both', true, 4);
SELECT count(*) AS faces,
	avg(apart) FILTER (WHERE augmentation = 'mirror') <
		0.6 * avg(apart) FILTER (WHERE augmentation = 'none') AS mirror_steadier,
	avg(apart) FILTER (WHERE augmentation = 'jitter 4') <
		0.85 * avg(apart) FILTER (WHERE augmentation = 'none') AS jitter_steadier,
	avg(apart) FILTER (WHERE augmentation = 'both') <
		0.75 * avg(apart) FILTER (WHERE augmentation = 'mirror') AS both_steadier_still
FROM augmented;
-- the settings went back at the end of each call's transaction
SHOW facerec.mirror_descriptor;

-- face_embedding(image, box): the landmarks and the chip of the face in
-- the box, no detector.  On a detected box, the same descriptor as the
-- detector's path (the box goes through real, hence not bit for bit).
CREATE TEMP TABLE group_face AS
SELECT face, box(point(x, y), point(x + width, y + height)) AS b, embedding
FROM face_embeddings(pg_read_binary_file(:'photos' || '2008_002470.jpg'));
SELECT count(*) AS faces,
	max(face_embedding(pg_read_binary_file(:'photos' || '2008_002470.jpg'), b) <-> embedding) < 1e-3
		AS same_as_detected
FROM group_face;
-- each box gives its own face: the nearest detected face is that one
SELECT g.face,
	(SELECT o.face FROM group_face o
	 ORDER BY o.embedding <-> face_embedding(pg_read_binary_file(:'photos' || '2008_002470.jpg'), g.b)
	 LIMIT 1) AS nearest
FROM group_face g ORDER BY 1;

-- a box reaching past the picture is clipped; the corners may come in any order
SELECT face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'),
					  box '(260,230),(30,40)') <->
	face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'),
				   box '(30,40),(250,230)') < 1e-6 AS clipped;

-- bad boxes
SELECT face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'),
					  box '(10,10),(10,50)');
SELECT face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'),
					  box '(-50,-50),(-10,-10)');
SELECT face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'),
					  box '(250,0),(400,100)');
SELECT face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'),
					  box '(0.2,0.2),(0.9,0.9)');
SELECT face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'),
					  box '(0,0),(1e300,NaN)');
SELECT face_embedding('not an image'::bytea, box '(0,0),(10,10)');
SELECT face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg'),
					  NULL::box) IS NULL AS null_box;

-- face_embedding(image) and the second look (facerec.second_look): the SSD
-- alone finds no face in this LFW portrait; the face the second look finds
-- is George H. W. Bush's (another photo of him), not Aaron Sorkin's.  (The
-- SSD only: face_embedding's fast path finds it too, see face_refine.sql.)
\set bush :lfw 'George_HW_Bush/George_HW_Bush_0006.jpg'
SET facerec.fast_main_face = off;
SET facerec.second_look = off;
SELECT count(*) AS first_look_faces FROM face_detect(pg_read_binary_file(:'bush'));
SELECT face_embedding(pg_read_binary_file(:'bush')) IS NULL AS no_main_face;
RESET facerec.second_look;
SELECT face_match(face_embedding(img),
			   face_embedding(pg_read_binary_file(:'lfw' || 'George_HW_Bush/George_HW_Bush_0001.jpg')))
		AS same_person,
	face_match(face_embedding(img),
			   face_embedding(pg_read_binary_file(:'lfw' || 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg')))
		AS other_person
FROM pg_read_binary_file(:'bush') AS img;
RESET facerec.fast_main_face;

-- face_match: distance strictly below the threshold
SELECT face_match('[0,0]', '[0.3,0.4]') AS default_threshold,
	face_match('[0,0]', '[0.6,0.8]') AS default_threshold_far,
	face_match('[0,0]', '[3,4]', 5) AS at_the_threshold,
	face_match('[0,0]', '[3,4]', 5.01) AS above,
	face_match('[1]', NULL) IS NULL AS strict;
SELECT face_match('[0,0]', '[0,0]', -1);
SELECT face_match('[0,0]', '[0,0]', 'NaN');
SELECT face_match('[0,0]', '[0,0,0]');

SELECT p.oid::regprocedure, pg_get_function_arguments(p.oid), p.provolatile,
	p.proparallel, p.proisstrict
FROM pg_proc p
WHERE p.proname IN ('face_match', 'face_embedding') ORDER BY 1::text;
