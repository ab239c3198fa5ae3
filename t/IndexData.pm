# IndexData.pm: face-like test data for the face_graph TAP tests.
#
# facegen() runs ../shared/tools/facegen.py (deterministic) into a temp dir;
# load_faces() copies its base rows into a table; recall() measures recall@10
# of index scans against exact answers computed by a sequential scan.
package IndexData;

use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Exporter 'import';

our @EXPORT = qw(facegen start_node load_faces load_table exact_top10 recall exhaustive_count);

# returns the directory holding base.tsv, queries.tsv, inserts.tsv, gt.tsv
sub facegen
{
	my (%opt) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir('facegen');
	my @cmd = ('/usr/bin/python3', "$FindBin::Bin/../../shared/tools/facegen.py",
		'--out', $dir, map { ("--$_", $opt{$_}) } sort keys %opt);
	my ($out, $err);
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err) or die "facegen failed: $err";
	chmod 0755, $dir;
	chmod 0644, glob("$dir/*");
	return $dir;
}

# a started node with facerec, $dir's base rows in faces (and its queries),
# its insert rows in pool, and a sequence for new ids
sub start_node
{
	my ($name, $dir, $conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', $conf // '');
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION facerec; CREATE SEQUENCE ids START 100000');
	load_faces($node, $dir);
	load_table($node, 'pool', "$dir/inserts.tsv") if -s "$dir/inserts.tsv";
	return $node;
}

# the number of rows an exhaustive index scan returns (the iterative scan
# widens to the whole graph), ordered by $op (default <->); a row returned
# twice counts twice
sub exhaustive_count
{
	my ($node, $op) = @_;
	$op //= '<->';
	return $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SET facerec.max_scan_tuples = 1000000;
		SELECT count(*) FROM (SELECT id FROM faces
			ORDER BY e $op (SELECT e FROM queries WHERE qid = 1)) s});
}

# a table (id int, grp int, e face_embedding(128)) from a facegen .tsv file;
# grp = id % 100 gives 1%-selective filters
sub load_table
{
	my ($node, $table, $file) = @_;
	$node->safe_psql('postgres', qq{
		CREATE TABLE ${table}_load (id int, e face_embedding(128));
		COPY ${table}_load FROM '$file';
		CREATE TABLE IF NOT EXISTS $table (id int PRIMARY KEY, grp int, e face_embedding(128));
		INSERT INTO $table SELECT id, id % 100, e FROM ${table}_load;
		DROP TABLE ${table}_load;
	});
}

sub load_faces
{
	my ($node, $dir) = @_;
	load_table($node, 'faces', "$dir/base.tsv");
	$node->safe_psql('postgres', qq{
		CREATE TABLE queries (qid int PRIMARY KEY, seen bool, e face_embedding(128));
		COPY queries FROM '$dir/queries.tsv';
	});
}

# exact top-10 ids per query (by a sequential scan) into table $into
sub exact_top10
{
	my ($node, $op, $into, $where) = @_;
	$where //= 'true';
	$node->safe_psql('postgres', qq{
		SET enable_indexscan = off;
		CREATE TABLE $into AS SELECT qid, ARRAY(SELECT id FROM faces
			ORDER BY e $op q.e LIMIT 10) AS ids FROM queries q WHERE $where;
	});
}

# recall@10 of the index (as the planner runs it) against table $exact
sub recall
{
	my ($node, $op, $exact, $settings) = @_;
	$settings //= '';
	return $node->safe_psql('postgres', qq{
		$settings
		SET enable_seqscan = off;
		SELECT avg((SELECT count(*) FROM unnest(x.ids) i WHERE i = ANY(r.ids)) / 10.0)
		FROM $exact x JOIN queries q USING (qid)
		CROSS JOIN LATERAL (SELECT ARRAY(SELECT id FROM faces ORDER BY e $op q.e LIMIT 10) AS ids) r;
	});
}

1;
