# Vacuum leaves every live node of a face_graph reachable from the entry.
# Small link lists (m = 2: at most 4 links) and deletions that remove most
# of the graph make vacuum's reconnection force links into full lists, whose
# displaced links must not cut other nodes off; after each of several
# insert / delete / vacuum cycles the check function is clean and an
# exhaustive index scan returns every live row.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IndexData;

my $dir = facegen(n => 3000, seen => 10, unseen => 10, inserts => 3000, k => 0);
my $node = start_node('vacuum_reach', $dir, 'autovacuum = off');

my $check = q{SELECT coalesce(string_agg(i || ' ' || blkno || ',' || offnum || ' ' || problem, '; '), 'clean')
	FROM (SELECT 'm2' i, * FROM facerec_index_check('faces_m2')
		UNION ALL SELECT 'm4', * FROM facerec_index_check('faces_m4')) c};

$node->safe_psql('postgres', q{
	CREATE INDEX faces_m2 ON faces USING face_graph (e) WITH (m = 2, ef_construction = 8);
	CREATE INDEX faces_m4 ON faces USING face_graph (e face_embedding_cosine_ops) WITH (m = 4);
});
is($node->safe_psql('postgres', $check), 'clean', 'check clean after the build');

for my $cycle (1 .. 6)
{
	my $lo = 3000 + ($cycle - 1) * 500 + 1;
	my $hi = 3000 + $cycle * 500;
	$node->safe_psql('postgres', qq{
		INSERT INTO faces SELECT id, grp, e FROM pool WHERE id BETWEEN $lo AND $hi;
		DELETE FROM faces WHERE id % 5 <> $cycle % 5 AND id % 3 = $cycle % 3;
		VACUUM (INDEX_CLEANUP ON) faces;
	});
	is($node->safe_psql('postgres', $check), 'clean', "cycle $cycle: every live node reachable");
	my $live = $node->safe_psql('postgres', 'SELECT count(*) FROM faces');
	is(exhaustive_count($node, '<->'), $live, "cycle $cycle: the index finds all $live rows by <->");
	is(exhaustive_count($node, '<=>'), $live, "cycle $cycle: the index finds all $live rows by <=>");
}

done_testing();
