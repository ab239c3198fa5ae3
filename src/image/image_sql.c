/*
 * image_sql.c
 *		SQL functions of the image room: image_info (headers only),
 *		image_thumbnail (decode, upright, scale, JPEG), image_rgb (the
 *		decoded upright pixels) and image_warp_rgb (an affine warp of them),
 *		the last two for tests and applications that want raw pixels.
 */
#include "postgres.h"

#include "fmgr.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "image/image.h"

/* largest side image_thumbnail produces */
#define THUMBNAIL_MAX_SIDE 8192
#define THUMBNAIL_QUALITY 85

PG_FUNCTION_INFO_V1(facerec_image_info);
Datum
facerec_image_info(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ImageInfo	info;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	image_read_info((const uint8 *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), &info);

	InitMaterializedSRF(fcinfo, 0);
	values[0] = CStringGetTextDatum(image_format_name(info.format));
	values[1] = Int32GetDatum(info.width);
	values[2] = Int32GetDatum(info.height);
	values[3] = Int32GetDatum(info.orientation);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(facerec_image_thumbnail);
Datum
facerec_image_thumbnail(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	int32		size = PG_GETARG_INT32(1);
	RgbImage   *img;
	RgbImage   *thumb;
	int			w,
				h;

	if (size < 1 || size > THUMBNAIL_MAX_SIDE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("thumbnail size must be between 1 and %d, not %d",
						THUMBNAIL_MAX_SIDE, size)));

	img = image_decode((const uint8 *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw));
	/* the longer side becomes size; the shorter keeps the aspect, at least 1 */
	if (img->width >= img->height)
	{
		w = size;
		h = Max(1, (int) (((int64) img->height * size + img->width / 2) / img->width));
	}
	else
	{
		h = size;
		w = Max(1, (int) (((int64) img->width * size + img->height / 2) / img->height));
	}
	thumb = image_resize(img, w, h);
	pfree(img->pixels);
	PG_RETURN_BYTEA_P(image_encode_jpeg(thumb, THUMBNAIL_QUALITY));
}

/* RGB8 pixels as a bytea, row by row */
static bytea *
rgb_bytea(const RgbImage *img)
{
	Size		n = (Size) 3 * img->width * img->height;
	bytea	   *result;

	if (n > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("decoded image of %dx%d does not fit in a bytea",
						img->width, img->height)));
	result = palloc(VARHDRSZ + n);
	SET_VARSIZE(result, VARHDRSZ + n);
	memcpy(VARDATA(result), img->pixels, n);
	return result;
}

PG_FUNCTION_INFO_V1(facerec_image_rgb);
Datum
facerec_image_rgb(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_BYTEA_P(rgb_bytea(image_decode((const uint8 *) VARDATA_ANY(raw),
											 VARSIZE_ANY_EXHDR(raw))));
}

PG_FUNCTION_INFO_V1(facerec_image_warp_rgb);
Datum
facerec_image_warp_rgb(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	ArrayType  *matrix = PG_GETARG_ARRAYTYPE_P(1);
	int32		width = PG_GETARG_INT32(2);
	int32		height = PG_GETARG_INT32(3);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	double		m[6];
	RgbImage   *img;

	deconstruct_array(matrix, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	if (n != 6 || ARR_NDIM(matrix) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("warp matrix must have 6 elements: {m0,m1,m2,m3,m4,m5}")));
	for (int i = 0; i < 6; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("warp matrix must not contain NULL")));
		m[i] = DatumGetFloat8(elems[i]);
	}
	if (width < 1 || height < 1 || width > THUMBNAIL_MAX_SIDE || height > THUMBNAIL_MAX_SIDE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("warp output must be between 1x1 and %dx%d", THUMBNAIL_MAX_SIDE,
						THUMBNAIL_MAX_SIDE)));

	img = image_decode((const uint8 *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw));
	PG_RETURN_BYTEA_P(rgb_bytea(image_warp_affine(img, m, width, height)));
}
