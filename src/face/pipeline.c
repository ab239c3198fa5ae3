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
#include "face/face_check.h"
#include "face/models.h"
#include "face/pipeline.h"
#include "face/refine.h"

int
face_place_landmarks(const uint8_t *rgb, int width, int height, int min_passes,
					 FoundFace *face)
{
	if (face_landmarks_in_box(face_landmarker(), rgb, width, height,
							  &face->detection.box, face->points,
							  &face->landmark_crop) != 0)
		return -1;
	face_landmarks_refine(face_landmarker(), rgb, width, height,
						  Max(face_refine_passes, min_passes), face->points);
	return 0;
}

/*
 * The main face among n detections, best first (see face_find_main), or
 * -1; boxes whose longer side is below min_side do not count.
 */
static int
choose_main(const FaceDetection *d, int n, int width, int height, double min_side)
{
	int			main = -1;
	bool		main_central = false;
	double		main_area = -1;

	for (int i = 0; i < n; i++)
	{
		const FaceBox *b = &d[i].box;
		double		area = b->width * b->height;
		bool		central = b->x <= width / 2.0 && width / 2.0 <= b->x + b->width &&
			b->y <= height / 2.0 && height / 2.0 <= b->y + b->height;

		if (Max(b->width, b->height) < min_side)
			continue;
		/* a central box beats any other; then a strictly larger box wins */
		if ((central && !main_central) ||
			(central == main_central && area > main_area))
		{
			main = i;
			main_central = central;
			main_area = area;
		}
	}
	return main;
}

/* removes detections[i] of n, keeping the others' order; returns n - 1 */
static int
drop_detection(FaceDetection *detections, int n, int i)
{
	memmove(&detections[i], &detections[i + 1], sizeof(FaceDetection) * (n - 1 - i));
	return n - 1;
}

/* keeps, in their order, the n detections that pass the second check */
static int
keep_verified(const uint8_t *rgb, int width, int height, FaceDetection *detections,
			  int n)
{
	int			kept = 0;

	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (face_box_verified(rgb, width, height, &detections[i].box))
			detections[kept++] = detections[i];
	}
	return kept;
}

/*
 * Drops, in the order choose_main would take them, the detections whose
 * box fails the second check, until the main one passes (or none is
 * left); returns how many are left.  The main face among the passing boxes
 * is then choose_main's pick, and only the boxes tried were checked.
 */
static int
keep_main_verified(const uint8_t *rgb, int width, int height,
				   FaceDetection *detections, int n)
{
	while (n > 0)
	{
		int			main = choose_main(detections, n, width, height, 0);

		CHECK_FOR_INTERRUPTS();
		if (face_box_verified(rgb, width, height, &detections[main].box))
			break;
		n = drop_detection(detections, n, main);
	}
	return n;
}

/*
 * The detector's boxes scoring above min_score, best first, into
 * detections (SSD_MAX_FACES of them): facerec.detector's pass, then the
 * SSD's framed looks while none passes the second check and
 * facerec.second_look is on.  Every box passes the check, or, with
 * main_only, the main one (keep_main_verified).
 */
static int
find_boxes(const uint8_t *rgb, int width, int height, double min_score,
		   bool main_only, FaceDetection *detections)
{
	int			(*keep) (const uint8_t *, int, int, FaceDetection *, int) =
		main_only ? keep_main_verified : keep_verified;
	int			n;

	if (face_detector_choice == FACE_DETECTOR_TINY)
		n = tiny_detector_run(face_tiny_detector(), rgb, width, height,
							  (size_t) width * 3, face_tiny_input_size, min_score,
							  detections);
	else
		n = face_detector_run(face_detector(), rgb, width, height, min_score,
							  detections);
	n = keep(rgb, width, height, detections, n);
	for (int look = 0; look < SSD_FRAMED_LOOKS && n == 0 && face_second_look &&
		 face_detector_choice == FACE_DETECTOR_SSD; look++)
	{
		CHECK_FOR_INTERRUPTS();
		n = face_detector_run_framed(face_detector(), rgb, width, height, look,
									 min_score, detections);
		n = keep(rgb, width, height, detections, n);
	}
	return n;
}

int
face_find(const uint8_t *rgb, int width, int height, double min_score,
		  FoundFace *faces)
{
	FaceDetection detections[SSD_MAX_FACES];
	int			found = 0;
	int			n = find_boxes(rgb, width, height, min_score, false, detections);

	for (int i = 0; i < n; i++)
	{
		FoundFace  *f = &faces[found];

		CHECK_FOR_INTERRUPTS();
		f->detection = detections[i];
		/* face-api drops a face whose box has no pixel in the picture */
		if (face_place_landmarks(rgb, width, height, 0, f) == 0)
			found++;
	}
	return found;
}

/*
 * The fast path's detection: the tiny detector at a small input on the
 * whole picture (see pipeline.h); its main box if it passes the second
 * check, else false.
 */
static bool
fast_main_box(const uint8_t *rgb, int width, int height, double min_score,
			  FaceDetection *main)
{
	FaceDetection detections[SSD_MAX_FACES];
	int			n;
	int			best;
	int			longer = Max(width, height);

	if (!face_fast_main || face_detector_choice != FACE_DETECTOR_SSD ||
		longer > FAST_MAX_SIDE)
		return false;
	n = tiny_detector_run(face_tiny_detector(), rgb, width, height, (size_t) width * 3,
						  FAST_INPUT, min_score, detections);
	best = choose_main(detections, n, width, height, FAST_MIN_FACE * longer);
	if (best < 0 || !face_box_verified(rgb, width, height, &detections[best].box))
		return false;
	*main = detections[best];
	return true;
}

bool
face_find_main(const uint8_t *rgb, int width, int height, double min_score,
			   FoundFace *face)
{
	FaceDetection detections[SSD_MAX_FACES];
	int			n;

	if (fast_main_box(rgb, width, height, min_score, &face->detection) &&
		face_place_landmarks(rgb, width, height, FAST_REFINE_PASSES, face) == 0)
		return true;

	/*
	 * The second check and landmarks for the main box only; a box face_find
	 * would drop (no pixel in the picture) leaves the choice, which is then
	 * made again among the others in their order.
	 */
	n = find_boxes(rgb, width, height, min_score, true, detections);
	while (n > 0)
	{
		int			main = choose_main(detections, n, width, height, 0);

		CHECK_FOR_INTERRUPTS();
		face->detection = detections[main];
		if (face_place_landmarks(rgb, width, height, 0, face) == 0)
			return true;
		n = drop_detection(detections, n, main);
		n = keep_main_verified(rgb, width, height, detections, n);
	}
	return false;
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
