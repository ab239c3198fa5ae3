/*
 * graph_page.c
 *		Pages, the meta page, node geometry, quantization and distances of the
 *		face_graph index, and the FgEdit helper that routes every page change
 *		through GenericXLog (or, during the build, just dirties the buffer).
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/xloginsert.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "index/graph.h"
#include "type/distance.h"
#include "type/face_embedding.h"

/*
 * The buffer each block of the last index walked was last found in: a hint
 * for ReadRecentBuffer, which pins that buffer if it still holds the block
 * and so skips the shared buffer mapping lookup (with its partition lock),
 * the largest single cost of a search that visits hundreds of pages (each
 * visit of a node is a page read).  One index at a time, per backend; the
 * hints may be stale (the buffer was evicted, the index rebuilt, its file
 * reused): ReadRecentBuffer checks the tag, and a miss reads the block the
 * ordinary way and records the new buffer.  Blocks past FG_RECENT_MAX_BLOCKS
 * (an index of 8 GB) are not remembered, to bound the backend's memory.
 */
#define FG_RECENT_MAX_BLOCKS	(1 << 20)

static RelFileNode recent_node;
static Buffer *recent_buffers;	/* by block number; InvalidBuffer: no hint */
static BlockNumber recent_size;

Buffer
fg_read_buffer(Relation index, BlockNumber blkno)
{
	Buffer		buf;

	/* temporary indexes live in local buffers: no hints for them */
	if (RelationUsesLocalBuffers(index))
		return ReadBuffer(index, blkno);
	if (!RelFileNodeEquals(recent_node, index->rd_node))
	{
		recent_node = index->rd_node;
		if (recent_buffers)
			memset(recent_buffers, 0, sizeof(Buffer) * recent_size);
	}
	if (blkno < recent_size && recent_buffers[blkno] != InvalidBuffer &&
		ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, blkno, recent_buffers[blkno]))
		return recent_buffers[blkno];

	buf = ReadBuffer(index, blkno);
	if (blkno >= recent_size && blkno < FG_RECENT_MAX_BLOCKS)
	{
		BlockNumber size = Min(Max(blkno + 1, recent_size * 2), FG_RECENT_MAX_BLOCKS);

		if (recent_buffers == NULL)
			recent_buffers = MemoryContextAllocZero(TopMemoryContext, sizeof(Buffer) * size);
		else
		{
			recent_buffers = repalloc(recent_buffers, sizeof(Buffer) * size);
			memset(recent_buffers + recent_size, 0, sizeof(Buffer) * (size - recent_size));
		}
		recent_size = size;
	}
	if (blkno < recent_size)
		recent_buffers[blkno] = buf;
	return buf;
}

/*
 * The buffer that last held block blkno of this index, or InvalidBuffer.
 * Not pinned and not checked: it may hold another block by now, so it is
 * only good for prefetching.
 */
Buffer
fg_buffer_hint(Relation index, BlockNumber blkno)
{
	if (RelationUsesLocalBuffers(index) ||
		!RelFileNodeEquals(recent_node, index->rd_node) || blkno >= recent_size)
		return InvalidBuffer;
	return recent_buffers[blkno];
}

void
fg_init_page(Page page, uint16 flags)
{
	FgPageOpaqueData *opaque;

	PageInit(page, BLCKSZ, sizeof(FgPageOpaqueData));
	opaque = FgPageGetOpaque(page);
	opaque->flags = flags;
	opaque->page_id = FG_PAGE_ID;
}

static bool
page_has_flag(Page page, uint16 flag)
{
	return !PageIsNew(page) &&
		PageGetSpecialSize(page) == MAXALIGN(sizeof(FgPageOpaqueData)) &&
		FgPageGetOpaque(page)->page_id == FG_PAGE_ID &&
		(FgPageGetOpaque(page)->flags & flag) != 0;
}

bool
fg_page_is_nodes(Page page)
{
	return page_has_flag(page, FG_PAGE_NODES);
}

bool
fg_page_is_pending(Page page)
{
	return page_has_flag(page, FG_PAGE_PENDING);
}

/* offsets inside a node tuple for this dimension and link count */
void
fg_shape_compute(FgShape *shape, int dim, int m, int ef_construction, FgMetric metric)
{
	shape->dim = dim;
	shape->m = m;
	shape->max_links = 2 * m;
	shape->ef_construction = ef_construction;
	shape->metric = metric;
	shape->code_off = FG_LINKS_OFF + sizeof(FgLink) * shape->max_links;
	shape->node_size = shape->code_off + dim;
	/* a link's 8 offset bits must address every node of a page */
	if ((BLCKSZ - SizeOfPageHeaderData) /
		(MAXALIGN(shape->node_size) + sizeof(ItemIdData)) > FG_LINK_MAX_OFFSET)
		elog(ERROR, "face_graph nodes of %zu bytes are too small for this block size",
			 shape->node_size);
}

/*
 * The index's shape, from the meta page, cached in rd_amcache once the
 * dimension is known (offsets and scales never change after that).
 */
const FgShape *
fg_get_shape(Relation index)
{
	FgShape    *shape;
	Buffer		buf;
	FgMetaPageData *meta;
	int			dim;
	double		norm_max;

	if (index->rd_amcache != NULL)
		return (const FgShape *) index->rd_amcache;

	buf = ReadBuffer(index, FG_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = FgPageGetMeta(BufferGetPage(buf));
	if (meta->magic != FG_MAGIC || meta->version != FG_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not a valid face_graph index",
						RelationGetRelationName(index)),
				 meta->magic == FG_MAGIC ?
				 errhint("It has format version %u, this facerec reads %u: REINDEX it.",
						 meta->version, FG_VERSION) : 0));
	dim = meta->dim;
	/* only a shape with a dimension is cached; one without is the caller's */
	shape = MemoryContextAlloc(dim > 0 ? index->rd_indexcxt : CurrentMemoryContext,
							   sizeof(FgShape) + 3 * sizeof(float) * Max(dim, 1));
	fg_shape_compute(shape, dim, meta->m, meta->ef_construction, (FgMetric) meta->metric);
	shape->offset = (float *) (shape + 1);
	shape->scale = shape->offset + dim;
	shape->weight = shape->scale + dim;
	norm_max = 0.0;
	for (int i = 0; i < dim; i++)
	{
		double		far;

		shape->offset[i] = meta->offset[i];
		shape->scale[i] = FgMetaScales(meta)[i];
		shape->weight[i] = shape->scale[i] * shape->scale[i];
		/* the code's farther end from zero */
		far = fabs((double) shape->offset[i]) + 127.0 * shape->scale[i];
		norm_max += far * far;
	}
	shape->decoded_norm_max = (float) sqrt(norm_max);
	UnlockReleaseBuffer(buf);

	if (dim > 0)
		index->rd_amcache = shape;
	return shape;
}

FgMetric
fg_metric_of(Relation index)
{
	FmgrInfo   *proc = index_getprocinfo(index, 1, 1);

	if (proc->fn_addr == face_embedding_l2_distance)
		return FG_METRIC_L2;
	if (proc->fn_addr == face_embedding_cosine_distance)
		return FG_METRIC_COSINE;
	if (proc->fn_addr == face_embedding_negative_inner_product)
		return FG_METRIC_IP;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("face_graph supports only the distances l2_distance, cosine_distance and negative_inner_product")));
	return FG_METRIC_L2;		/* keep the compiler quiet */
}

/*
 * The meta page's mutable fields, read under one share lock: the entry and
 * the pending list's head and length (each NULL when not wanted).
 */
void
fg_read_meta(Relation index, ItemPointerData *entry, BlockNumber *pending_head,
			 uint32 *pending_pages)
{
	Buffer		buf = ReadBuffer(index, FG_METAPAGE_BLKNO);
	FgMetaPageData *meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = FgPageGetMeta(BufferGetPage(buf));
	if (entry)
		*entry = meta->entry;
	if (pending_head)
		*pending_head = meta->pending_head;
	if (pending_pages)
		*pending_pages = meta->pending_pages;
	UnlockReleaseBuffer(buf);
}

ItemPointerData
fg_get_entry(Relation index)
{
	ItemPointerData entry;

	fg_read_meta(index, &entry, NULL, NULL);
	return entry;
}

void
fg_set_entry(Relation index, ItemPointerData entry, bool building)
{
	Buffer		buf = ReadBuffer(index, FG_METAPAGE_BLKNO);
	FgEdit		edit;
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	fg_edit_begin(&edit, index, building);
	page = fg_edit_page(&edit, buf, false);
	FgPageGetMeta(page)->entry = entry;
	fg_edit_finish(&edit);
	UnlockReleaseBuffer(buf);
}

/* the node at off of a node page; the caller holds a lock on the buffer */
FgNode
fg_page_node(Page page, OffsetNumber off, const FgShape *shape)
{
	ItemId		iid = PageGetItemId(page, off);

	if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) != shape->node_size)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("face_graph node at offset %u is damaged", (unsigned) off)));
	return (FgNode) PageGetItem(page, iid);
}

/* quantize vec into code; returns the error |vec - decode(code)| */
float
fg_encode(const FgShape *shape, const float *vec, signed char *code)
{
	double		err = 0.0;

	for (int i = 0; i < shape->dim; i++)
	{
		float		c = rintf((vec[i] - shape->offset[i]) / shape->scale[i]);
		double		d;

		code[i] = (signed char) Max(-127.0f, Min(127.0f, c));
		d = (double) vec[i] - (shape->offset[i] + shape->scale[i] * code[i]);
		err += d * d;
	}
	return (float) sqrt(err);
}

/*
 * GCC vectorizes at -O2 only loops that need no epilogue or alias checks;
 * FG_VECTORIZE lets it vectorize one function as -O3 would (clang already
 * does at -O2).  The vector loop sums the same terms in the same order, so
 * its results are those of the scalar loop.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define FG_VECTORIZE __attribute__((optimize("tree-vectorize", "vect-cost-model=cheap")))
#else
#define FG_VECTORIZE
#endif

/*
 * The vector a code stands for: offset + scale * code.  An insert decodes
 * every link of each full neighbour list it prunes (a twentieth of its CPU
 * time in the scalar loop): vectorized.
 */
FG_VECTORIZE void
fg_decode(const FgShape *shape, const signed char *restrict code, float *restrict vec)
{
	const float *restrict offset = shape->offset;
	const float *restrict scale = shape->scale;

	for (int i = 0; i < shape->dim; i++)
		vec[i] = offset[i] + scale[i] * code[i];
}

/*
 * Turn a vector into the form the graph stores: normalized for cosine.
 * Returns false when the vector cannot be indexed (zero vector, cosine).
 */
bool
fg_prepare_vector(FgMetric metric, float *vec, int dim)
{
	double		norm = 0.0;

	if (metric != FG_METRIC_COSINE)
		return true;
	for (int i = 0; i < dim; i++)
		norm += (double) vec[i] * vec[i];
	if (norm == 0.0)
		return false;
	norm = sqrt(norm);
	for (int i = 0; i < dim; i++)
		vec[i] = (float) (vec[i] / norm);
	return true;
}

/* vec must already be prepared (fg_prepare_vector); it is not copied */
void
fg_prepare_query(FgQuery *q, const FgShape *shape, const float *vec)
{
	int			dim = shape->dim;

	q->shape = shape;
	q->vec = (float *) vec;
	q->qcode = palloc(sizeof(float) * dim);
	q->ip_const = 0.0f;
	q->norm = sqrtf(active_kernels.inner_product(vec, vec, dim));
	if (shape->metric == FG_METRIC_IP)
	{
		for (int i = 0; i < dim; i++)
		{
			q->qcode[i] = vec[i] * shape->scale[i];
			q->ip_const += vec[i] * shape->offset[i];
		}
	}
	else
	{
		for (int i = 0; i < dim; i++)
			q->qcode[i] = (vec[i] - shape->offset[i]) / shape->scale[i];
	}
}

/* approximate graph distance between a query and a node's code */
float
fg_approx_distance(const FgQuery *q, const signed char *code)
{
	const FgShape *shape = q->shape;

	if (shape->metric == FG_METRIC_IP)
		return -(q->ip_const + active_kernels.dot_sq8(q->qcode, code, shape->dim));
	return active_kernels.l2_squared_sq8(q->qcode, code, shape->weight, shape->dim);
}

/*
 * Exact graph distance: squared L2 (for cosine, between normalized vectors,
 * which orders like the cosine distance), or the negative inner product.
 */
float
fg_exact_distance(FgMetric metric, const float *a, const float *b, int dim)
{
	if (metric == FG_METRIC_IP)
		return -active_kernels.inner_product(a, b, dim);
	return active_kernels.l2_squared(a, b, dim);
}

/*
 * A rigorous lower bound of the exact distance (as the opclass's operator
 * computes it from the heap row) of a node whose code is at graph distance
 * approx from the query, with quantization error err.  By the triangle
 * inequality |q - x| >= |q - x'| - err for x' = decode(code), and
 * -q.x >= -q.x' - |q| err.  The slack covers float rounding in the kernels
 * on both sides (relative errors well below 1e-5 for 128 terms), so that the
 * executor never sees an exact distance below the bound (its reorder queue
 * raises "index returned tuples in wrong order" then).
 */
double
fg_lower_bound(const FgQuery *q, float approx, float err)
{
	double		d;

	if (q->shape->metric == FG_METRIC_IP)
		return (double) approx - (double) q->norm * err -
			1e-4 * q->norm * (q->shape->decoded_norm_max + err) - 1e-6;

	/* L2 between (for cosine: normalized) vectors */
	d = sqrt(Max((double) approx, 0.0));
	d = Max(d - err - 1e-4 * (d + err) - 1e-6, 0.0);
	if (q->shape->metric == FG_METRIC_L2)
		return d;
	/* for unit vectors, cosine distance = |a - b|^2 / 2 */
	return d * d / 2.0 - 1e-5;
}

void
fg_edit_begin(FgEdit *edit, Relation index, bool building)
{
	edit->xlog = building ? NULL : GenericXLogStart(index);
	edit->nbuffers = 0;
}

/*
 * Register a locked buffer; fresh: the page is (re)initialized entirely.
 *
 * A page whose first change since the last checkpoint this is goes into
 * the WAL as a full image whatever we register, and XLogInsert then drops
 * the delta GenericXLogFinish computed for it: a byte-by-byte comparison of
 * the whole page, for nothing.  Such a page is registered as a full image
 * at once.  The test may be stale only one way (a checkpoint that starts
 * after it): then the delta is computed and XLogInsert takes the image, as
 * without the test; the WAL and its replay are the same either way.
 */
Page
fg_edit_page(FgEdit *edit, Buffer buf, bool fresh)
{
	Assert(edit->nbuffers < lengthof(edit->buffers));
	edit->buffers[edit->nbuffers++] = buf;
	if (edit->xlog != NULL)
		return GenericXLogRegisterBuffer(edit->xlog, buf,
										 fresh || XLogCheckBufferNeedsBackup(buf) ?
										 GENERIC_XLOG_FULL_IMAGE : 0);
	return BufferGetPage(buf);
}

void
fg_edit_finish(FgEdit *edit)
{
	if (edit->xlog != NULL)
		GenericXLogFinish(edit->xlog);
	else
	{
		for (int i = 0; i < edit->nbuffers; i++)
			MarkBufferDirty(edit->buffers[i]);
	}
}

/* a new, exclusively locked, uninitialized block at the end of the index */
Buffer
fg_new_page(Relation index)
{
	Buffer		buf;

	LockRelationForExtension(index, ExclusiveLock);
	if (RelationGetNumberOfBlocks(index) > FG_LINK_MAX_BLOCK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("face_graph index \"%s\" cannot grow beyond %u blocks",
						RelationGetRelationName(index), FG_LINK_MAX_BLOCK + 1)));
	buf = ReadBuffer(index, P_NEW);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

/*
 * Fill the meta page contents; offsets/scales NULL (dim known, no data seen)
 * give the range -1..1 for every dimension.
 */
void
fg_meta_fill(Page page, int dim, int m, int ef_construction, FgMetric metric,
			 const float *offsets, const float *scales)
{
	FgMetaPageData *meta = FgPageGetMeta(page);

	if (dim > FG_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("face_graph indexes at most %d dimensions, got %d",
						FG_MAX_DIM, dim)));
	meta->magic = FG_MAGIC;
	meta->version = FG_VERSION;
	meta->dim = dim;
	meta->m = m;
	meta->ef_construction = ef_construction;
	meta->metric = metric;
	ItemPointerSetInvalid(&meta->entry);
	meta->pad = 0;
	meta->pending_head = meta->pending_tail = 0;
	meta->pending_pages = 0;
	for (int i = 0; i < dim; i++)
	{
		meta->offset[i] = offsets ? offsets[i] : 0.0f;
		FgMetaScales(meta)[i] = scales ? scales[i] : 1.0f / 127.0f;
	}
	/* keep the contents out of the "hole" that full-page images skip */
	((PageHeader) page)->pd_lower =
		(char *) (meta->offset + 2 * dim) - (char *) page;
}

/* a vector to insert must have the index's dimension */
void
fg_check_dim(Relation index, const FgShape *shape, int dim)
{
	if (shape->dim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("face_embedding has %d dimensions, the index \"%s\" expects %d",
						dim, RelationGetRelationName(index), shape->dim)));
}

/*
 * An index built on an empty table of an unconstrained column learns its
 * dimension from the first insert.
 */
void
fg_ensure_dim(Relation index, int dim)
{
	const FgShape *shape = fg_get_shape(index);
	Buffer		buf;
	Page		page;
	FgMetaPageData *meta;

	if (shape->dim != 0)
		return;
	buf = ReadBuffer(index, FG_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = FgPageGetMeta(BufferGetPage(buf));
	if (meta->dim == 0)
	{
		FgEdit		edit;

		fg_edit_begin(&edit, index, false);
		page = fg_edit_page(&edit, buf, false);
		meta = FgPageGetMeta(page);
		fg_meta_fill(page, dim, meta->m, meta->ef_construction, meta->metric,
					 NULL, NULL);
		fg_edit_finish(&edit);
	}
	UnlockReleaseBuffer(buf);
}
