/*
 * pool.c
 *		Max, average and global average pooling over NHWC tensors.  The inner
 *		loops run over channels, which are contiguous, so they vectorize.
 */
#include "nn/nn.h"

#include <math.h>
#include <string.h>

void
nn_max_pool(const NnTensor *in, NnTensor *out, int k, int stride, NnPadding padding)
{
	const int	c = in->c;
	int			top;
	int			left;

	out->h = nn_out_size(in->h, k, stride, padding);
	out->w = nn_out_size(in->w, k, stride, padding);
	out->c = c;
	top = nn_pad_before(in->h, out->h, k, stride, padding);
	left = nn_pad_before(in->w, out->w, k, stride, padding);
	for (int oy = 0; oy < out->h; oy++)
		for (int ox = 0; ox < out->w; ox++)
		{
			float	   *o = out->data + ((size_t) oy * out->w + ox) * c;

			for (int j = 0; j < c; j++)
				o[j] = -INFINITY;
			for (int ky = 0; ky < k; ky++)
			{
				const int	iy = oy * stride - top + ky;

				if (iy < 0 || iy >= in->h)
					continue;
				for (int kx = 0; kx < k; kx++)
				{
					const int	ix = ox * stride - left + kx;
					const float *p;

					if (ix < 0 || ix >= in->w)
						continue;
					p = in->data + ((size_t) iy * in->w + ix) * c;
					for (int j = 0; j < c; j++)
						o[j] = p[j] > o[j] ? p[j] : o[j];
				}
			}
		}
}

void
nn_avg_pool(const NnTensor *in, NnTensor *out, int k, int stride)
{
	const int	c = in->c;
	const float inv = 1.0f / (float) (k * k);

	out->h = nn_out_size(in->h, k, stride, NN_PAD_VALID);
	out->w = nn_out_size(in->w, k, stride, NN_PAD_VALID);
	out->c = c;
	for (int oy = 0; oy < out->h; oy++)
		for (int ox = 0; ox < out->w; ox++)
		{
			float	   *o = out->data + ((size_t) oy * out->w + ox) * c;

			memset(o, 0, c * sizeof(float));
			for (int ky = 0; ky < k; ky++)
				for (int kx = 0; kx < k; kx++)
				{
					const float *p = in->data +
						((size_t) (oy * stride + ky) * in->w + ox * stride + kx) * c;

					for (int j = 0; j < c; j++)
						o[j] += p[j];
				}
			for (int j = 0; j < c; j++)
				o[j] *= inv;
		}
}

void
nn_global_avg_pool(const NnTensor *in, float *out)
{
	const size_t n = (size_t) in->h * in->w;

	memset(out, 0, in->c * sizeof(float));
	for (size_t i = 0; i < n; i++)
	{
		const float *p = in->data + i * in->c;

		for (int j = 0; j < in->c; j++)
			out[j] += p[j];
	}
	for (int j = 0; j < in->c; j++)
		out[j] /= (float) n;
}
