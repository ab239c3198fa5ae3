# Images from untrusted bytes: the whole shared JPEG corpus (go-fuzz's
# malformed files, Pillow's odd ones, libjpeg-turbo's, the EXIF set) goes
# through image_info and image_thumbnail: each file decodes or raises a
# clean ERROR with one of our SQLSTATEs, and the server never restarts.
# Then: backend memory stays flat over 10,000 failing decodes, and
# statement_timeout interrupts a large decode from inside the decoder.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Cwd qw(abs_path);
use Time::HiRes qw(time);

my $data = $ENV{FACEREC_DATA} // '../shared/data';
my $corpus = "$data/jpeg-corpus";
my $images = abs_path('test/images');
ok(-d $corpus, "corpus at $corpus");

my $node = PostgreSQL::Test::Cluster->new('images');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION facerec');
my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# Every file of every corpus folder, in one session; the SQLSTATE (or 'ok')
# of image_info and of image_thumbnail is recorded per file.
$node->safe_psql('postgres', qq{
	CREATE TABLE outcome (folder text, file text, info text, thumb text);
	CREATE FUNCTION try(sql text, image bytea) RETURNS text LANGUAGE plpgsql AS \$\$
	BEGIN
		EXECUTE sql USING image;
		RETURN 'ok';
	EXCEPTION WHEN others THEN
		RETURN SQLSTATE;
	END \$\$;
	INSERT INTO outcome
	SELECT d, f, try('SELECT image_info(\$1)', raw), try('SELECT image_thumbnail(\$1, 64)', raw)
	FROM unnest(ARRAY['go-fuzz', 'pillow', 'libjpeg-turbo', 'exif-orientation']) d,
		 LATERAL pg_ls_dir('$corpus/' || d) f,
		 LATERAL pg_read_binary_file('$corpus/' || d || '/' || f) raw;
});

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started,
	'the server did not restart');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* exited/, 'no backend died');

my $files = $node->safe_psql('postgres', 'SELECT count(*) FROM outcome');
cmp_ok($files, '>=', 370, "the whole corpus ran ($files files)");
note($node->safe_psql('postgres', q{
	SELECT folder, thumb, count(*) FROM outcome GROUP BY 1, 2 ORDER BY 1, 2}));
is($node->safe_psql('postgres', q{
	SELECT string_agg(DISTINCT s, ',' ORDER BY s) FROM outcome, unnest(ARRAY[info, thumb]) s
	WHERE s NOT IN ('ok', '22023', '22P03', '0A000', '54000')}), '',
	'every error is one of ours (22023, 22P03, 0A000, 54000)');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM outcome WHERE folder = 'exif-orientation' AND file LIKE '%.jpg' AND thumb <> 'ok'}),
	'0', 'the EXIF orientation set decodes');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM outcome WHERE folder = 'go-fuzz' AND thumb <> 'ok'}),
	'>', 100, 'most go-fuzz files are refused');

# The 60000x60000 header is refused before any allocation (timing: a note).
my $t0 = time;
my ($rc, $out, $err) = $node->psql('postgres',
	"SELECT image_rgb(pg_read_binary_file('$images/huge_header.jpg'))");
note(sprintf('60000x60000 JPEG header refused in %.1f ms', 1000 * (time - $t0)));
like($err, qr/60000x60000 .* above facerec.max_image_pixels/, '60000x60000 header refused');

# Memory: 10,000 failing decodes in one backend, RSS before and after (after
# 1,000 first, so that allocator caches have settled).  Library memory left
# behind by an error path would show as megabytes.
my $rss = $node->safe_psql('postgres', qq{
	CREATE FUNCTION rss_kb() RETURNS bigint LANGUAGE sql AS
		\$\$ SELECT substring(pg_read_file('/proc/self/status') FROM 'VmRSS:\\s+(\\d+) kB')::bigint \$\$;
	CREATE FUNCTION fail_many(n int) RETURNS int LANGUAGE plpgsql AS \$\$
	DECLARE
		bad bytea[] := ARRAY[
			pg_read_binary_file('$corpus/pillow/truncated_jpeg.jpg'),
			pg_read_binary_file('$corpus/pillow/hopper_bad_exif.jpg'),
			pg_read_binary_file('$images/truncated.png'),
			pg_read_binary_file('$images/corrupt.png'),
			pg_read_binary_file('$images/truncated.webp'),
			pg_read_binary_file('$images/huge_header.jpg')];
		failed int := 0;
	BEGIN
		FOR i IN 1..n LOOP
			BEGIN
				PERFORM image_rgb(bad[1 + i % array_length(bad, 1)]);
			EXCEPTION WHEN others THEN
				failed := failed + 1;
			END;
		END LOOP;
		RETURN failed;
	END \$\$;
	SELECT fail_many(1000);
	SELECT rss_kb();
	SELECT fail_many(10000);
	SELECT rss_kb();
});
my ($warm, $before, $failed, $after) = split /\n/, $rss;
is($failed, '10000', '10,000 decodes failed');
my $growth = $after - $before;
note("backend RSS over 10,000 failing decodes: $before kB -> $after kB ($growth kB)");
cmp_ok($growth, '<', 8192, "RSS grew by less than 8 MB ($growth kB)");

# Cancel: a 6000x4000 JPEG takes a good fraction of a second to decode;
# statement_timeout fires inside the decoder (the error context says so).
$node->safe_psql('postgres', qq{
	CREATE TABLE big AS SELECT image_thumbnail(pg_read_binary_file(
		'$corpus/exif-orientation/Landscape_1.jpg'), 6000) AS img});
$t0 = time;
$node->safe_psql('postgres', 'SELECT length(image_rgb(img)) FROM big');
my $full = time - $t0;
$t0 = time;
($rc, $out, $err) = $node->psql('postgres',
	"SET statement_timeout = '50ms'; SELECT length(image_rgb(img)) FROM big");
my $canceled = time - $t0;
note(sprintf('6000x4000 decode: %.0f ms in full, %.0f ms until canceled at 50 ms',
	1000 * $full, 1000 * $canceled));
like($err, qr/canceling statement due to statement timeout.*\n.*CONTEXT:  decoding an image/s,
	'statement_timeout interrupts the decode itself');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started,
	'still the same server');

done_testing();
