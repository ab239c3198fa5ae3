/*
 * conv.c
 *		2-D convolution as im2col + one cblas_sgemm onto the bias, then the
 *		activation in one pass over the result.
 *
 * im2col row r = oy * out_w + ox holds the k x k x cin input patch of that
 * output position in (ky, kx, ci) order, zeros where the patch leaves the
 * input.  That order is the flattened [k, k, cin, cout] filter's row order,
 * so out[M = oh*ow, N = cout] = cols[M, K = k*k*cin] . filters[K, N] with
 * no transposition of weights.  A 1x1 stride-1 convolution is already in
 * that form and goes straight to sgemm.
 *
 * A first layer on RGB goes to conv_direct.c instead.
 *
 * When the filters are small, the output is computed in bands of rows so
 * that each band's im2col columns (or input rows, for 1x1) stay in the L2
 * cache between being written here and packed by sgemm (the 7x7 first
 * layer's full im2col matrix is 3 MB), and the band's output between sgemm
 * and the activation.  Large filters are not banded: sgemm packs the
 * filters again on every call, and for them that stream is the bigger cost.
 */
#include "nn/nn.h"

#include <stdio.h>
#include <string.h>

#include <cblas.h>

#define BAND_FLOATS (64 * 1024)	/* im2col floats per band: 256 kB */
#define BAND_MAX_FILTER (64 * 1024)	/* larger filters are not banded */

int
nn_conv_bind(NnConv *conv, const NnWeights *weights, const char *prefix,
			 int k, int cin, int cout, int stride, NnPadding padding, NnError *err)
{
	char		name[128];
	int			fdims[4] = {k, k, cin, cout};

	conv->k = k;
	conv->cin = cin;
	conv->cout = cout;
	conv->stride = stride;
	conv->padding = padding;
	snprintf(name, sizeof(name), "%s/filters", prefix);
	conv->filters = nn_weights_find(weights, name, 4, fdims, err);
	snprintf(name, sizeof(name), "%s/bias", prefix);
	conv->bias = conv->filters ? nn_weights_find(weights, name, 1, &cout, err) : NULL;
	return conv->bias ? 0 : -1;
}

int
nn_out_size(int in, int k, int stride, NnPadding padding)
{
	if (padding == NN_PAD_SAME)
		return (in + stride - 1) / stride;
	return in < k ? 0 : (in - k) / stride + 1;
}

int
nn_pad_before(int in, int out, int k, int stride, NnPadding padding)
{
	int			total;

	if (padding == NN_PAD_VALID)
		return 0;
	total = (out - 1) * stride + k - in;
	return total > 0 ? total / 2 : 0;
}

static int
is_pointwise(const NnConv *conv)
{
	return conv->k == 1 && conv->stride == 1;
}

/*
 * The taps of the kernel that ever touch the input: a small input with SAME
 * padding (1x1 under a 3x3 kernel) leaves whole rows and columns of taps on
 * zeros, and skipping them skips their weights too.  The window is only
 * narrowed when its filter rows stay contiguous ((ky, kx, ci) order): one
 * tap row, or full tap rows.
 */
typedef struct TapWindow
{
	int			ky0,
				ky1,
				kx0,
				kx1;			/* inclusive */
} TapWindow;

static void
valid_taps(int in, int out, int k, int stride, int before, int *t0, int *t1)
{
	int			lo = before - (out - 1) * stride;
	int			hi = in - 1 + before;

	*t0 = lo > 0 ? lo : 0;
	*t1 = hi < k - 1 ? hi : k - 1;
}

static TapWindow
tap_window(const NnConv *conv, int in_h, int in_w, int oh, int ow)
{
	const int	k = conv->k;
	TapWindow	win;

	valid_taps(in_h, oh, k, conv->stride,
			   nn_pad_before(in_h, oh, k, conv->stride, conv->padding), &win.ky0, &win.ky1);
	valid_taps(in_w, ow, k, conv->stride,
			   nn_pad_before(in_w, ow, k, conv->stride, conv->padding), &win.kx0, &win.kx1);
	if (win.ky0 != win.ky1 && (win.kx0 != 0 || win.kx1 != k - 1))
	{
		win.kx0 = 0;
		win.kx1 = k - 1;
	}
	return win;
}

/* output rows per band for an oh x ow output with kk-long im2col rows */
static int
band_rows(int oh, int ow, int kk, int cout)
{
	int			band;

	if ((size_t) kk * cout > BAND_MAX_FILTER)
		return oh;
	band = BAND_FLOATS / (ow * kk);
	return band < 1 ? 1 : band > oh ? oh : band;
}

size_t
nn_conv_scratch_size(const NnConv *conv, int in_h, int in_w)
{
	int			oh = nn_out_size(in_h, conv->k, conv->stride, conv->padding);
	int			ow = nn_out_size(in_w, conv->k, conv->stride, conv->padding);
	size_t		kk = (size_t) conv->k * conv->k * conv->cin;
	size_t		full = (size_t) oh * ow * kk;
	size_t		band;

	/*
	 * An upper bound for any tap window: a band holds at most BAND_FLOATS
	 * or one output row, and never more than the whole output.
	 */
	if (is_pointwise(conv))
		return 0;
	if (kk * conv->cout > BAND_MAX_FILTER)
		return full;
	band = ow * kk > BAND_FLOATS ? ow * kk : BAND_FLOATS;
	return band < full ? band : full;
}

/* copy n floats; runs are short, a loop the compiler inlines beats memcpy */
static inline void
copy_floats(float *restrict dst, const float *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

/* im2col rows of output rows oy0 .. oy1 - 1 (of oh) into cols */
static void
im2col(const NnConv *conv, const NnTensor *in, int oh, int ow, int oy0, int oy1,
	   const TapWindow *win, float *cols)
{
	const int	s = conv->stride;
	const int	cin = in->c;
	const int	top = nn_pad_before(in->h, oh, conv->k, s, conv->padding);
	const int	left = nn_pad_before(in->w, ow, conv->k, s, conv->padding);
	const int	kw = win->kx1 - win->kx0 + 1;
	const size_t run = (size_t) kw * cin;	/* one tap row of a patch */
	float	   *dst = cols;

	for (int oy = oy0; oy < oy1; oy++)
	{
		for (int ox = 0; ox < ow; ox++)
		{
			const int	x0 = ox * s - left + win->kx0;

			for (int ky = win->ky0; ky <= win->ky1; ky++)
			{
				const int	iy = oy * s - top + ky;
				const float *row = in->data + ((size_t) iy * in->w) * cin;

				if (iy < 0 || iy >= in->h)
					memset(dst, 0, run * sizeof(float));
				else if (x0 >= 0 && x0 + kw <= in->w)
					copy_floats(dst, row + (size_t) x0 * cin, run);
				else
				{
					for (int kx = 0; kx < kw; kx++)
					{
						const int	ix = x0 + kx;

						if (ix < 0 || ix >= in->w)
							memset(dst + kx * cin, 0, cin * sizeof(float));
						else
							copy_floats(dst + kx * cin, row + (size_t) ix * cin, cin);
					}
				}
				dst += run;
			}
		}
	}
}

/*
 * out = bias + cols . filters: out starts as the bias in every row and the
 * product is added to it (beta 1), which costs one pass over out where
 * beta 0 (sgemm zeroing out first) and a separate bias pass cost two.
 */
static void
multiply(const float *cols, int m, int kk, const float *filters, int cout,
		 const float *bias, float *out)
{
	for (int r = 0; r < m; r++)
		memcpy(out + (size_t) r * cout, bias, cout * sizeof(float));
	if (m == 1)
		cblas_sgemv(CblasRowMajor, CblasTrans, kk, cout, 1.0f, filters, cout,
					cols, 1, 1.0f, out, 1);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, cout, kk,
					1.0f, cols, kk, filters, cout, 1.0f, out, cout);
}

void
nn_conv2d(const NnConv *conv, const NnTensor *in, NnTensor *out,
		  NnActivation act, float *scratch)
{
	const int	cout = conv->cout;
	const int	pointwise = is_pointwise(conv);
	const float *filters = conv->filters;
	TapWindow	win = {0, 0, 0, 0};
	int			kk = conv->cin;
	int			band;

	out->h = nn_out_size(in->h, conv->k, conv->stride, conv->padding);
	out->w = nn_out_size(in->w, conv->k, conv->stride, conv->padding);
	out->c = cout;
	if (nn_conv2d_direct(conv, in, out, act))
		return;
	if (!pointwise)
	{
		win = tap_window(conv, in->h, in->w, out->h, out->w);
		kk = (win.ky1 - win.ky0 + 1) * (win.kx1 - win.kx0 + 1) * conv->cin;
		filters += (size_t) (win.ky0 * conv->k + win.kx0) * conv->cin * cout;
	}
	band = band_rows(out->h, out->w, kk, cout);
	for (int oy = 0; oy < out->h; oy += band)
	{
		int			rows = out->h - oy < band ? out->h - oy : band;
		float	   *o = out->data + (size_t) oy * out->w * cout;
		const float *cols = in->data + (size_t) oy * out->w * kk;

		if (!pointwise)
		{
			im2col(conv, in, out->h, out->w, oy, oy + rows, &win, scratch);
			cols = scratch;
		}
		multiply(cols, rows * out->w, kk, filters, cout, conv->bias, o);
		/* while the band's output is still in the cache */
		nn_activate(o, (size_t) rows * out->w * cout, act);
	}
}
