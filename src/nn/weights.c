/*
 * weights.c
 *		Open a .frw weight file (see tools/convert-model.py for its layout)
 *		and look tensors up by name; and the aligned buffers the nets
 *		allocate beside their weights.
 *
 * The file is mapped read-only and shared: every backend that opens the
 * same file uses the same page-cache pages, and tensors are used in place,
 * never copied.  The table is validated once at open (offsets in bounds,
 * 4-byte aligned data), so lookups only compare names and shapes.
 */
#include "nn/nn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FRW_MAGIC "FACERECW"
#define FRW_VERSION 1
#define FRW_NAME_LEN 64
#define FRW_HEADER_SIZE 16
#define FRW_ENTRY_SIZE (FRW_NAME_LEN + 4 + 16 + 8)

typedef struct FrwEntry
{
	char		name[FRW_NAME_LEN];
	uint32_t	ndim;
	uint32_t	dims[4];
	uint64_t	offset;
} FrwEntry;

struct NnWeights
{
	const unsigned char *map;
	size_t		size;
	uint32_t	count;
};

static void
read_entry(const NnWeights *w, uint32_t i, FrwEntry *e)
{
	const unsigned char *p = w->map + FRW_HEADER_SIZE + (size_t) i * FRW_ENTRY_SIZE;

	memcpy(e->name, p, FRW_NAME_LEN);
	memcpy(&e->ndim, p + FRW_NAME_LEN, 4);
	memcpy(e->dims, p + FRW_NAME_LEN + 4, 16);
	memcpy(&e->offset, p + FRW_NAME_LEN + 20, 8);
}

/* element count of e, or SIZE_MAX when it could not fit in memory */
static size_t
entry_count(const FrwEntry *e)
{
	size_t		n = 1;

	for (uint32_t d = 0; d < 4; d++)
	{
		if (n > SIZE_MAX / sizeof(float) / e->dims[d])
			return SIZE_MAX;
		n *= e->dims[d];
	}
	return n;
}

/* every entry names a NUL-terminated tensor of rank <= 4 inside the file */
static int
validate(const NnWeights *w, const char *path, NnError *err)
{
	uint32_t	version;

	if (w->size < FRW_HEADER_SIZE || memcmp(w->map, FRW_MAGIC, 8) != 0)
	{
		snprintf(err->msg, sizeof(err->msg), "\"%s\" is not a facerec weight file", path);
		return -1;
	}
	memcpy(&version, w->map + 8, 4);
	if (version != FRW_VERSION)
	{
		snprintf(err->msg, sizeof(err->msg), "\"%s\": unsupported version %u", path, version);
		return -1;
	}
	if ((size_t) w->count * FRW_ENTRY_SIZE > w->size - FRW_HEADER_SIZE)
		goto corrupt;
	for (uint32_t i = 0; i < w->count; i++)
	{
		FrwEntry	e;
		size_t		n;

		read_entry(w, i, &e);
		if (memchr(e.name, '\0', FRW_NAME_LEN) == NULL || e.ndim > 4 ||
			e.offset % 4 != 0 || e.offset > w->size)
			goto corrupt;
		for (uint32_t d = 0; d < 4; d++)
			if (e.dims[d] == 0 || e.dims[d] > (1u << 24))
				goto corrupt;
		n = entry_count(&e);
		if (n > (w->size - e.offset) / sizeof(float))
			goto corrupt;
	}
	return 0;

corrupt:
	snprintf(err->msg, sizeof(err->msg), "weight file \"%s\" is corrupt", path);
	return -1;
}

NnWeights *
nn_weights_open(const char *path, NnError *err)
{
	NnWeights  *w;
	struct stat st;
	int			fd;
	void	   *map;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
	{
		snprintf(err->msg, sizeof(err->msg), "could not open weight file \"%s\": %s",
				 path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || st.st_size < FRW_HEADER_SIZE)
	{
		snprintf(err->msg, sizeof(err->msg), "\"%s\" is not a facerec weight file", path);
		close(fd);
		return NULL;
	}
	map = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
	{
		snprintf(err->msg, sizeof(err->msg), "could not map weight file \"%s\": %s",
				 path, strerror(errno));
		return NULL;
	}
	w = malloc(sizeof(NnWeights));
	if (w == NULL)
	{
		munmap(map, (size_t) st.st_size);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	w->map = map;
	w->size = (size_t) st.st_size;
	memcpy(&w->count, w->map + 12, 4);
	if (validate(w, path, err) != 0)
	{
		nn_weights_close(w);
		return NULL;
	}
	return w;
}

void
nn_weights_close(NnWeights *weights)
{
	if (weights == NULL)
		return;
	munmap((void *) weights->map, weights->size);
	free(weights);
}

const float *
nn_weights_find(const NnWeights *weights, const char *name, int ndim,
				const int *dims, NnError *err)
{
	for (uint32_t i = 0; i < weights->count; i++)
	{
		FrwEntry	e;

		read_entry(weights, i, &e);
		if (strcmp(e.name, name) != 0)
			continue;
		if ((int) e.ndim != ndim)
			goto shape;
		for (int d = 0; d < ndim; d++)
			if ((int) e.dims[d] != dims[d])
				goto shape;
		return (const float *) (weights->map + e.offset);
	}
	snprintf(err->msg, sizeof(err->msg), "weight tensor \"%s\" is missing", name);
	return NULL;

shape:
	snprintf(err->msg, sizeof(err->msg), "weight tensor \"%s\" has an unexpected shape", name);
	return NULL;
}

float *
nn_alloc_floats(size_t n)
{
	size_t		bytes = (n * sizeof(float) + 63) & ~(size_t) 63;

	return aligned_alloc(64, bytes);
}
