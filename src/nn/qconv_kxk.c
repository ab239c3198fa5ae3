/*
 * qconv_kxk.c
 *		Any convolution (k x k, any stride and padding) in 16-bit integers,
 *		on an input >= 0 of any range (a ReLU output, as every layer of the
 *		recognition net after its first one reads).
 *
 * A call quantizes its input with its own step, max(input) /
 * NN_QCONV_IN_MAX (the range is not known in advance, unlike a ReLU6
 * output's), scales the prepared per-channel factors to that step, lays
 * the patches out as int16 im2col rows in conv.c's (ky, kx, ci) order,
 * which is the order of the prepared weight rows, and runs qconv.c's
 * integer kernel over them, in bands of output rows whose im2col rows stay
 * in the L2 cache.  Overflow is excluded as for a 1x1 layer: every input
 * is at most NN_QCONV_IN_MAX steps, whatever the step.
 *
 * Scratch layout (floats, 64-byte aligned): the scaled factors (np, a
 * multiple of 16 floats), one band of im2col rows, the quantized input.
 */
#include "nn/nn.h"

#include <string.h>

#define BAND_BYTES (128 * 1024)	/* im2col rows per band */

/* output pixels per band: whole output rows, at least one */
static int
band_rows(const NnQConv *q, int ow)
{
	int			rows = BAND_BYTES / ((int) sizeof(int16_t) * q->kp * ow);

	return rows < 1 ? 1 : rows;
}

size_t
nn_qconv_dynamic_scratch_size(const NnQConv *q, int in_h, int in_w)
{
	int			oh = nn_out_size(in_h, q->k, q->stride, q->padding);
	int			ow = nn_out_size(in_w, q->k, q->stride, q->padding);
	int			band = band_rows(q, ow) < oh ? band_rows(q, ow) : oh;
	size_t		cols = (size_t) band * ow * q->kp;
	size_t		input = (size_t) in_h * in_w * q->cin;

	/* int16 counted as floats, each part rounded up to 64 bytes */
	return q->np + (cols + 31) / 32 * 16 + (input + 31) / 32 * 16;
}

/* the input in steps of 1 / inv, clamped to [0, NN_QCONV_IN_MAX] */
static void
quantize_input(const float *x, size_t n, float inv, int16_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = nn_quantize(x[i], inv);
}

static float
max_value(const float *x, size_t n)
{
	float		m = 0;

	for (size_t i = 0; i < n; i++)
		m = x[i] > m ? x[i] : m;
	return m;
}

/*
 * im2col rows of output rows oy0 .. oy1 - 1 from the quantized h x w x cin
 * input qin, rows of q->kp (a last odd column zero)
 */
static void
im2col(const NnQConv *q, const int16_t *qin, int h, int w, int oh, int ow,
	   int oy0, int oy1, int16_t *cols)
{
	const int	k = q->k;
	const int	s = q->stride;
	const int	cin = q->cin;
	const int	top = nn_pad_before(h, oh, k, s, q->padding);
	const int	left = nn_pad_before(w, ow, k, s, q->padding);
	int16_t    *dst = cols;

	for (int oy = oy0; oy < oy1; oy++)
		for (int ox = 0; ox < ow; ox++)
		{
			int16_t    *row = dst;

			for (int ky = 0; ky < k; ky++)
			{
				const int	iy = oy * s - top + ky;

				for (int kx = 0; kx < k; kx++)
				{
					const int	ix = ox * s - left + kx;

					if (iy < 0 || iy >= h || ix < 0 || ix >= w)
						memset(dst, 0, cin * sizeof(int16_t));
					else
						memcpy(dst, qin + ((size_t) iy * w + ix) * cin,
							   cin * sizeof(int16_t));
					dst += cin;
				}
			}
			if (q->kp != q->kk)
				*dst++ = 0;
			/* every row is kp long */
			dst = row + q->kp;
		}
}

void
nn_qconv2d_dynamic(const NnQConv *q, const NnTensor *in, NnTensor *out,
				   NnActivation act, void *scratch)
{
	const int	oh = nn_out_size(in->h, q->k, q->stride, q->padding);
	const int	ow = nn_out_size(in->w, q->k, q->stride, q->padding);
	const int	band = band_rows(q, ow);
	const size_t n = NN_TENSOR_SIZE(in);
	float	   *scale = scratch;
	int16_t    *cols = (int16_t *) (scale + q->np);
	int16_t    *qin = cols + ((size_t) (band < oh ? band : oh) * ow * q->kp + 31) / 32 * 32;
	float		max = max_value(in->data, n);
	float		step = max > 0 ? max / NN_QCONV_IN_MAX : 1.0f;
	NnQConv		local = *q;

	out->h = oh;
	out->w = ow;
	out->c = q->cout;
	/* the prepared factors are for q->in_step: rescaled to this step */
	for (int i = 0; i < q->np; i++)
		scale[i] = q->scale[i] / q->in_step * step;
	local.scale = scale;
	quantize_input(in->data, n, 1.0f / step, qin);
	for (int oy = 0; oy < oh; oy += band)
	{
		int			rows = oh - oy < band ? oh - oy : band;
		NnQTensor	c = {rows * ow, 1, q->kk, cols};
		NnTensor	o = {0, 0, 0, out->data + (size_t) oy * ow * q->cout};

		im2col(q, qin, in->h, in->w, oh, ow, oy, oy + rows, cols);
		nn_qconv2d_quantized(&local, &c, &o, act);
	}
}
