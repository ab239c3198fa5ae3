/*
 * image_core.h
 *		Internal to src/image/: the decode core and the "port" it runs on.
 *
 * The decode core (decode.c, decode_jpeg.c, decode_png.c, decode_webp.c,
 * exif_orientation.c, orient.c, jpeg_errmgr.c) is linked twice: into the
 * extension, and into the libFuzzer harness (fuzz/), which has no backend.
 * It therefore never calls palloc, ereport or CHECK_FOR_INTERRUPTS itself;
 * it goes through the port functions below, implemented by image_port.c in
 * the backend and by fuzz/fuzz_port.c in the harness.
 *
 * Rule for every core function that drives a library: between creating a
 * library object and destroying it, nothing may leave by a longjmp other
 * than the library's own error path back to our setjmp.  So allocation
 * failure, cancel and limits are noticed by the port's non-throwing calls,
 * turned into a library error, cleaned up, and only then raised with
 * image_port_fail / image_port_raise_interrupt.
 *
 * This header stands in for postgres.h in the core files: include it first.
 */
#ifndef FACEREC_IMAGE_CORE_H
#define FACEREC_IMAGE_CORE_H

#ifdef FACEREC_FUZZ
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "image/image.h"

/* error classes; the backend port maps each to one SQLSTATE */
typedef enum ImageError
{
	IMAGE_ERR_FORMAT,			/* not an image we read: 22023 */
	IMAGE_ERR_CORRUPT,			/* malformed or truncated data: 22P03 */
	IMAGE_ERR_UNSUPPORTED,		/* valid but unsupported (12-bit JPEG): 0A000 */
	IMAGE_ERR_LIMIT,			/* above facerec.max_image_pixels: 54000 */
	IMAGE_ERR_MEMORY			/* out of memory: 53200 */
} ImageError;

/* allocation that returns NULL instead of throwing; size may be huge */
extern void *image_port_alloc(size_t size);
extern void image_port_free(void *ptr);

/* raise the error; never returns */
extern void image_port_fail(ImageError kind, const char *fmt,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();

/* is a cancel or termination pending?  Never throws. */
extern bool image_port_interrupt_pending(void);

/* raise the pending cancel/termination (after cleanup); never returns */
extern void image_port_raise_interrupt(void) pg_attribute_noreturn();

/* current facerec.max_image_pixels */
extern int64 image_port_max_pixels(void);

/* the core entry points (image.h's image_decode wraps the first) */
extern RgbImage *image_decode_core(const uint8 *data, size_t len);
extern ImageFormat image_sniff(const uint8 *data, size_t len);

/* per-format decoders: fill *info from headers; decode when out != NULL */
extern void jpeg_decode(const uint8 *data, size_t len, ImageInfo *info, RgbImage *out);
extern void png_decode(const uint8 *data, size_t len, ImageInfo *info, RgbImage *out);
extern void webp_decode(const uint8 *data, size_t len, ImageInfo *info, RgbImage *out);

/*
 * Is width x height above facerec.max_image_pixels?  Then msg says so.
 * Decoders call it right after the header, before any pixel buffer exists,
 * and raise msg through their own error path.
 */
extern bool image_over_limit(const char *format, int width, int height,
							 char *msg, size_t msglen);

/* RGBA -> RGB composited on white, in place (buf shrinks to 3 bytes/pixel) */
extern void composite_on_white(uint8 *buf, size_t npixels);

/* EXIF orientation (1..8) from an APP1 payload; 1 when absent or broken */
extern int	exif_orientation(const uint8 *app1, size_t len);

/* rotate/flip so that the picture is upright; replaces out->pixels */
extern void image_apply_orientation(RgbImage *img, int orientation);

#endif							/* FACEREC_IMAGE_CORE_H */
