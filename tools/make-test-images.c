/*
 * make-test-images.c
 *		Writes the tiny images of test/images/ that the regression tests
 *		decode: every PNG colour model, WebP lossy/lossless/alpha, JPEG
 *		variants the shared corpus lacks (YCCK, our own CMYK, arithmetic,
 *		progressive, gray), and headers that claim 60000x60000 pixels.
 *
 *		cc -o /tmp/make-test-images tools/make-test-images.c \
 *			-ljpeg -lpng16 -lwebp -lz && /tmp/make-test-images test/images
 *
 * Every picture is 16x12: red where x < 8, blue where x >= 8, green where
 * y >= 8 (gray pictures: black, white, mid-gray 128).  With alpha, the red
 * part is fully transparent, so it decodes to white.  stripes.png (256x256
 * gray, columns alternately black and white) tests strong downscaling: any
 * resampler that skips pixels turns it black, white or striped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/encode.h>
#include <zlib.h>

#define W 16
#define H 12

static const char *dir;

static void
rgb_at(int x, int y, unsigned char *p)
{
	p[0] = (y < 8 && x < 8) ? 255 : 0;
	p[1] = (y >= 8) ? 255 : 0;
	p[2] = (y < 8 && x >= 8) ? 255 : 0;
}

static int
gray_at(int x, int y)
{
	return y >= 8 ? 128 : x < 8 ? 0 : 255;
}

static FILE *
open_out(const char *name)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
	{
		perror(path);
		exit(1);
	}
	return f;
}

static void
write_bytes(const char *name, const unsigned char *data, size_t len)
{
	FILE	   *f = open_out(name);

	fwrite(data, 1, len, f);
	fclose(f);
}

/* PNG of colour type ct and bit depth bd; samples from the pattern */
static void
write_png(const char *name, int ct, int bd, int interlace, int trns)
{
	FILE	   *f = open_out(name);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop	info = png_create_info_struct(png);
	int			channels = (ct == PNG_COLOR_TYPE_RGB) ? 3 : (ct == PNG_COLOR_TYPE_RGBA) ? 4 :
		(ct == PNG_COLOR_TYPE_GA) ? 2 : 1;
	unsigned char row[W * 4 * 2];
	int			passes;

	png_init_io(png, f);
	png_set_IHDR(png, info, W, H, bd, ct, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
				 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (ct == PNG_COLOR_TYPE_PALETTE)
	{
		png_color	pal[3] = {{255, 0, 0}, {0, 0, 255}, {0, 255, 0}};
		png_byte	alpha[1] = {0};

		png_set_PLTE(png, info, pal, 3);
		if (trns)
			png_set_tRNS(png, info, alpha, 1, NULL);
	}
	png_write_info(png, info);
	if (bd < 8)
		png_set_packing(png);
	if (bd == 16)
		png_set_swap(png);		/* we fill host-order (little-endian) shorts */
	passes = png_set_interlace_handling(png);
	for (int pass = 0; pass < passes; pass++)
		for (int y = 0; y < H; y++)
		{
			for (int x = 0; x < W; x++)
			{
				unsigned char rgb[3];
				int			v[4],
							n = 0;

				rgb_at(x, y, rgb);
				if (ct == PNG_COLOR_TYPE_PALETTE)
					v[n++] = y >= 8 ? 2 : x < 8 ? 0 : 1;
				else if (ct == PNG_COLOR_TYPE_GRAY || ct == PNG_COLOR_TYPE_GA)
					v[n++] = bd == 1 ? (gray_at(x, y) >= 128) : gray_at(x, y);
				else
					for (int k = 0; k < 3; k++)
						v[n++] = rgb[k];
				if (ct == PNG_COLOR_TYPE_GA || ct == PNG_COLOR_TYPE_RGBA)
					v[n++] = (y < 8 && x < 8) ? 0 : 255;
				for (int k = 0; k < channels; k++)
				{
					if (bd == 16)
					{
						unsigned short s = (unsigned short) (v[k] * 257);

						memcpy(row + 2 * (x * channels + k), &s, 2);
					}
					else
						row[x * channels + k] = (unsigned char) v[k];
				}
			}
			png_write_row(png, row);
		}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	fclose(f);
}

/* JPEG stored in colour space cs (JCS_YCbCr, JCS_GRAYSCALE, JCS_CMYK, JCS_YCCK) */
static void
write_jpeg(const char *name, J_COLOR_SPACE cs, int progressive, int arithmetic)
{
	FILE	   *f = open_out(name);
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	int			comps = cs == JCS_GRAYSCALE ? 1 : (cs == JCS_YCbCr ? 3 : 4);
	unsigned char row[W * 4];

	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, f);
	c.image_width = W;
	c.image_height = H;
	c.input_components = comps;
	c.in_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 3 ? JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&c);
	jpeg_set_colorspace(&c, cs);
	jpeg_set_quality(&c, 95, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	c.arith_code = arithmetic;
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < H)
	{
		int			y = c.next_scanline;
		JSAMPROW	r = row;

		for (int x = 0; x < W; x++)
		{
			unsigned char rgb[3];

			rgb_at(x, y, rgb);
			if (comps == 1)
				row[x] = gray_at(x, y);
			else if (comps == 3)
				memcpy(row + 3 * x, rgb, 3);
			else
			{
				/* Adobe-style inverted CMYK: byte = 255 - ink; no black ink */
				row[4 * x + 0] = rgb[0];
				row[4 * x + 1] = rgb[1];
				row[4 * x + 2] = rgb[2];
				row[4 * x + 3] = 255;
			}
		}
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	fclose(f);
}

static unsigned char *
read_file(const char *name, size_t *len)
{
	char		path[1024];
	FILE	   *f;
	unsigned char *buf = malloc(1 << 20);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void
write_webp(void)
{
	unsigned char rgb[W * H * 3],
				rgba[W * H * 4];
	uint8_t    *out;
	size_t		n;

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
		{
			rgb_at(x, y, rgb + 3 * (y * W + x));
			rgb_at(x, y, rgba + 4 * (y * W + x));
			rgba[4 * (y * W + x) + 3] = (y < 8 && x < 8) ? 0 : 255;
		}
	n = WebPEncodeRGB(rgb, W, H, 3 * W, 95, &out);
	write_bytes("lossy.webp", out, n);
	WebPFree(out);
	n = WebPEncodeLosslessRGB(rgb, W, H, 3 * W, &out);
	write_bytes("lossless.webp", out, n);
	/* a WebP under a JPEG name: the format comes from the bytes */
	write_bytes("really_webp.jpg", out, n);
	write_bytes("truncated.webp", out, n / 2);
	/* VP8L header: 0x2f, then 14 bits width-1, 14 bits height-1 (LE) */
	{
		unsigned char *h = out + 21;
		uint32_t	bits = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t) h[3] << 24;

		bits = (bits & 0xF0000000u) | 16383u | (16383u << 14);
		h[0] = bits, h[1] = bits >> 8, h[2] = bits >> 16, h[3] = bits >> 24;
		write_bytes("huge_header.webp", out, n);
	}
	WebPFree(out);
	n = WebPEncodeLosslessRGBA(rgba, W, H, 4 * W, &out);
	write_bytes("alpha.webp", out, n);
	WebPFree(out);
}

/* copies of baseline.jpg / rgb8.png with broken or gigantic headers */
static void
write_broken(void)
{
	size_t		n;
	unsigned char *jpg = read_file("baseline.jpg", &n);

	write_bytes("truncated.jpg", jpg, n / 2);
	for (size_t i = 0; i + 8 < n; i++)
		if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0)
		{
			/* SOF0: length(2) precision(1) height(2) width(2) */
			jpg[i + 5] = 60000 >> 8, jpg[i + 6] = 60000 & 0xFF;
			jpg[i + 7] = 60000 >> 8, jpg[i + 8] = 60000 & 0xFF;
			break;
		}
	write_bytes("huge_header.jpg", jpg, n);
	free(jpg);

	{
		unsigned char *png = read_file("rgb8.png", &n);
		unsigned long crc;

		/* IHDR data at 16..24, its CRC at 29; then a bad IDAT CRC copy */
		png[16] = 0, png[17] = 0, png[18] = 0xEA, png[19] = 0x60;
		png[20] = 0, png[21] = 0, png[22] = 0xEA, png[23] = 0x60;
		crc = crc32(0, png + 12, 17);
		png[29] = crc >> 24, png[30] = crc >> 16, png[31] = crc >> 8, png[32] = crc;
		write_bytes("huge_header.png", png, n);
		free(png);
		png = read_file("rgb8.png", &n);
		png[n - 20] ^= 0x55;	/* inside IDAT: CRC mismatch */
		write_bytes("corrupt.png", png, n);
		write_bytes("truncated.png", png, n / 2);
		free(png);
	}
}

static void
write_stripes(void)
{
	FILE	   *f = open_out("stripes.png");
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop	info = png_create_info_struct(png);
	unsigned char row[256];

	png_init_io(png, f);
	png_set_IHDR(png, info, 256, 256, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
				 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int x = 0; x < 256; x++)
		row[x] = (x % 2) ? 255 : 0;
	for (int y = 0; y < 256; y++)
		png_write_row(png, row);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	fclose(f);
}

int
main(int argc, char **argv)
{
	dir = argc > 1 ? argv[1] : ".";
	write_png("rgb8.png", PNG_COLOR_TYPE_RGB, 8, 0, 0);
	write_png("rgb16.png", PNG_COLOR_TYPE_RGB, 16, 0, 0);
	write_png("rgba16.png", PNG_COLOR_TYPE_RGBA, 16, 0, 0);
	write_png("gray1.png", PNG_COLOR_TYPE_GRAY, 1, 0, 0);
	write_png("gray16.png", PNG_COLOR_TYPE_GRAY, 16, 0, 0);
	write_png("gray_alpha.png", PNG_COLOR_TYPE_GA, 8, 0, 0);
	write_png("palette.png", PNG_COLOR_TYPE_PALETTE, 4, 0, 0);
	write_png("palette_trns.png", PNG_COLOR_TYPE_PALETTE, 8, 0, 1);
	write_png("interlaced.png", PNG_COLOR_TYPE_RGB, 8, 1, 0);
	write_jpeg("baseline.jpg", JCS_YCbCr, 0, 0);
	write_jpeg("progressive.jpg", JCS_YCbCr, 1, 0);
	write_jpeg("arithmetic.jpg", JCS_YCbCr, 0, 1);
	write_jpeg("gray.jpg", JCS_GRAYSCALE, 0, 0);
	write_jpeg("cmyk.jpg", JCS_CMYK, 0, 0);
	write_jpeg("ycck.jpg", JCS_YCCK, 0, 0);
	write_stripes();
	write_webp();
	write_broken();
	return 0;
}
