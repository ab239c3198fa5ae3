-- face_chip_embedding(image bytea): decoding by the image layer, and the
-- pair accuracy on dlib's aligned chips (5 people x 11 chips): a pair is
-- right when same-person distance < 0.6 and different-person >= 0.6.
\getenv abs_srcdir PG_ABS_SRCDIR
\set chips :abs_srcdir '/../shared/data/faces/dlib-aligned-chips/'
\set fixtures :abs_srcdir '/tools/reference/fixtures/'

-- the image layer's JPEG decoder and djpeg (which made the fixture) agree
-- on this chip's pixels, so the descriptors agree too
SELECT face_chip_embedding(pg_read_binary_file(:'chips' || 'John_Salley/000179_02159509.jpg'))
	<-> face_chip_embedding(pg_read_binary_file(:'fixtures' || 'salley.150x150.rgb'), 150, 150)
	< 1e-4 AS same_as_raw_rgb;

CREATE TEMP TABLE chip AS
SELECT person, face_chip_embedding(pg_read_binary_file(:'chips' || person || '/' || file)) AS e
FROM pg_ls_dir(:'chips') AS person,
	LATERAL pg_ls_dir(:'chips' || person) AS file
WHERE person LIKE 'John_%' AND file LIKE '%.jpg';

SELECT count(*) AS chips, count(DISTINCT person) AS people FROM chip;

WITH pair AS (
	SELECT a.person = b.person AS same, a.e <-> b.e AS distance
	FROM chip a JOIN chip b ON a.ctid < b.ctid
)
SELECT count(*) AS pairs,
	count(*) FILTER (WHERE same = (distance < 0.6)) AS right_pairs,
	round(avg((same = (distance < 0.6))::int), 4) AS accuracy,
	count(*) FILTER (WHERE same AND distance >= 0.6) AS same_person_apart,
	count(*) FILTER (WHERE NOT same AND distance < 0.6) AS different_people_close
FROM pair;

-- bad bytes: the image layer's error, no descriptor
SELECT face_chip_embedding('\x00010203'::bytea);
