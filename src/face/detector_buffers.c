/*
 * detector_buffers.c
 *		The buffers the detectors share the shape of (ssd.h,
 *		DetectorBuffers).
 */
#include "face/ssd.h"

#include <stdio.h>
#include <stdlib.h>

int
detector_buffers_alloc(DetectorBuffers *buf, size_t input, size_t map,
					   size_t scratch, int n_boxes, NnError *err)
{
	buf->input = nn_alloc_floats(input);
	buf->act[0] = nn_alloc_floats(map);
	buf->act[1] = nn_alloc_floats(map);
	buf->scratch = nn_alloc_floats(scratch);
	if (n_boxes > 0)
	{
		buf->boxes = (float (*)[4]) nn_alloc_floats((size_t) n_boxes * 4);
		buf->scores = nn_alloc_floats(n_boxes);
		buf->candidates = malloc(sizeof(FaceCandidate) * n_boxes);
	}
	if (buf->input && buf->act[0] && buf->act[1] && buf->scratch &&
		(n_boxes == 0 || (buf->boxes && buf->scores && buf->candidates)))
		return 0;
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -1;
}

void
detector_buffers_free(DetectorBuffers *buf)
{
	nn_weights_close(buf->weights);
	free(buf->input);
	free(buf->act[0]);
	free(buf->act[1]);
	free(buf->scratch);
	free(buf->boxes);
	free(buf->scores);
	free(buf->candidates);
}
