# lfw_lib.sh: the LFW dev folds in a throwaway cluster and their scoring,
# shared by bench/lfw_accuracy.sh and bench/dlib_lfw.sh (sourced after
# start_cluster and CREATE EXTENSION facerec; psql reaches the cluster).
#
# lfw_load DIR   tables pair (i, fold, same, name_a, num_a, name_b, num_b:
#                the pairs of DIR/pairs.txt, 3 folds of 600), photo (name,
#                num, img: the JPEG bytes of every photo of a pair, main_box
#                empty) and an empty embedding (variant, name, num, e)
# lfw_score      the standard protocol on table embedding: for each fold, the
#                distance threshold that maximises accuracy on the other two
#                folds (half-way between two consecutive distinct
#                distances), applied to that fold.  A pair with a photo
#                without an embedding is "different" (the verdict an
#                application gets).  Tables dist (variant, i, fold, same, d),
#                threshold (variant, test_fold, t, train_acc; test_fold 0:
#                trained on all folds), verdict (dist + t, wrong),
#                fold_accuracy (variant, fold, acc, t) and accuracy (variant,
#                mean +- population standard deviation over the folds, per
#                fold, fold thresholds: as text to print)
# LFW_MAIN_FACE  an ORDER BY list over face rows (x, y, width, height,
#                score) of a 250x250 LFW photo whose first row is its main
#                face as face_embedding(photo) takes it without the fast
#                path: the box holding the centre, else the largest, the
#                higher score on a tie

LFW_MAIN_FACE="box(point(x, y), point(x + width, y + height)) @> point(125, 125) DESC,
	width * height DESC, score DESC"

lfw_load() {
	psql -v lfw="$1" <<'SQL'
CREATE TABLE pair AS
SELECT n - 1 AS i, (n - 2) / 600 + 1 AS fold, cardinality(f) = 3 AS same,
	f[1] AS name_a, f[2]::int AS num_a,
	f[cardinality(f) - 1] AS name_b, f[cardinality(f)]::int AS num_b
FROM regexp_split_to_table(rtrim(pg_read_file(:'lfw' || 'pairs.txt'), E'\n'), E'\n')
	WITH ORDINALITY AS l(line, n),
	LATERAL string_to_array(line, E'\t') AS f
WHERE n > 1;
UPDATE pair SET name_b = name_a WHERE same;
-- a low fillfactor spreads the rows (TOAST pointers) over ~200 pages, so
-- that a parallel scan shares them out evenly
CREATE TABLE photo (name text, num int, img bytea, main_box box) WITH (fillfactor = 10);
INSERT INTO photo (name, num, img)
SELECT name, num,
	pg_read_binary_file(format('%simages/%s/%s_%s.jpg', :'lfw', name, name, lpad(num::text, 4, '0')))
FROM (SELECT name_a, num_a FROM pair UNION SELECT name_b, num_b FROM pair) AS p(name, num);
SELECT format('%s pairs in %s folds, %s photos of %s people', (SELECT count(*) FROM pair),
	(SELECT count(DISTINCT fold) FROM pair), count(*), count(DISTINCT name))
FROM photo;
CREATE TABLE embedding (variant text, name text, num int, e face_embedding);
SQL
}

lfw_score() {
	psql -q <<'SQL'
-- a missing face is an infinite distance: never the same person
CREATE TABLE dist AS
SELECT v.variant, p.i, p.fold, p.same, coalesce(a.e <-> b.e, 'Infinity') AS d
FROM (SELECT DISTINCT variant FROM embedding) v CROSS JOIN pair p
	LEFT JOIN embedding a ON (a.variant, a.name, a.num) = (v.variant, p.name_a, p.num_a)
	LEFT JOIN embedding b ON (b.variant, b.name, b.num) = (v.variant, p.name_b, p.num_b);

-- for each held-out fold (0: none, train on all): the best threshold on
-- the others, half-way between two consecutive distinct distances
CREATE TABLE threshold AS
WITH per_d AS (
	SELECT variant, k AS test_fold, d,
		count(*) FILTER (WHERE same) AS n_same, count(*) FILTER (WHERE NOT same) AS n_diff
	FROM dist, generate_series(0, 3) AS k
	WHERE fold <> k
	GROUP BY variant, k, d
), run AS (
	SELECT *,
		sum(n_same) OVER w AS same_below,	-- same pairs at or below d: right
		sum(n_diff) OVER (PARTITION BY variant, test_fold) - sum(n_diff) OVER w AS diff_above,
		lead(d) OVER w AS next_d
	FROM per_d
	WINDOW w AS (PARTITION BY variant, test_fold ORDER BY d ROWS UNBOUNDED PRECEDING)
)
SELECT DISTINCT ON (variant, test_fold) variant, test_fold,
	(d + next_d) / 2 AS t, (same_below + diff_above)::float8 / (SELECT count(*) FROM pair WHERE fold <> test_fold) AS train_acc
FROM run
WHERE next_d < 'Infinity'
ORDER BY variant, test_fold, same_below + diff_above DESC, d;

CREATE TABLE verdict AS
SELECT x.*, th.t, (x.d < th.t) <> x.same AS wrong
FROM dist x JOIN threshold th ON (th.variant, th.test_fold) = (x.variant, x.fold);

CREATE TABLE fold_accuracy AS
SELECT variant, fold, avg((NOT wrong)::int) AS acc, min(t) AS t
FROM verdict GROUP BY variant, fold;

CREATE TABLE accuracy AS
SELECT variant,
	format('%s%% +- %s', round(100 * avg(acc), 2), round(100 * stddev_pop(acc), 2)) AS "accuracy (3 folds)",
	string_agg(round(100 * acc, 2)::text, ' / ' ORDER BY fold) AS "per fold",
	string_agg(round(t::numeric, 3)::text, ' / ' ORDER BY fold) AS "fold thresholds"
FROM fold_accuracy GROUP BY variant;
SQL
}
