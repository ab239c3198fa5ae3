/*
 * models.c
 *		The nets of this backend.  Each is opened on first use and kept for
 *		the life of the process: weights mapped read-only from the
 *		installation's share/extension/facerec_models (shared by all
 *		backends through the page cache), buffers malloc'd once outside any
 *		memory context.  A missing or corrupt file is an F0000
 *		(config_file_error) ERROR naming it.
 *
 *		facerec.nn_precision (int16): the arithmetic of the SSD detector's
 *		1x1 layers and of the recognition net's residual blocks, 'int16'
 *		(16-bit integers: each about 1.5x faster, results within the
 *		tolerances README "Inference engine" gives), 'float' (float32:
 *		face-api's results exactly) or 'int8' (the SSD's separable layers
 *		on u8 maps with 7-bit weights, faster again but coarser: borderline
 *		faces move across a threshold; the recognition net as int16).  Read
 *		on every use of either net.  It also sets the second check's MMOD
 *		net: float, or int16 for the other two.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include "face/models.h"
#include "face/pipeline.h"

int			face_nn_precision = NN_PRECISION_INT16;

static const struct config_enum_entry precision_options[] = {
	{"float", NN_PRECISION_FLOAT, false},
	{"int16", NN_PRECISION_INT16, false},
	{"int8", NN_PRECISION_INT8, false},
	{NULL, 0, false}
};

static FaceDetector *detector = NULL;
static TinyDetector *tiny_detector = NULL;
static FaceLandmarker *landmarkers[2] = {NULL, NULL};	/* full, tiny */
static FaceRecognizer *recognizer = NULL;
static MmodNet *mmod = NULL;

static void
model_path(const char *file, char *path, size_t size)
{
	char		share[MAXPGPATH];

	get_share_path(my_exec_path, share);
	snprintf(path, size, "%s/extension/facerec_models/%s", share, file);
}

static void
load_failed(const char *what, const NnError *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONFIG_FILE_ERROR),
			 errmsg("could not load the %s model", what),
			 errdetail("%s", err->msg),
			 errhint("Reinstall the facerec extension's files (make install).")));
}

/* the detector's check between layers: a pass can be cancelled */
static void
check_for_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

FaceDetector *
face_detector(void)
{
	char		path[MAXPGPATH];
	NnError		err;

	if (detector == NULL)
	{
		model_path(FACE_SSD_FILE, path, sizeof(path));
		detector = face_detector_open(path, &err);
		if (detector == NULL)
			load_failed("SSD face detection", &err);
		face_detector_set_check(detector, check_for_interrupts);
	}
	if (face_detector_set_precision(detector, face_nn_precision, &err) != 0)
		load_failed("SSD face detection", &err);
	return detector;
}

TinyDetector *
face_tiny_detector(void)
{
	char		path[MAXPGPATH];
	NnError		err;

	if (tiny_detector == NULL)
	{
		model_path(FACE_TINY_FILE, path, sizeof(path));
		tiny_detector = tiny_detector_open(path, &err);
		if (tiny_detector == NULL)
			load_failed("tiny face detection", &err);
		tiny_detector_set_check(tiny_detector, check_for_interrupts);
	}
	return tiny_detector;
}

FaceLandmarker *
face_landmarker(void)
{
	int			tiny = face_landmarks_choice == FACE_LANDMARKS_TINY;
	char		path[MAXPGPATH];
	NnError		err;

	if (landmarkers[tiny] == NULL)
	{
		model_path(tiny ? FACE_LANDMARK68_TINY_FILE : FACE_LANDMARK68_FILE, path,
				   sizeof(path));
		landmarkers[tiny] = face_landmarker_open(path, tiny, &err);
		if (landmarkers[tiny] == NULL)
			load_failed(tiny ? "tiny 68-point face landmark" : "68-point face landmark",
						&err);
	}
	return landmarkers[tiny];
}

FaceRecognizer *
face_recognizer(void)
{
	char		path[MAXPGPATH];
	NnError		err;

	if (recognizer == NULL)
	{
		model_path(FACE_RECOGNIZER_FILE, path, sizeof(path));
		recognizer = face_recognizer_open(path, &err);
		if (recognizer == NULL)
			load_failed("face recognition", &err);
	}
	face_recognizer_set_precision(recognizer, face_nn_precision);
	return recognizer;
}

MmodNet *
face_mmod(void)
{
	char		path[MAXPGPATH];
	NnError		err;

	if (mmod == NULL)
	{
		model_path(FACE_MMOD_FILE, path, sizeof(path));
		mmod = mmod_open(path, &err);
		if (mmod == NULL)
			load_failed("MMOD face detection", &err);
		mmod_set_check(mmod, check_for_interrupts);
	}
	mmod_set_precision(mmod, face_nn_precision);
	return mmod;
}

void
face_models_init(void)
{
	DefineCustomEnumVariable("facerec.nn_precision",
							 "Arithmetic of the SSD face detector's 1x1 layers and the recognition net's blocks: int16 (faster), float (face-api's results exactly) or int8 (the SSD's separable layers in u8 x s8: faster again, coarser).",
							 NULL,
							 &face_nn_precision,
							 NN_PRECISION_INT16,
							 precision_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}
