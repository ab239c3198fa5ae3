/*
 * qstep.c
 *		The step of one output channel's weights for the integer kernels
 *		(qconv.c, qconv_u8.c, qdepthwise.c), which sum exact int32 products
 *		of integer inputs in [0, in_max] and integer weights.
 *
 * The step is as fine as two bounds allow: every rounded weight fits
 * [-wmax, wmax] (the kernel's weight type: int16, or 7 bits for u8 x s8),
 * and in_max * sum(|rounded weight|) fits an int32, so that no partial sum
 * can overflow in any order, whatever the input.  Rounding can push the
 * sum over the bound by a little: then the step is made slightly coarser
 * and the channel rounded again.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdint.h>

double
nn_weight_step(const float *w, size_t stride, int n, int wmax, int in_max,
			   int32_t *q)
{
	double		maxabs = 0,
				sumabs = 0,
				step;
	int64_t		qsum;

	for (int i = 0; i < n; i++)
	{
		double		a = fabs(w[(size_t) i * stride]);

		maxabs = a > maxabs ? a : maxabs;
		sumabs += a;
	}
	if (maxabs == 0)
	{
		for (int i = 0; i < n; i++)
			q[i] = 0;
		return 0;
	}
	step = fmin(wmax / maxabs, (double) INT32_MAX / in_max / sumabs);
	for (;;)
	{
		qsum = 0;
		for (int i = 0; i < n; i++)
		{
			double		x = w[(size_t) i * stride] * step;

			/* lround's rounding, inline (this runs for every weight) */
			q[i] = (int32_t) (x + (x < 0 ? -0.5 : 0.5));
			qsum += q[i] < 0 ? -q[i] : q[i];
		}
		if (qsum * in_max <= INT32_MAX)
			return step;
		step *= 0.999;
	}
}
