# Streaming replication of face_embedding data: a primary and a hot standby
# (later issues add index and WAL cases here).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION facerec');

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

$primary->safe_psql('postgres', q{
	CREATE TABLE faces (id int PRIMARY KEY, e face_embedding(3));
	INSERT INTO faces SELECT i, ARRAY[i, i % 7, -i]::real[] FROM generate_series(1, 1000) i;
});
$primary->wait_for_catchup($standby);

my $query = q{SELECT string_agg(id::text, ',' ORDER BY e <-> '[500.2,3,-500]') FROM
	(SELECT id, e FROM faces ORDER BY e <-> '[500.2,3,-500]' LIMIT 5) s};
my $on_primary = $primary->safe_psql('postgres', $query);
is($on_primary, '500,501,499,502,498', 'nearest neighbours on the primary');
is($standby->safe_psql('postgres', $query), $on_primary, 'standby returns the same neighbours');

$primary->safe_psql('postgres', q{
	DELETE FROM faces WHERE id % 2 = 0;
	UPDATE faces SET e = e + '[0.5,0,0]';
});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT count(*), avg(e) FROM faces'),
	$primary->safe_psql('postgres', 'SELECT count(*), avg(e) FROM faces'),
	'standby follows updates and deletes');

my ($rc, $stdout, $stderr) = $standby->psql('postgres', q{INSERT INTO faces VALUES (0, '[1,2,3]')});
like($stderr, qr/read-only transaction/, 'standby is read-only');

done_testing();
