#!/usr/bin/env bash
# image_decode.sh: figures for the image room, on a throwaway cluster.
#   - median time per call (ms, timed inside the server, 15 runs) of
#     image_info (headers), image_rgb (full decode) and image_thumbnail(256),
#     and the decode/info ratio, on a few pictures; the last one is the
#     60000x60000 header, whose decode is refused;
#   - backend RSS before and after 10,000 failing decodes.
# Usage: make install; PG_CONFIG=... bench/image_decode.sh
source "$(dirname "$0")/../tools/setup.sh"
start_cluster
psql() { as_cluster_user "$("$PG_CONFIG" --bindir)/psql" -X -q -At -h "$PGHOST" -p "$PGPORT" "$@"; }
D=$FACEREC_DATA
T=$FACEREC_TOP/test/images

psql <<'SQL'
CREATE EXTENSION facerec;
-- median of 15 timed runs of q($1 := img); a failing call is timed too
CREATE FUNCTION median_ms(q text, img bytea) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t timestamptz; ms float8[] := '{}';
BEGIN
	FOR i IN 1..15 LOOP
		t := clock_timestamp();
		BEGIN
			EXECUTE q USING img;
		EXCEPTION WHEN others THEN NULL;
		END;
		ms := ms || extract(epoch FROM clock_timestamp() - t) * 1000;
	END LOOP;
	RETURN (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY m)::numeric, 3) FROM unnest(ms) m);
END $$;
CREATE FUNCTION rss_kb() RETURNS bigint LANGUAGE sql AS
	$$ SELECT substring(pg_read_file('/proc/self/status') FROM 'VmRSS:\s+(\d+) kB')::bigint $$;
SQL

printf '%-30s %12s %10s %10s %10s %12s\n' picture size info_ms decode_ms thumb_ms decode/info
for f in "$D/jpeg-corpus/exif-orientation/Landscape_6.jpg" \
	"$D/faces/dlib-detection/Tom_Cruise_avp_2014_4.jpg" \
	"$D/faces/misc/32bit.png" "$D/jpeg-corpus/libjpeg-turbo/monkey16.png" \
	"$T/lossy.webp" "$T/huge_header.jpg"; do
	psql -c "SELECT format('%-30s %12s %10s %10s %10s %12s', '$(basename "$f")',
			i.width || 'x' || i.height, a, b, c, round(b / nullif(a, 0), 1))
		FROM pg_read_binary_file('$f') img, LATERAL image_info(img) i,
			LATERAL median_ms('SELECT image_info(\$1)', img) a,
			LATERAL median_ms('SELECT length(image_rgb(\$1))', img) b,
			LATERAL median_ms('SELECT length(image_thumbnail(\$1, 256))', img) c"
done

echo
echo "backend RSS (kB) before and after 10,000 failing decodes (truncated/corrupt JPEG, PNG, WebP, huge header):"
psql <<SQL
CREATE FUNCTION fail_many(n int) RETURNS int LANGUAGE plpgsql AS \$\$
DECLARE
	bad bytea[] := ARRAY[
		pg_read_binary_file('$D/jpeg-corpus/pillow/truncated_jpeg.jpg'),
		pg_read_binary_file('$D/jpeg-corpus/pillow/hopper_bad_exif.jpg'),
		pg_read_binary_file('$T/truncated.png'), pg_read_binary_file('$T/corrupt.png'),
		pg_read_binary_file('$T/truncated.webp'), pg_read_binary_file('$T/huge_header.jpg')];
	failed int := 0;
BEGIN
	FOR i IN 1..n LOOP
		BEGIN
			PERFORM image_rgb(bad[1 + i % array_length(bad, 1)]);
		EXCEPTION WHEN others THEN failed := failed + 1;
		END;
	END LOOP;
	RETURN failed;
END \$\$;
SELECT fail_many(1000);
SELECT 'before: ' || rss_kb();
SELECT 'failed: ' || fail_many(10000);
SELECT 'after:  ' || rss_kb();
SQL
