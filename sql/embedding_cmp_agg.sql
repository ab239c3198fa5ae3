-- comparison, btree/hash opclasses, DISTINCT / GROUP BY / unique, aggregates
SET extra_float_digits = 0;

SELECT '[1,2]'::face_embedding = '[1,2]', '[1,2]'::face_embedding <> '[1,2]',
       '[1,2]'::face_embedding < '[1,3]', '[1,2]'::face_embedding <= '[1,2,0]',
       '[2]'::face_embedding > '[1,9]', '[1,2]'::face_embedding >= '[1,2]',
       '[-0]'::face_embedding = '[0]';
SELECT face_embedding_cmp('[1,2]', '[1,2,3]'), face_embedding_cmp('[1,2]', '[1,2]'),
       face_embedding_cmp('[1,3]', '[1,2,3]');
-- hashes agree with equality, including -0 = +0
SELECT face_embedding_hash('[-0,1]') = face_embedding_hash('[0,1]'),
       (face_embedding_hash_extended('[1,2]', 0) & x'ffffffff'::bigint)
         = (face_embedding_hash('[1,2]') & x'ffffffff'::bigint),
       face_embedding_hash_extended('[1,2]', 0) <> face_embedding_hash_extended('[1,2]', 1);

CREATE TEMP TABLE g (id int, e face_embedding);
INSERT INTO g SELECT i, ARRAY[i % 3, i % 2]::real[] FROM generate_series(1, 60) i;
INSERT INTO g VALUES (0, '[-0,0]'), (NULL, NULL);
SELECT count(DISTINCT e) FROM g;
SELECT e, count(*) FROM g GROUP BY e ORDER BY e;
SET enable_hashagg = off;
SELECT e, count(*) FROM g GROUP BY e ORDER BY e DESC NULLS LAST;
RESET enable_hashagg;
SET enable_sort = off;
SELECT count(*) FROM (SELECT DISTINCT e FROM g) s;
RESET enable_sort;
SELECT e FROM g ORDER BY e LIMIT 3;

-- btree and hash indexes, unique constraint
CREATE TEMP TABLE u (e face_embedding UNIQUE);
INSERT INTO u VALUES ('[1,2]'), ('[1,2,3]');
\set VERBOSITY sqlstate
INSERT INTO u VALUES ('[1,2]');
\set VERBOSITY default
CREATE INDEX ON g USING hash (e);
SET enable_seqscan = off;
SELECT count(*) FROM g WHERE e = '[1,0]';
RESET enable_seqscan;

-- aggregates
SELECT avg(e), sum(e) FROM (VALUES ('[1,2,3]'::face_embedding), ('[3,4,5]'), (NULL)) v(e);
SELECT avg(e), sum(e) FROM g WHERE false;
SELECT avg(e) IS NULL FROM (VALUES (NULL::face_embedding)) v(e);
SELECT id % 2 AS k, avg(e), sum(e) FROM g WHERE id > 0 GROUP BY 1 ORDER BY 1;
\set VERBOSITY sqlstate
SELECT avg(e) FROM (VALUES ('[1,2]'::face_embedding), ('[1,2,3]')) v(e);
SELECT sum(e) FROM (VALUES ('[3e38]'::face_embedding), ('[3e38]')) v(e);
\set VERBOSITY default

-- parallel aggregation uses the combine function and agrees with serial
CREATE TABLE par (e face_embedding(4));
INSERT INTO par SELECT ARRAY[i % 7, i % 11, -(i % 13), 1]::real[] FROM generate_series(1, 200000) i;
ANALYZE par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(e), sum(e) FROM par;
SELECT avg(e), sum(e) FROM par;
SET max_parallel_workers_per_gather = 0;
SELECT avg(e), sum(e) FROM par;
RESET ALL;
DROP TABLE par;
