/*
 * ssd_band.h
 *		The SSD's first layers without the padding they would compute for
 *		nothing (ssd_band.c says why the result is the same).  Plain C, for
 *		bench/ as well as the server.
 */
#ifndef FACEREC_SSD_BAND_H
#define FACEREC_SSD_BAND_H

#include <stdbool.h>
#include <stddef.h>

/* input rows (or columns) left out of the layers before the restore */
typedef struct SsdBand
{
	bool		columns;		/* columns of a right-hand band, else rows */
	int			at;				/* the first one left out */
	int			count;			/* how many; 0: none */
} SsdBand;

/*
 * The widest cut in the band of identical rows (or columns) at the
 * bottom (right) of a side x side x channels input, for layers of combined
 * stride `stride` whose window spans `window` input rows: at and count are
 * multiples of stride, and window rows of band stay on each side of the cut.
 */
extern SsdBand ssd_band_find(const float *input, int side, int channels,
							 int stride, int window);

/* leave the band's rows (columns) out of the input, in place; *h, *w shrink */
extern void ssd_band_cut(const SsdBand *band, float *input, int *h, int *w,
						 int channels);

/*
 * Put them back into a map of the layers after the cut: an h x w x c map
 * of elements of elem bytes, computed at stride `stride` from the cut input,
 * grows in place (its buffer must hold the full map) by band->count / stride
 * rows (columns), copies of the band's first row (column) after the cut;
 * *h or *w grows.
 */
extern void ssd_band_restore(const SsdBand *band, int stride, void *map, int *h,
							 int *w, int c, size_t elem);

#endif							/* FACEREC_SSD_BAND_H */
