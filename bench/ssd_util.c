/*
 * ssd_util.c
 *		What the SSD's bench drivers share (ssd_util.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "ssd_util.h"

const char *const ssd_precision_name[SSD_N_PRECISIONS] = {"float32", "int16", "int8"};
const NnPrecision ssd_precisions[SSD_N_PRECISIONS] = {
	NN_PRECISION_FLOAT, NN_PRECISION_INT16, NN_PRECISION_INT8
};

FaceDetector *
ssd_open(const char *weights_path)
{
	NnError		err;
	FaceDetector *det = face_detector_open(weights_path, &err);

	if (det == NULL)
	{
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	return det;
}

void
ssd_prepare_precisions(FaceDetector *det)
{
	NnError		err;

	for (int p = 0; p < SSD_N_PRECISIONS; p++)
		if (face_detector_set_precision(det, ssd_precisions[p], &err) != 0)
		{
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
}
