# face_graph and WAL: a streaming standby returns the same neighbours as the
# primary after the build and after insert / delete / vacuum cycles, and the
# check function is clean on both.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IndexData;

my $dir = facegen(n => 2000, seen => 20, unseen => 20, inserts => 2000, k => 0);

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION facerec');
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

load_faces($primary, $dir);
load_table($primary, 'pool', "$dir/inserts.tsv");
$primary->safe_psql('postgres', q{
	CREATE INDEX faces_l2 ON faces USING face_graph (e);
	CREATE INDEX faces_cos ON faces USING face_graph (e face_embedding_cosine_ops) WITH (m = 8);
});

my $query = q{
	SET enable_seqscan = off;
	SELECT string_agg(qid || ':' || l2 || '/' || cos, ' ' ORDER BY qid) FROM queries q,
	LATERAL (SELECT array_to_string(ARRAY(SELECT id FROM faces ORDER BY e <-> q.e LIMIT 10), ',') AS l2) a,
	LATERAL (SELECT array_to_string(ARRAY(SELECT id FROM faces ORDER BY e <=> q.e LIMIT 10), ',') AS cos) b;
};
my $check = q{SELECT coalesce(string_agg(i || ' ' || blkno || ',' || offnum || ' ' || problem, '; '), 'clean')
	FROM (SELECT 'l2' i, * FROM facerec_index_check('faces_l2')
		UNION ALL SELECT 'cos', * FROM facerec_index_check('faces_cos')) c};

sub compare
{
	my ($what) = @_;
	$primary->wait_for_catchup($standby);
	my $p = $primary->safe_psql('postgres', $query);
	my $s = $standby->safe_psql('postgres', $query);
	ok(length($p) > 1000, "$what: the primary answers");
	is($s, $p, "$what: the standby returns the same neighbours");
	is($primary->safe_psql('postgres', $check), 'clean', "$what: check clean on the primary");
	is($standby->safe_psql('postgres', $check), 'clean', "$what: check clean on the standby");
}

compare('after the build');

for my $cycle (1 .. 3)
{
	my $lo = 2000 + ($cycle - 1) * 400 + 1;
	my $hi = 2000 + $cycle * 400;
	$primary->safe_psql('postgres', qq{
		INSERT INTO faces SELECT id, grp, e FROM pool WHERE id BETWEEN $lo AND $hi;
		DELETE FROM faces WHERE id % 7 = $cycle OR id BETWEEN $lo AND $lo + 100;
		VACUUM faces;
	});
	compare("cycle $cycle");
}

# on the standby too, an exhaustive index scan returns exactly the live rows
is(exhaustive_count($standby), $primary->safe_psql('postgres', 'SELECT count(*) FROM faces'),
	'every live row is found through the index on the standby');

done_testing();
