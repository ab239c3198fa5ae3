/*
 * image_port.c
 *		The decode core's port in a backend: palloc in the current memory
 *		context, ereport with one SQLSTATE per error class, cancel via
 *		CHECK_FOR_INTERRUPTS, and image_decode, the room's front door.
 */
#include "image/image_core.h"

#include <stdarg.h>

#include "miscadmin.h"
#include "utils/memutils.h"

/* facerec.max_image_pixels, registered in image_guc.c */
extern int	image_max_pixels;

void *
image_port_alloc(size_t size)
{
	if (size > MaxAllocHugeSize)
		return NULL;
	return MemoryContextAllocExtended(CurrentMemoryContext, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

void
image_port_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

void
image_port_fail(ImageError kind, const char *fmt,...)
{
	char		message[512];
	va_list		args;
	int			sqlstate;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);

	switch (kind)
	{
		case IMAGE_ERR_FORMAT:
			sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case IMAGE_ERR_UNSUPPORTED:
			sqlstate = ERRCODE_FEATURE_NOT_SUPPORTED;
			break;
		case IMAGE_ERR_LIMIT:
			sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		case IMAGE_ERR_MEMORY:
			sqlstate = ERRCODE_OUT_OF_MEMORY;
			break;
		default:
			sqlstate = ERRCODE_INVALID_BINARY_REPRESENTATION;
			break;
	}
	ereport(ERROR, (errcode(sqlstate), errmsg("%s", message)));
	pg_unreachable();
}

bool
image_port_interrupt_pending(void)
{
	return InterruptPending && (QueryCancelPending || ProcDiePending);
}

void
image_port_raise_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
	/* the interrupt was held off: still, the decode has been abandoned */
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("image decoding canceled")));
	pg_unreachable();
}

int64
image_port_max_pixels(void)
{
	return image_max_pixels;
}

static void
decode_error_context(void *arg)
{
	errcontext("decoding an image of %zu bytes", *(size_t *) arg);
}

RgbImage *
image_decode(const uint8 *data, size_t len)
{
	ErrorContextCallback callback;
	RgbImage   *img;

	callback.callback = decode_error_context;
	callback.arg = &len;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	img = image_decode_core(data, len);
	error_context_stack = callback.previous;
	return img;
}
