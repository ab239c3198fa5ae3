/*
 * graph_search.c
 *		Beam search over the face_graph (int8 codes), reads of decoded
 *		vectors, and the robust-prune neighbour selection shared by insert and
 *		vacuum.
 *
 * The search holds one buffer share lock at a time and copies what it
 * needs (links, a distance) before releasing it, so it never blocks an
 * insert for long and never deadlocks with one.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/buf_internals.h"
#include "utils/memutils.h"

#include "index/graph.h"

/* a set of TIDs (visited nodes, returned heap rows) */
typedef struct FgTidEntry
{
	uint64		key;
	uint32		value;
	char		status;
} FgTidEntry;

#define SH_PREFIX		fgtids
#define SH_ELEMENT_TYPE FgTidEntry
#define SH_KEY_TYPE		uint64
#define SH_KEY			key
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key) ^ (uint32) ((key) >> 32))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct FgTidSet
{
	fgtids_hash *hash;
};

static inline uint64
tid_key(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumberNoCheck(tid) << 16) |
		ItemPointerGetOffsetNumberNoCheck(tid);
}

FgTidSet *
fg_tidset_create(uint32 size)
{
	FgTidSet   *set = palloc(sizeof(FgTidSet));

	set->hash = fgtids_create(CurrentMemoryContext, size, NULL);
	return set;
}

/* true when tid was not in the set yet */
bool
fg_tidset_add(FgTidSet *set, ItemPointer tid)
{
	bool		found;

	fgtids_insert(set->hash, tid_key(tid), &found);
	return !found;
}

bool
fg_tidset_contains(FgTidSet *set, ItemPointer tid)
{
	return fgtids_lookup(set->hash, tid_key(tid)) != NULL;
}

/* the set as a map from TIDs to numbers */
void
fg_tidset_put(FgTidSet *set, ItemPointer tid, uint32 value)
{
	bool		found;

	fgtids_insert(set->hash, tid_key(tid), &found)->value = value;
}

bool
fg_tidset_get(FgTidSet *set, ItemPointer tid, uint32 *value)
{
	FgTidEntry *e = fgtids_lookup(set->hash, tid_key(tid));

	if (e == NULL)
		return false;
	*value = e->value;
	return true;
}

/*
 * Binary heaps of (distance, item) pairs: a min-heap (sign 1) of candidates
 * to expand, a max-heap (sign -1) of the current best ef.  Shared by the
 * search on pages and the in-memory build (graph_memory.c).
 */
static inline bool
heap_before(const FgHeap *h, float a, float b)
{
	return h->sign * a < h->sign * b;
}

void
fg_heap_push(FgHeap *h, float dist, int item)
{
	int			i;

	if (h->n == h->cap)
	{
		h->cap *= 2;
		h->items = repalloc(h->items, sizeof(FgHeapItem) * h->cap);
	}
	i = h->n++;
	while (i > 0 && heap_before(h, dist, h->items[(i - 1) / 2].dist))
	{
		h->items[i] = h->items[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->items[i].dist = dist;
	h->items[i].item = item;
}

/* removes the top and returns its item */
int
fg_heap_pop(FgHeap *h)
{
	int			top = h->items[0].item;
	FgHeapItem	last = h->items[--h->n];
	int			i = 0;

	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && heap_before(h, h->items[c + 1].dist, h->items[c].dist))
			c++;
		if (!heap_before(h, h->items[c].dist, last.dist))
			break;
		h->items[i] = h->items[c];
		i = c;
	}
	if (h->n > 0)
		h->items[i] = last;
	return top;
}

void
fg_heap_init(FgHeap *h, int cap, float sign)
{
	h->cap = Max(cap, 16);
	h->items = palloc(sizeof(FgHeapItem) * h->cap);
	h->n = 0;
	h->sign = sign;
}

/*
 * Whether a link can point into this page: not the meta page, and within
 * its line pointers (fg_page_node then checks the item's size).  Cheaper
 * than fg_page_is_nodes, which also reads the special space, on the hot path.
 */
static inline bool
node_in_page(Page page, ItemPointer tid)
{
	return ItemPointerGetBlockNumber(tid) != FG_METAPAGE_BLKNO &&
		!PageIsNew(page) &&
		ItemPointerGetOffsetNumber(tid) <= PageGetMaxOffsetNumber(page);
}

/*
 * Visit the node at tid: its graph distance to the code, heap TID, err and
 * flags into *c (when c is not NULL) and, optionally, a copy of its links.
 * Returns false for free slots (and pages that are not ours).
 */
static bool
visit_node(Relation index, const FgQuery *q, ItemPointer tid, FgCandidate *c,
		   ItemPointerData *links, int *nlinks)
{
	const FgShape *shape = q->shape;
	Buffer		buf = fg_read_buffer(index, ItemPointerGetBlockNumber(tid));
	Page		page;
	bool		ok = false;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (node_in_page(page, tid))
	{
		FgNode		node = fg_page_node(page, ItemPointerGetOffsetNumber(tid), shape);

		if (!(node->flags & FG_NODE_FREE))
		{
			ok = true;
			if (c)
			{
				c->tid = *tid;
				c->dist = fg_approx_distance(q, FgNodeCode(shape, node));
				c->heaptid = node->heaptid;
				c->err = node->err;
				c->deleted = (node->flags & FG_NODE_DELETED) != 0;
			}
			if (links)
				*nlinks = fg_node_get_links(node, shape->max_links, links);
		}
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

/*
 * Prefetching nodes (the new neighbours of an expanded node, the links of a
 * list to prune), all of them before the first is read, so that their
 * memory latencies overlap one another instead of adding up: for each, in
 * the buffer that last held its page (fg_buffer_hint), the buffer
 * descriptor (which pinning and locking touch), the page header and line
 * pointer, and the node's header and code.  The node's place is computed,
 * not read from its line pointer (which would be a dependent miss): nodes
 * all have one size and are only ever appended to a page (PageAddItem) or
 * rewritten in place, so node k starts k node sizes below the special
 * space.  All this is unlocked and unpinned, only hints: the buffer may
 * hold another page by now; visit_node reads under a lock.
 */
void
fg_prefetch_nodes(Relation index, const FgShape *shape, const ItemPointerData *tids, int n)
{
	Size		step = MAXALIGN(shape->node_size);
	Size		top = BLCKSZ - MAXALIGN(sizeof(FgPageOpaqueData));

	for (int i = 0; i < n; i++)
	{
		Buffer		buf = fg_buffer_hint(index, ItemPointerGetBlockNumber(&tids[i]));
		OffsetNumber off = ItemPointerGetOffsetNumber(&tids[i]);
		char	   *page;
		char	   *node;

		if (!BufferIsValid(buf) || off * step > top)
			continue;
		page = (char *) BufferGetPage(buf);
		node = page + top - off * step;
		__builtin_prefetch(GetBufferDescriptor(buf - 1));
		__builtin_prefetch(page);
		__builtin_prefetch(PageGetItemId((Page) page, off));
		__builtin_prefetch(node);
		__builtin_prefetch(node + shape->code_off);
		__builtin_prefetch(node + shape->code_off + 64);
		__builtin_prefetch(node + shape->node_size - 1);
	}
}

/*
 * The nodes a search has seen: one bit per node slot of the blocks the
 * index had when the search began (a node page has at most per_page slots),
 * a hash set for the others (pages added since, damaged offsets).  A bit
 * test is much cheaper than a hash probe, and the bitmap is small: 29 bits
 * per page at m = 16 and 128 dimensions, 125 kB for a million faces.
 */
typedef struct FgVisited
{
	uint64	   *bits;
	BlockNumber nblocks;
	uint32		per_page;
	FgTidSet   *more;			/* NULL until needed */
} FgVisited;

static void
visited_init(FgVisited *v, Relation index, const FgShape *shape)
{
	v->nblocks = RelationGetNumberOfBlocks(index);
	v->per_page = (BLCKSZ - SizeOfPageHeaderData) /
		(MAXALIGN(shape->node_size) + sizeof(ItemIdData));
	v->bits = palloc0(((Size) v->nblocks * v->per_page / 64 + 1) * sizeof(uint64));
	v->more = NULL;
}

/* true when tid was not seen yet */
static inline bool
visited_add(FgVisited *v, ItemPointer tid)
{
	BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(tid);
	OffsetNumber off = ItemPointerGetOffsetNumberNoCheck(tid);

	if (blkno < v->nblocks && off >= FirstOffsetNumber && off <= v->per_page)
	{
		Size		bit = (Size) blkno * v->per_page + (off - FirstOffsetNumber);
		uint64		mask = UINT64CONST(1) << (bit % 64);

		if (v->bits[bit / 64] & mask)
			return false;
		v->bits[bit / 64] |= mask;
		return true;
	}
	if (v->more == NULL)
		v->more = fg_tidset_create(64);
	return fg_tidset_add(v->more, tid);
}

/*
 * The decoded vector and liveness of a node (deleted and free nodes are not
 * live).
 */
void
fg_read_vector(Relation index, const FgShape *shape, ItemPointer tid,
			   float *vec, bool *live)
{
	Buffer		buf = fg_read_buffer(index, ItemPointerGetBlockNumber(tid));
	Page		page;

	*live = false;
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (node_in_page(page, tid))
	{
		FgNode		node = fg_page_node(page, ItemPointerGetOffsetNumber(tid), shape);

		if (!(node->flags & (FG_NODE_FREE | FG_NODE_DELETED)))
		{
			*live = true;
			fg_decode(shape, FgNodeCode(shape, node), vec);
		}
	}
	UnlockReleaseBuffer(buf);
}

/* order of candidates by distance (qsort) */
static int
cmp_dist(const void *a, const void *b)
{
	float		da = ((const FgCandidate *) a)->dist;
	float		db = ((const FgCandidate *) b)->dist;

	return (da > db) - (da < db);
}

void
fg_sort_candidates(FgCandidate *cands, int n)
{
	qsort(cands, n, sizeof(FgCandidate), cmp_dist);
}

/*
 * Beam search of width ef from entry.  Returns the beam (free slots
 * dropped, deleted nodes kept and flagged), best first by graph distance to
 * the codes.  With want_vectors, *vectors receives the decoded vectors of
 * the live ones, dim floats per candidate, in the same order (deleted
 * candidates get no vector: the caller skips them).
 */
FgCandidate *
fg_search(Relation index, const FgQuery *q, ItemPointerData entry, int ef,
		  bool want_vectors, float **vectors, int *ncand)
{
	const FgShape *shape = q->shape;
	int			cap = Max(ef * 4, 64);
	FgCandidate *cands = palloc(sizeof(FgCandidate) * cap);
	int			n = 0;
	FgHeap		todo,
				best;
	FgVisited	visited;
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * shape->max_links);
	FgCandidate *result;

	fg_heap_init(&todo, ef * 2, 1.0f);
	fg_heap_init(&best, ef + 1, -1.0f);

	visited_init(&visited, index, shape);
	visited_add(&visited, &entry);
	if (ItemPointerIsValid(&entry) && visit_node(index, q, &entry, &cands[0], NULL, NULL))
	{
		n = 1;
		fg_heap_push(&todo, cands[0].dist, 0);
		fg_heap_push(&best, cands[0].dist, 0);
	}

	while (todo.n > 0)
	{
		int			c;
		int			nlinks = 0;
		int			nnew;

		CHECK_FOR_INTERRUPTS();
		c = fg_heap_pop(&todo);
		if (best.n >= ef && cands[c].dist > best.items[0].dist)
			break;
		if (!visit_node(index, q, &cands[c].tid, NULL, links, &nlinks))
			continue;
		nnew = 0;
		for (int i = 0; i < nlinks; i++)
		{
			if (ItemPointerIsValid(&links[i]) && visited_add(&visited, &links[i]))
				links[nnew++] = links[i];
		}
		fg_prefetch_nodes(index, shape, links, nnew);
		for (int i = 0; i < nnew; i++)
		{
			if (n == cap)
			{
				cap *= 2;
				cands = repalloc(cands, sizeof(FgCandidate) * cap);
			}
			if (!visit_node(index, q, &links[i], &cands[n], NULL, NULL))
				continue;
			if (best.n >= ef && cands[n].dist >= best.items[0].dist)
				continue;
			fg_heap_push(&todo, cands[n].dist, n);
			fg_heap_push(&best, cands[n].dist, n);
			if (best.n > ef)
				fg_heap_pop(&best);
			n++;
		}
	}

	result = palloc(sizeof(FgCandidate) * Max(best.n, 1));
	for (int i = 0; i < best.n; i++)
		result[i] = cands[best.items[i].item];
	fg_sort_candidates(result, best.n);
	*ncand = best.n;
	if (want_vectors)
	{
		*vectors = palloc(sizeof(float) * shape->dim * Max(best.n, 1));
		for (int i = 0; i < best.n; i++)
		{
			bool		live;

			/* a node the search saw alive may have died since: skip it */
			fg_read_vector(index, shape, &result[i].tid,
						   *vectors + (Size) i * shape->dim, &live);
			result[i].deleted |= !live;
		}
	}

	pfree(cands);
	pfree(links);
	pfree(visited.bits);
	pfree(todo.items);
	pfree(best.items);
	return result;
}

/*
 * Robust prune: from candidates sorted by distance to a node (with their
 * vectors), keep each one that is not alpha-dominated by one already kept,
 * up to limit links.  Deleted candidates and self are skipped.  With fill,
 * the nearest pruned candidates then fill the list up to limit, so that a
 * full list that prunes loses one link, not half of them (targets keep
 * their ways in).  Returns the number of links written to out.
 */
int
fg_select_neighbours(const FgShape *shape, FgCandidate *cands, float *vecs, int n,
					 ItemPointerData self, int limit, bool fill, ItemPointerData *out)
{
	int		   *kept = palloc(sizeof(int) * limit);
	int			nkept = 0;
	/* squared distances for L2 and cosine: compare with alpha^2 */
	float		factor = shape->metric == FG_METRIC_IP ? 1.0f : FG_ALPHA * FG_ALPHA;

	for (int i = 0; i < n && nkept < limit; i++)
	{
		bool		ok = true;

		if (cands[i].deleted || ItemPointerEquals(&cands[i].tid, &self))
			continue;
		for (int j = 0; j < nkept && ok; j++)
		{
			float		dij = fg_exact_distance(shape->metric,
												vecs + (Size) i * shape->dim,
												vecs + (Size) kept[j] * shape->dim,
												shape->dim);

			if (ItemPointerEquals(&cands[i].tid, &cands[kept[j]].tid) ||
				factor * dij <= cands[i].dist)
				ok = false;
		}
		if (ok)
			kept[nkept++] = i;
	}
	for (int j = 0; j < nkept; j++)
		out[j] = cands[kept[j]].tid;
	/* fill: the nearest of the pruned ones take the free places */
	for (int i = 0; fill && i < n && nkept < limit; i++)
	{
		bool		dup = cands[i].deleted || ItemPointerEquals(&cands[i].tid, &self);

		for (int j = 0; j < nkept && !dup; j++)
			dup = ItemPointerEquals(&cands[i].tid, &out[j]);
		if (!dup)
			out[nkept++] = cands[i].tid;
	}
	pfree(kept);
	return nkept;
}
