/*
 * nn_check.c
 *		The engine's layers against direct textbook loops on random data, for
 *		shapes the recognition net does not reach: SAME/VALID, strides 1 and
 *		2, odd sizes, 1x1 inputs under 3x3 kernels (tap pruning), single
 *		output pixels (sgemv), banded im2col, every activation, depthwise
 *		convolution and pooling.  Prints the largest error and exits 1 when
 *		any value is off by more than 1e-4 relative.  Run by tools/run-tests.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn/nn.h"

static int	failures = 0;
static int	cases = 0;
static double worst = 0;

static float *
random_floats(size_t n)
{
	float	   *x = malloc(n * sizeof(float) + 64);

	for (size_t i = 0; i < n; i++)
		x[i] = (float) rand() / RAND_MAX * 2.0f - 1.0f;
	return x;
}

/* TensorFlow's rule, written out independently of the engine */
static void
tf_geometry(int in, int k, int s, NnPadding p, int *out, int *before)
{
	int			total;

	*out = p == NN_PAD_SAME ? (in + s - 1) / s : (in - k) / s + 1;
	total = (*out - 1) * s + k - in;
	*before = p == NN_PAD_SAME && total > 0 ? total / 2 : 0;
}

static double
activate(double v, NnActivation act)
{
	switch (act)
	{
		case NN_ACT_RELU:
			return v > 0 ? v : 0;
		case NN_ACT_RELU6:
			return v < 0 ? 0 : v > 6 ? 6 : v;
		case NN_ACT_LEAKY:
			return v > 0 ? v : 0.1 * v;
		default:
			return v;
	}
}

static void
compare(const char *what, const NnTensor *got, const float *want, int h, int w, int c)
{
	cases++;
	if (got->h != h || got->w != w || got->c != c)
	{
		printf("FAIL %s: shape %dx%dx%d, want %dx%dx%d\n", what, got->h, got->w, got->c, h, w, c);
		failures++;
		return;
	}
	for (size_t i = 0; i < (size_t) h * w * c; i++)
	{
		double		err = fabs(got->data[i] - want[i]) / (1.0 + fabs(want[i]));

		worst = err > worst ? err : worst;
		if (err > 1e-4)
		{
			printf("FAIL %s: element %zu is %g, want %g\n", what, i, got->data[i], want[i]);
			failures++;
			return;
		}
	}
}

static void
check_conv(int ih, int iw, int cin, int k, int cout, int s, NnPadding p, NnActivation act)
{
	NnConv		conv = {k, cin, cout, s, p, NULL, NULL};
	NnTensor	in = {ih, iw, cin, random_floats((size_t) ih * iw * cin)};
	NnTensor	out = {0, 0, 0, NULL};
	int			oh, ow, top, left;
	float	   *want;
	char		what[128];

	conv.filters = random_floats((size_t) k * k * cin * cout);
	conv.bias = random_floats(cout);
	tf_geometry(ih, k, s, p, &oh, &top);
	tf_geometry(iw, k, s, p, &ow, &left);
	want = malloc(sizeof(float) * oh * ow * cout);
	out.data = malloc(sizeof(float) * oh * ow * cout);
	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++)
			for (int co = 0; co < cout; co++)
			{
				double		v = conv.bias[co];

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
						for (int ci = 0; ci < cin; ci++)
						{
							int			y = oy * s - top + ky;
							int			x = ox * s - left + kx;

							if (y >= 0 && y < ih && x >= 0 && x < iw)
								v += (double) in.data[((size_t) y * iw + x) * cin + ci] *
									conv.filters[(((size_t) ky * k + kx) * cin + ci) * cout + co];
						}
				want[((size_t) oy * ow + ox) * cout + co] = activate(v, act);
			}
	{
		float	   *scratch = malloc(sizeof(float) * (nn_conv_scratch_size(&conv, ih, iw) + 1));

		nn_conv2d(&conv, &in, &out, act, scratch);
		free(scratch);
	}
	snprintf(what, sizeof(what), "conv %dx%dx%d k%d s%d %s -> %d, act %d",
			 ih, iw, cin, k, s, p == NN_PAD_SAME ? "SAME" : "VALID", cout, act);
	compare(what, &out, want, oh, ow, cout);
	free(in.data); free(out.data); free(want);
	free((void *) conv.filters); free((void *) conv.bias);
}

static void
check_depthwise(int ih, int iw, int c, int k, int s, NnPadding p, int with_bias, NnActivation act)
{
	NnDepthwise dw = {k, c, s, p, NULL, NULL};
	NnTensor	in = {ih, iw, c, random_floats((size_t) ih * iw * c)};
	NnTensor	out = {0, 0, 0, NULL};
	int			oh, ow, top, left;
	float	   *want;
	char		what[128];

	dw.filters = random_floats((size_t) k * k * c);
	dw.bias = with_bias ? random_floats(c) : NULL;
	tf_geometry(ih, k, s, p, &oh, &top);
	tf_geometry(iw, k, s, p, &ow, &left);
	want = malloc(sizeof(float) * oh * ow * c);
	out.data = malloc(sizeof(float) * oh * ow * c);
	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++)
			for (int ch = 0; ch < c; ch++)
			{
				double		v = dw.bias ? dw.bias[ch] : 0;

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
					{
						int			y = oy * s - top + ky;
						int			x = ox * s - left + kx;

						if (y >= 0 && y < ih && x >= 0 && x < iw)
							v += (double) in.data[((size_t) y * iw + x) * c + ch] *
								dw.filters[((size_t) ky * k + kx) * c + ch];
					}
				want[((size_t) oy * ow + ox) * c + ch] = activate(v, act);
			}
	nn_depthwise_conv2d(&dw, &in, &out, act);
	snprintf(what, sizeof(what), "depthwise %dx%dx%d k%d s%d %s bias %d act %d",
			 ih, iw, c, k, s, p == NN_PAD_SAME ? "SAME" : "VALID", with_bias, act);
	compare(what, &out, want, oh, ow, c);
	free(in.data); free(out.data); free(want);
	free((void *) dw.filters); free((void *) dw.bias);
}

static void
check_pool(int ih, int iw, int c, int k, int s, NnPadding p, int average)
{
	NnTensor	in = {ih, iw, c, random_floats((size_t) ih * iw * c)};
	NnTensor	out = {0, 0, 0, NULL};
	int			oh, ow, top, left;
	float	   *want;
	char		what[128];

	tf_geometry(ih, k, s, p, &oh, &top);
	tf_geometry(iw, k, s, p, &ow, &left);
	want = malloc(sizeof(float) * oh * ow * c);
	out.data = malloc(sizeof(float) * oh * ow * c);
	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++)
			for (int ch = 0; ch < c; ch++)
			{
				double		v = average ? 0 : -INFINITY;

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
					{
						int			y = oy * s - top + ky;
						int			x = ox * s - left + kx;
						double		e;

						if (y < 0 || y >= ih || x < 0 || x >= iw)
							continue;
						e = in.data[((size_t) y * iw + x) * c + ch];
						v = average ? v + e : (e > v ? e : v);
					}
				want[((size_t) oy * ow + ox) * c + ch] = average ? v / (k * k) : v;
			}
	if (average)
		nn_avg_pool(&in, &out, k, s);
	else
		nn_max_pool(&in, &out, k, s, p);
	snprintf(what, sizeof(what), "%s pool %dx%dx%d k%d s%d %s", average ? "avg" : "max",
			 ih, iw, c, k, s, p == NN_PAD_SAME ? "SAME" : "VALID");
	compare(what, &out, want, oh, ow, c);
	free(in.data); free(out.data); free(want);
}

int
main(void)
{
	srand(42);
	for (NnActivation act = NN_ACT_NONE; act <= NN_ACT_LEAKY; act++)
	{
		check_conv(9, 7, 5, 3, 6, 1, NN_PAD_SAME, act);
		check_depthwise(9, 7, 6, 3, 1, NN_PAD_SAME, 1, act);
	}
	check_conv(9, 7, 5, 3, 6, 2, NN_PAD_SAME, NN_ACT_RELU);	/* pads bottom/right only */
	check_conv(8, 8, 4, 3, 5, 2, NN_PAD_SAME, NN_ACT_NONE);	/* odd padding: after */
	check_conv(9, 8, 3, 3, 4, 2, NN_PAD_VALID, NN_ACT_NONE);
	check_conv(1, 1, 8, 3, 5, 1, NN_PAD_SAME, NN_ACT_NONE);	/* centre tap only */
	check_conv(1, 4, 8, 3, 5, 1, NN_PAD_SAME, NN_ACT_NONE);	/* one tap row */
	check_conv(4, 4, 8, 3, 5, 2, NN_PAD_VALID, NN_ACT_NONE);	/* one pixel: sgemv */
	check_conv(60, 60, 3, 7, 4, 2, NN_PAD_VALID, NN_ACT_RELU);	/* several bands */
	check_conv(5, 5, 4, 1, 7, 1, NN_PAD_SAME, NN_ACT_RELU6);	/* pointwise */
	check_conv(6, 6, 4, 1, 7, 2, NN_PAD_SAME, NN_ACT_NONE);	/* strided 1x1 */
	check_depthwise(9, 7, 6, 3, 2, NN_PAD_SAME, 0, NN_ACT_NONE);
	check_depthwise(8, 8, 6, 3, 2, NN_PAD_VALID, 1, NN_ACT_RELU6);
	check_depthwise(8, 8, 6, 3, 2, NN_PAD_SAME, 1, NN_ACT_LEAKY);
	check_depthwise(1, 1, 6, 3, 1, NN_PAD_SAME, 1, NN_ACT_NONE);
	check_pool(8, 7, 3, 2, 2, NN_PAD_SAME, 0);
	check_pool(7, 7, 3, 3, 1, NN_PAD_SAME, 0);
	check_pool(9, 9, 3, 3, 2, NN_PAD_VALID, 0);
	check_pool(9, 8, 5, 2, 2, NN_PAD_VALID, 1);
	printf("nn layers vs direct loops: %d cases, largest relative error %.1e%s\n",
		   cases, worst, failures ? ", FAILED" : "");
	return failures ? 1 : 0;
}
