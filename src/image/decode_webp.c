/*
 * decode_webp.c
 *		WebP (lossy, lossless, with alpha) to RGB8 with libwebp's incremental
 *		decoder, fed in small slices so that cancel is noticed between them.
 *		Alpha is composited on white, as for PNG.  Animated WebP is refused.
 *		Orientation is always 1.
 *
 * The decoder writes straight into our buffer (is_external_memory); its own
 * state is released by WebPIDelete on every path.
 */
#include "image/image_core.h"

#include <webp/decode.h>

/* input slice between cancel checks */
#define WEBP_SLICE 4096

static const char *
webp_status_text(VP8StatusCode status)
{
	switch (status)
	{
		case VP8_STATUS_NOT_ENOUGH_DATA:
			return "truncated WebP data";
		case VP8_STATUS_OUT_OF_MEMORY:
			return "out of memory decoding WebP";
		case VP8_STATUS_UNSUPPORTED_FEATURE:
			return "WebP feature is not supported";
		default:
			return "invalid WebP data";
	}
}

static ImageError
webp_status_kind(VP8StatusCode status)
{
	switch (status)
	{
		case VP8_STATUS_OUT_OF_MEMORY:
			return IMAGE_ERR_MEMORY;
		case VP8_STATUS_UNSUPPORTED_FEATURE:
			return IMAGE_ERR_UNSUPPORTED;
		default:
			return IMAGE_ERR_CORRUPT;
	}
}

void
webp_decode(const uint8 *data, size_t len, ImageInfo *info, RgbImage *out)
{
	WebPBitstreamFeatures features;
	WebPDecoderConfig config;
	WebPIDecoder *idec;
	VP8StatusCode status;
	uint8	   *pixels;
	int			channels;
	size_t		size;
	char		msg[256];

	status = WebPGetFeatures(data, len, &features);
	if (status != VP8_STATUS_OK)
		image_port_fail(webp_status_kind(status), "%s", webp_status_text(status));
	info->format = IMAGE_FORMAT_WEBP;
	info->width = features.width;
	info->height = features.height;
	info->orientation = 1;
	if (out == NULL)
		return;

	if (features.has_animation)
		image_port_fail(IMAGE_ERR_UNSUPPORTED, "animated WebP is not supported");
	if (image_over_limit("WebP", info->width, info->height, msg, sizeof(msg)))
		image_port_fail(IMAGE_ERR_LIMIT, "%s", msg);

	channels = features.has_alpha ? 4 : 3;
	size = (size_t) channels * info->width * info->height;
	pixels = image_port_alloc(size);
	if (pixels == NULL || !WebPInitDecoderConfig(&config))
	{
		image_port_free(pixels);
		image_port_fail(IMAGE_ERR_MEMORY, "out of memory for the decoded WebP");
	}
	config.output.colorspace = features.has_alpha ? MODE_RGBA : MODE_RGB;
	config.output.is_external_memory = 1;
	config.output.u.RGBA.rgba = pixels;
	config.output.u.RGBA.stride = channels * info->width;
	config.output.u.RGBA.size = size;
	idec = WebPIDecode(NULL, 0, &config);
	if (idec == NULL)
	{
		image_port_free(pixels);
		image_port_fail(IMAGE_ERR_MEMORY, "out of memory for the WebP decoder");
	}

	status = VP8_STATUS_NOT_ENOUGH_DATA;
	for (size_t pos = 0; pos < len; pos += WEBP_SLICE)
	{
		if (image_port_interrupt_pending())
		{
			WebPIDelete(idec);
			image_port_free(pixels);
			image_port_raise_interrupt();
		}
		status = WebPIAppend(idec, data + pos, Min(len - pos, (size_t) WEBP_SLICE));
		if (status != VP8_STATUS_SUSPENDED)
			break;
	}
	WebPIDelete(idec);
	if (status == VP8_STATUS_SUSPENDED)
		status = VP8_STATUS_NOT_ENOUGH_DATA;
	if (status != VP8_STATUS_OK)
	{
		image_port_free(pixels);
		image_port_fail(webp_status_kind(status), "%s", webp_status_text(status));
	}

	if (channels == 4)
		composite_on_white(pixels, (size_t) info->width * info->height);
	out->width = info->width;
	out->height = info->height;
	out->pixels = pixels;
}
