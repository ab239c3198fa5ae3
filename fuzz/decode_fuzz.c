/*
 * decode_fuzz.c
 *		libFuzzer harness for the image decode core: headers (image_info's
 *		path) and a full decode with EXIF rotation, on every input.  A
 *		clean error is fine; a crash, a sanitizer report or a leak of
 *		library memory is a finding.
 */
#include "image/image_core.h"

#include "fuzz_port.h"

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	ImageInfo	info;
	RgbImage   *volatile img = NULL;

	if (setjmp(fuzz_error_jump) == 0)
		image_read_info(data, size, &info);
	if (setjmp(fuzz_error_jump) == 0)
	{
		img = image_decode_core(data, size);
		/* the whole buffer must be readable: ASan checks the bounds */
		if (img->width <= 0 || img->height <= 0 ||
			img->pixels[(size_t) 3 * img->width * img->height - 1] > 255)
			__builtin_trap();
	}
	fuzz_port_reset();
	return 0;
}
