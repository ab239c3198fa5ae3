-- Resampling: thumbnails (bilinear resize, pyramid when shrinking a lot)
-- and the affine warp (image_warp_rgb), on the 16x12 test pictures (red
-- left, blue right, green bottom) and on stripes.png (256x256, columns
-- alternately black and white).
\getenv abs_srcdir PG_ABS_SRCDIR
\set img :abs_srcdir '/test/images/'
\set exif :abs_srcdir '/../shared/data/jpeg-corpus/exif-orientation/'

-- down to 8x6 and up to 32x24: the regions stay where they were
SELECT size, i.width, i.height,
	   colour_at(image_rgb(t), i.width, 1, 1) AS top_left,
	   colour_at(image_rgb(t), i.width, i.width - 2, 1) AS top_right,
	   colour_at(image_rgb(t), i.width, i.width / 2, i.height - 1) AS bottom
FROM unnest(ARRAY[8, 32]) size,
	 LATERAL image_thumbnail(pg_read_binary_file(:'img' || 'rgb8.png'), size) t,
	 LATERAL image_info(t) i;

-- 256 -> 8 (32x): the pyramid averages every column, so the stripes become
-- an even gray; a resampler that skipped pixels would give black or white
SELECT colour_at(px, 8, 0, 0) AS corner, colour_at(px, 8, 4, 4) AS centre,
	   (SELECT max(get_byte(px, i)) - min(get_byte(px, i)) FROM generate_series(0, length(px) - 1) i) <= 6 AS even
FROM image_rgb(image_thumbnail(pg_read_binary_file(:'img' || 'stripes.png'), 8)) px;

-- a photo: 1800x1200 straight to 24x16, or through 240x160, agree within
-- JPEG noise at that size (about 6; the same thumbnail turned: about 75)
SELECT rgb_diff(image_rgb(image_thumbnail(raw, 24)),
				image_rgb(image_thumbnail(image_thumbnail(raw, 240), 24))) < 10 AS consistent
FROM pg_read_binary_file(:'exif' || 'Landscape_1.jpg') raw;

-- warp: identity, a shift by 8, a quarter turn clockwise, all outside
SELECT image_warp_rgb(raw, '{1,0,0, 0,1,0}', 16, 12) = image_rgb(raw) AS identity,
	   colour_at(image_warp_rgb(raw, '{1,0,8, 0,1,0}', 8, 12), 8, 1, 1) AS shifted,
	   colour_at(image_warp_rgb(raw, '{1,0,8, 0,1,0}', 8, 12), 8, 1, 10) AS shifted_bottom,
	   colour_at(image_warp_rgb(raw, '{0,1,0, -1,0,11}', 12, 16), 12, 1, 1) AS turned_top_left,
	   colour_at(image_warp_rgb(raw, '{0,1,0, -1,0,11}', 12, 16), 12, 10, 1) AS turned_top_right,
	   colour_at(image_warp_rgb(raw, '{0,1,0, -1,0,11}', 12, 16), 12, 10, 14) AS turned_bottom_right,
	   colour_at(image_warp_rgb(raw, '{1,0,-100, 0,1,0}', 4, 4), 4, 2, 2) AS outside
FROM pg_read_binary_file(:'img' || 'rgb8.png') raw;

-- half a pixel between red and blue: bilinear gives the mean
SELECT colour_at(image_warp_rgb(raw, '{1,0,7.5, 0,1,0}', 1, 1), 1, 0, 0) AS between_red_and_blue,
	   image_warp_rgb(raw, '{1,0,7.5, 0,1,0}', 1, 1) AS px
FROM pg_read_binary_file(:'img' || 'rgb8.png') raw;

-- a warp that shrinks 16x (a 150x150 chip of a big face, say) goes down
-- the pyramid too: the stripes come out even
SELECT (SELECT max(get_byte(px, i)) - min(get_byte(px, i)) FROM generate_series(0, length(px) - 1) i) <= 6 AS even,
	   colour_at(px, 8, 4, 4) AS centre
FROM image_warp_rgb(pg_read_binary_file(:'img' || 'stripes.png'), '{16,0,7.5, 0,16,7.5}', 8, 8) px;
