/*
 * detect.c
 *		SQL face_detect: the faces of a picture with the SSD detector and
 *		their 68 landmarks, exactly as face-api's
 *		detectAllFaces(SsdMobilenetv1Options).withFaceLandmarks() gives them.
 *
 * The picture is decoded at full size (EXIF applied) so that the landmark
 * crops see every pixel; the detector itself sees a 512x512 copy.  Both
 * nets are opened on first use in each backend and kept (models.c).  The
 * detector's forward pass is one uninterruptible stretch of about 0.1-0.3 s;
 * interrupts are checked after it and between faces.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/geo_decls.h"

#include "face/landmarks.h"
#include "face/models.h"
#include "face/ssd.h"
#include "image/image.h"

#define FACE_DETECT_COLUMNS 7

static FaceDetector *detector = NULL;
static FaceLandmarker *landmarker = NULL;

static FaceDetector *
get_detector(void)
{
	char		path[MAXPGPATH];
	NnError		err;

	if (detector == NULL)
	{
		face_model_path(FACE_SSD_FILE, path, sizeof(path));
		detector = face_detector_open(path, &err);
		if (detector == NULL)
			face_model_load_failed("SSD face detection", &err);
	}
	return detector;
}

static FaceLandmarker *
get_landmarker(void)
{
	char		path[MAXPGPATH];
	NnError		err;

	if (landmarker == NULL)
	{
		face_model_path(FACE_LANDMARK68_FILE, path, sizeof(path));
		landmarker = face_landmarker_open(path, &err);
		if (landmarker == NULL)
			face_model_load_failed("68-point face landmark", &err);
	}
	return landmarker;
}

static void
check_min_score(float4 min_score)
{
	if (isnan(min_score) || min_score < 0 || min_score > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_score must be between 0 and 1, not %g", min_score)));
}

/* the 68 points as a point[] */
static Datum
landmark_array(const double points[2 * FACE_LANDMARKS])
{
	Datum		elems[FACE_LANDMARKS];
	Point	   *pts = palloc(sizeof(Point) * FACE_LANDMARKS);

	for (int i = 0; i < FACE_LANDMARKS; i++)
	{
		pts[i].x = points[2 * i];
		pts[i].y = points[2 * i + 1];
		elems[i] = PointPGetDatum(&pts[i]);
	}
	return PointerGetDatum(construct_array(elems, FACE_LANDMARKS, POINTOID,
										   sizeof(Point), false, TYPALIGN_DOUBLE));
}

/* detect, find landmarks, and return the rows of face_detect */
static void
detect_faces(FunctionCallInfo fcinfo, const uint8 *rgb, int width, int height,
			 float4 min_score)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FaceDetection faces[SSD_MAX_FACES];
	int			n;
	int			row = 0;

	check_min_score(min_score);
	InitMaterializedSRF(fcinfo, 0);
	n = face_detector_run(get_detector(), rgb, width, height, min_score, faces);
	for (int i = 0; i < n; i++)
	{
		double		points[2 * FACE_LANDMARKS];
		Datum		values[FACE_DETECT_COLUMNS];
		bool		nulls[FACE_DETECT_COLUMNS] = {0};

		CHECK_FOR_INTERRUPTS();
		/* face-api drops a face whose box has no pixel in the picture */
		if (face_landmarks_in_box(get_landmarker(), rgb, width, height,
								  &faces[i].box, points) != 0)
			continue;
		values[0] = Int32GetDatum(++row);
		values[1] = Float4GetDatum((float4) faces[i].box.x);
		values[2] = Float4GetDatum((float4) faces[i].box.y);
		values[3] = Float4GetDatum((float4) faces[i].box.width);
		values[4] = Float4GetDatum((float4) faces[i].box.height);
		values[5] = Float4GetDatum((float4) faces[i].score);
		values[6] = landmark_array(points);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* face_detect(image bytea, min_score real) */
PG_FUNCTION_INFO_V1(face_detect_image);
Datum
face_detect_image(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	float4		min_score = PG_GETARG_FLOAT4(1);
	RgbImage   *img;

	check_min_score(min_score);
	img = image_decode((const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
	detect_faces(fcinfo, img->pixels, img->width, img->height, min_score);
	pfree(img->pixels);
	pfree(img);
	return (Datum) 0;
}

/* face_detect(rgb bytea, width int, height int, min_score real) */
PG_FUNCTION_INFO_V1(face_detect_rgb);
Datum
face_detect_rgb(PG_FUNCTION_ARGS)
{
	bytea	   *rgb = PG_GETARG_BYTEA_PP(0);
	int32		width = PG_GETARG_INT32(1);
	int32		height = PG_GETARG_INT32(2);
	float4		min_score = PG_GETARG_FLOAT4(3);
	size_t		len = VARSIZE_ANY_EXHDR(rgb);

	if (width <= 0 || height <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("image width and height must be positive, not %d x %d",
						width, height)));
	if (len % 3 != 0 || len / 3 != (uint64) width * (uint64) height)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("RGB data of %zu bytes is not a %d x %d image", len, width, height),
				 errdetail("Expected 3 bytes (R, G, B) per pixel, rows top to bottom.")));
	detect_faces(fcinfo, (const uint8 *) VARDATA_ANY(rgb), width, height, min_score);
	return (Datum) 0;
}
