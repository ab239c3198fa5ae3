-- face_embeddings / face_embedding: photo to descriptors through the
-- detector, the landmarks and face-api's crop, against face-api's own
-- withFaceDescriptors() on the same pixels (tools/reference/fixtures: the
-- 128 values after score, box and landmarks on each line of NAME.faces).
-- face-api's crop is not the default alignment: ask for it.
SET facerec.alignment = face_api;
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixtures :abs_srcdir '/tools/reference/fixtures/'
\set photos :abs_srcdir '/../shared/data/faces/dlib-detection/'

CREATE TEMP TABLE fixture (name text, width int, height int);
INSERT INTO fixture VALUES ('group', 500, 332), ('portrait', 180, 240);

CREATE TEMP TABLE reference AS
SELECT f.name, l.n::int AS face,
	(string_to_array(l.line, ',')::real[])[142:269]::face_embedding AS embedding
FROM fixture f,
	regexp_split_to_table(rtrim(pg_read_file(:'fixtures' || f.name || '.faces'), E'\n'),
						  E'\n') WITH ORDINALITY AS l(line, n);

CREATE TEMP TABLE ours AS
SELECT f.name, e.*
FROM fixture f,
	face_embeddings(pg_read_binary_file(:'fixtures' || f.name || '.' || f.width || 'x' ||
										f.height || '.rgb'), f.width, f.height) AS e;

-- every face, every element within 1e-4 of face-api's descriptor
SELECT o.name, o.face,
	(SELECT max(abs(a - b)) FROM unnest(o.embedding::real[], r.embedding::real[]) AS u(a, b))
		< 1e-4 AS matches_reference
FROM ours o FULL JOIN reference r USING (name, face)
ORDER BY 1, 2;

-- face_embedding: the main face is the largest box (in the group photo the
-- best-scoring face is also the largest; in the portrait the first)
SELECT o.name, o.face, round((o.width * o.height)::numeric, 1) AS area_rank_first
FROM ours o
WHERE o.width * o.height = (SELECT max(width * height) FROM ours i WHERE i.name = o.name)
ORDER BY 1;
SELECT face_embedding(pg_read_binary_file(:'photos' || '2008_002470.jpg')) <->
	(SELECT embedding FROM ours WHERE name = 'group' AND face = 1) < 1e-4 AS main_face;

-- no face: NULL; no row
SELECT face_embedding(pg_read_binary_file(:'abs_srcdir' || '/test/images/baseline.jpg')) IS NULL
	AS no_face;
SELECT count(*) FROM face_embeddings(pg_read_binary_file(:'fixtures' || 'dogs.225x229.rgb'), 225, 229);

-- bad input
SELECT * FROM face_embeddings('\x000102'::bytea, 2, 1);
SELECT * FROM face_embeddings('\x000102'::bytea, 1, 1, -0.5);
SELECT face_embedding('not an image'::bytea);

SELECT p.oid::regprocedure, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p WHERE p.proname IN ('face_embeddings', 'face_embedding')
ORDER BY 1::text;
