/*
 * align.c
 *		dlib-style alignment (see align.h) and its settings:
 *		facerec.alignment, and the test-time augmentation of the descriptor
 *		(facerec.mirror_descriptor, facerec.descriptor_jitter).
 *
 * Coordinates: the landmark net and the template (align_template.c) give
 * points in continuous pixel units, pixel i covering [i, i + 1); the warp
 * (image_warp_affine) puts pixel centres on integers.  The fit is done in
 * the former and converted once, in face_align_matrix.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/guc.h"

#include "face/align.h"
#include "face/models.h"
#include "image/image.h"

int			face_alignment = FACE_ALIGN_DLIB5;
static bool face_mirror = false;
static int	face_jitter = 0;

/*
 * The fixed perturbations of facerec.descriptor_jitter, in the spirit of
 * dlib's jitter_image (shift up to 2% of the chip, rotation up to 3
 * degrees, the face 1-3% smaller) but deterministic: each entry moves the
 * chip's content by (dx, dy) chip pixels and turns it by the angle about
 * the chip's centre, at JITTER_ZOOM.  Entries come in opposite pairs, so
 * that an even number of them adds no net shift or turn.
 */
typedef struct ChipJitter
{
	double		dx;
	double		dy;
	double		degrees;
} ChipJitter;

static const ChipJitter chip_jitters[] = {
	{3, 0, 3}, {-3, 0, -3},
	{0, 3, -3}, {0, -3, 3},
	{3, 3, 0}, {-3, -3, 0},
	{3, -3, 3}, {-3, 3, -3},
};

/* the chip sees 2% more around the face: the face 2% smaller */
#define JITTER_ZOOM 1.02

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
	DefineCustomIntVariable("facerec.descriptor_jitter",
							"Jittered dlib-aligned chips (fixed small shifts and turns) averaged into the descriptor.",
							"Each costs one more descriptor, two with facerec.mirror_descriptor.",
							&face_jitter, 0, 0, lengthof(chip_jitters),
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

/*
 * fit composed with a jitter on the chip's side: chip point p goes to
 * c + d + z R (p - c) (c the chip's centre, d the shift, z the zoom, R the
 * turn), then through fit.  In complex numbers, fit is p -> A p + T and the
 * jitter p -> B p + (c + d - B c), so the composition is
 * p -> A B p + A (c + d - B c) + T.
 */
static void
jitter_fit(const FaceSimilarity *fit, const ChipJitter *j, FaceSimilarity *out)
{
	double		angle = j->degrees * M_PI / 180;
	double		br = JITTER_ZOOM * cos(angle);
	double		bi = JITTER_ZOOM * sin(angle);
	double		c = FACE_CHIP_SIZE / 2.0;
	/* u = c + d - B c */
	double		ur = c + j->dx - (br * c - bi * c);
	double		ui = c + j->dy - (bi * c + br * c);

	out->a = fit->a * br - fit->b * bi;
	out->b = fit->a * bi + fit->b * br;
	out->tx = fit->a * ur - fit->b * ui + fit->tx;
	out->ty = fit->b * ur + fit->a * ui + fit->ty;
}

/* adds the descriptor of an aligned chip to sum */
static void
add_descriptor(const RgbImage *chip, double sum[FACE_DESCRIPTOR_DIM])
{
	float		d[FACE_DESCRIPTOR_DIM];

	face_recognizer_describe(face_recognizer(), chip->pixels, FACE_CHIP_SIZE,
							 FACE_CHIP_SIZE, FACE_CHIP_SIZE * 3, d);
	for (int i = 0; i < FACE_DESCRIPTOR_DIM; i++)
		sum[i] += d[i];
}

/*
 * Adds to sum the descriptor of the chip that s cuts from the picture, and
 * that of its mirror image when facerec.mirror_descriptor is on; returns
 * how many descriptors were added.
 */
static int
add_chip_descriptors(const RgbImage *picture, const FaceSimilarity *s,
					 double sum[FACE_DESCRIPTOR_DIM])
{
	double		m[6];
	RgbImage   *chip;
	int			added = 1;

	face_similarity_warp(s, m);
	chip = image_warp_affine(picture, m, FACE_CHIP_SIZE, FACE_CHIP_SIZE);
	add_descriptor(chip, sum);
	if (face_mirror)
	{
		mirror_chip(chip);
		add_descriptor(chip, sum);
		added++;
	}
	pfree(chip->pixels);
	pfree(chip);
	return added;
}

void
face_align_describe(const uint8_t *rgb, int width, int height,
					const double points[2 * FACE_LANDMARKS], FaceAlignment alignment,
					float descriptor[FACE_DESCRIPTOR_DIM])
{
	/* the warp only reads the picture */
	RgbImage	picture = {width, height, unconstify(uint8_t *, rgb)};
	FaceSimilarity fit;
	double		sum[FACE_DESCRIPTOR_DIM] = {0};
	int			n;

	face_align_fit(points, alignment, &fit);
	n = add_chip_descriptors(&picture, &fit, sum);
	for (int k = 0; k < face_jitter; k++)
	{
		FaceSimilarity jittered;

		CHECK_FOR_INTERRUPTS();
		jitter_fit(&fit, &chip_jitters[k], &jittered);
		n += add_chip_descriptors(&picture, &jittered, sum);
	}
	for (int i = 0; i < FACE_DESCRIPTOR_DIM; i++)
		descriptor[i] = sum[i] / n;
}
