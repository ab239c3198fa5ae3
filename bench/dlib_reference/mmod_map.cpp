/*-------------------------------------------------------------------------
 *
 * mmod_map.cpp
 *	  dlib's own MMOD face detector net on one square crop: the reference
 *	  maps of tools/reference/fixtures/mmod-*.map, which bench/mmod_check
 *	  holds src/face/mmod.c to.  Not part of the extension nor of its
 *	  tests; built against Debian's libdlib-dev (19.24) by
 *	  tools/reference/make-mmod-fixtures.sh.
 *
 * Usage: mmod_map MODEL.dat IMAGE x y width height OUT
 *
 * Cuts the square the second check cuts around the box (src/face/
 * face_check.h: twice the box's longer side, centred on it, resampled so
 * that the box is 120 pixels: 240x240) with dlib's extract_image_chip,
 * writes it as raw RGB8 to OUT.240x240.rgb, runs the net on it alone (no
 * pyramid: the input as it is, (v - mean) / 256 per channel, as dlib's
 * input_rgb_image_pyramid normalizes) and writes the output map to OUT.map
 * as text: "rows cols", then one score per line, row by row.
 *
 *-------------------------------------------------------------------------
 */
#include <dlib/dnn.h>
#include <dlib/image_io.h>
#include <dlib/image_transforms.h>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace dlib;

/* dlib's dnn_mmod_face_detection_ex.cpp net, which the .dat holds */
template <long N, typename SUBNET> using con5d = con<N, 5, 5, 2, 2, SUBNET>;
template <long N, typename SUBNET> using con5 = con<N, 5, 5, 1, 1, SUBNET>;
template <typename SUBNET> using downsampler =
	relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16, SUBNET>>>>>>>>>;
template <typename SUBNET> using rcon5 = relu<affine<con5<45, SUBNET>>>;
using net_type = loss_mmod<con<1, 9, 9, 1, 1,
	rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;

static const long side = 240;	/* FACE_CHECK_CROP * FACE_CHECK_BOX */

int
main(int argc, char **argv)
{
	if (argc != 8)
	{
		fprintf(stderr, "usage: mmod_map MODEL.dat IMAGE x y width height OUT\n");
		return 1;
	}
	net_type	net;
	deserialize(argv[1]) >> net;
	matrix<rgb_pixel> img;
	load_image(img, argv[2]);
	double		x = atof(argv[3]), y = atof(argv[4]);
	double		w = atof(argv[5]), h = atof(argv[6]);
	double		crop = 2 * std::max(w, h);
	drectangle	square(x + w / 2 - crop / 2, y + h / 2 - crop / 2,
					   x + w / 2 + crop / 2, y + h / 2 + crop / 2);
	matrix<rgb_pixel> chip;
	extract_image_chip(img, chip_details(square, chip_dims(side, side)), chip);

	std::string out = argv[7];
	FILE	   *rgb = fopen((out + ".240x240.rgb").c_str(), "wb");
	for (long r = 0; r < side; ++r)
		for (long c = 0; c < side; ++c)
			fwrite(&chip(r, c), 3, 1, rgb);
	fclose(rgb);

	/* the input layer's own mean, from the model */
	const auto &input = input_layer(net);
	const float mean[3] = {input.get_avg_red(), input.get_avg_green(), input.get_avg_blue()};
	resizable_tensor in(1, 3, side, side);
	float	   *p = in.host();
	for (long r = 0; r < side; ++r)
		for (long c = 0; c < side; ++c)
		{
			p[(0 * side + r) * side + c] = (chip(r, c).red - mean[0]) / 256.0f;
			p[(1 * side + r) * side + c] = (chip(r, c).green - mean[1]) / 256.0f;
			p[(2 * side + r) * side + c] = (chip(r, c).blue - mean[2]) / 256.0f;
		}
	const tensor &map = net.subnet().forward(in);
	FILE	   *f = fopen((out + ".map").c_str(), "w");
	fprintf(f, "%lld %lld\n", (long long) map.nr(), (long long) map.nc());
	const float *m = map.host();
	for (long long i = 0; i < map.nr() * map.nc(); ++i)
		fprintf(f, "%.7g\n", m[i]);
	fclose(f);
	return 0;
}
