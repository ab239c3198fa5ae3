/*
 * fuzz_port.c
 *		The decode core's port outside a backend, for the libFuzzer harness:
 *		allocations are tracked like a memory context and released after
 *		every input; an error longjmps back to the harness; no interrupts;
 *		a pixel limit small enough for AddressSanitizer.
 */
#include "image/image_core.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include "fuzz_port.h"

/* every live allocation, so that an error path cannot leak our own memory */
typedef struct Chunk
{
	struct Chunk *prev;
	struct Chunk *next;
} Chunk;

static Chunk chunks = {&chunks, &chunks};

jmp_buf		fuzz_error_jump;

void *
image_port_alloc(size_t size)
{
	Chunk	   *c = malloc(sizeof(Chunk) + size);

	if (c == NULL)
		return NULL;
	c->next = chunks.next;
	c->prev = &chunks;
	chunks.next->prev = c;
	chunks.next = c;
	return c + 1;
}

void
image_port_free(void *ptr)
{
	Chunk	   *c;

	if (ptr == NULL)
		return;
	c = (Chunk *) ptr - 1;
	c->prev->next = c->next;
	c->next->prev = c->prev;
	free(c);
}

void
fuzz_port_reset(void)
{
	while (chunks.next != &chunks)
		image_port_free(chunks.next + 1);
}

void
image_port_fail(ImageError kind, const char *fmt,...)
{
	longjmp(fuzz_error_jump, 1 + (int) kind);
}

bool
image_port_interrupt_pending(void)
{
	return false;
}

void
image_port_raise_interrupt(void)
{
	abort();					/* never pending here */
}

int64
image_port_max_pixels(void)
{
	return FUZZ_MAX_PIXELS;
}
