/*
 * chip_embedding.c
 *		SQL functions that turn an aligned face chip into a face_embedding
 *		with the recognition network.
 *
 * The network is opened on first use in each backend and kept for the life
 * of the process (models.c).  A descriptor takes a few milliseconds with no
 * allocation, so no interrupt check is needed inside it; callers looping
 * over rows get theirs from the executor.
 */
#include "postgres.h"

#include "fmgr.h"

#include "face/detect.h"
#include "face/models.h"
#include "image/image.h"
#include "type/face_embedding.h"

/* the descriptor of an RGB8 chip as a new face_embedding */
static FaceEmbedding *
describe_chip(const uint8 *rgb, int width, int height)
{
	FaceEmbedding *result = new_face_embedding(FACE_DESCRIPTOR_DIM);

	face_recognizer_describe(face_recognizer(), rgb, width, height,
							 (size_t) width * 3, result->x);
	return result;
}

/* face_chip_embedding(rgb bytea, width int, height int) */
PG_FUNCTION_INFO_V1(face_chip_embedding_rgb);
Datum
face_chip_embedding_rgb(PG_FUNCTION_ARGS)
{
	bytea	   *rgb = PG_GETARG_BYTEA_PP(0);
	int32		width = PG_GETARG_INT32(1);
	int32		height = PG_GETARG_INT32(2);

	check_rgb(rgb, width, height);
	PG_RETURN_FACE_EMBEDDING_P(describe_chip((const uint8 *) VARDATA_ANY(rgb),
											 width, height));
}

/* face_chip_embedding(image bytea): a JPEG, PNG or WebP chip */
PG_FUNCTION_INFO_V1(face_chip_embedding_image);
Datum
face_chip_embedding_image(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	RgbImage   *img = image_decode((const uint8 *) VARDATA_ANY(data),
								   VARSIZE_ANY_EXHDR(data));
	FaceEmbedding *result = describe_chip(img->pixels, img->width, img->height);

	pfree(img->pixels);
	pfree(img);
	PG_RETURN_FACE_EMBEDDING_P(result);
}
