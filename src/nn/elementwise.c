/*
 * elementwise.c
 *		Residual additions with ReLU, plain and with zero padding.
 */
#include "nn/nn.h"

void
nn_add_relu(NnTensor *x, const NnTensor *y)
{
	const size_t n = NN_TENSOR_SIZE(x);

	for (size_t i = 0; i < n; i++)
	{
		float		v = x->data[i] + y->data[i];

		x->data[i] = v > 0.0f ? v : 0.0f;
	}
}

void
nn_add_padded_relu(const NnTensor *a, const NnTensor *b, NnTensor *out)
{
	const int	h = b->h;
	const int	w = b->w;
	const int	c = a->c;

	/*
	 * Walk backwards: out may alias a, and out's pixels lie at or after a's
	 * pixels with the same coordinates (out is at least as large).
	 */
	for (int y = h - 1; y >= 0; y--)
		for (int x = w - 1; x >= 0; x--)
		{
			const int	inside = y < a->h && x < a->w;
			const float *pa = a->data + ((size_t) y * a->w + x) * c;
			const float *pb = b->data + ((size_t) y * w + x) * b->c;
			float	   *po = out->data + ((size_t) y * w + x) * c;

			for (int j = c - 1; j >= 0; j--)
			{
				float		v = (inside ? pa[j] : 0.0f) + (j < b->c ? pb[j] : 0.0f);

				po[j] = v > 0.0f ? v : 0.0f;
			}
		}
	out->h = h;
	out->w = w;
	out->c = c;
}
