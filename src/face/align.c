/*
 * align.c
 *		dlib-style alignment (see align.h) and the facerec.alignment setting.
 *
 * Coordinates: the landmark net and the template (align_template.c) give
 * points in continuous pixel units, pixel i covering [i, i + 1); the warp
 * (image_warp_affine) puts pixel centres on integers.  The fit is done in
 * the former and converted once, in face_align_matrix.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "face/align.h"
#include "face/models.h"
#include "image/image.h"

int			face_alignment = FACE_ALIGN_DLIB5;
static bool face_mirror = false;

static const struct config_enum_entry alignment_options[] = {
	{"dlib5", FACE_ALIGN_DLIB5, false},
	{"dlib68", FACE_ALIGN_DLIB68, false},
	{"face_api", FACE_ALIGN_FACE_API, false},
	{NULL, 0, false}
};

/*
 * The landmarks each dlib alignment fits.  68 points: those dlib's
 * get_face_chip_details uses, i.e. nose, eyes and the outer lips and upper
 * inner lip (27-54, 60-64), not the jaw, brows or lower inner lip, which
 * move with expression and pose.  5 points: the landmarks dlib's 5-point
 * shape model places (outer and inner eye corners, nose base).
 */
static const int dlib68_points[] = {
	27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
	45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 60, 61, 62, 63, 64
};
static const int dlib5_points[] = {45, 42, 36, 39, 33};

void
face_align_init(void)
{
	DefineCustomEnumVariable("facerec.alignment",
							 "How face descriptors cut the face out of a photo.",
							 "dlib5: similarity warp of the eye corners and the nose base onto a dlib chip template; "
							 "dlib68: the same with 33 of the 68 landmarks; "
							 "face_api: face-api's upright square crop.",
							 &face_alignment, FACE_ALIGN_DLIB5, alignment_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("facerec.mirror_descriptor",
							 "Average the descriptors of a dlib-aligned chip and of its mirror image.",
							 NULL, &face_mirror, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

void
face_align_fit(const double points[2 * FACE_LANDMARKS], FaceAlignment alignment,
			   FaceSimilarity *fit)
{
	const int  *idx = alignment == FACE_ALIGN_DLIB5 ? dlib5_points : dlib68_points;
	int			n = alignment == FACE_ALIGN_DLIB5 ? lengthof(dlib5_points) : lengthof(dlib68_points);
	double		mpx = 0,
				mpy = 0,
				mqx = 0,
				mqy = 0;
	double		pp = 0,
				dot = 0,
				cross = 0;

	Assert(alignment != FACE_ALIGN_FACE_API);
	for (int k = 0; k < n; k++)
	{
		mpx += face_chip_template[idx[k]][0];
		mpy += face_chip_template[idx[k]][1];
		mqx += points[2 * idx[k]];
		mqy += points[2 * idx[k] + 1];
	}
	mpx /= n, mpy /= n, mqx /= n, mqy /= n;

	/*
	 * Least squares q ~ [a -b; b a] p + t over centred points: the closed
	 * form of the 2-d similarity fit (Umeyama's, without reflection).
	 */
	for (int k = 0; k < n; k++)
	{
		double		px = face_chip_template[idx[k]][0] - mpx;
		double		py = face_chip_template[idx[k]][1] - mpy;
		double		qx = points[2 * idx[k]] - mqx;
		double		qy = points[2 * idx[k] + 1] - mqy;

		pp += px * px + py * py;
		dot += px * qx + py * qy;
		cross += px * qy - py * qx;
	}
	fit->a = dot / pp;
	fit->b = cross / pp;
	fit->tx = mqx - (fit->a * mpx - fit->b * mpy);
	fit->ty = mqy - (fit->b * mpx + fit->a * mpy);
}

void
face_similarity_warp(const FaceSimilarity *s, double m[6])
{
	/* output pixel centre (x + 0.5) maps to picture point q, whose pixel is q - 0.5 */
	m[0] = s->a;
	m[1] = -s->b;
	m[2] = 0.5 * (s->a - s->b) + s->tx - 0.5;
	m[3] = s->b;
	m[4] = s->a;
	m[5] = 0.5 * (s->a + s->b) + s->ty - 0.5;
}

void
face_align_matrix(const double points[2 * FACE_LANDMARKS], FaceAlignment alignment,
				  double m[6])
{
	FaceSimilarity fit;

	face_align_fit(points, alignment, &fit);
	face_similarity_warp(&fit, m);
}

/* the chip flipped left to right, in place */
static void
mirror_chip(RgbImage *chip)
{
	for (int y = 0; y < chip->height; y++)
	{
		uint8	   *row = chip->pixels + (size_t) y * chip->width * 3;

		for (int l = 0, r = chip->width - 1; l < r; l++, r--)
			for (int c = 0; c < 3; c++)
			{
				uint8		t = row[3 * l + c];

				row[3 * l + c] = row[3 * r + c];
				row[3 * r + c] = t;
			}
	}
}

void
face_align_describe(const uint8_t *rgb, int width, int height,
					const double points[2 * FACE_LANDMARKS], FaceAlignment alignment,
					float descriptor[FACE_DESCRIPTOR_DIM])
{
	/* the warp only reads the picture */
	RgbImage	picture = {width, height, unconstify(uint8_t *, rgb)};
	double		m[6];
	RgbImage   *chip;

	face_align_matrix(points, alignment, m);
	chip = image_warp_affine(&picture, m, FACE_CHIP_SIZE, FACE_CHIP_SIZE);
	face_recognizer_describe(face_recognizer(), chip->pixels, FACE_CHIP_SIZE,
							 FACE_CHIP_SIZE, FACE_CHIP_SIZE * 3, descriptor);
	if (face_mirror)
	{
		float		flipped[FACE_DESCRIPTOR_DIM];

		mirror_chip(chip);
		face_recognizer_describe(face_recognizer(), chip->pixels, FACE_CHIP_SIZE,
								 FACE_CHIP_SIZE, FACE_CHIP_SIZE * 3, flipped);
		for (int i = 0; i < FACE_DESCRIPTOR_DIM; i++)
			descriptor[i] = (descriptor[i] + flipped[i]) / 2;
	}
	pfree(chip->pixels);
	pfree(chip);
}
