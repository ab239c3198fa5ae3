/*
 * facerec.c
 *		Module entry point: library magic, one-time initialisation of each
 *		room of src/, and the GUCs that belong to no single room.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "face/align.h"
#include "face/models.h"
#include "face/pipeline.h"
#include "image/image.h"
#include "index/graph.h"
#include "type/distance.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	distance_kernels_init();
	image_init();
	face_init();
	face_models_init();
	face_align_init();
	index_init();
}

/* which distance kernels this backend runs: "avx512", "avx2" or "scalar" */
PG_FUNCTION_INFO_V1(facerec_distance_isa);
Datum
facerec_distance_isa(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(active_kernels.isa));
}
