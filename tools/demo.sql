-- demo.sql: a face search over real photos.  Stores the main face of each
-- training photo (one sub-folder per named person) with the person's name,
-- indexes the descriptors with face_graph, then finds every face in each test
-- photo and names it through ORDER BY embedding <-> face LIMIT; face_match
-- (its calibrated threshold) says whether the nearest is the same person.
-- Run by tools/run-demo with -v people=<folder with train/NAME/*.jpg, test/>.
\pset footer off
CREATE EXTENSION facerec;
CREATE TABLE faces (
	id serial PRIMARY KEY,
	person text NOT NULL,
	photo text NOT NULL,
	embedding face_embedding(128) NOT NULL
);
CREATE INDEX ON faces USING face_graph (embedding);

-- one row per training photo: the main face, labelled with the folder name
INSERT INTO faces (person, photo, embedding)
SELECT person, photo, e
FROM pg_ls_dir(:'people' || '/train') AS person,
     LATERAL pg_ls_dir(:'people' || '/train/' || person) AS photo,
     LATERAL face_embedding(pg_read_binary_file(:'people' || '/train/' || person || '/' || photo)) AS e
WHERE e IS NOT NULL
ORDER BY person, photo;
SELECT person, count(*) AS photos FROM faces GROUP BY person ORDER BY person;

\echo
\echo 'Who is in each test photo? Every face found, with the nearest stored face:'
SELECT t.photo AS test_photo, f.face, round(f.x) AS x, round(f.y) AS y,
       CASE WHEN face_match(f.embedding, m.embedding) THEN m.person ELSE 'unknown' END AS who,
       m.person AS nearest, m.distance::numeric(4, 3) AS distance
FROM pg_ls_dir(:'people' || '/test') AS t(photo)
CROSS JOIN LATERAL face_embeddings(pg_read_binary_file(:'people' || '/test/' || t.photo)) AS f
CROSS JOIN LATERAL (
	SELECT person, embedding, embedding <-> f.embedding AS distance
	FROM faces ORDER BY embedding <-> f.embedding LIMIT 1
) m
ORDER BY t.photo, f.x;
