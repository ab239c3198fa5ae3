/*
 * ssd.h
 *		face-api's SSD MobileNetV1 face detector (ssd_mobilenetv1_model) on
 *		src/nn: an RGB8 picture in, scored face boxes in picture pixels out,
 *		exactly as face-api's SsdMobilenetv1.locateFaces.  Plain C, so that
 *		bench/ can drive it without a server.
 */
#ifndef FACEREC_SSD_H
#define FACEREC_SSD_H

#include <stdint.h>

#include "face/landmarks.h"
#include "nn/nn.h"

#define SSD_INPUT 512
#define SSD_BOXES 5118			/* anchors over the six feature maps */
#define SSD_MAX_FACES 100		/* face-api's maxResults */
#define SSD_IOU_THRESHOLD 0.5

/*
 * The framed looks (face_detector_run_framed): the picture at half, then a
 * third of its size.  On LFW dev, of the 222 photos with no face at full
 * size the first finds 219 (a third alone would find 184), the second 2 of
 * the other 3.
 */
#define SSD_FRAMED_LOOKS 2

/*
 * The smallest face a framed look reports, relative to the picture's
 * longer side.  On LFW dev the largest box of each photo the first framed
 * look finds is 0.37 of the side or more; its smaller boxes are faces (or
 * dogs) the full-size look saw at twice the resolution and turned down.
 */
#define SSD_FRAMED_MIN_FACE (1.0 / 3.0)
#define FACE_SSD_FILE "ssd_mobilenetv1_model.frw"

typedef struct FaceDetector FaceDetector;

typedef struct FaceDetection
{
	FaceBox		box;			/* picture pixels */
	double		score;			/* sigmoid of the face logit, (0, 1) */
} FaceDetection;

/* map the weights and allocate every buffer once (about 40 MB) */
extern FaceDetector *face_detector_open(const char *weights_path, NnError *err);
extern void face_detector_close(FaceDetector *det);

/*
 * The arithmetic of the 1x1 layers (most of the work): NN_PRECISION_FLOAT
 * (face-api's results, the default at open), NN_PRECISION_INT16 (see
 * nn.h, NnQConv) or NN_PRECISION_INT8 (the separable layers on u8 maps,
 * NnQ8Conv, whose weights are prepared here on first use: -1 with err
 * set when that fails, the precision unchanged; README "Inference engine"
 * gives the differences).
 */
extern int	face_detector_set_precision(FaceDetector *det, NnPrecision precision,
										NnError *err);

/*
 * check (e.g. PostgreSQL's interrupt check) is called between the layers
 * of every pass; it may longjmp out: a pass keeps nothing but its own
 * buffers, so an abandoned pass leaves the detector ready for the next.
 */
extern void face_detector_set_check(FaceDetector *det, void (*check) (void));

/*
 * The faces of a width x height RGB8 picture (stride 3 * width) scoring
 * above min_score, after greedy non-maximum suppression at IoU 0.5, best
 * first: at most SSD_MAX_FACES, their number returned.
 */
extern int	face_detector_run(FaceDetector *det, const uint8_t *rgb, int width,
							  int height, double min_score,
							  FaceDetection faces[SSD_MAX_FACES]);

/*
 * face_detector_run on the picture centred in a zero frame (not in
 * face-api) twice its longer side (look 0) or three times (look 1): finds
 * faces that fill the picture, which the net scores low at full size.
 * Boxes are clipped to the picture; only those whose longer side is at
 * least SSD_FRAMED_MIN_FACE of the picture's longer side are kept.
 */
extern int	face_detector_run_framed(FaceDetector *det, const uint8_t *rgb,
									 int width, int height, int look,
									 double min_score,
									 FaceDetection faces[SSD_MAX_FACES]);

/* a box that scored above the threshold, for face_nms */
typedef struct FaceCandidate
{
	float		score;
	int			index;
} FaceCandidate;

/*
 * Greedy non-maximum suppression as face-api's SSD does it: candidates
 * scoring above min_score by falling score (stable), each kept unless its
 * IoU with a kept box exceeds iou_threshold.  boxes are [ymin, xmin, ymax,
 * xmax]; keep receives at most max_keep indexes; returns their number.
 * scratch holds n candidates.
 */
extern int	face_nms(const float (*boxes)[4], const float *scores, int n,
					 double min_score, double iou_threshold, int max_keep,
					 int *keep, FaceCandidate *scratch);

/*
 * What a detector (SSD, tiny, MMOD) needs besides its layers: its weights,
 * the input tensor, two ping-pong activation maps, im2col scratch, the
 * decoded boxes ([ymin, xmin, ymax, xmax], relative to the input square)
 * and scores of every anchor, NMS scratch and result (none for MMOD, which
 * scores a map), and the check called between layers (or NULL).  Allocated
 * once at open (detector_buffers.c); the struct starts zeroed.
 */
typedef struct DetectorBuffers
{
	NnWeights  *weights;
	float	   *input;
	float	   *act[2];
	float	   *scratch;
	float		(*boxes)[4];
	float	   *scores;
	FaceCandidate *candidates;
	int			keep[SSD_MAX_FACES];
	void		(*check) (void);
} DetectorBuffers;

/*
 * Allocate buf's buffers (buf->weights is the caller's to open before):
 * input and scratch of the floats given, two maps of map floats, n_boxes
 * anchors (0: no box buffers).  Returns 0, or -1 with err set (out of
 * memory).
 */
extern int	detector_buffers_alloc(DetectorBuffers *buf, size_t input, size_t map,
								   size_t scratch, int n_boxes, NnError *err);

/* free buf's buffers and close its weights */
extern void detector_buffers_free(DetectorBuffers *buf);

/*
 * The float32 net's first look at a picture, up to its last separable
 * layer: adds to sums, layer by layer (1 to 13, their input channels one
 * after the other), the mean over the map of each input of the layer's 1x1
 * half.  The calibration of the int8 biases (bench/ssd_calibrate.sh).
 */
#define SSD_POINTWISE_INPUTS 4960
extern void face_detector_pointwise_means(FaceDetector *det, const uint8_t *rgb,
										  int width, int height,
										  double sums[SSD_POINTWISE_INPUTS]);

#endif							/* FACEREC_SSD_H */
