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
#include "funcapi.h"
#include "miscadmin.h"

#include "face/detect.h"
#include "face/pipeline.h"
#include "image/image.h"
#include "type/face_embedding.h"

#define FACE_EMBEDDINGS_COLUMNS 7

/* the rows of face_embeddings */
static void
embed_faces(FunctionCallInfo fcinfo, const uint8 *rgb, int width, int height,
			float4 min_score)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FoundFace  *faces = palloc(sizeof(FoundFace) * SSD_MAX_FACES);
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	n = face_find(rgb, width, height, min_score, faces);
	for (int i = 0; i < n; i++)
	{
		const FaceDetection *d = &faces[i].detection;
		FaceEmbedding *e = new_face_embedding(FACE_DESCRIPTOR_DIM);
		Datum		values[FACE_EMBEDDINGS_COLUMNS];
		bool		nulls[FACE_EMBEDDINGS_COLUMNS] = {0};

		CHECK_FOR_INTERRUPTS();
		if (!face_describe(rgb, width, height, &faces[i], e->x))
		{
			pfree(e);
			continue;
		}
		values[0] = Int32GetDatum(i + 1);
		values[1] = Float4GetDatum((float4) d->box.x);
		values[2] = Float4GetDatum((float4) d->box.y);
		values[3] = Float4GetDatum((float4) d->box.width);
		values[4] = Float4GetDatum((float4) d->box.height);
		values[5] = Float4GetDatum((float4) d->score);
		values[6] = PointerGetDatum(e);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(faces);
}

/* face_embeddings(image bytea, min_score real) */
PG_FUNCTION_INFO_V1(face_embeddings_image);
Datum
face_embeddings_image(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	float4		min_score = PG_GETARG_FLOAT4(1);
	RgbImage   *img;

	check_min_score(min_score);
	img = image_decode((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
	embed_faces(fcinfo, img->pixels, img->width, img->height, min_score);
	pfree(img->pixels);
	pfree(img);
	return (Datum) 0;
}

/* face_embeddings(rgb bytea, width int, height int, min_score real) */
PG_FUNCTION_INFO_V1(face_embeddings_rgb);
Datum
face_embeddings_rgb(PG_FUNCTION_ARGS)
{
	bytea	   *rgb = PG_GETARG_BYTEA_PP(0);
	int32		width = PG_GETARG_INT32(1);
	int32		height = PG_GETARG_INT32(2);
	float4		min_score = PG_GETARG_FLOAT4(3);

	check_rgb(rgb, width, height);
	check_min_score(min_score);
	embed_faces(fcinfo, (const uint8 *) VARDATA_ANY(rgb), width, height, min_score);
	return (Datum) 0;
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
