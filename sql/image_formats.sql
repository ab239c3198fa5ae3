-- Every format and colour model decodes to the right upright RGB8 pixels.
-- test/images/ (made by tools/make-test-images.c) holds 16x12 pictures:
-- red at x < 8, blue at x >= 8, green at y >= 8 (gray ones: black, white,
-- gray 128); with alpha the red part is transparent and comes out white.
\getenv abs_srcdir PG_ABS_SRCDIR
\set img :abs_srcdir '/test/images/'
\set corpus :abs_srcdir '/../shared/data/jpeg-corpus/'

SELECT f, i.*, length(px) = 3 * i.width * i.height AS size_ok,
	   colour_at(px, 16, 3, 3) AS top_left, colour_at(px, 16, 12, 3) AS top_right,
	   colour_at(px, 16, 8, 10) AS bottom
FROM unnest(ARRAY['rgb8.png', 'rgb16.png', 'rgba16.png', 'gray1.png', 'gray16.png',
				  'gray_alpha.png', 'palette.png', 'palette_trns.png', 'interlaced.png',
				  'baseline.jpg', 'progressive.jpg', 'arithmetic.jpg', 'gray.jpg',
				  'cmyk.jpg', 'ycck.jpg', 'lossy.webp', 'lossless.webp', 'alpha.webp',
				  'really_webp.jpg']) f,
	 LATERAL image_info(pg_read_binary_file(:'img' || f)) i,
	 LATERAL image_rgb(pg_read_binary_file(:'img' || f)) px;

-- lossless formats decode exactly alike
SELECT f, image_rgb(pg_read_binary_file(:'img' || f)) = image_rgb(pg_read_binary_file(:'img' || 'rgb8.png')) AS same_as_rgb8
FROM unnest(ARRAY['rgb16.png', 'palette.png', 'interlaced.png', 'lossless.webp']) f;

-- the shared corpus: libjpeg-turbo's arithmetic-coded twin of testorig,
-- Pillow's CMYK (Adobe, inverted) twin of its RGB sample, a grayscale PNG,
-- a 16-bit PNG, a 32-bit RGBA PNG, a progressive JPEG
SELECT rgb_diff(image_rgb(pg_read_binary_file(:'corpus' || 'libjpeg-turbo/testimgari.jpg')),
				image_rgb(pg_read_binary_file(:'corpus' || 'libjpeg-turbo/testorig.jpg'))) < 2 AS arithmetic_like_huffman,
	   rgb_diff(image_rgb(pg_read_binary_file(:'corpus' || 'pillow/pil_sample_cmyk.jpg')),
				image_rgb(pg_read_binary_file(:'corpus' || 'pillow/pil_sample_rgb.jpg'))) < 8 AS cmyk_like_rgb;
SELECT bool_and(get_byte(px, 3 * i) = get_byte(px, 3 * i + 1) AND
				get_byte(px, 3 * i) = get_byte(px, 3 * i + 2)) AS gray_jpeg_is_gray,
	   count(DISTINCT get_byte(px, 3 * i)) > 100 AS with_many_levels
FROM image_rgb(pg_read_binary_file(:'corpus' || 'pillow/hopper_gray.jpg')) px,
	 generate_series(0, length(px) / 3 - 1) i;
SELECT f, i.*
FROM unnest(ARRAY['libjpeg-turbo/testorig.png', 'libjpeg-turbo/monkey16.png',
				  'pillow/app13-multiple.jpg', '../faces/misc/32bit.png']) f,
	 LATERAL image_info(pg_read_binary_file(:'corpus' || f)) i;
SELECT length(image_rgb(pg_read_binary_file(:'corpus' || 'libjpeg-turbo/testorig.png'))) AS gray_png_bytes,
	   length(image_rgb(pg_read_binary_file(:'corpus' || 'libjpeg-turbo/monkey16.png'))) AS png16_bytes,
	   length(image_rgb(pg_read_binary_file(:'corpus' || 'pillow/app13-multiple.jpg'))) AS progressive_bytes,
	   colour_at(image_rgb(pg_read_binary_file(:'corpus' || '../faces/misc/32bit.png')), 626, 0, 0) AS rgba_corner;
