# The parallel in-memory build of face_graph (leader and workers insert into
# one graph in dynamic shared memory): for each opclass it gives recall@10
# >= 0.95 and a clean check, also CONCURRENTLY; a parallel build cancelled
# in the middle leaves no worker and no shared memory segment behind, and
# the table usable.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IndexData;

my $dir = facegen(n => 10000, seen => 100, unseen => 100, inserts => 0);

# mmap segments are files in pg_dynshmem: leaked ones can be counted
my $node = start_node('parallel_build', $dir, qq{
maintenance_work_mem = 256MB
dynamic_shared_memory_type = mmap
max_parallel_maintenance_workers = 2
});
$node->safe_psql('postgres', 'ALTER TABLE faces SET (parallel_workers = 2); ANALYZE faces');

my %ops = (l2 => '<->', cosine => '<=>', ip => '<#>');
for my $opc (sort keys %ops)
{
	my $op = $ops{$opc};
	exact_top10($node, $op, "exact_$opc");
	my ($rc, $out, $err) = $node->psql('postgres', qq{
		SET client_min_messages = debug1;
		CREATE INDEX faces_$opc ON faces USING face_graph (e face_embedding_${opc}_ops);
	});
	is($rc, 0, "$opc: parallel build ran");
	like($err, qr/face_graph build: [12] parallel workers/, "$opc: the build used workers");
	unlike($err, qr/no longer fits/, "$opc: the graph was built in memory");
	is($node->safe_psql('postgres', "SELECT count(*) FROM facerec_index_check('faces_$opc')"),
		'0', "$opc: check is clean after the parallel build");
	is($node->safe_psql('postgres', "SELECT count(*) FROM faces"),
		exhaustive_count($node, $op), "$opc: every row is in the graph");
	my $r = recall($node, $op, "exact_$opc");
	cmp_ok($r, '>=', 0.95, "$opc: recall\@10 $r after the parallel build");
	$node->safe_psql('postgres', "DROP INDEX faces_$opc");
}

# CONCURRENTLY: the parallel scan runs under an MVCC snapshot
my ($rc, $out, $err) = $node->psql('postgres', q{
	SET client_min_messages = debug1;
	CREATE INDEX CONCURRENTLY faces_cic ON faces USING face_graph (e);
});
is($rc, 0, 'CREATE INDEX CONCURRENTLY ran');
like($err, qr/face_graph build: [12] parallel workers/, 'CONCURRENTLY: the build used workers');
is($node->safe_psql('postgres', "SELECT count(*) FROM facerec_index_check('faces_cic')"),
	'0', 'CONCURRENTLY: check is clean');
my $r = recall($node, '<->', 'exact_l2');
cmp_ok($r, '>=', 0.95, "CONCURRENTLY: recall\@10 $r");
$node->safe_psql('postgres', 'DROP INDEX faces_cic');

# a cancelled parallel build (a wide ef_construction makes it last seconds)
my $segments = q{SELECT count(*) FROM pg_ls_dir('pg_dynshmem')};
my $before = $node->safe_psql('postgres', $segments);
($rc, $out, $err) = $node->psql('postgres', q{
	SET statement_timeout = '700ms';
	CREATE INDEX faces_cancel ON faces USING face_graph (e) WITH (ef_construction = 500);
});
isnt($rc, 0, 'the build was cancelled');
like($err, qr/canceling statement due to statement timeout/, 'by the statement timeout');
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'parallel worker'}),
	'no parallel worker is left');
is($node->safe_psql('postgres', $segments), $before, 'no shared memory segment is left');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname = 'faces_cancel'}),
	'0', 'the index is gone');
$node->safe_psql('postgres', q{
	INSERT INTO faces SELECT id + 100000, grp, e FROM faces WHERE id < 100;
	DELETE FROM faces WHERE id >= 100000;
	CREATE INDEX faces_l2 ON faces USING face_graph (e);
});
is($node->safe_psql('postgres', "SELECT count(*) FROM facerec_index_check('faces_l2')"),
	'0', 'the table takes writes and a new build after the cancel');

$node->stop;
done_testing();
