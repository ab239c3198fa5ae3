/*
 * nms.c
 *		Greedy non-maximum suppression, as face-api's SSD post-processing
 *		(ssdMobilenetv1/nonMaxSuppression.ts) does it: IoU on the raw,
 *		unclipped boxes in doubles; a box with no overlap (IoU 0) or an
 *		empty area never suppresses.
 */
#include "face/ssd.h"

#include <stdlib.h>

/* by falling score, ties by index: JavaScript's sort is stable */
static int
candidate_cmp(const void *a, const void *b)
{
	const FaceCandidate *x = a;
	const FaceCandidate *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->index - y->index;
}

static double
iou(const float *a, const float *b)
{
	double		ay0 = a[0] < a[2] ? a[0] : a[2];
	double		ax0 = a[1] < a[3] ? a[1] : a[3];
	double		ay1 = a[0] < a[2] ? a[2] : a[0];
	double		ax1 = a[1] < a[3] ? a[3] : a[1];
	double		by0 = b[0] < b[2] ? b[0] : b[2];
	double		bx0 = b[1] < b[3] ? b[1] : b[3];
	double		by1 = b[0] < b[2] ? b[2] : b[0];
	double		bx1 = b[1] < b[3] ? b[3] : b[1];
	double		area_a = (ay1 - ay0) * (ax1 - ax0);
	double		area_b = (by1 - by0) * (bx1 - bx0);
	double		ih;
	double		iw;
	double		inter;

	if (area_a <= 0 || area_b <= 0)
		return 0.0;
	ih = (ay1 < by1 ? ay1 : by1) - (ay0 > by0 ? ay0 : by0);
	iw = (ax1 < bx1 ? ax1 : bx1) - (ax0 > bx0 ? ax0 : bx0);
	inter = (ih > 0 ? ih : 0) * (iw > 0 ? iw : 0);
	return inter / (area_a + area_b - inter);
}

int
face_nms(const float (*boxes)[4], const float *scores, int n, double min_score,
		 double iou_threshold, int max_keep, int *keep, FaceCandidate *cand)
{
	int			ncand = 0;
	int			nkeep = 0;

	for (int i = 0; i < n; i++)
		if ((double) scores[i] > min_score)
			cand[ncand++] = (FaceCandidate) {scores[i], i};
	qsort(cand, ncand, sizeof(FaceCandidate), candidate_cmp);
	for (int c = 0; c < ncand && nkeep < max_keep; c++)
	{
		int			suppressed = 0;

		for (int j = nkeep - 1; j >= 0 && !suppressed; j--)
			suppressed = iou(boxes[cand[c].index], boxes[keep[j]]) > iou_threshold;
		if (!suppressed)
			keep[nkeep++] = cand[c].index;
	}
	return nkeep;
}
