/*
 * exif_orientation.c
 *		The EXIF orientation tag (0x0112 in IFD0) from a JPEG APP1 payload,
 *		read with libexif.  Anything odd (broken block, wrong type, value out
 *		of 1..8) means "no orientation": a broken EXIF block is never fatal.
 *
 * libexif never longjmps; its allocations are freed by exif_data_unref.
 */
#include "image/image_core.h"

#include <libexif/exif-data.h>

int
exif_orientation(const uint8 *app1, size_t len)
{
	ExifData   *ed;
	ExifEntry  *entry;
	int			orientation = 1;

	/* an APP1 segment is at most 65533 bytes; libexif takes an unsigned int */
	if (len < 6 || len > 65535 || memcmp(app1, "Exif\0\0", 6) != 0)
		return 1;
	ed = exif_data_new();
	if (ed == NULL)
		return 1;
	/* read only: do not "fix" the data to the specification (adds entries) */
	exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_load_data(ed, app1, (unsigned int) len);

	entry = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
	if (entry != NULL && entry->format == EXIF_FORMAT_SHORT &&
		entry->components >= 1 && entry->data != NULL && entry->size >= 2)
	{
		int			v = exif_get_short(entry->data, exif_data_get_byte_order(ed));

		if (v >= 1 && v <= 8)
			orientation = v;
	}
	exif_data_unref(ed);
	return orientation;
}
