-- face_graph's pending list (WITH (fastupdate = on)): single-row inserts go
-- to the list, scans read it exactly, merges (an insert past
-- facerec.pending_list_limit, VACUUM, facerec_index_flush) move it into the
-- graph; no row is lost or returned twice on the way.

-- 128-d rows: 15 pending vectors fill a page
CREATE FUNCTION pend_vec(i int) RETURNS face_embedding LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY(SELECT sin(i * 0.7 + j * 1.3) * (1 + (i % 7) / 7.0)
		FROM generate_series(1, 128) j)::real[]::face_embedding $$;
CREATE TABLE pend (id int PRIMARY KEY, grp int, e face_embedding(128));
INSERT INTO pend SELECT i, i % 50, pend_vec(i) FROM generate_series(1, 1000) i;
CREATE INDEX pend_l2 ON pend USING face_graph (e) WITH (fastupdate = on);
SELECT count(*) AS exact FROM pend;

-- nothing pending after the build; an INSERT of many rows is single-row
-- inserts to the index: all 200 go to the list (limit 1MB by default)
SELECT facerec_index_flush('pend_l2') AS merged;
INSERT INTO pend SELECT i, i % 50, pend_vec(i) FROM generate_series(1001, 1200) i;
SELECT count(*) AS damage FROM facerec_index_check('pend_l2');

-- scans see pending rows exactly, in exact order, among the graph's
-- (the exact answers from a sequential scan)
SET enable_indexscan = off;
CREATE TEMP TABLE exact AS SELECT q, ARRAY(SELECT id FROM pend ORDER BY e <-> pend_vec(q) LIMIT 10) ids
	FROM (VALUES (5), (1100), (1199), (77)) v(q);
RESET enable_indexscan;
-- the nearest ten hold pending rows
SELECT q, ids && ARRAY(SELECT generate_series(1001, 1200)) AS pending_among_them
	FROM exact ORDER BY q;
SET enable_seqscan = off;
SET facerec.ef_search = 1000;
EXPLAIN (COSTS OFF) SELECT id FROM pend ORDER BY e <-> (SELECT e FROM pend WHERE id = 5) LIMIT 10;
SELECT q, ARRAY(SELECT id FROM pend ORDER BY e <-> pend_vec(q) LIMIT 10) = ids AS same_as_exact
	FROM exact ORDER BY q;
-- every pending row is its own nearest neighbour
SELECT count(*) AS not_found FROM pend p WHERE id > 1000 AND NOT EXISTS
	(SELECT 1 FROM (SELECT id FROM pend ORDER BY e <-> p.e LIMIT 1) s WHERE s.id = p.id);
-- an exhaustive scan returns every row once
SET facerec.max_scan_tuples = 100000;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM pend ORDER BY e <-> pend_vec(3)) s;
-- a filtered scan: pending rows count among the matches
SELECT count(*) FROM (SELECT id FROM pend WHERE grp = 7 AND id > 1000 ORDER BY e <-> pend_vec(7) LIMIT 10) s;
RESET facerec.max_scan_tuples;

-- the merge: the 200 rows move into the graph; the answers do not change
SELECT facerec_index_flush('pend_l2') AS merged;
SELECT facerec_index_flush('pend_l2') AS merged_again;
SELECT count(*) AS damage FROM facerec_index_check('pend_l2');
SELECT q, ARRAY(SELECT id FROM pend ORDER BY e <-> pend_vec(q) LIMIT 10) = ids AS same_after_merge
	FROM exact ORDER BY q;

-- an insert that takes the list past the limit merges it: with 64kB
-- (8 pages, 120 vectors), 300 inserts leave fewer than 120 pending
SET facerec.pending_list_limit = 64;
INSERT INTO pend SELECT i, i % 50, pend_vec(i) FROM generate_series(1201, 1500) i;
SELECT facerec_index_flush('pend_l2') < 120 AS merged_on_the_way;
RESET facerec.pending_list_limit;
SELECT count(*) AS damage FROM facerec_index_check('pend_l2');
SELECT count(*) AS not_found FROM pend p WHERE id > 1200 AND NOT EXISTS
	(SELECT 1 FROM (SELECT id FROM pend ORDER BY e <-> p.e LIMIT 1) s WHERE s.id = p.id);

-- VACUUM merges first and drops the pending vectors of dead rows
INSERT INTO pend SELECT i, i % 50, pend_vec(i) FROM generate_series(1501, 1600) i;
DELETE FROM pend WHERE id > 1500 AND id % 2 = 0;
VACUUM pend;
SELECT facerec_index_flush('pend_l2') AS left_after_vacuum;
SELECT count(*) AS damage FROM facerec_index_check('pend_l2');
SET facerec.max_scan_tuples = 100000;
SELECT count(*) = (SELECT count(*) FROM pend) AS all_live_rows, count(*) = count(DISTINCT id) AS once
	FROM (SELECT id FROM pend ORDER BY e <-> pend_vec(1550)) s;
RESET facerec.max_scan_tuples;

-- fastupdate = off (the default): inserts walk the graph, nothing is pending
ALTER INDEX pend_l2 RESET (fastupdate);
INSERT INTO pend SELECT i, i % 50, pend_vec(i) FROM generate_series(1601, 1650) i;
SELECT facerec_index_flush('pend_l2') AS merged_without_fastupdate;
ALTER INDEX pend_l2 SET (fastupdate = on);

-- cosine: a zero vector has no direction and is not indexed, pending or not
CREATE INDEX pend_cos ON pend USING face_graph (e face_embedding_cosine_ops) WITH (fastupdate = on);
INSERT INTO pend VALUES (5000, 0, array_fill(0, ARRAY[128])::real[]::face_embedding);
INSERT INTO pend SELECT i, i % 50, pend_vec(i) FROM generate_series(5001, 5020) i;
SELECT facerec_index_flush('pend_cos') AS merged_cos;
SELECT count(*) AS damage FROM facerec_index_check('pend_cos');

-- an index built on an empty table: rows wait in the list, then merge
CREATE TABLE pend_later (id int, e face_embedding);
CREATE INDEX pend_later_l2 ON pend_later USING face_graph (e) WITH (fastupdate = on);
INSERT INTO pend_later SELECT i, ARRAY[i, -i, i * i]::real[] FROM generate_series(1, 50) i;
SELECT id FROM pend_later ORDER BY e <-> '[10,-10,100]' LIMIT 3;
SELECT facerec_index_flush('pend_later_l2') AS merged_into_empty_graph;
SELECT id FROM pend_later ORDER BY e <-> '[10,-10,100]' LIMIT 3;
SELECT count(*) AS damage FROM facerec_index_check('pend_later_l2');

-- errors
SELECT facerec_index_flush('pend_pkey');
SELECT facerec_index_flush('pend');
SELECT facerec_index_flush(NULL);
CREATE INDEX pend_bad ON pend USING face_graph (e) WITH (fastupdate = maybe);

RESET enable_seqscan;
RESET facerec.ef_search;
DROP TABLE pend, pend_later;
DROP FUNCTION pend_vec(int);
