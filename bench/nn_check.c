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
#include <string.h>

#include "nn/nn.h"

static int	failures = 0;
static int	cases = 0;
static double worst = 0;
static double qworst = 0;		/* integer convolution: largest error / bound */

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

/* one layer under test: random input, output buffers, TF geometry */
typedef struct Case
{
	NnTensor	in;
	NnTensor	out;
	float	   *want;			/* the direct loops' answer, oh x ow x cout */
	int			k,
				stride,
				oh,
				ow,
				top,
				left,
				cout;
} Case;

static void
case_begin(Case *t, int ih, int iw, int cin, int k, int stride, NnPadding p, int cout)
{
	t->in = (NnTensor) {ih, iw, cin, random_floats((size_t) ih * iw * cin)};
	t->k = k;
	t->stride = stride;
	t->cout = cout;
	tf_geometry(ih, k, stride, p, &t->oh, &t->top);
	tf_geometry(iw, k, stride, p, &t->ow, &t->left);
	t->want = malloc(sizeof(float) * t->oh * t->ow * cout);
	t->out = (NnTensor) {0, 0, 0, malloc(sizeof(float) * t->oh * t->ow * cout)};
}

/* the input pixel under tap (ky, kx) of output (oy, ox), NULL on padding */
static const float *
tap(const Case *t, int oy, int ox, int ky, int kx)
{
	int			y = oy * t->stride - t->top + ky;
	int			x = ox * t->stride - t->left + kx;

	if (y < 0 || y >= t->in.h || x < 0 || x >= t->in.w)
		return NULL;
	return t->in.data + ((size_t) y * t->in.w + x) * t->in.c;
}

static void
case_end(Case *t, const char *what)
{
	compare(what, &t->out, t->want, t->oh, t->ow, t->cout);
	free(t->in.data);
	free(t->out.data);
	free(t->want);
}

static const char *
padding_name(NnPadding p)
{
	return p == NN_PAD_SAME ? "SAME" : "VALID";
}

static void
check_conv(int ih, int iw, int cin, int k, int cout, int s, NnPadding p, NnActivation act)
{
	NnConv		conv = {k, cin, cout, s, p, NULL, NULL};
	float	   *filters = random_floats((size_t) k * k * cin * cout);
	float	   *bias = random_floats(cout);
	float	   *scratch;
	Case		t;
	char		what[128];

	conv.filters = filters;
	conv.bias = bias;
	case_begin(&t, ih, iw, cin, k, s, p, cout);
	for (int oy = 0; oy < t.oh; oy++)
		for (int ox = 0; ox < t.ow; ox++)
			for (int co = 0; co < cout; co++)
			{
				double		v = bias[co];

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
					{
						const float *px = tap(&t, oy, ox, ky, kx);

						for (int ci = 0; px && ci < cin; ci++)
							v += (double) px[ci] *
								filters[(((size_t) ky * k + kx) * cin + ci) * cout + co];
					}
				t.want[((size_t) oy * t.ow + ox) * cout + co] = activate(v, act);
			}
	scratch = malloc(sizeof(float) * (nn_conv_scratch_size(&conv, ih, iw) + 1));
	nn_conv2d(&conv, &t.in, &t.out, act, scratch);
	snprintf(what, sizeof(what), "conv %dx%dx%d k%d s%d %s -> %d, act %d",
			 ih, iw, cin, k, s, padding_name(p), cout, act);
	case_end(&t, what);
	free(scratch);
	free(filters);
	free(bias);
}

static void
check_depthwise(int ih, int iw, int c, int k, int s, NnPadding p, int with_bias, NnActivation act)
{
	NnDepthwise dw = {k, c, s, p, NULL, NULL};
	float	   *filters = random_floats((size_t) k * k * c);
	float	   *bias = with_bias ? random_floats(c) : NULL;
	Case		t;
	char		what[128];

	dw.filters = filters;
	dw.bias = bias;
	case_begin(&t, ih, iw, c, k, s, p, c);
	for (int oy = 0; oy < t.oh; oy++)
		for (int ox = 0; ox < t.ow; ox++)
			for (int ch = 0; ch < c; ch++)
			{
				double		v = bias ? bias[ch] : 0;

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
					{
						const float *px = tap(&t, oy, ox, ky, kx);

						if (px)
							v += (double) px[ch] * filters[((size_t) ky * k + kx) * c + ch];
					}
				t.want[((size_t) oy * t.ow + ox) * c + ch] = activate(v, act);
			}
	nn_depthwise_conv2d(&dw, &t.in, &t.out, act);
	snprintf(what, sizeof(what), "depthwise %dx%dx%d k%d s%d %s bias %d act %d",
			 ih, iw, c, k, s, padding_name(p), with_bias, act);
	case_end(&t, what);
	free(filters);
	free(bias);
}

/*
 * The integer 1x1 convolution against the direct loops on its clamped
 * input: each output may be off by what rounding the inputs (half an input
 * step times each |weight|) and the weights (half a weight step times each
 * input, at most in_max) can add up to, plus 1e-4 relative for the float
 * rounding; a wrong sum is off by far more.  Inputs span [-1, 7] around
 * [0, 6] to exercise the clamping.
 */
static void
check_qconv(int ih, int iw, int cin, int cout, NnActivation act)
{
	const float in_max = 6.0f;
	NnConv		conv = {1, cin, cout, 1, NN_PAD_SAME, NULL, NULL};
	float	   *filters = random_floats((size_t) cin * cout);
	float	   *bias = random_floats(cout);
	float	   *x = random_floats((size_t) ih * iw * cin);
	float	   *out = malloc(sizeof(float) * ih * iw * cout);
	NnTensor	in = {ih, iw, cin, x};
	NnTensor	got = {0, 0, 0, out};
	NnQConv		q;
	NnError		err;
	void	   *scratch;
	int			bad = 0;

	conv.filters = filters;
	conv.bias = bias;
	for (size_t i = 0; i < (size_t) ih * iw * cin; i++)
		x[i] = x[i] * 4.0f + 3.0f;
	if (nn_qconv_prepare(&q, &conv, in_max, &err) != 0)
	{
		printf("FAIL qconv: %s\n", err.msg);
		failures++;
		return;
	}
	scratch = nn_alloc_floats(nn_qconv_scratch_size(&q));
	nn_qconv2d(&q, &in, &got, act, scratch);
	cases++;
	if (got.h != ih || got.w != iw || got.c != cout)
		bad = printf("FAIL qconv: shape %dx%dx%d\n", got.h, got.w, got.c);
	for (size_t px = 0; px < (size_t) ih * iw && !bad; px++)
		for (int co = 0; co < cout && !bad; co++)
		{
			double		v = bias[co],
						bound,
						err_v;
			double		weight_step = q.scale[co] / q.in_step;	/* units per step */
			double		sumw = 0;

			for (int ci = 0; ci < cin; ci++)
			{
				double		xi = fmin(fmax(x[px * cin + ci], 0), in_max);

				v += xi * filters[(size_t) ci * cout + co];
				sumw += fabs(filters[(size_t) ci * cout + co]);
			}
			bound = sumw * q.in_step / 2 + cin * in_max * weight_step / 2 +
				1e-4 * (1 + fabs(v));
			/* the activations are 1-Lipschitz: they keep the bound */
			err_v = fabs(out[px * cout + co] - activate(v, act));
			qworst = err_v / bound > qworst ? err_v / bound : qworst;
			if (err_v > bound)
				bad = printf("FAIL qconv %dx%dx%d -> %d act %d: element %zu is %g, want %g +- %g\n",
							 ih, iw, cin, cout, act, px * cout + co, out[px * cout + co],
							 activate(v, act), bound);
		}
	failures += bad != 0;
	nn_qconv_free(&q);
	free(scratch);
	free(filters);
	free(bias);
	free(x);
	free(out);
}

/*
 * The depthwise convolution's quantized output against nn_quantize of its
 * float output (nn_quantize_u8 with u8): the same steps (one off where a
 * value falls on a rounding edge, as the fused multiply-add may round it
 * the other way) and zero padding in rows of odd channel counts.
 */
static void
check_depthwise_quantized(int ih, int iw, int c, int s, int u8)
{
	NnDepthwise dw = {3, c, s, NN_PAD_SAME, NULL, NULL};
	float	   *filters = random_floats((size_t) 9 * c);
	float	   *bias = random_floats(c);
	float	   *x = random_floats((size_t) ih * iw * c);
	float	   *want = malloc(sizeof(float) * ih * iw * c);
	const int	row = u8 ? NN_U8ROW(c) : NN_QROW(c);
	int16_t    *got = malloc(sizeof(int16_t) * ih * iw * row);
	uint8_t    *got8 = malloc((size_t) ih * iw * row);
	NnTensor	in = {ih, iw, c, x};
	NnTensor	out = {0, 0, 0, want};
	NnQTensor	q = {0, 0, 0, got};
	NnU8Tensor	q8 = {0, 0, 0, got8};
	const float step = (u8 ? 6.0f / NN_Q8_IN_MAX : 2.0f / NN_QCONV_IN_MAX);
	int			bad = 0;

	dw.filters = filters;
	dw.bias = bias;
	for (size_t i = 0; i < (size_t) ih * iw * c; i++)
		x[i] *= 3.0f;
	nn_depthwise_conv2d(&dw, &in, &out, NN_ACT_RELU6);
	if (u8)
	{
		memset(got8, 0xAA, (size_t) ih * iw * row);
		nn_depthwise_conv2d_u8(&dw, &in, &q8, NN_ACT_RELU6, step);
		q.h = q8.h;
		q.w = q8.w;
		q.c = q8.c;
		for (size_t i = 0; i < (size_t) ih * iw * row; i++)
			got[i] = got8[i];
	}
	else
		nn_depthwise_conv2d_quantized(&dw, &in, &q, NN_ACT_RELU6, step);
	cases++;
	if (q.h != out.h || q.w != out.w || q.c != c)
		bad = printf("FAIL depthwise quantized: shape %dx%dx%d\n", q.h, q.w, q.c);
	for (size_t px = 0; px < (size_t) out.h * out.w && !bad; px++)
	{
		for (int ch = 0; ch < c && !bad; ch++)
		{
			int			w = u8 ? nn_quantize_u8(want[px * c + ch], 1.0f / step) :
				nn_quantize(want[px * c + ch], 1.0f / step);

			if (abs(got[px * row + ch] - w) > 1)
				bad = printf("FAIL depthwise quantized%s %dx%dx%d s%d: value %zu is %d, want %d\n",
							 u8 ? " u8" : "", ih, iw, c, s, px * c + ch, got[px * row + ch], w);
		}
		for (int ch = c; ch < row && !bad; ch++)
			if (got[px * row + ch] != 0)
				bad = printf("FAIL depthwise quantized: padding of pixel %zu\n", px);
	}
	failures += bad != 0;
	free(filters);
	free(bias);
	free(x);
	free(want);
	free(got);
	free(got8);
}

/*
 * The requantized 1x1 layer against the float one it stands for: its
 * int16 output against nn_quantize of its float output on the same
 * quantized input.  One step off where a value falls on a rounding edge
 * (a fused multiply-add may round it the other way); the padding of odd
 * channel counts zero.
 */
static int
check_steps(const char *what, const int16_t *got, const float *want, size_t px, int c,
			float step)
{
	for (size_t i = 0; i < px; i++)
	{
		for (int ch = 0; ch < c; ch++)
		{
			int			w = nn_quantize(want[i * c + ch], 1.0f / step);

			if (abs(got[i * NN_QROW(c) + ch] - w) > 1)
				return printf("FAIL %s: value %zu is %d, want %d\n", what,
							  i * c + ch, got[i * NN_QROW(c) + ch], w);
		}
		if (NN_QROW(c) != c && got[i * NN_QROW(c) + c] != 0)
			return printf("FAIL %s: padding of pixel %zu\n", what, i);
	}
	return 0;
}

static void
check_requantized(int ih, int iw, int cin, int cout)
{
	const float step = 6.0f / NN_QCONV_IN_MAX;
	NnConv		conv = {1, cin, cout, 1, NN_PAD_SAME, NULL, NULL};
	float	   *filters = random_floats((size_t) cin * cout);
	float	   *bias = random_floats(cout);
	size_t		px = (size_t) ih * iw;
	int16_t    *qin = malloc(sizeof(int16_t) * px * NN_QROW(cin));
	float	   *want = malloc(sizeof(float) * px * cout);
	int16_t    *got = malloc(sizeof(int16_t) * px * NN_QROW(cout));
	NnQTensor	in = {ih, iw, cin, qin};
	NnQTensor	qout = {0, 0, 0, got};
	NnTensor	out = {0, 0, 0, want};
	NnQConv		q;
	NnError		err;
	char		what[96];
	int			bad = 0;

	/* steps over all of [0, IN_MAX], padding zero */
	for (size_t i = 0; i < px; i++)
		for (int ch = 0; ch < NN_QROW(cin); ch++)
		{
			int			v = ch < cin ? rand() % (NN_QCONV_IN_MAX + 1) : 0;

			qin[i * NN_QROW(cin) + ch] = v;
		}
	conv.filters = filters;
	conv.bias = bias;
	if (nn_qconv_prepare(&q, &conv, 6.0f, &err) != 0)
	{
		printf("FAIL qconv: %s\n", err.msg);
		failures++;
		return;
	}
	for (NnActivation act = NN_ACT_RELU; act <= NN_ACT_RELU6; act++)
	{
		nn_qconv2d_quantized(&q, &in, &out, act);
		nn_qconv2d_requantized(&q, &in, &qout, act, step);
		cases++;
		snprintf(what, sizeof(what), "qconv requantized %dx%dx%d -> %d act %d",
				 ih, iw, cin, cout, act);
		if (qout.h != ih || qout.w != iw || qout.c != cout)
			bad = printf("FAIL %s: shape %dx%dx%d\n", what, qout.h, qout.w, qout.c);
		else
			bad = check_steps(what, got, want, px, cout, step);
		failures += bad != 0;
	}
	nn_qconv_free(&q);
	free(filters);
	free(bias);
	free(qin);
	free(want);
	free(got);
}

/*
 * The u8 x s8 1x1 layer (qconv_u8.c) on random u8 steps over all of [0,
 * NN_Q8_IN_MAX]: its float output exactly what scalar loops make of the
 * packed 8-bit weights and its bias (exact int32 sums, then scale and
 * bias: 1e-5 relative for the float rounding of those two), every packed
 * weight within +-NN_Q8_WEIGHT_MAX; the bias the layer's less the mean
 * error of the rounded weights on inputs of means in_mean (random, or
 * none when corrected is 0); within half a weight step times each input
 * of the float layer with that bias on the same input (the bound against
 * float, plus 1e-4 relative); and its u8 output nn_quantize_u8 of that
 * float output (one step off on a rounding edge), the row padding zero.
 */
static void
check_q8conv(int ih, int iw, int cin, int cout, NnActivation act, int corrected)
{
	const float in_max = 6.0f;
	const float step = 6.0f / NN_Q8_IN_MAX;
	NnConv		conv = {1, cin, cout, 1, NN_PAD_SAME, NULL, NULL};
	float	   *filters = random_floats((size_t) cin * cout);
	float	   *bias = random_floats(cout);
	float	   *mean = malloc(sizeof(float) * cin);
	size_t		px = (size_t) ih * iw;
	uint8_t    *qin = malloc(px * NN_U8ROW(cin));
	float	   *out = malloc(sizeof(float) * px * cout);
	uint8_t    *qout = malloc(px * NN_U8ROW(cout));
	NnU8Tensor	in = {ih, iw, cin, qin};
	NnU8Tensor	got8 = {0, 0, 0, qout};
	NnTensor	got = {0, 0, 0, out};
	NnQ8Conv	q;
	NnError		err;
	int			bad = 0;

	for (size_t i = 0; i < px; i++)
		for (int ch = 0; ch < NN_U8ROW(cin); ch++)
			qin[i * NN_U8ROW(cin) + ch] = ch < cin ? rand() % (NN_Q8_IN_MAX + 1) : 0;
	for (int ci = 0; ci < cin; ci++)
		mean[ci] = 3.0f * rand() / RAND_MAX;
	conv.filters = filters;
	conv.bias = bias;
	if (nn_q8conv_prepare(&q, &conv, in_max, corrected ? mean : NULL, &err) != 0)
	{
		printf("FAIL q8conv: %s\n", err.msg);
		failures++;
		return;
	}
	nn_q8conv2d(&q, &in, &got, act);
	if (act == NN_ACT_RELU6)
		nn_q8conv2d_requantized(&q, &in, &got8, step);
	cases++;
	if (got.h != ih || got.w != iw || got.c != cout)
		bad = printf("FAIL q8conv: shape %dx%dx%d\n", got.h, got.w, got.c);
	for (size_t i = 0; i < (size_t) q.kp * q.np && !bad; i++)
		if (abs(q.packed[i]) > NN_Q8_WEIGHT_MAX)
			bad = printf("FAIL q8conv: packed weight %zu is %d\n", i, q.packed[i]);
	for (int co = 0; co < cout && !bad; co++)
	{
		const int8_t *panel = q.packed + (size_t) (co / 16) * q.kp * 16;
		double		want = bias[co];

		/* a packed weight is worth scale / in_step of the float ones */
		for (int ci = 0; corrected && ci < cin; ci++)
			want -= (panel[((ci / 4) * 16 + co % 16) * 4 + ci % 4] * q.scale[co] / q.in_step -
					 filters[(size_t) ci * cout + co]) * mean[ci];
		if (fabs(q.bias[co] - want) > 1e-5 * (1 + fabs(want)))
			bad = printf("FAIL q8conv: bias %d is %g, want %g\n", co, q.bias[co], want);
	}
	for (size_t p = 0; p < px && !bad; p++)
	{
		for (int co = 0; co < cout && !bad; co++)
		{
			const int8_t *panel = q.packed + (size_t) (co / 16) * q.kp * 16;
			int32_t		sum = 0;
			double		v = q.bias[co],
						sumx = 0,
						exact,
						bound,
						e;
			float		g = out[p * cout + co];

			for (int ci = 0; ci < cin; ci++)
			{
				int			x = qin[p * NN_U8ROW(cin) + ci];

				sum += x * panel[((ci / 4) * 16 + co % 16) * 4 + ci % 4];
				v += x * q.in_step * filters[(size_t) ci * cout + co];
				sumx += x * q.in_step;
			}
			exact = activate((double) sum * q.scale[co] + q.bias[co], act);
			if (fabs(g - exact) > 1e-5 * (1 + fabs(exact)))
				bad = printf("FAIL q8conv %dx%dx%d -> %d act %d: element %zu is %g, exactly %g\n",
							 ih, iw, cin, cout, act, p * cout + co, g, exact);
			/* half a weight step (in_step / scale of them per unit) per input */
			bound = sumx * q.scale[co] / q.in_step / 2 + 1e-4 * (1 + fabs(v));
			e = fabs(g - activate(v, act));
			qworst = e / bound > qworst ? e / bound : qworst;
			if (!bad && e > bound)
				bad = printf("FAIL q8conv %dx%dx%d -> %d act %d: element %zu is %g, want %g +- %g\n",
							 ih, iw, cin, cout, act, p * cout + co, g, activate(v, act), bound);
			if (!bad && act == NN_ACT_RELU6 &&
				abs(qout[p * NN_U8ROW(cout) + co] - nn_quantize_u8(g, 1.0f / step)) > 1)
				bad = printf("FAIL q8conv requantized: value %zu is %d, want %d\n",
							 p * cout + co, qout[p * NN_U8ROW(cout) + co],
							 nn_quantize_u8(g, 1.0f / step));
		}
		for (int ch = cout; act == NN_ACT_RELU6 && ch < NN_U8ROW(cout) && !bad; ch++)
			if (qout[p * NN_U8ROW(cout) + ch] != 0)
				bad = printf("FAIL q8conv requantized: padding of pixel %zu\n", p);
	}
	failures += bad != 0;
	nn_q8conv_free(&q);
	free(filters);
	free(bias);
	free(mean);
	free(qin);
	free(out);
	free(qout);
}

/*
 * nn_qdepthwise_conv2d_u8 on an int16 map of u8 steps, its output widened
 * back into out (rows of NN_QROW(c)): the checks below read both alike.
 */
static void
qdepthwise_u8(const NnQDepthwise *q, const NnQTensor *in, NnQTensor *out)
{
	size_t		px = (size_t) in->h * in->w;
	uint8_t    *a = malloc(px * NN_U8ROW(in->c) + 16);
	uint8_t    *b = malloc(px * NN_U8ROW(in->c) + 16);
	NnU8Tensor	a8 = {in->h, in->w, in->c, a};
	NnU8Tensor	b8 = {0, 0, 0, b};

	for (size_t i = 0; i < px; i++)
		for (int ch = 0; ch < NN_U8ROW(in->c); ch++)
			a[i * NN_U8ROW(in->c) + ch] = ch < in->c ? in->data[i * NN_QROW(in->c) + ch] : 0;
	memset(b, 0xAA, px * NN_U8ROW(in->c));
	nn_qdepthwise_conv2d_u8(q, &a8, &b8);
	out->h = b8.h;
	out->w = b8.w;
	out->c = b8.c;
	for (size_t i = 0; i < (size_t) b8.h * b8.w; i++)
	{
		for (int ch = 0; ch < NN_QROW(in->c); ch++)
			out->data[i * NN_QROW(in->c) + ch] = ch < in->c ? b[i * NN_U8ROW(in->c) + ch] : 0;
		/* u8 rows pad to 4: that padding must be zero too */
		for (int ch = in->c; ch < NN_U8ROW(in->c); ch++)
			if (b[i * NN_U8ROW(in->c) + ch] != 0)
				out->data[i * NN_QROW(in->c) + NN_QROW(in->c) - 1] = -1;
	}
	free(a);
	free(b);
}

/*
 * The integer depthwise convolution: exactly the int16 steps that scalar
 * loops make of its quantized weights (the same exact sums, the same
 * fmaf and clamp), with the padding of odd channel counts zero; and
 * within what quantizing the weights (half a weight step times each
 * input) and the output (half a step) adds to the float layer on the same
 * input (clamped to the last output step), plus 1e-4 relative for float
 * rounding.  With u8, the same between u8 maps (steps up to NN_U8_MAX,
 * the output clamped there too).
 */
static void
check_qdepthwise(int ih, int iw, int c, int k, int s, NnPadding p, NnActivation act,
				 float out_step, int u8)
{
	const int	in_max = u8 ? NN_U8_MAX : NN_QCONV_IN_MAX;	/* largest step */
	const float in_step = 6.0f / in_max;
	NnDepthwise dw = {k, c, s, p, NULL, NULL};
	float	   *filters = random_floats((size_t) k * k * c);
	float	   *bias = random_floats(c);
	size_t		px = (size_t) ih * iw;
	int16_t    *qin = malloc(sizeof(int16_t) * px * NN_QROW(c));
	float	   *fin = malloc(sizeof(float) * px * c);
	float	   *want = malloc(sizeof(float) * px * c);
	int16_t    *got = malloc(sizeof(int16_t) * px * NN_QROW(c));
	NnQTensor	in = {ih, iw, c, qin};
	NnQTensor	qout = {0, 0, 0, got};
	NnTensor	fin_t = {ih, iw, c, fin};
	NnTensor	fout = {0, 0, 0, want};
	NnQDepthwise q;
	NnError		err;
	int			oh,
				ow,
				top,
				left,
				bad = 0;

	for (size_t i = 0; i < px; i++)
		for (int ch = 0; ch < NN_QROW(c); ch++)
		{
			int			v = ch < c ? rand() % (in_max + 1) : 0;

			qin[i * NN_QROW(c) + ch] = v;
			if (ch < c)
				fin[i * c + ch] = v * in_step;
		}
	dw.filters = filters;
	dw.bias = bias;
	if (nn_qdepthwise_prepare(&q, &dw, in_step, out_step, act, &err) != 0)
	{
		printf("FAIL qdepthwise: %s\n", err.msg);
		failures++;
		return;
	}
	if (u8)
		qdepthwise_u8(&q, &in, &qout);
	else
		nn_qdepthwise_conv2d(&q, &in, &qout);
	nn_depthwise_conv2d(&dw, &fin_t, &fout, act);
	tf_geometry(ih, k, s, p, &oh, &top);
	tf_geometry(iw, k, s, p, &ow, &left);
	cases++;
	if (qout.h != oh || qout.w != ow || qout.c != c)
		bad = printf("FAIL qdepthwise: shape %dx%dx%d\n", qout.h, qout.w, qout.c);
	for (int oy = 0; oy < oh && !bad; oy++)
		for (int ox = 0; ox < ow && !bad; ox++)
		{
			size_t		o = (size_t) oy * ow + ox;

			for (int ch = 0; ch < c && !bad; ch++)
			{
				int32_t		sum = 0;
				double		sumx = 0,
							bound;
				float		v;
				int			exact;

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
					{
						int			y = oy * s - top + ky;
						int			x = ox * s - left + kx;
						int			xv;

						if (y < 0 || y >= ih || x < 0 || x >= iw)
							continue;
						xv = qin[((size_t) y * iw + x) * NN_QROW(c) + ch];
						sum += xv * q.taps[(ky * k + kx) * c + ch];
						sumx += xv * in_step;
					}
				v = fmaf((float) sum, q.mul[ch], q.add[ch]);
				v = fminf(v, u8 ? fminf(q.top, NN_U8_MAX) : q.top);
				exact = (int) (v < 0 ? 0 : v);
				if (got[o * NN_QROW(c) + ch] != exact)
					bad = printf("FAIL qdepthwise%s %dx%dx%d k%d s%d %s act %d: value %zu is %d, want %d\n",
								 u8 ? " u8" : "", ih, iw, c, k, s, padding_name(p), act, o * c + ch,
								 got[o * NN_QROW(c) + ch], exact);
				/* half a weight step: in_step / (mul * out_step) of them per unit */
				bound = out_step / 2 + sumx * q.mul[ch] * out_step / in_step / 2 +
					1e-4 * (1 + fabs(want[o * c + ch]));
				/* the output steps end at in_max: clamped there */
				v = fabs(got[o * NN_QROW(c) + ch] * out_step -
						 fminf(want[o * c + ch], out_step * in_max));
				qworst = v / bound > qworst ? v / bound : qworst;
				if (!bad && v > bound)
					bad = printf("FAIL qdepthwise%s %dx%dx%d k%d s%d: value %zu is %g, want %g +- %g\n",
								 u8 ? " u8" : "", ih, iw, c, k, s, o * c + ch,
								 got[o * NN_QROW(c) + ch] * out_step, want[o * c + ch], bound);
			}
			if (!bad && NN_QROW(c) != c && got[o * NN_QROW(c) + c] != 0)
				bad = printf("FAIL qdepthwise: padding of pixel %zu\n", o);
		}
	failures += bad != 0;
	nn_qdepthwise_free(&q);
	free(filters);
	free(bias);
	free(qin);
	free(fin);
	free(want);
	free(got);
}

/*
 * nn_qconv2d_dynamic against nn_conv2d in float32 on inputs >= 0 (ReLU
 * outputs, here up to 5): each output may be off by what rounding the
 * inputs (half of this call's step, max / NN_QCONV_IN_MAX, times each
 * |weight|) and the weights (half a weight step times each input) adds up
 * to, plus 1e-4 relative for the float rounding of either side.
 */
static void
check_qconv_dynamic(int ih, int iw, int cin, int k, int cout, int s, NnPadding p,
					NnActivation act)
{
	NnConv		conv = {k, cin, cout, s, p, NULL, NULL};
	size_t		kk = (size_t) k * k * cin;
	float	   *filters = random_floats(kk * cout);
	float	   *bias = random_floats(cout);
	float	   *x = random_floats((size_t) ih * iw * cin);
	float	   *want = malloc(sizeof(float) * ih * iw * cout);
	float	   *got = malloc(sizeof(float) * ih * iw * cout);
	NnTensor	in = {ih, iw, cin, x};
	NnTensor	fout = {0, 0, 0, want};
	NnTensor	qout = {0, 0, 0, got};
	NnQConv		q;
	NnError		err;
	float	   *scratch;
	float	   *fscratch;
	float		max = 0;
	int			bad = 0;

	conv.filters = filters;
	conv.bias = bias;
	for (size_t i = 0; i < (size_t) ih * iw * cin; i++)
	{
		x[i] = fabsf(x[i]) * 5.0f;
		max = x[i] > max ? x[i] : max;
	}
	if (nn_qconv_prepare(&q, &conv, NN_QCONV_IN_MAX, &err) != 0)
	{
		printf("FAIL qconv dynamic: %s\n", err.msg);
		failures++;
		return;
	}
	scratch = nn_alloc_floats(nn_qconv_dynamic_scratch_size(&q, ih, iw));
	fscratch = nn_alloc_floats(nn_conv_scratch_size(&conv, ih, iw) + 1);
	nn_conv2d(&conv, &in, &fout, act, fscratch);
	nn_qconv2d_dynamic(&q, &in, &qout, act, scratch);
	cases++;
	if (qout.h != fout.h || qout.w != fout.w || qout.c != cout)
		bad = printf("FAIL qconv dynamic: shape %dx%dx%d\n", qout.h, qout.w, qout.c);
	for (size_t px = 0; px < (size_t) fout.h * fout.w && !bad; px++)
		for (int co = 0; co < cout && !bad; co++)
		{
			double		weight_step = q.scale[co] / q.in_step;
			double		sumw = 0,
						bound,
						err_v;
			float		v = want[px * cout + co];

			for (size_t r = 0; r < kk; r++)
				sumw += fabs(filters[r * cout + co]);
			bound = sumw * max / NN_QCONV_IN_MAX / 2 + kk * max * weight_step / 2 +
				1e-4 * (1 + fabs(v));
			err_v = fabs(got[px * cout + co] - v);
			qworst = err_v / bound > qworst ? err_v / bound : qworst;
			if (err_v > bound)
				bad = printf("FAIL qconv dynamic %dx%dx%d k%d s%d -> %d act %d: element %zu is %g, want %g +- %g\n",
							 ih, iw, cin, k, s, cout, act, px * cout + co, got[px * cout + co],
							 v, bound);
		}
	failures += bad != 0;
	nn_qconv_free(&q);
	free(scratch);
	free(fscratch);
	free(filters);
	free(bias);
	free(x);
	free(want);
	free(got);
}

static void
check_pool(int ih, int iw, int c, int k, int s, NnPadding p, int average)
{
	Case		t;
	char		what[128];

	case_begin(&t, ih, iw, c, k, s, p, c);
	for (int oy = 0; oy < t.oh; oy++)
		for (int ox = 0; ox < t.ow; ox++)
			for (int ch = 0; ch < c; ch++)
			{
				double		v = average ? 0 : -INFINITY;

				for (int ky = 0; ky < k; ky++)
					for (int kx = 0; kx < k; kx++)
					{
						const float *px = tap(&t, oy, ox, ky, kx);

						if (px)
							v = average ? v + px[ch] : (px[ch] > v ? px[ch] : v);
					}
				t.want[((size_t) oy * t.ow + ox) * c + ch] = average ? v / (k * k) : v;
			}
	if (average)
		nn_avg_pool(&t.in, &t.out, k, s);
	else
		nn_max_pool(&t.in, &t.out, k, s, p);
	snprintf(what, sizeof(what), "%s pool %dx%dx%d k%d s%d %s", average ? "avg" : "max",
			 ih, iw, c, k, s, padding_name(p));
	case_end(&t, what);
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
	/* first layers on RGB: conv_direct.c */
	for (NnActivation act = NN_ACT_NONE; act <= NN_ACT_LEAKY; act++)
		check_conv(9, 8, 3, 3, 32, 2, NN_PAD_SAME, act);
	check_conv(8, 9, 3, 3, 8, 1, NN_PAD_SAME, NN_ACT_RELU);
	check_conv(9, 9, 4, 3, 16, 2, NN_PAD_VALID, NN_ACT_NONE);
	check_conv(12, 11, 3, 7, 24, 4, NN_PAD_SAME, NN_ACT_RELU6);
	check_conv(1, 1, 3, 3, 32, 1, NN_PAD_SAME, NN_ACT_NONE);
	check_depthwise(9, 7, 6, 3, 2, NN_PAD_SAME, 0, NN_ACT_NONE);
	check_depthwise(8, 8, 6, 3, 2, NN_PAD_VALID, 1, NN_ACT_RELU6);
	check_depthwise(8, 8, 6, 3, 2, NN_PAD_SAME, 1, NN_ACT_LEAKY);
	check_depthwise(1, 1, 6, 3, 1, NN_PAD_SAME, 1, NN_ACT_NONE);
	/* whole DW_BLOCKs of channels and a remainder */
	check_depthwise(9, 7, 38, 3, 1, NN_PAD_SAME, 1, NN_ACT_RELU6);
	check_depthwise(8, 9, 32, 3, 2, NN_PAD_SAME, 1, NN_ACT_RELU6);
	/* whole and partial panels, odd cin, tail rows, several input chunks */
	for (NnActivation act = NN_ACT_NONE; act <= NN_ACT_LEAKY; act++)
	{
		check_qconv(5, 7, 5, 16, act);
		check_qconv(5, 7, 32, 20, act);
	}
	check_qconv(20, 21, 301, 40, NN_ACT_RELU6);
	check_qconv(4, 2, 9, 16, NN_ACT_RELU);	/* 6 + 2 rows */
	check_depthwise_quantized(9, 7, 38, 1, 0);
	check_depthwise_quantized(8, 9, 7, 2, 0);
	check_qconv(1, 1, 1024, 9, NN_ACT_NONE);
	/* whole and partial DW_BLOCKs and panels, odd channels, tail rows */
	check_requantized(9, 7, 38, 40);
	check_requantized(8, 9, 7, 32);
	check_requantized(7, 6, 32, 21);
	/* integer depthwise: whole AVX2 blocks and a remainder, odd channels,
	 * strides 1 and 2, both paddings, ReLU6 and ReLU beyond 6, 5x5, one pixel */
	check_qdepthwise(9, 7, 38, 3, 1, NN_PAD_SAME, NN_ACT_RELU6, 6.0f / NN_QCONV_IN_MAX, 0);
	check_qdepthwise(8, 9, 32, 3, 2, NN_PAD_SAME, NN_ACT_RELU6, 6.0f / NN_QCONV_IN_MAX, 0);
	check_qdepthwise(9, 8, 7, 3, 2, NN_PAD_SAME, NN_ACT_RELU6, 6.0f / NN_QCONV_IN_MAX, 0);
	check_qdepthwise(9, 9, 48, 3, 2, NN_PAD_VALID, NN_ACT_RELU, 12.0f / NN_QCONV_IN_MAX, 0);
	check_qdepthwise(7, 6, 17, 5, 1, NN_PAD_SAME, NN_ACT_RELU, 9.0f / NN_QCONV_IN_MAX, 0);
	check_qdepthwise(1, 1, 64, 3, 1, NN_PAD_SAME, NN_ACT_RELU6, 6.0f / NN_QCONV_IN_MAX, 0);
	/* the same between u8 maps: the clamp at 6 and at NN_U8_MAX (ReLU) */
	check_qdepthwise(9, 7, 38, 3, 1, NN_PAD_SAME, NN_ACT_RELU6, 6.0f / NN_U8_MAX, 1);
	check_qdepthwise(8, 9, 32, 3, 2, NN_PAD_SAME, NN_ACT_RELU6, 8.0f / NN_U8_MAX, 1);
	check_qdepthwise(9, 8, 7, 3, 2, NN_PAD_SAME, NN_ACT_RELU6, 6.0f / NN_U8_MAX, 1);
	check_qdepthwise(9, 9, 48, 3, 2, NN_PAD_VALID, NN_ACT_RELU, 6.0f / NN_U8_MAX, 1);
	check_qdepthwise(7, 6, 17, 5, 1, NN_PAD_SAME, NN_ACT_RELU6, 6.0f / NN_U8_MAX, 1);
	/* ... and in the SSD's steps for an NnQ8Conv (7 bits) */
	check_qdepthwise(9, 7, 38, 3, 1, NN_PAD_SAME, NN_ACT_RELU6, 6.0f / NN_Q8_IN_MAX, 1);
	/* u8 x s8 1x1: whole and partial panels, cin not a multiple of 4,
	 * tail rows, several input chunks, every activation */
	for (NnActivation act = NN_ACT_NONE; act <= NN_ACT_LEAKY; act++)
	{
		check_q8conv(5, 7, 5, 16, act, 0);
		check_q8conv(5, 7, 32, 20, act, 1);
	}
	check_q8conv(30, 31, 301, 40, NN_ACT_RELU6, 1);
	check_q8conv(4, 2, 9, 16, NN_ACT_RELU6, 0);
	check_q8conv(1, 1, 1024, 9, NN_ACT_RELU6, 1);
	/* float depthwise into u8 steps: AVX2 blocks, the rest, odd channels */
	check_depthwise_quantized(9, 7, 38, 1, 1);
	check_depthwise_quantized(8, 9, 7, 2, 1);
	/* any convolution in integers: 3x3 both paddings and strides, odd k*k*cin,
	 * partial panels, several bands, a single output pixel */
	check_qconv_dynamic(9, 8, 5, 3, 20, 1, NN_PAD_SAME, NN_ACT_RELU);
	check_qconv_dynamic(9, 9, 6, 3, 16, 2, NN_PAD_VALID, NN_ACT_NONE);
	check_qconv_dynamic(35, 35, 32, 3, 32, 1, NN_PAD_SAME, NN_ACT_NONE);
	check_qconv_dynamic(4, 4, 64, 3, 48, 1, NN_PAD_SAME, NN_ACT_RELU);
	check_qconv_dynamic(3, 3, 16, 3, 16, 2, NN_PAD_VALID, NN_ACT_RELU);
	check_pool(8, 7, 3, 2, 2, NN_PAD_SAME, 0);
	check_pool(7, 7, 3, 3, 1, NN_PAD_SAME, 0);
	check_pool(9, 9, 3, 3, 2, NN_PAD_VALID, 0);
	check_pool(9, 8, 5, 2, 2, NN_PAD_VALID, 1);
	printf("nn layers vs direct loops: %d cases, largest relative error %.1e, "
		   "integer convolutions at most %.2f of their bound%s\n",
		   cases, worst, qworst, failures ? ", FAILED" : "");
	return failures ? 1 : 0;
}
