-- demo.sql: a face search over real photos.  Stores the descriptors of
-- dlib's aligned face chips (5 people, all but one chip each), indexes them
-- with face_graph, then asks who is in each held-out chip.  Run by
-- tools/run-demo with -v chips=<folder of one sub-folder per person>.
\pset footer off
CREATE EXTENSION facerec;
CREATE TABLE faces (
	id serial PRIMARY KEY,
	person text NOT NULL,
	photo text NOT NULL,
	embedding face_embedding(128) NOT NULL
);
CREATE INDEX ON faces USING face_graph (embedding);

CREATE TEMP TABLE photos AS
SELECT person, photo, row_number() OVER (PARTITION BY person ORDER BY photo) AS n,
       pg_read_binary_file(:'chips' || '/' || person || '/' || photo) AS image
FROM pg_ls_dir(:'chips') AS person,
     LATERAL pg_ls_dir(:'chips' || '/' || person) AS photo
WHERE person NOT LIKE '%.txt' AND photo LIKE '%.jpg';

-- the first photo of each person is held back as a query
INSERT INTO faces (person, photo, embedding)
SELECT person, photo, face_chip_embedding(image) FROM photos WHERE n > 1;
SELECT count(*) AS stored_faces, count(DISTINCT person) AS people FROM faces;

\echo
\echo 'Who is in each new photo? The 3 nearest stored faces (same person below 0.6):'
SELECT q.photo AS new_photo, q.person AS really, m.rank, m.person AS found,
       m.distance::numeric(4, 3) AS distance, m.distance < 0.6 AS same_person
FROM (SELECT person, photo, face_chip_embedding(image) AS e FROM photos WHERE n = 1) q
CROSS JOIN LATERAL (
	SELECT person, embedding <-> q.e AS distance,
	       row_number() OVER (ORDER BY embedding <-> q.e) AS rank
	FROM faces ORDER BY embedding <-> q.e LIMIT 3
) m
ORDER BY q.person, m.rank;
