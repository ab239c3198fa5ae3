/*
 * depthwise.c
 *		Depthwise convolution (MobileNet-style separable convolutions are
 *		this followed by a 1x1 nn_conv2d).
 *
 * NHWC keeps a pixel's channels contiguous, and so does the [k, k, c, 1]
 * filter for one tap: the innermost loop multiplies-adds a whole channel
 * vector, which the compiler vectorizes.  Taps over the padding are skipped.
 */
#include "nn/nn.h"

#include <stdio.h>
#include <string.h>

int
nn_depthwise_bind(NnDepthwise *dw, const NnWeights *weights, const char *prefix,
				  int k, int c, int stride, NnPadding padding, int with_bias,
				  NnError *err)
{
	char		name[128];
	int			fdims[4] = {k, k, c, 1};

	dw->k = k;
	dw->c = c;
	dw->stride = stride;
	dw->padding = padding;
	dw->bias = NULL;
	snprintf(name, sizeof(name), "%s/filters", prefix);
	dw->filters = nn_weights_find(weights, name, 4, fdims, err);
	if (dw->filters == NULL)
		return -1;
	if (!with_bias)
		return 0;
	snprintf(name, sizeof(name), "%s/bias", prefix);
	dw->bias = nn_weights_find(weights, name, 1, &c, err);
	return dw->bias ? 0 : -1;
}

void
nn_depthwise_conv2d(const NnDepthwise *dw, const NnTensor *in, NnTensor *out,
					NnActivation act)
{
	const int	k = dw->k;
	const int	c = dw->c;
	const int	s = dw->stride;
	const float *restrict src = in->data;
	float	   *restrict dst = out->data;
	int			top;
	int			left;

	out->h = nn_out_size(in->h, k, s, dw->padding);
	out->w = nn_out_size(in->w, k, s, dw->padding);
	out->c = c;
	top = nn_pad_before(in->h, out->h, k, s, dw->padding);
	left = nn_pad_before(in->w, out->w, k, s, dw->padding);
	for (int oy = 0; oy < out->h; oy++)
		for (int ox = 0; ox < out->w; ox++)
		{
			float	   *restrict o = dst + ((size_t) oy * out->w + ox) * c;

			memset(o, 0, c * sizeof(float));
			for (int ky = 0; ky < k; ky++)
			{
				const int	iy = oy * s - top + ky;

				if (iy < 0 || iy >= in->h)
					continue;
				for (int kx = 0; kx < k; kx++)
				{
					const int	ix = ox * s - left + kx;
					const float *restrict p;
					const float *restrict f;

					if (ix < 0 || ix >= in->w)
						continue;
					p = src + ((size_t) iy * in->w + ix) * c;
					f = dw->filters + ((size_t) ky * k + kx) * c;
					for (int j = 0; j < c; j++)
						o[j] += p[j] * f[j];
				}
			}
		}
	nn_bias_activate(dst, (size_t) out->h * out->w, c, dw->bias, act);
}
