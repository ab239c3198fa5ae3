/*
 * net_input.h
 *		face-api's input tensor for its nets (NetInput.toBatchTensor, then
 *		the net's own normalization): pad an RGB8 picture to a square, resize
 *		it bilinearly to size x size, and normalize every channel value v to
 *		(v - mean[ch]) / divisor.  Shared by the recognizer (150, centred),
 *		the landmark net (112, centred) and the SSD detector (512, padding
 *		right/bottom only).  Plain C, for bench/ as well as the server.
 */
#ifndef FACEREC_NET_INPUT_H
#define FACEREC_NET_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* the RGB mean the recognition and landmark nets subtract (then / 255) */
#define FACE_API_RGB_MEAN {122.782f, 117.001f, 104.298f}

typedef struct NetInputSpec
{
	int			size;			/* output is size x size x 3 */
	int			centred;		/* pad on both sides (else right/bottom only) */
	float		mean[3];
	float		divisor;
	float		margin;			/* zero border on every side of the square,
								 * as a fraction of the picture's longer
								 * side (0 for face-api's own inputs) */
} NetInputSpec;

/* where a picture sits in the padded square its input is resized from */
typedef struct NetInputFrame
{
	int			side;			/* the square's side, picture pixels */
	int			left;			/* columns of padding before the picture */
	int			top;			/* rows of padding before the picture */
} NetInputFrame;

extern NetInputFrame face_net_input_frame(int width, int height,
										  const NetInputSpec *spec);

/*
 * face-api's way back from a detector's box, relative (0..1) to the square
 * padded right/bottom, to picture pixels: it takes the picture as resized
 * to round(width * size / longer side) (and the same for height), so
 * x pixels = x relative * to_x, with to_x = size / that rounded width *
 * width; the same for y.
 */
extern void face_net_input_unpad(int size, int width, int height,
								 double *to_x, double *to_y);

/*
 * rgb points at the top-left pixel of a width x height picture whose rows
 * are stride bytes apart (a crop of a larger picture is fine); out holds
 * size * size * 3 floats.
 */
extern void face_net_input(const uint8_t *rgb, int width, int height,
						   size_t stride, const NetInputSpec *spec, float *out);

#endif							/* FACEREC_NET_INPUT_H */
