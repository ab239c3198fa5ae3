-- Helpers for the image_* tests (they run after this file, in the same
-- database): pixel lookups and comparisons on RGB8 buffers from image_rgb.

-- the nearest named colour when every channel is within 24 of it
CREATE FUNCTION colour_at(rgb bytea, width int, x int, y int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(
		(SELECT name FROM (VALUES ('red', 255, 0, 0), ('green', 0, 255, 0),
				('blue', 0, 0, 255), ('white', 255, 255, 255), ('black', 0, 0, 0),
				('gray', 128, 128, 128)) c(name, r, g, b)
		 WHERE abs(get_byte(rgb, 3 * (y * width + x)) - r) <= 24
		   AND abs(get_byte(rgb, 3 * (y * width + x) + 1) - g) <= 24
		   AND abs(get_byte(rgb, 3 * (y * width + x) + 2) - b) <= 24),
		format('(%s,%s,%s)', get_byte(rgb, 3 * (y * width + x)),
			   get_byte(rgb, 3 * (y * width + x) + 1), get_byte(rgb, 3 * (y * width + x) + 2)));
$$;

-- mean absolute difference per byte of two equally long RGB buffers
CREATE FUNCTION rgb_diff(a bytea, b bytea) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT round(avg(abs(get_byte(a, i) - get_byte(b, i))), 2)
	FROM generate_series(0, length(a) - 1) i
	WHERE length(a) = length(b);
$$;

-- the same RGB buffer turned by 180 degrees (pixel order reversed)
CREATE FUNCTION rgb_rotate180(a bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT string_agg(substr(a, length(a) - 3 * p - 2, 3), ''::bytea ORDER BY p)
	FROM generate_series(0, length(a) / 3 - 1) p;
$$;

-- SQLSTATE and message of decoding (image_rgb) or reading headers (image_info)
CREATE FUNCTION decode_error(image bytea, headers_only bool DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	IF headers_only THEN
		PERFORM image_info(image);
	ELSE
		PERFORM image_rgb(image);
	END IF;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
