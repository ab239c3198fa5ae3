/*
 * conv_direct.c
 *		Direct convolution, without im2col, for a net's first layer: few
 *		input channels (RGB) and at most 32 output channels.
 *
 * There sgemm's shapes are poor (a row of 27 values times 32 columns): the
 * im2col copy and sgemm's packing cost more than the multiply-adds.  Here
 * each output pixel keeps its cout sums in registers (cout / 8 of them,
 * twice: taps alternate between two sets, so that consecutive FMAs do not
 * wait on each other), every input value of its patch is broadcast once
 * and multiplied into all channels with the weights loaded from L1, and
 * taps over the padding are skipped.  The sums then get the bias and the
 * activation and are stored once.
 */
#include "nn/nn.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

#define MAX_REGS 4				/* cout <= 32 */

/*
 * The sums of one output pixel, NB = cout / 8 registers per set, over the
 * taps [ky0, ky1) x [kx0, kx1) of a k x k kernel with cin inputs (constant
 * arguments unroll the loops).  Stores act(sums + bias).
 */
static inline __attribute__((always_inline)) AVX2 void
taps(const NnConv *conv, const NnTensor *in, int iy, int ix, int k, int cin,
	 int ky0, int ky1, int kx0, int kx1, NnActivation act, float *o, int nb)
{
	const int	cout = conv->cout;
	__m256		a[MAX_REGS],
				b[MAX_REGS];

	for (int j = 0; j < nb; j++)
	{
		a[j] = _mm256_loadu_ps(conv->bias + 8 * j);
		b[j] = _mm256_setzero_ps();
	}
	for (int ky = ky0; ky < ky1; ky++)
	{
		const float *x = in->data + ((size_t) (iy + ky) * in->w + ix + kx0) * cin;
		const float *w = conv->filters + ((size_t) ky * k + kx0) * cin * cout;

		/* taps alternate between the sets a and b */
		for (int t = 0; t < (kx1 - kx0) * cin; t++)
		{
			__m256		v = _mm256_broadcast_ss(x + t);

			for (int j = 0; j < nb; j++)
			{
				__m256		f = _mm256_loadu_ps(w + (size_t) t * cout + 8 * j);

				if (t % 2)
					b[j] = _mm256_fmadd_ps(v, f, b[j]);
				else
					a[j] = _mm256_fmadd_ps(v, f, a[j]);
			}
		}
	}
	for (int j = 0; j < nb; j++)
	{
		__m256		s = _mm256_add_ps(a[j], b[j]);

		if (act == NN_ACT_RELU6)
			s = _mm256_min_ps(s, _mm256_set1_ps(6.0f));
		if (act == NN_ACT_RELU6 || act == NN_ACT_RELU)
			s = _mm256_max_ps(s, _mm256_setzero_ps());
		_mm256_storeu_ps(o + 8 * j, s);
	}
	if (act == NN_ACT_LEAKY)
		nn_activate(o, cout, act);
}

/* one output pixel; a 3x3 kernel on RGB wholly inside the input unrolled */
static inline __attribute__((always_inline)) AVX2 void
pixel(const NnConv *conv, const NnTensor *in, int iy, int ix, NnActivation act,
	  float *o, int nb)
{
	const int	k = conv->k;
	const int	ky0 = iy < 0 ? -iy : 0;
	const int	ky1 = iy + k > in->h ? in->h - iy : k;
	const int	kx0 = ix < 0 ? -ix : 0;
	const int	kx1 = ix + k > in->w ? in->w - ix : k;

	if (k == 3 && conv->cin == 3 && ky0 == 0 && kx0 == 0 && ky1 == 3 && kx1 == 3)
		taps(conv, in, iy, ix, 3, 3, 0, 3, 0, 3, act, o, nb);
	else
		taps(conv, in, iy, ix, k, conv->cin, ky0, ky1, kx0, kx1, act, o, nb);
}

static inline __attribute__((always_inline)) AVX2 void
run(const NnConv *conv, const NnTensor *in, NnTensor *out, NnActivation act, int nb)
{
	const int	s = conv->stride;
	const int	top = nn_pad_before(in->h, out->h, conv->k, s, conv->padding);
	const int	left = nn_pad_before(in->w, out->w, conv->k, s, conv->padding);

	for (int oy = 0; oy < out->h; oy++)
		for (int ox = 0; ox < out->w; ox++)
			pixel(conv, in, oy * s - top, ox * s - left, act,
				  out->data + ((size_t) oy * out->w + ox) * conv->cout, nb);
}

static AVX2 void
run_avx2(const NnConv *conv, const NnTensor *in, NnTensor *out, NnActivation act)
{
	switch (conv->cout / 8)
	{
		case 1:
			run(conv, in, out, act, 1);
			break;
		case 2:
			run(conv, in, out, act, 2);
			break;
		case 3:
			run(conv, in, out, act, 3);
			break;
		default:
			run(conv, in, out, act, 4);
			break;
	}
}
#endif

int
nn_conv2d_direct(const NnConv *conv, const NnTensor *in, NnTensor *out,
				 NnActivation act)
{
#if defined(__x86_64__)
	if (conv->cin <= NN_DIRECT_MAX_CIN && conv->cout % 8 == 0 &&
		conv->cout <= 8 * MAX_REGS &&
		__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
	{
		run_avx2(conv, in, out, act);
		return 1;
	}
#endif
	return 0;
}
