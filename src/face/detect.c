/*
 * detect.c
 *		SQL face_detect: the faces of a picture with the SSD detector and
 *		their 68 landmarks, exactly as face-api's
 *		detectAllFaces(SsdMobilenetv1Options).withFaceLandmarks() gives them.
 *		Also what the SQL face functions share (detect.h).
 *
 * The picture is decoded at full size (EXIF applied) so that the landmark
 * crops see every pixel; the detector itself sees a 512x512 copy.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/geo_decls.h"

#include "face/detect.h"
#include "image/image.h"

#define FACE_ROW_COLUMNS 7

void
check_min_score(float4 min_score)
{
	if (isnan(min_score) || min_score < 0 || min_score > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_score must be between 0 and 1, not %g", min_score)));
}

void
check_rgb(const bytea *rgb, int32 width, int32 height)
{
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
}

FaceBox
face_box_arg(const BOX *b, int width, int height)
{
	FaceBox		box;
	FaceCrop	crop;

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
	/* clipped by corners: no width of 1e30 swallows a box's pixels */
	box.x = Max(b->low.x, 0);
	box.y = Max(b->low.y, 0);
	box.width = Min(b->high.x, width) - box.x;
	box.height = Min(b->high.y, height) - box.y;
	if (box.width <= 0 || box.height <= 0 ||
		face_box_crop(&box, width, height, &crop) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("face box (%g,%g),(%g,%g) holds no whole pixel of the %d x %d picture",
						b->high.x, b->high.y, b->low.x, b->low.y, width, height)));
	return box;
}

/* the rows of every face found in one picture */
static void
face_rows(FunctionCallInfo fcinfo, const uint8 *rgb, int width, int height,
		  float4 min_score, FaceColumnFunc column)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FoundFace  *faces = palloc(sizeof(FoundFace) * SSD_MAX_FACES);
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	n = face_find(rgb, width, height, min_score, faces);
	for (int i = 0; i < n; i++)
	{
		const FaceDetection *d = &faces[i].detection;
		Datum		values[FACE_ROW_COLUMNS];
		bool		nulls[FACE_ROW_COLUMNS] = {0};

		CHECK_FOR_INTERRUPTS();
		if (!column(rgb, width, height, &faces[i], &values[6]))
			continue;
		/* the face's rank among those found: the same in every function */
		values[0] = Int32GetDatum(i + 1);
		values[1] = Float4GetDatum((float4) d->box.x);
		values[2] = Float4GetDatum((float4) d->box.y);
		values[3] = Float4GetDatum((float4) d->box.width);
		values[4] = Float4GetDatum((float4) d->box.height);
		values[5] = Float4GetDatum((float4) d->score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(faces);
}

/*
 * The min_score argument (argument argno), or facerec.min_face_score when
 * the function has no such argument; checked.
 */
static float4
min_score_arg(FunctionCallInfo fcinfo, int argno)
{
	float4		min_score = PG_NARGS() > argno ? PG_GETARG_FLOAT4(argno) :
		(float4) face_min_score;

	check_min_score(min_score);
	return min_score;
}

Datum
face_rows_from_image(FunctionCallInfo fcinfo, FaceColumnFunc column)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	float4		min_score = min_score_arg(fcinfo, 1);
	RgbImage   *img;

	img = image_decode((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
	face_rows(fcinfo, img->pixels, img->width, img->height, min_score, column);
	pfree(img->pixels);
	pfree(img);
	return (Datum) 0;
}

Datum
face_rows_from_rgb(FunctionCallInfo fcinfo, FaceColumnFunc column)
{
	bytea	   *rgb = PG_GETARG_BYTEA_PP(0);
	int32		width = PG_GETARG_INT32(1);
	int32		height = PG_GETARG_INT32(2);
	float4		min_score;

	check_rgb(rgb, width, height);
	min_score = min_score_arg(fcinfo, 3);
	face_rows(fcinfo, (const uint8 *) VARDATA_ANY(rgb), width, height, min_score,
			  column);
	return (Datum) 0;
}

/* face_detect's last column: the 68 landmarks as a point[] */
static bool
landmark_column(const uint8 *rgb, int width, int height, const FoundFace *found,
				Datum *value)
{
	Datum		elems[FACE_LANDMARKS];
	Point	   *pts = palloc(sizeof(Point) * FACE_LANDMARKS);

	for (int i = 0; i < FACE_LANDMARKS; i++)
	{
		pts[i].x = found->points[2 * i];
		pts[i].y = found->points[2 * i + 1];
		elems[i] = PointPGetDatum(&pts[i]);
	}
	*value = PointerGetDatum(construct_array(elems, FACE_LANDMARKS, POINTOID,
											 sizeof(Point), false, TYPALIGN_DOUBLE));
	return true;
}

/* face_detect(image bytea [, min_score real]) */
PG_FUNCTION_INFO_V1(face_detect_image);
Datum
face_detect_image(PG_FUNCTION_ARGS)
{
	return face_rows_from_image(fcinfo, landmark_column);
}

/* face_detect(rgb bytea, width int, height int [, min_score real]) */
PG_FUNCTION_INFO_V1(face_detect_rgb);
Datum
face_detect_rgb(PG_FUNCTION_ARGS)
{
	return face_rows_from_rgb(fcinfo, landmark_column);
}
