-- face_embedding text and binary I/O, typmods, and input errors
SET extra_float_digits = 0;

SELECT '[1,2,3]'::face_embedding;
SELECT '  [ 1.5 , -2 ,3e-3 ]  '::face_embedding;
SELECT '[-0,0.1,1e-45,3.4028235e38,-1.17549435e-38]'::face_embedding;
-- shortest round-trip output
SELECT '[0.1,0.2,0.3,3.14159265358979]'::face_embedding;
SELECT '[16777217]'::face_embedding;
SELECT dims(array_fill(0.5::real, ARRAY[16000])::face_embedding);

-- text round trip is exact for random floats
SELECT count(*) AS mismatches FROM (
	SELECT array_agg(((random() - 0.5) * 10 ^ (random() * 20 - 10))::real) AS a
	FROM generate_series(1, 50 * 128) i GROUP BY i % 50
) s WHERE a::face_embedding::text::face_embedding::real[] <> a;

-- binary round trip (send/recv) through a binary COPY, in this run's results/
\getenv abs_builddir PG_ABS_BUILDDIR
\set copy_file :abs_builddir '/results/embedding_io.bin'
CREATE TEMP TABLE io_src (e face_embedding);
INSERT INTO io_src VALUES ('[1,2,3]'), ('[-0.25,1e-30,3e30]'), (NULL);
COPY io_src TO :'copy_file' WITH (FORMAT binary);
CREATE TEMP TABLE io_dst (e face_embedding(3));
COPY io_dst FROM :'copy_file' WITH (FORMAT binary);
SELECT e FROM io_dst ORDER BY e NULLS LAST;
CREATE TEMP TABLE io_dst2 (e face_embedding(2));
COPY io_dst2 FROM :'copy_file' WITH (FORMAT binary);
SELECT face_embedding_send('[1,-2]');

-- typmod: enforced on input and assignment
CREATE TEMP TABLE t3 (e face_embedding(3));
INSERT INTO t3 VALUES ('[1,2,3]');
INSERT INTO t3 VALUES ('[1,2]');
INSERT INTO t3 VALUES ('[1,2,3]'::face_embedding(3));
INSERT INTO t3 SELECT '[4,5,6,7]'::face_embedding;
UPDATE t3 SET e = '[1,2]'::face_embedding;
SELECT '[1,2]'::face_embedding(2), '[1,2]'::face_embedding(3);
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 't3'::regclass AND attname = 'e';
CREATE TEMP TABLE bad (e face_embedding(0));
CREATE TEMP TABLE bad (e face_embedding(16001));
CREATE TEMP TABLE bad (e face_embedding(2, 3));

-- input errors, each with its SQLSTATE
\set VERBOSITY sqlstate
SELECT '[]'::face_embedding;
SELECT '[ ]'::face_embedding;
SELECT ''::face_embedding;
SELECT '1,2'::face_embedding;
SELECT '[1,2'::face_embedding;
SELECT '[1,,2]'::face_embedding;
SELECT '[1,2,]'::face_embedding;
SELECT '[1 2]'::face_embedding;
SELECT '[1,2] x'::face_embedding;
SELECT '[a]'::face_embedding;
SELECT '[NaN]'::face_embedding;
SELECT '[1,Infinity]'::face_embedding;
SELECT '[-inf]'::face_embedding;
SELECT '[1e39]'::face_embedding;
SELECT '[1e-50]'::face_embedding;
SELECT array_fill(0.5::real, ARRAY[16001])::face_embedding;
SELECT ('[' || repeat('1,', 16000) || '1]')::face_embedding;
\set VERBOSITY default
SELECT '[1,2'::face_embedding;
SELECT '[NaN]'::face_embedding;
SELECT ('[' || repeat('1,', 16000) || '1]')::face_embedding;
