-- face_graph index: DDL, options, planner choice, small exact cases, errors,
-- vacuum, filtered (iterative) scans and the check function.

SELECT amname, amtype FROM pg_am WHERE amname = 'face_graph';
SELECT opcname, opcdefault FROM pg_opclass
	WHERE opcmethod = (SELECT oid FROM pg_am WHERE amname = 'face_graph') ORDER BY 1;
SELECT opcname, amvalidate(oid) FROM pg_opclass
	WHERE opcmethod = (SELECT oid FROM pg_am WHERE amname = 'face_graph') ORDER BY 1;

-- a deterministic 3-d table: points on a spiral, some NULLs
CREATE TABLE pts (id int PRIMARY KEY, grp int, e face_embedding(3));
INSERT INTO pts SELECT i, i % 100,
	ARRAY[cos(i * 0.1) * i / 100.0, sin(i * 0.1) * i / 100.0, (i % 17) / 17.0]::real[]
	FROM generate_series(1, 2000) i;
INSERT INTO pts VALUES (0, 0, NULL);

-- options
CREATE INDEX pts_bad ON pts USING face_graph (e) WITH (m = 1);
CREATE INDEX pts_bad ON pts USING face_graph (e) WITH (ef_construction = 2);
CREATE INDEX pts_bad ON pts USING face_graph (e) WITH (nonsense = 3);
CREATE INDEX pts_bad ON pts USING face_graph (e, grp);
CREATE INDEX pts_l2 ON pts USING face_graph (e) WITH (m = 8, ef_construction = 40);
SELECT count(*) AS damage FROM facerec_index_check('pts_l2');

-- exact answers, before the planner may use the index
CREATE TEMP TABLE exact AS
	SELECT 'l2' AS op, array_agg(id) AS ids FROM
		(SELECT id FROM pts ORDER BY e <-> '[0.3,-0.2,0.4]' LIMIT 10) s
	UNION ALL
	SELECT 'cos', array_agg(id) FROM (SELECT id FROM pts ORDER BY e <=> '[1,1,0.2]' LIMIT 5) s
	UNION ALL
	SELECT 'ip', array_agg(id) FROM (SELECT id FROM pts ORDER BY e <#> '[1,1,0.2]' LIMIT 5) s;

-- ORDER BY distance LIMIT k uses the index on 2000 rows (the 10k-row TAP
-- test checks face data); without ORDER BY distance it is of no use
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY e <-> '[0.5,0.5,0.5]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM pts WHERE e = '[0.5,0.5,0.5]';
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY e <-> '[0.5,0.5,0.5]' LIMIT 5;

-- a wide beam on 2000 points is exhaustive: the index equals the exact order
SET facerec.ef_search = 1000;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM pts ORDER BY e <-> '[0.3,-0.2,0.4]' LIMIT 10) s)
	= (SELECT ids FROM exact WHERE op = 'l2') AS same_as_exact;
-- a search pins pages through the buffers this backend last found them in
-- (hints, checked on use): after a REINDEX in the same session the hints
-- are stale, and a temporary table's index lives in local buffers (no hints)
REINDEX INDEX pts_l2;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM pts ORDER BY e <-> '[0.3,-0.2,0.4]' LIMIT 10) s)
	= (SELECT ids FROM exact WHERE op = 'l2') AS same_after_reindex;
CREATE TEMP TABLE tpts AS SELECT * FROM pts;
CREATE INDEX ON tpts USING face_graph (e);
EXPLAIN (COSTS OFF) SELECT id FROM tpts ORDER BY e <-> '[0.3,-0.2,0.4]' LIMIT 10;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM tpts ORDER BY e <-> '[0.3,-0.2,0.4]' LIMIT 10) s)
	= (SELECT ids FROM exact WHERE op = 'l2') AS temp_same_as_exact;
DROP TABLE tpts;
RESET facerec.ef_search;

-- every row finds itself
SELECT count(*) AS not_found FROM pts p WHERE e IS NOT NULL AND NOT EXISTS
	(SELECT 1 FROM (SELECT id FROM pts ORDER BY e <-> p.e LIMIT 1) s WHERE s.id = p.id);

-- filtered: 1% of the rows match, the iterative scan still gives 10
-- (a beam of 600 holds fewer than 10 of them; the default may be wider)
SET facerec.ef_search = 600;
SELECT count(*) FROM (SELECT id FROM pts WHERE grp = 42 ORDER BY e <-> '[0,0,0]' LIMIT 10) s;
SET facerec.iterative_scan = off;
SELECT count(*) < 10 AS fewer_without_iteration
	FROM (SELECT id FROM pts WHERE grp = 42 ORDER BY e <-> '[0,0,0]' LIMIT 10) s;
RESET facerec.iterative_scan;
RESET facerec.ef_search;
-- the bound: one beam of 5 and no wider
SET facerec.ef_search = 5;
SET facerec.max_scan_tuples = 5;
SELECT count(*) FROM (SELECT id FROM pts ORDER BY e <-> '[0,0,0]' LIMIT 50) s;
RESET facerec.ef_search;
RESET facerec.max_scan_tuples;
-- a narrow beam: its visited set starts small and grows during the search;
-- the iterative scan widens it until it has 50 distinct rows
SET facerec.ef_search = 2;
SELECT count(*), count(DISTINCT id) FROM
	(SELECT id FROM pts ORDER BY e <-> '[0.3,-0.2,0.4]' LIMIT 50) s;
RESET facerec.ef_search;

-- NULL query: rows come back (in no particular order), NULL rows do not
SELECT count(*) FROM (SELECT id FROM pts ORDER BY e <-> NULL LIMIT 20) s;

-- errors: dimension mismatch on insert and in a query
INSERT INTO pts VALUES (5000, 0, '[1,2]');
CREATE TABLE loose (id int, e face_embedding);
INSERT INTO loose VALUES (1, '[1,2,3]'), (2, '[1,2,4]');
CREATE INDEX loose_l2 ON loose USING face_graph (e);
INSERT INTO loose VALUES (3, '[1,2]');
SELECT id FROM loose ORDER BY e <-> '[1,2]' LIMIT 1;
SELECT id FROM loose ORDER BY e <-> '[1,2,3.9]' LIMIT 1;
CREATE TABLE mixed (e face_embedding);
INSERT INTO mixed VALUES ('[1,2,3]'), ('[1,2]');
CREATE INDEX ON mixed USING face_graph (e);
SELECT * FROM facerec_index_check('pts_pkey');

-- an index built empty learns the dimension from its first row
CREATE TABLE later (id int, e face_embedding);
CREATE INDEX later_l2 ON later USING face_graph (e);
INSERT INTO later SELECT i, ARRAY[i, -i, i * i]::real[] FROM generate_series(1, 300) i;
SELECT id FROM later ORDER BY e <-> '[10,-10,100]' LIMIT 3;
SELECT count(*) AS damage FROM facerec_index_check('later_l2');

-- cosine and inner product
CREATE INDEX pts_cos ON pts USING face_graph (e face_embedding_cosine_ops);
CREATE INDEX pts_ip ON pts USING face_graph (e face_embedding_ip_ops);
SET facerec.ef_search = 1000;
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY e <=> '[1,1,0.2]' LIMIT 5;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM pts ORDER BY e <=> '[1,1,0.2]' LIMIT 5) s)
	= (SELECT ids FROM exact WHERE op = 'cos') AS cosine_exact;
EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY e <#> '[1,1,0.2]' LIMIT 5;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM pts ORDER BY e <#> '[1,1,0.2]' LIMIT 5) s)
	= (SELECT ids FROM exact WHERE op = 'ip') AS ip_exact;
RESET facerec.ef_search;
-- the index hands the executor lower bounds of the distances and the
-- executor re-ranks with exact ones: within one beam the order is exact
-- (no ERROR "index returned tuples in wrong order" either), per opclass
SELECT op, count(*) FILTER (WHERE d < prev) AS out_of_order, count(*) AS n
FROM (SELECT 'l2' AS op, d, lag(d) OVER () AS prev FROM
		(SELECT e <-> '[0.2,0.1,-0.3]' AS d FROM pts ORDER BY e <-> '[0.2,0.1,-0.3]' LIMIT 100) s
	UNION ALL
	SELECT 'cos', d, lag(d) OVER () FROM
		(SELECT e <=> '[0.2,0.1,-0.3]' AS d FROM pts ORDER BY e <=> '[0.2,0.1,-0.3]' LIMIT 100) s
	UNION ALL
	SELECT 'ip', d, lag(d) OVER () FROM
		(SELECT e <#> '[0.2,0.1,-0.3]' AS d FROM pts ORDER BY e <#> '[0.2,0.1,-0.3]' LIMIT 100) s) t
GROUP BY op ORDER BY op;
-- a zero vector has no direction: not in the cosine index
INSERT INTO pts VALUES (3000, 0, '[0,0,0]');
SELECT count(*) AS damage FROM facerec_index_check('pts_cos');
DROP INDEX pts_cos, pts_ip;

-- vacuum: dead rows leave, the graph is repaired, slots are reused
DELETE FROM pts WHERE id % 4 = 0;
VACUUM pts;
SELECT count(*) AS damage FROM facerec_index_check('pts_l2');
SELECT count(*) AS dead_returned FROM (SELECT id FROM pts ORDER BY e <-> '[0,0,0]' LIMIT 1500) s
	WHERE id % 4 = 0;
SELECT pg_relation_size('pts_l2') AS size_before \gset
INSERT INTO pts SELECT i, i % 100,
	ARRAY[sin(i * 0.37) * (i - 9000) / 100.0, cos(i * 0.53) * (i - 9000) / 100.0, (i % 13) / 13.0]::real[]
	FROM generate_series(10000, 10400) i;
SELECT pg_relation_size('pts_l2') = :size_before AS slots_reused;
SELECT count(*) AS not_found FROM pts p WHERE e IS NOT NULL AND NOT EXISTS
	(SELECT 1 FROM (SELECT id FROM pts ORDER BY e <-> p.e LIMIT 1) s WHERE s.id = p.id);
DELETE FROM pts;
VACUUM pts;
SELECT count(*) AS damage FROM facerec_index_check('pts_l2');
INSERT INTO pts VALUES (1, 1, '[1,1,1]'), (2, 2, '[2,2,2]');
SELECT id FROM pts ORDER BY e <-> '[0,0,0]' LIMIT 5;

-- unlogged tables get an init fork
CREATE UNLOGGED TABLE ul (e face_embedding(3));
CREATE INDEX ON ul USING face_graph (e);
INSERT INTO ul VALUES ('[1,2,3]');

-- the planner leaves a tiny table to a sequential scan
RESET enable_seqscan;
CREATE TABLE tiny (e face_embedding(3));
INSERT INTO tiny VALUES ('[1,2,3]'), ('[3,2,1]');
CREATE INDEX ON tiny USING face_graph (e);
ANALYZE tiny;
EXPLAIN (COSTS OFF) SELECT * FROM tiny ORDER BY e <-> '[1,1,1]' LIMIT 1;

DROP TABLE pts, loose, mixed, later, ul, tiny;
