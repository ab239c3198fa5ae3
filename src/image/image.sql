-- src/image/image.sql: SQL surface of the image room (see README, "Images").

CREATE FUNCTION image_info(image bytea,
	OUT format text, OUT width int, OUT height int, OUT orientation int)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'facerec_image_info'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION image_info(bytea) IS
	'format, stored width and height, and EXIF orientation (1 when absent) of a JPEG, PNG or WebP, from its headers';

CREATE FUNCTION image_thumbnail(image bytea, size int)
RETURNS bytea
AS 'MODULE_PATHNAME', 'facerec_image_thumbnail'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION image_thumbnail(bytea, int) IS
	'decode, turn upright (EXIF), scale so that the longer side is size, encode as JPEG';

CREATE FUNCTION image_rgb(image bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'facerec_image_rgb'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION image_rgb(bytea) IS
	'decoded upright pixels: RGB8, row by row, 3 * width bytes per row';

CREATE FUNCTION image_warp_rgb(image bytea, m float8[], width int, height int)
RETURNS bytea
AS 'MODULE_PATHNAME', 'facerec_image_warp_rgb'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION image_warp_rgb(bytea, float8[], int, int) IS
	'decode upright, then output pixel (x,y) = bilinear sample at (m[1]x+m[2]y+m[3], m[4]x+m[5]y+m[6]); RGB8 like image_rgb';
