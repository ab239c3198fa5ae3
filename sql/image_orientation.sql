-- EXIF orientation: the recurser set shows one picture stored under every
-- orientation (0 = no EXIF); all thumbnails must come out as the same
-- upright picture.  Pixels are compared with rgb_diff (mean absolute
-- difference per byte); JPEG re-encoding costs about 2, a wrong rotation
-- or mirror costs tens.
\getenv abs_srcdir PG_ABS_SRCDIR
\set exif :abs_srcdir '/../shared/data/jpeg-corpus/exif-orientation/'
\set pillow :abs_srcdir '/../shared/data/jpeg-corpus/pillow/'

CREATE TABLE orient AS
SELECT shape, n, i.width AS stored_width, i.height AS stored_height, i.orientation,
	   t.width, t.height, image_rgb(thumb) AS px
FROM unnest(ARRAY['Landscape', 'Portrait']) shape, generate_series(0, 8) n,
	 LATERAL pg_read_binary_file(:'exif' || shape || '_' || n || '.jpg') raw,
	 LATERAL image_info(raw) i,
	 LATERAL image_thumbnail(raw, 48) thumb,
	 LATERAL image_info(thumb) t;

SELECT o.shape, o.n, o.stored_width, o.stored_height, o.orientation,
	   o.width AS thumb_width, o.height AS thumb_height,
	   rgb_diff(o.px, ref.px) < 4 AS same_as_1
FROM orient o JOIN orient ref ON ref.shape = o.shape AND ref.n = 1
ORDER BY o.shape, o.n;

-- the comparison can fail: a turned picture differs a lot
SELECT shape, rgb_diff(px, rgb_rotate180(px)) > 30 AS rotation_detected
FROM orient WHERE n = 1 ORDER BY shape;

-- Pillow's hopper under orientations 2..8 equals its plain twin at full size
-- (saved at another JPEG quality: about 5 apart)
SELECT n, i.orientation,
	   rgb_diff(image_rgb(raw), image_rgb(pg_read_binary_file(:'pillow' || 'hopper.jpg'))) < 8 AS upright
FROM generate_series(2, 8) n,
	 LATERAL pg_read_binary_file(:'pillow' || 'hopper_orientation_' || n || '.jpg') raw,
	 LATERAL image_info(raw) i
ORDER BY n;
