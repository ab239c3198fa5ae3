/*
 * embeddings.c
 *		SQL face_embeddings and face_embedding: photo in, descriptors out,
 *		through detection, landmarks and the chip of facerec.alignment
 *		(pipeline.c).
 *
 * The main face of a photo (face_embedding) is face_find_main's
 * (pipeline.h): the largest box holding the picture's centre, else the
 * largest, found by the fast path on small pictures, else by face_find
 * with its second look.
 * face_embedding(image, box) skips the detector: the landmark net runs on
 * the user's box as it would on a detected one.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/geo_decls.h"

#include "face/detect.h"
#include "face/models.h"
#include "image/image.h"
#include "type/face_embedding.h"

/* face_embeddings' last column: the descriptor of face-api's crop */
static bool
embedding_column(const uint8 *rgb, int width, int height, const FoundFace *found,
				 Datum *value)
{
	FaceEmbedding *e = new_face_embedding(FACE_DESCRIPTOR_DIM);

	if (!face_describe(rgb, width, height, found, e->x))
	{
		pfree(e);
		return false;
	}
	*value = PointerGetDatum(e);
	return true;
}

/* face_embeddings(image bytea, min_score real) */
PG_FUNCTION_INFO_V1(face_embeddings_image);
Datum
face_embeddings_image(PG_FUNCTION_ARGS)
{
	return face_rows_from_image(fcinfo, embedding_column);
}

/* face_embeddings(rgb bytea, width int, height int, min_score real) */
PG_FUNCTION_INFO_V1(face_embeddings_rgb);
Datum
face_embeddings_rgb(PG_FUNCTION_ARGS)
{
	return face_rows_from_rgb(fcinfo, embedding_column);
}

/* face_embedding(image bytea): the main face's descriptor, or NULL */
PG_FUNCTION_INFO_V1(face_embedding_image);
Datum
face_embedding_image(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	RgbImage   *img = image_decode((const uint8 *) VARDATA_ANY(data),
								   VARSIZE_ANY_EXHDR(data));
	FoundFace	face;
	FaceEmbedding *e;

	if (!face_find_main(img->pixels, img->width, img->height, face_min_score, &face))
		PG_RETURN_NULL();
	e = new_face_embedding(FACE_DESCRIPTOR_DIM);
	if (!face_describe(img->pixels, img->width, img->height, &face, e->x))
		PG_RETURN_NULL();
	PG_RETURN_FACE_EMBEDDING_P(e);
}

/*
 * face_embedding(image bytea, box box): the descriptor of the face in a box
 * the user gives, in pixels of the upright picture.  A box reaching past
 * the picture is clipped to it, as a detected box is.
 */
PG_FUNCTION_INFO_V1(face_embedding_image_box);
Datum
face_embedding_image_box(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	BOX		   *b = PG_GETARG_BOX_P(1);
	RgbImage   *img;
	FoundFace	face = {0};
	FaceEmbedding *e;
	bool		described;

	img = image_decode((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
	face.detection.box = face_box_arg(b, img->width, img->height);
	/* the box holds a whole pixel: its landmark crop has one */
	if (face_place_landmarks(img->pixels, img->width, img->height, 0, &face) != 0)
		elog(ERROR, "face box lost its pixels");
	e = new_face_embedding(FACE_DESCRIPTOR_DIM);
	described = face_describe(img->pixels, img->width, img->height, &face, e->x);
	pfree(img->pixels);
	pfree(img);
	if (!described)
		PG_RETURN_NULL();
	PG_RETURN_FACE_EMBEDDING_P(e);
}
