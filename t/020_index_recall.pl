# face_graph on 10k face-like rows: recall@10 >= 0.95 at default settings for
# each opclass, built in memory and built with a spill (maintenance_work_mem
# too small for the graph), serial and parallel; the planner's choice, and
# 1%-selective filtered queries.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IndexData;

my $dir = facegen(n => 10000, seen => 100, unseen => 100, inserts => 0);

my $node = start_node('recall', $dir, "maintenance_work_mem = 256MB");
$node->safe_psql('postgres', 'ANALYZE faces');

my %ops = (l2 => '<->', cosine => '<=>', ip => '<#>');
for my $opc (sort keys %ops)
{
	my $op = $ops{$opc};
	exact_top10($node, $op, "exact_$opc");
	$node->safe_psql('postgres',
		"CREATE INDEX faces_$opc ON faces USING face_graph (e face_embedding_${opc}_ops)");
	is($node->safe_psql('postgres', "SELECT count(*) FROM facerec_index_check('faces_$opc')"),
		'0', "$opc: check is clean after the build");

	my $plan = $node->safe_psql('postgres',
		"EXPLAIN (COSTS OFF) SELECT id FROM faces ORDER BY e $op (SELECT e FROM queries WHERE qid = 1) LIMIT 10");
	like($plan, qr/Index Scan using faces_$opc/, "$opc: the planner picks the index on 10k rows");

	my $r = recall($node, $op, "exact_$opc");
	cmp_ok($r, '>=', 0.95, "$opc: recall\@10 $r at default settings");

	# 1MB holds about 1,500 of the 10,000 rows: the rest go on pages
	$node->safe_psql('postgres', "DROP INDEX faces_$opc");
	my ($rc, $out, $err) = $node->psql('postgres', qq{
		SET maintenance_work_mem = '1MB';
		CREATE INDEX faces_$opc ON faces USING face_graph (e face_embedding_${opc}_ops);
	});
	is($rc, 0, "$opc: spilling build ran");
	like($err, qr/NOTICE:  face_graph graph no longer fits into maintenance_work_mem after \d+ rows/,
		"$opc: the build says that it spilled");
	is($node->safe_psql('postgres', "SELECT count(*) FROM facerec_index_check('faces_$opc')"),
		'0', "$opc: check is clean after the spilling build");
	$r = recall($node, $op, "exact_$opc");
	cmp_ok($r, '>=', 0.95, "$opc: recall\@10 $r after the spilling build");
	$node->safe_psql('postgres', "DROP INDEX faces_$opc") unless $opc eq 'l2';
}
$node->safe_psql('postgres', "DROP INDEX faces_l2; CREATE INDEX faces_l2 ON faces USING face_graph (e)");

# the L2 ground truth of facegen itself, and match recall (true neighbours
# closer than 0.6 that the index returns)
$node->safe_psql('postgres', qq{
	CREATE TABLE gt (qid int, ids int[]);
	COPY gt FROM '$dir/gt.tsv';
});
my $r = recall($node, '<->', 'gt');
cmp_ok($r, '>=', 0.95, "l2: recall\@10 $r against facegen's ground truth");
my $match = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT avg((t.id = ANY(r.ids))::int) FROM gt
	JOIN queries q USING (qid)
	CROSS JOIN LATERAL unnest(gt.ids) t(id)
	JOIN faces f ON f.id = t.id AND (f.e <-> q.e) < 0.6
	CROSS JOIN LATERAL (SELECT ARRAY(SELECT id FROM faces ORDER BY e <-> q.e LIMIT 10) AS ids) r;
});
cmp_ok($match, '>=', 0.99, "l2: match recall $match");

# a build that spills inserts the rest in parallel (leader + 2 workers)
# and keeps recall; one that fits builds its graph in parallel in memory
my ($rc, $out, $err) = $node->psql('postgres', q{
	ALTER TABLE faces SET (parallel_workers = 2);
	SET max_parallel_maintenance_workers = 2;
	SET maintenance_work_mem = '1MB';
	SET client_min_messages = debug1;
	DROP INDEX faces_l2;
	CREATE INDEX faces_l2 ON faces USING face_graph (e);
});
is($rc, 0, 'parallel spilling build ran');
like($err, qr/face_graph graph no longer fits/, 'the parallel build spilled');
like($err, qr/face_graph build: [12] parallel workers/, 'the spill used parallel workers');
is($node->safe_psql('postgres', "SELECT count(*) FROM facerec_index_check('faces_l2')"),
	'0', 'check is clean after the parallel spilling build');
$r = recall($node, '<->', 'gt');
cmp_ok($r, '>=', 0.95, "l2: recall\@10 $r after a parallel spilling build");
($rc, $out, $err) = $node->psql('postgres', q{
	SET max_parallel_maintenance_workers = 2;
	SET client_min_messages = debug1;
	DROP INDEX faces_l2;
	CREATE INDEX faces_l2 ON faces USING face_graph (e);
});
is($rc, 0, 'in-memory build with workers allowed ran');
unlike($err, qr/no longer fits/, 'a graph that fits does not spill');
like($err, qr/face_graph build: [12] parallel workers/, 'the in-memory build used parallel workers');
$r = recall($node, '<->', 'gt');
cmp_ok($r, '>=', 0.95, "l2: recall\@10 $r after the in-memory build");

# 1%-selective filter: k rows come back, and they are the right ones mostly
exact_top10($node, '<->', 'exact_filtered', 'qid <= 20');
$node->safe_psql('postgres', q{
	DROP TABLE exact_filtered;
	SET enable_indexscan = off;
	CREATE TABLE exact_filtered AS SELECT qid, ARRAY(SELECT id FROM faces
		WHERE grp = qid % 100 ORDER BY e <-> q.e LIMIT 10) AS ids FROM queries q WHERE qid <= 20;
});
my $short = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM queries q WHERE qid <= 20 AND (SELECT count(*) FROM
		(SELECT id FROM faces WHERE grp = q.qid % 100 ORDER BY e <-> q.e LIMIT 10) s) < 10;
});
is($short, '0', 'a 1%-selective filtered query returns 10 rows for every query');
my $fr = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT avg((SELECT count(*) FROM unnest(x.ids) i WHERE i = ANY(r.ids)) / 10.0)
	FROM exact_filtered x JOIN queries q USING (qid)
	CROSS JOIN LATERAL (SELECT ARRAY(SELECT id FROM faces WHERE grp = q.qid % 100
		ORDER BY e <-> q.e LIMIT 10) AS ids) r;
});
cmp_ok($fr, '>=', 0.9, "filtered recall\@10 $fr");

$node->stop;
done_testing();
