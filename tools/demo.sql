-- demo.sql: load embeddings, then find the nearest faces to a few query faces
-- and compare with the exact answer facegen computed.  Run by tools/run-demo.
\pset footer off
CREATE EXTENSION facerec;
CREATE TABLE faces (id int PRIMARY KEY, embedding face_embedding(128));
CREATE TEMP TABLE queries (qid int, seen bool, embedding face_embedding(128));
CREATE TEMP TABLE truth (qid int, ids int[]);
\set base_file :work '/base.tsv'
\set query_file :work '/queries.tsv'
\set truth_file :work '/gt.tsv'
COPY faces FROM :'base_file';
COPY queries FROM :'query_file';
COPY truth FROM :'truth_file';

SELECT count(*) AS faces, avg(norm(embedding))::numeric(4, 2) AS mean_norm FROM faces;

\echo
\echo 'The 5 nearest faces to each query face (match: distance below 0.6, dlib''s same-person threshold):'
SELECT q.qid AS query, n.rank, n.id AS face, n.distance::numeric(5, 3) AS distance,
       n.distance < 0.6 AS match,
       n.id = t.ids[n.rank] AS matches_exact_answer
FROM queries q
JOIN truth t USING (qid)
CROSS JOIN LATERAL (
	SELECT id, embedding <-> q.embedding AS distance,
	       row_number() OVER (ORDER BY embedding <-> q.embedding) AS rank
	FROM faces ORDER BY embedding <-> q.embedding LIMIT 5
) n
ORDER BY q.qid, n.rank;
