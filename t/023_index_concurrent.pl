# face_graph under concurrent insert + delete + vacuum + select (pgbench):
# no errors, the check function is clean afterwards, and recall holds.
# Twice: inserts into the pending list with a 64kB limit (inserts and
# vacuum merge while others append and scan), and straight into the graph.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IndexData;

my $dir = facegen(n => 3000, seen => 50, unseen => 50, inserts => 20000, k => 0);

my %scripts = (
	'insert.sql' => "\\set r random(3001, 23000)\n"
	  . "INSERT INTO faces SELECT nextval('ids'), grp, e FROM pool WHERE id = :r;\n",
	'delete.sql' => "\\set r random(1, 3000)\n"
	  . "DELETE FROM faces WHERE id IN (:r, :r + 50000, :r + 100000);\n",
	'select.sql' => "\\set q random(1, 100)\n"
	  . "SELECT id FROM faces ORDER BY e <-> (SELECT e FROM queries WHERE qid = :q) LIMIT 10;\n"
	  . "SELECT id FROM faces WHERE grp = :q ORDER BY e <=> (SELECT e FROM queries WHERE qid = :q) LIMIT 5;\n",
	'vacuum.sql' => "VACUUM faces;\n");
for my $f (keys %scripts)
{
	open(my $fh, '>', "$dir/$f") or die;
	print $fh $scripts{$f};
	close $fh;
}

for my $case (
	[ 'pending', 'fastupdate = on', 'facerec.pending_list_limit = 64' ],
	[ 'direct', 'fastupdate = off', '' ])
{
	my ($mode, $with, $conf) = @$case;
	my $node = start_node("concurrent_$mode", $dir, "max_connections = 30\nautovacuum = off\n$conf");
	$node->safe_psql('postgres', qq{
		CREATE INDEX faces_l2 ON faces USING face_graph (e) WITH ($with);
		CREATE INDEX faces_cos ON faces USING face_graph (e face_embedding_cosine_ops) WITH ($with);
	});

	my @conn = ('-h', $node->host, '-p', $node->port, 'postgres');
	my ($o1, $e1, $o2, $e2) = ('', '', '', '');
	my $work = IPC::Run::start(
		[ 'pgbench', '-n', '-c', '6', '-j', '2', '-T', '15',
		  '-f', "$dir/insert.sql\@5", '-f', "$dir/delete.sql\@2", '-f', "$dir/select.sql\@3",
		  @conn ], '>', \$o1, '2>', \$e1);
	my $vac = IPC::Run::start(
		[ 'pgbench', '-n', '-c', '1', '-T', '15', '-f', "$dir/vacuum.sql", @conn ],
		'>', \$o2, '2>', \$e2);
	ok($work->finish, "$mode: insert/delete/select clients ran without errors") or diag($e1);
	unlike($e1, qr/ERROR|FATAL/, "$mode: no errors reported by the clients") or diag($e1);
	ok($vac->finish, "$mode: vacuum client ran without errors") or diag($e2);
	my ($xacts) = $o1 =~ /number of transactions actually processed: (\d+)/;
	cmp_ok($xacts // 0, '>', 100, "$mode: work was done ($xacts transactions)");

	for my $idx ('faces_l2', 'faces_cos')
	{
		is($node->safe_psql('postgres', "SELECT count(*) FROM facerec_index_check('$idx')"),
			'0', "$mode $idx: check clean after the concurrent run");
	}
	$node->safe_psql('postgres', 'VACUUM faces');
	for my $idx ('faces_l2', 'faces_cos')
	{
		is($node->safe_psql('postgres', "SELECT count(*) FROM facerec_index_check('$idx')"),
			'0', "$mode $idx: check clean after a final vacuum");
	}

	# recall holds (exact answers from a sequential scan)
	exact_top10($node, '<->', 'exact_l2');
	my $r = recall($node, '<->', 'exact_l2');
	cmp_ok($r, '>=', 0.95, "$mode: l2 recall\@10 $r after the concurrent run");
	exact_top10($node, '<=>', 'exact_cos');
	$r = recall($node, '<=>', 'exact_cos');
	cmp_ok($r, '>=', 0.95, "$mode: cosine recall\@10 $r after the concurrent run");

	# no dead row is ever returned, every live one is reachable
	is(exhaustive_count($node), $node->safe_psql('postgres', 'SELECT count(*) FROM faces'),
		"$mode: an exhaustive index scan returns exactly the live rows");

	$node->stop;
}

done_testing();
