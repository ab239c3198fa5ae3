/*
 * dense.c
 *		Fully connected layer without bias: one sgemv.
 */
#include "nn/nn.h"

#include <cblas.h>

void
nn_dense(const float *x, int in, const float *w, int out, float *y)
{
	/* y = x . W with W [in, out] row-major: y = W^T x */
	cblas_sgemv(CblasRowMajor, CblasTrans, in, out, 1.0f, w, out, x, 1, 0.0f, y, 1);
}
