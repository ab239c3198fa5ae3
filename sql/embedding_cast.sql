-- casts between face_embedding and arrays
SET extra_float_digits = 0;

SELECT ARRAY[1.5, 2, -3]::real[]::face_embedding;
SELECT ARRAY[1.5, 2, -3]::double precision[]::face_embedding;
SELECT ARRAY[1, 2, -3]::integer[]::face_embedding;
SELECT ARRAY[1.5, 2, -3]::numeric[]::face_embedding;
SELECT ARRAY[0.1]::double precision[]::face_embedding(1);

SELECT '[1.5,2,-3]'::face_embedding::real[];
SELECT '[1.5,2,-3]'::face_embedding::double precision[];
SELECT '[1.5,2.5,-3.5,0.4]'::face_embedding::integer[];
SELECT '[1.5,2,-3]'::face_embedding::numeric[];

-- assignment casts
CREATE TEMP TABLE c (e face_embedding(3), r real[]);
INSERT INTO c (e) VALUES (ARRAY[1, 2, 3]::real[]);
INSERT INTO c (e) VALUES (ARRAY[1, 2, 3]::integer[]);
INSERT INTO c (e) VALUES (ARRAY[1, 2, 3]::numeric[]);
INSERT INTO c (r) VALUES ('[4,5,6]'::face_embedding);
SELECT * FROM c;

\set VERBOSITY sqlstate
INSERT INTO c (e) VALUES (ARRAY[1, 2]::real[]);
SELECT ARRAY[]::real[]::face_embedding;
SELECT ARRAY[[1, 2], [3, 4]]::real[]::face_embedding;
SELECT ARRAY[1, NULL, 3]::real[]::face_embedding;
SELECT ARRAY['NaN']::real[]::face_embedding;
SELECT ARRAY['Infinity']::double precision[]::face_embedding;
SELECT ARRAY[1e39]::double precision[]::face_embedding;
SELECT ARRAY['NaN']::numeric[]::face_embedding;
SELECT ARRAY[1e39]::numeric[]::face_embedding;
SELECT '[3e38]'::face_embedding::integer[];
\set VERBOSITY default
SELECT ARRAY[1, NULL, 3]::real[]::face_embedding;
SELECT ARRAY[[1, 2], [3, 4]]::real[]::face_embedding;
