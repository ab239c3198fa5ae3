/*
 * jpeg_errmgr.c
 *		libjpeg error manager: errors and warnings end the session with a
 *		longjmp; nothing is ever printed to stderr; a progress monitor
 *		notices cancel and bounds the number of progressive scans.
 */
#include "image/image_core.h"

#include <jerror.h>

#include "image/jpeg_errmgr.h"

/* libjpeg warnings that only concern metadata; everything else is fatal */
static bool
warning_is_harmless(int code)
{
	return code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM;
}

static void jpeg_fail(j_common_ptr cinfo) pg_attribute_noreturn();

static void
jpeg_fail(j_common_ptr cinfo)
{
	JpegErrorMgr *err = (JpegErrorMgr *) cinfo->err;
	char		text[JMSG_LENGTH_MAX];

	(*cinfo->err->format_message) (cinfo, text);
	switch (err->pub.msg_code)
	{
		case JERR_BAD_PRECISION:
			err->kind = IMAGE_ERR_UNSUPPORTED;
			snprintf(err->message, sizeof(err->message),
					 "JPEG with %d-bit samples is not supported (only 8-bit)",
					 err->pub.msg_parm.i[0]);
			break;
		case JERR_OUT_OF_MEMORY:
		case JERR_NO_BACKING_STORE:
			err->kind = IMAGE_ERR_LIMIT;
			snprintf(err->message, sizeof(err->message),
					 "JPEG decoding needs more memory than facerec.max_image_pixels allows (%s)",
					 text);
			break;
		case JWRN_JPEG_EOF:
			err->kind = IMAGE_ERR_CORRUPT;
			snprintf(err->message, sizeof(err->message), "truncated JPEG data");
			break;
		default:
			err->kind = IMAGE_ERR_CORRUPT;
			snprintf(err->message, sizeof(err->message), "invalid JPEG data: %s", text);
			break;
	}
	longjmp(err->jump, 1);
}

static void
jpeg_message(j_common_ptr cinfo, int msg_level)
{
	/* level -1 is a warning (corrupt data, premature end); >= 0 is tracing */
	if (msg_level < 0 && !warning_is_harmless(cinfo->err->msg_code))
		jpeg_fail(cinfo);
}

static void
jpeg_output_nothing(j_common_ptr cinfo)
{
}

void
jpeg_errmgr_check_interrupt(j_common_ptr cinfo)
{
	if (image_port_interrupt_pending())
	{
		((JpegErrorMgr *) cinfo->err)->interrupted = true;
		longjmp(((JpegErrorMgr *) cinfo->err)->jump, 1);
	}
}

static void
jpeg_progress(j_common_ptr cinfo)
{
	jpeg_errmgr_check_interrupt(cinfo);
	if (cinfo->is_decompressor &&
		((j_decompress_ptr) cinfo)->input_scan_number > JPEG_MAX_SCANS)
		jpeg_errmgr_throw(cinfo, IMAGE_ERR_CORRUPT,
						  "JPEG has more than " CppAsString2(JPEG_MAX_SCANS) " scans");
}

void
jpeg_errmgr_install(j_common_ptr cinfo, JpegErrorMgr *err)
{
	cinfo->err = jpeg_std_error(&err->pub);
	err->pub.error_exit = jpeg_fail;
	err->pub.emit_message = jpeg_message;
	err->pub.output_message = jpeg_output_nothing;
	err->interrupted = false;
	err->kind = IMAGE_ERR_CORRUPT;
	err->message[0] = '\0';
}

void
jpeg_errmgr_monitor(j_common_ptr cinfo, struct jpeg_progress_mgr *progress)
{
	memset(progress, 0, sizeof(*progress));
	progress->progress_monitor = jpeg_progress;
	cinfo->progress = progress;
}

void
jpeg_errmgr_throw(j_common_ptr cinfo, ImageError kind, const char *message)
{
	JpegErrorMgr *err = (JpegErrorMgr *) cinfo->err;

	err->kind = kind;
	snprintf(err->message, sizeof(err->message), "%s", message);
	longjmp(err->jump, 1);
}

void
jpeg_errmgr_raise(JpegErrorMgr *err)
{
	if (err->interrupted)
		image_port_raise_interrupt();
	image_port_fail(err->kind, "%s", err->message);
}
