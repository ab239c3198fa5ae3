/*
 * pipeline.c
 *		Photo pixels to faces (see pipeline.h).  Interrupts are checked
 *		between the detector's layers (models.c), after each look and
 *		between faces.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "face/align.h"
#include "face/face_api_crop.h"
#include "face/models.h"
#include "face/pipeline.h"

int
face_find(const uint8_t *rgb, int width, int height, double min_score,
		  FoundFace *faces)
{
	FaceDetection detections[SSD_MAX_FACES];
	int			found = 0;
	int			n;

	if (face_detector_choice == FACE_DETECTOR_TINY)
		n = tiny_detector_run(face_tiny_detector(), rgb, width, height, min_score,
							  detections);
	else
		n = face_detector_run(face_detector(), rgb, width, height, min_score,
							  detections);
	for (int look = 0; look < SSD_FRAMED_LOOKS && n == 0 && face_second_look &&
		 face_detector_choice == FACE_DETECTOR_SSD; look++)
	{
		CHECK_FOR_INTERRUPTS();
		n = face_detector_run_framed(face_detector(), rgb, width, height, look,
									 min_score, detections);
	}

	for (int i = 0; i < n; i++)
	{
		FoundFace  *f = &faces[found];

		CHECK_FOR_INTERRUPTS();
		f->detection = detections[i];
		/* face-api drops a face whose box has no pixel in the picture */
		if (face_landmarks_in_box(face_landmarker(), rgb, width, height,
								  &f->detection.box, f->points,
								  &f->landmark_crop) == 0)
			found++;
	}
	return found;
}

bool
face_describe(const uint8_t *rgb, int width, int height, const FoundFace *face,
			  float descriptor[FACE_DESCRIPTOR_DIM])
{
	FaceBox		box;
	FaceCrop	crop;

	if (face_alignment != FACE_ALIGN_FACE_API)
	{
		face_align_describe(rgb, width, height, face->points,
							(FaceAlignment) face_alignment, descriptor);
		return true;
	}
	box = face_api_crop(face->points, face->landmark_crop.width,
						face->landmark_crop.height);
	if (face_box_crop(&box, width, height, &crop) != 0)
		return false;
	face_recognizer_describe(face_recognizer(),
							 rgb + ((size_t) crop.y * width + crop.x) * 3,
							 crop.width, crop.height, (size_t) width * 3,
							 descriptor);
	return true;
}
