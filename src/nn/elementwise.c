/*
 * elementwise.c
 *		Activation after a layer, and residual additions: plain,
 *		with ReLU, and with zero padding.
 *
 * Data pointers are copied into locals first: PostgreSQL builds with
 * -fno-strict-aliasing, under which a store through x->data could change
 * x->data itself, and the loops would not vectorize.
 */
#include "nn/nn.h"

void
nn_activate(float *x, size_t n, NnActivation act)
{
	float	   *restrict o = x;

	/* one simple loop per case, each vectorizes */
	switch (act)
	{
		case NN_ACT_NONE:
			break;
		case NN_ACT_RELU:
			for (size_t j = 0; j < n; j++)
				o[j] = o[j] > 0.0f ? o[j] : 0.0f;
			break;
		case NN_ACT_RELU6:
			for (size_t j = 0; j < n; j++)
			{
				float		v = o[j] > 0.0f ? o[j] : 0.0f;

				o[j] = v < 6.0f ? v : 6.0f;
			}
			break;
		case NN_ACT_LEAKY:
			for (size_t j = 0; j < n; j++)
				o[j] = o[j] > 0.0f ? o[j] : NN_LEAKY_SLOPE * o[j];
			break;
	}
}

void
nn_add(NnTensor *x, const NnTensor *y)
{
	const size_t n = NN_TENSOR_SIZE(x);
	float	   *restrict xd = x->data;
	const float *restrict yd = y->data;

	for (size_t i = 0; i < n; i++)
		xd[i] += yd[i];
}

void
nn_add_relu(NnTensor *x, const NnTensor *y)
{
	const size_t n = NN_TENSOR_SIZE(x);
	float	   *restrict xd = x->data;
	const float *restrict yd = y->data;

	for (size_t i = 0; i < n; i++)
	{
		float		v = xd[i] + yd[i];

		xd[i] = v > 0.0f ? v : 0.0f;
	}
}

void
nn_add_padded_relu(const NnTensor *a, const NnTensor *b, NnTensor *out)
{
	const int	h = b->h;
	const int	w = b->w;
	const int	c = a->c;
	const int	bc = b->c;
	const int	ah = a->h;
	const int	aw = a->w;
	const float *ad = a->data;
	const float *bd = b->data;
	float	   *od = out->data;

	/*
	 * Walk backwards: out may alias a, and out's pixels lie at or after a's
	 * pixels with the same coordinates (out is at least as large).
	 */
	for (int y = h - 1; y >= 0; y--)
		for (int x = w - 1; x >= 0; x--)
		{
			const int	inside = y < ah && x < aw;
			const float *pa = ad + ((size_t) y * aw + x) * c;
			const float *pb = bd + ((size_t) y * w + x) * bc;
			float	   *po = od + ((size_t) y * w + x) * c;

			for (int j = c - 1; j >= 0; j--)
			{
				float		v = (inside ? pa[j] : 0.0f) + (j < bc ? pb[j] : 0.0f);

				po[j] = v > 0.0f ? v : 0.0f;
			}
		}
	out->h = h;
	out->w = w;
	out->c = c;
}
