-- Bad input ends in a clean ERROR with a SQLSTATE and a clear message; the
-- pixel limit is checked from the header, before any pixel memory exists.
\getenv abs_srcdir PG_ABS_SRCDIR
\set img :abs_srcdir '/test/images/'
\set corpus :abs_srcdir '/../shared/data/jpeg-corpus/'

SELECT f, decode_error(pg_read_binary_file(:'img' || f)) AS decode
FROM unnest(ARRAY['truncated.jpg', 'truncated.png', 'truncated.webp', 'corrupt.png',
				  'huge_header.jpg', 'huge_header.png', 'huge_header.webp']) f;

-- headers alone are fine, even when decoding them would be refused
SELECT f, i.* FROM unnest(ARRAY['huge_header.jpg', 'huge_header.png', 'huge_header.webp']) f,
	LATERAL image_info(pg_read_binary_file(:'img' || f)) i;

-- 12-bit JPEG, truncated progressive JPEG, junk inside the entropy-coded
-- data (a libjpeg warning, so an error here)
SELECT f, decode_error(pg_read_binary_file(:'corpus' || f), f LIKE '%12%')
FROM unnest(ARRAY['libjpeg-turbo/monkey12.jpg', 'pillow/truncated_jpeg.jpg',
				  'pillow/hopper_bad_exif.jpg']) f;
-- broken EXIF blocks are ignored: orientation 1, and the picture decodes
SELECT f, i.orientation, decode_error(pg_read_binary_file(:'corpus' || f))
FROM unnest(ARRAY['pillow/invalid-exif.jpg', 'pillow/truncated_exif_dpi.jpg',
				  'pillow/exif-ifd-offset.jpg']) f,
	 LATERAL image_info(pg_read_binary_file(:'corpus' || f)) i;
-- not images, or only the start of one
SELECT v, decode_error(decode(v, 'hex'), true)
FROM (VALUES (''), ('68656c6c6f'), ('ffd8ff'), ('89504e470d0a1a0a'),
			 ('524946460000000057454250'), ('474946383961'), ('424d'),
			 ('49492a00'), ('0000001866747970686569630000')) t(v);

-- facerec.max_image_pixels: the 16x12 (192 pixel) picture is refused at 191
SET facerec.max_image_pixels = 191;
SELECT decode_error(pg_read_binary_file(:'img' || 'baseline.jpg')) AS jpeg,
	   decode_error(pg_read_binary_file(:'img' || 'rgb8.png')) AS png,
	   decode_error(pg_read_binary_file(:'img' || 'lossy.webp')) AS webp,
	   decode_error(pg_read_binary_file(:'img' || 'baseline.jpg'), true) AS headers;
SET facerec.max_image_pixels = 192;
SELECT decode_error(pg_read_binary_file(:'img' || 'baseline.jpg')) AS jpeg;
RESET facerec.max_image_pixels;
SHOW facerec.max_image_pixels;

-- only superusers (or roles granted SET on it) may change the limit
CREATE ROLE image_user;
SET ROLE image_user;
SET facerec.max_image_pixels = 1000;
RESET ROLE;
GRANT SET ON PARAMETER facerec.max_image_pixels TO image_user;
SET ROLE image_user;
SET facerec.max_image_pixels = 1000;
SHOW facerec.max_image_pixels;
RESET facerec.max_image_pixels;
RESET ROLE;
REVOKE SET ON PARAMETER facerec.max_image_pixels FROM image_user;
DROP ROLE image_user;

-- arguments of the SQL functions
SELECT image_thumbnail(pg_read_binary_file(:'img' || 'baseline.jpg'), 0);
SELECT image_thumbnail(pg_read_binary_file(:'img' || 'baseline.jpg'), 100000);
SELECT image_warp_rgb(pg_read_binary_file(:'img' || 'baseline.jpg'), '{1,0,0}', 4, 4);
SELECT image_warp_rgb(pg_read_binary_file(:'img' || 'baseline.jpg'), '{1,0,0,0,1,NULL}', 4, 4);
SELECT image_warp_rgb(pg_read_binary_file(:'img' || 'baseline.jpg'), '{1,0,0,0,1,0}', 0, 4);
-- the error context names the decode
SELECT image_rgb(pg_read_binary_file(:'img' || 'truncated.jpg'));
