/*
 * decode.c
 *		Decode core: format detection from magic bytes (never from a name),
 *		dispatch to the per-format decoder, the pixel limit, EXIF rotation.
 */
#include "image/image_core.h"

ImageFormat
image_sniff(const uint8 *data, size_t len)
{
	if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
		return IMAGE_FORMAT_JPEG;
	if (len >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
		return IMAGE_FORMAT_PNG;
	if (len >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
		return IMAGE_FORMAT_WEBP;
	return IMAGE_FORMAT_UNKNOWN;
}

const char *
image_format_name(ImageFormat format)
{
	switch (format)
	{
		case IMAGE_FORMAT_JPEG:
			return "jpeg";
		case IMAGE_FORMAT_PNG:
			return "png";
		case IMAGE_FORMAT_WEBP:
			return "webp";
		default:
			return "unknown";
	}
}

/* name formats people send by mistake, so that the error says what it saw */
static const char *
unsupported_format_name(const uint8 *data, size_t len)
{
	if (len >= 4 && memcmp(data, "GIF8", 4) == 0)
		return "GIF";
	if (len >= 4 && (memcmp(data, "II*\0", 4) == 0 || memcmp(data, "MM\0*", 4) == 0))
		return "TIFF";
	if (len >= 2 && memcmp(data, "BM", 2) == 0)
		return "BMP";
	if (len >= 12 && memcmp(data + 4, "ftyp", 4) == 0)
		return "HEIF/AVIF";
	return NULL;
}

static void
decode_any(const uint8 *data, size_t len, ImageInfo *info, RgbImage *out)
{
	const char *other;

	switch (image_sniff(data, len))
	{
		case IMAGE_FORMAT_JPEG:
			jpeg_decode(data, len, info, out);
			return;
		case IMAGE_FORMAT_PNG:
			png_decode(data, len, info, out);
			return;
		case IMAGE_FORMAT_WEBP:
			webp_decode(data, len, info, out);
			return;
		default:
			break;
	}
	other = unsupported_format_name(data, len);
	if (other != NULL)
		image_port_fail(IMAGE_ERR_FORMAT,
						"%s images are not supported (supported: JPEG, PNG, WebP)", other);
	image_port_fail(IMAGE_ERR_FORMAT,
					"data is not a JPEG, PNG or WebP image");
}

void
image_read_info(const uint8 *data, size_t len, ImageInfo *info)
{
	decode_any(data, len, info, NULL);
}

RgbImage *
image_decode_core(const uint8 *data, size_t len)
{
	ImageInfo	info;
	RgbImage   *img = image_port_alloc(sizeof(RgbImage));

	if (img == NULL)
		image_port_fail(IMAGE_ERR_MEMORY, "out of memory");
	/* on error img is left behind: in a backend its memory context frees it */
	decode_any(data, len, &info, img);
	image_apply_orientation(img, info.orientation);
	return img;
}

bool
image_over_limit(const char *format, int width, int height, char *msg, size_t msglen)
{
	int64		pixels = (int64) width * height;
	int64		limit = image_port_max_pixels();

	if (width <= 0 || height <= 0)
	{
		snprintf(msg, msglen, "%s image has no pixels (%dx%d)", format, width, height);
		return true;
	}
	if (pixels <= limit)
		return false;
	snprintf(msg, msglen,
			 "%s image is %dx%d (" INT64_FORMAT " pixels), above facerec.max_image_pixels = " INT64_FORMAT,
			 format, width, height, pixels, limit);
	return true;
}

void
composite_on_white(uint8 *buf, size_t npixels)
{
	const uint8 *in = buf;
	uint8	   *out = buf;

	/* out never overtakes in: pixel i is written at 3i, read from 4i */
	for (size_t i = 0; i < npixels; i++, in += 4, out += 3)
	{
		int			a = in[3];

		out[0] = (uint8) ((in[0] * a + 255 * (255 - a) + 127) / 255);
		out[1] = (uint8) ((in[1] * a + 255 * (255 - a) + 127) / 255);
		out[2] = (uint8) ((in[2] * a + 255 * (255 - a) + 127) / 255);
	}
}
