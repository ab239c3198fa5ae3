/*
 * chip_embedding.c
 *		SQL functions that turn an aligned face chip into a face_embedding
 *		with the recognition network.
 *
 * The network is opened on first use in each backend and kept for the life
 * of the process (models.c).  A descriptor takes a few milliseconds with no allocation, so no interrupt
 * check is needed inside it; callers looping over rows get theirs from the
 * executor.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "face/models.h"
#include "face/recognizer.h"
#include "image/image.h"
#include "type/face_embedding.h"

static FaceRecognizer *recognizer = NULL;

/* the recognizer, opened from the installation's model folder on first use */
static FaceRecognizer *
get_recognizer(void)
{
	char		path[MAXPGPATH];
	NnError		err;

	if (recognizer != NULL)
		return recognizer;
	face_model_path(FACE_RECOGNIZER_FILE, path, sizeof(path));
	recognizer = face_recognizer_open(path, &err);
	if (recognizer == NULL)
		face_model_load_failed("face recognition", &err);
	return recognizer;
}

/* the descriptor of an RGB8 chip as a new face_embedding */
static FaceEmbedding *
describe_chip(const uint8 *rgb, int width, int height)
{
	FaceRecognizer *rec = get_recognizer();
	FaceEmbedding *result = new_face_embedding(FACE_DESCRIPTOR_DIM);

	face_recognizer_describe(rec, rgb, width, height, result->x);
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
	size_t		len = VARSIZE_ANY_EXHDR(rgb);

	if (width <= 0 || height <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("image width and height must be positive, not %d x %d",
						width, height)));
	/* width * height < 2^62 cannot overflow; times 3 could */
	if (len % 3 != 0 || len / 3 != (uint64) width * (uint64) height)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RGB data of %zu bytes is not a %d x %d image", len, width, height),
				 errdetail("Expected 3 bytes (R, G, B) per pixel, rows top to bottom.")));
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
