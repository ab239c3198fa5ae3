/*
 * image_guc.c
 *		facerec.max_image_pixels: the largest picture (width x height, as
 *		stored) any decode will allocate for; checked from the header.
 *
 * It is PGC_SUSET: only superusers, and roles a superuser has granted
 * SET ON PARAMETER facerec.max_image_pixels, may change it (per session,
 * per role or database, or in postgresql.conf).  A "lower only" rule for
 * everyone else cannot be enforced across RESET, PGOPTIONS and ALTER ROLE,
 * so we do not pretend to offer one.
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "image/image.h"

int			image_max_pixels = IMAGE_DEFAULT_MAX_PIXELS;

void
image_init(void)
{
	DefineCustomIntVariable("facerec.max_image_pixels",
							"Largest image (width x height) that facerec decodes.",
							"Checked from the image header before any pixel memory is allocated.",
							&image_max_pixels,
							IMAGE_DEFAULT_MAX_PIXELS,
							1, INT_MAX,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
}
