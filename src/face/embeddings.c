/*
 * embeddings.c
 *		SQL face_embeddings and face_embedding: photo in, descriptors out,
 *		through detection, landmarks and face-api's crop (pipeline.c).
 *
 * The main face of a photo (face_embedding) is the one with the largest
 * detected box (area in pixels), the higher score on a tie: a small face
 * in the background often scores higher than the large face in front.
 */
#include "postgres.h"

#include "fmgr.h"

#include "face/detect.h"
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
	FoundFace  *faces = palloc(sizeof(FoundFace) * SSD_MAX_FACES);
	int			n = face_find(img->pixels, img->width, img->height, 0.5, faces);
	int			main = -1;
	double		main_area = -1;
	FaceEmbedding *e;

	/* faces come best first: a strictly larger box wins */
	for (int i = 0; i < n; i++)
	{
		double		area = faces[i].detection.box.width * faces[i].detection.box.height;

		if (area > main_area)
		{
			main = i;
			main_area = area;
		}
	}
	e = new_face_embedding(FACE_DESCRIPTOR_DIM);
	if (main < 0 || !face_describe(img->pixels, img->width, img->height,
								   &faces[main], e->x))
		PG_RETURN_NULL();
	PG_RETURN_FACE_EMBEDDING_P(e);
}
