/*
 * models.c
 *		Model files of this installation: their path, and the error when one
 *		is missing or corrupt.  Every net is opened on first use in each
 *		backend and kept for the life of the process (weights mapped
 *		read-only and shared through the page cache, buffers malloc'd once
 *		outside any memory context).
 */
#include "postgres.h"

#include "miscadmin.h"

#include "face/models.h"

void
face_model_path(const char *file, char *path, size_t size)
{
	char		share[MAXPGPATH];

	get_share_path(my_exec_path, share);
	snprintf(path, size, "%s/extension/facerec_models/%s", share, file);
}

void
face_model_load_failed(const char *what, const NnError *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONFIG_FILE_ERROR),
			 errmsg("could not load the %s model", what),
			 errdetail("%s", err->msg),
			 errhint("Reinstall the facerec extension's files (make install).")));
}
