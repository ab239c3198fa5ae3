/*
 * jpeg_errmgr.h
 *		libjpeg error manager shared by the JPEG decoder and encoder: every
 *		libjpeg error AND warning, and our own limits and cancel checks,
 *		longjmp back to the caller's setjmp, which destroys the libjpeg
 *		object and only then raises (see image_core.h for the rule).
 */
#ifndef FACEREC_JPEG_ERRMGR_H
#define FACEREC_JPEG_ERRMGR_H

#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>

#include "image/image_core.h"

/* progressive JPEGs with more scans than this are refused (DoS bound) */
#define JPEG_MAX_SCANS 256

typedef struct JpegErrorMgr
{
	struct jpeg_error_mgr pub;	/* must be first: libjpeg casts to it */
	jmp_buf		jump;
	bool		interrupted;	/* cancel/terminate was pending */
	ImageError	kind;
	char		message[JMSG_LENGTH_MAX + 64];
} JpegErrorMgr;

/* install into cinfo, before jpeg_create_* */
extern void jpeg_errmgr_install(j_common_ptr cinfo, JpegErrorMgr *err);

/* the cancel/scan-count monitor, after jpeg_create_* (which zeroes cinfo) */
extern void jpeg_errmgr_monitor(j_common_ptr cinfo, struct jpeg_progress_mgr *progress);

/* raise our own error from inside a libjpeg session: longjmps */
extern void jpeg_errmgr_throw(j_common_ptr cinfo, ImageError kind,
							  const char *message) pg_attribute_noreturn();

/* a pending cancel ends the session (longjmp) like an error */
extern void jpeg_errmgr_check_interrupt(j_common_ptr cinfo);

/* after cleanup: raise what stopped the session; never returns */
extern void jpeg_errmgr_raise(JpegErrorMgr *err) pg_attribute_noreturn();

#endif							/* FACEREC_JPEG_ERRMGR_H */
