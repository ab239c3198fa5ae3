/*
 * embeddings.c
 *		SQL face_embeddings and face_embedding: photo in, descriptors out,
 *		through detection, landmarks and face-api's crop (pipeline.c).
 *
 * The main face of a photo (face_embedding) is the one with the largest
 * detected box (area in pixels), the higher score on a tie: a small face
 * in the background often scores higher than the large face in front.
 * When the detector finds no face at all, it looks once more at the
 * picture centred in a black frame twice its size: the SSD misses many
 * faces that fill most of the picture (a tenth of LFW's portraits), and
 * finds nearly all of them once they are smaller in the frame.  The
 * landmarks and the chip are then taken from the picture itself.
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

/* the frame's side is bounded: the detector only sees a 512x512 copy */
#define MAIN_FACE_FRAME_MAX 1024

/*
 * The faces of the picture centred in a black square frame of twice its
 * longer side (scaled down to MAIN_FACE_FRAME_MAX), with boxes in picture
 * pixels and landmarks found in the picture itself.
 */
static int
find_in_frame(const RgbImage *img, FoundFace *faces)
{
	int			side2 = 2 * Max(img->width, img->height);
	int			side = Min(side2, MAIN_FACE_FRAME_MAX);
	double		k = (double) side / side2;	/* frame pixels per picture pixel */
	double		ox = (side2 - img->width) / 2.0;	/* picture origin in the frame, */
	double		oy = (side2 - img->height) / 2.0;	/* in picture pixels */

	/* frame pixel centre x + 0.5 is picture point (x + 0.5) / k - ox */
	double		m[6] = {1 / k, 0, 0.5 / k - ox - 0.5, 0, 1 / k, 0.5 / k - oy - 0.5};
	RgbImage   *frame = image_warp_affine(img, m, side, side);
	int			n = face_find(frame->pixels, side, side, 0.5, faces);
	int			kept = 0;

	pfree(frame->pixels);
	pfree(frame);
	for (int i = 0; i < n; i++)
	{
		FoundFace  *f = &faces[kept];

		CHECK_FOR_INTERRUPTS();
		f->detection = faces[i].detection;
		f->detection.box.x = f->detection.box.x / k - ox;
		f->detection.box.y = f->detection.box.y / k - oy;
		f->detection.box.width /= k;
		f->detection.box.height /= k;
		if (face_landmarks_in_box(face_landmarker(), img->pixels, img->width,
								  img->height, &f->detection.box, f->points,
								  &f->landmark_crop) == 0)
			kept++;
	}
	return kept;
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

	if (n == 0)
		n = find_in_frame(img, faces);
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

	/* box_in orders the corners: high >= low */
	if (!isfinite(b->low.x) || !isfinite(b->low.y) ||
		!isfinite(b->high.x) || !isfinite(b->high.y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face box corners must be finite")));
	if (b->high.x <= b->low.x || b->high.y <= b->low.y)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face box (%g,%g),(%g,%g) is empty",
						b->high.x, b->high.y, b->low.x, b->low.y),
				 errdetail("A face box needs a positive width and height.")));
	img = image_decode((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
	face.detection.box.x = b->low.x;
	face.detection.box.y = b->low.y;
	face.detection.box.width = b->high.x - b->low.x;
	face.detection.box.height = b->high.y - b->low.y;

	/*
	 * Overlap first: the clip in face_landmarks_in_box then only sees
	 * coordinates inside the picture (no overflow converting to int).
	 */
	if (b->high.x <= 0 || b->high.y <= 0 ||
		b->low.x >= img->width || b->low.y >= img->height ||
		face_landmarks_in_box(face_landmarker(), img->pixels, img->width, img->height,
							  &face.detection.box, face.points,
							  &face.landmark_crop) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face box (%g,%g),(%g,%g) holds no whole pixel of the %d x %d picture",
						b->high.x, b->high.y, b->low.x, b->low.y,
						img->width, img->height)));
	e = new_face_embedding(FACE_DESCRIPTOR_DIM);
	described = face_describe(img->pixels, img->width, img->height, &face, e->x);
	pfree(img->pixels);
	pfree(img);
	if (!described)
		PG_RETURN_NULL();
	PG_RETURN_FACE_EMBEDDING_P(e);
}
