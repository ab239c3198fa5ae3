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
 * Prefetching nodes (the new neighbours of an expanded node, the links of a
 * list to prune), all of them before the first is read, so that their
 * memory latencies overlap one another instead of adding up: for each, in
 * the buffer that last held its page (fg_buffer_hint), the buffer
 * descriptor (which pinning and locking touch), the page header and line
 * pointer, and the whole node (header, links, code).  The node's place is
 * computed, not read from its line pointer (a dependent miss): nodes
 * all have one size and are only ever appended to a page (PageAddItem) or
 * rewritten in place, so node k starts k node sizes below the special
 * space.  All this is unlocked and unpinned, only hints: the buffer may
 * hold another page by now; nodes are read under a lock.
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
		for (Size b = 0; b < shape->node_size; b += 64)
			__builtin_prefetch(node + b);
		__builtin_prefetch(node + shape->node_size - 1);
	}
}

/*
 * The nodes a search has seen, by packed link (FgLink, never 0 for a node
 * since block 0 is the meta page): an open-addressing hash set with linear
 * probing, sized by the work of the search and not by the index, so that
 * starting a search costs as little on a hundred million faces as on a
 * thousand.  It doubles at half load.  With codes (for an insert), it also
 * keeps the code and the deleted flag of every node visited, so that
 * neither the beam's vectors nor the neighbour lists the insert prunes need
 * their pages read again (fg_seen_vector).
 */
struct FgSeen
{
	FgLink	   *keys;			/* 0: empty slot */
	int32	   *code_of;		/* with codes, by slot: index into codes */
	uint32		mask;			/* number of slots - 1, a power of two - 1 */
	uint32		count;
	const FgShape *shape;		/* NULL: no codes kept */
	signed char *codes;			/* dim bytes per node visited */
	bool	   *deleted;
	int			ncodes;
	int			capcodes;
};

static inline uint32
seen_hash(FgLink key)
{
	/* Fibonacci hashing mixes the block bits into the low bits */
	return (uint32) (((uint64) key * UINT64CONST(0x9E3779B97F4A7C15)) >> 32);
}

/*
 * A set for a search of width ef: such a search visits some twenty nodes
 * per unit of width (about 21 on facegen faces at m = 16), so it starts at
 * 48 slots per unit and rarely grows (the narrowest searches do: that keeps
 * seen_grow tested).
 */
static FgSeen *
seen_create(int ef, const FgShape *shape, bool keep_codes)
{
	FgSeen	   *s = palloc(sizeof(FgSeen));
	uint32		size = 64;

	while (size < (uint32) Min(ef, 1 << 20) * 48)
		size *= 2;
	s->keys = palloc0(sizeof(FgLink) * size);
	s->code_of = keep_codes ? palloc(sizeof(int32) * size) : NULL;
	s->mask = size - 1;
	s->count = 0;
	s->shape = keep_codes ? shape : NULL;
	s->ncodes = 0;
	s->capcodes = keep_codes ? size / 2 : 0;
	s->codes = keep_codes ? palloc((Size) s->capcodes * shape->dim) : NULL;
	s->deleted = keep_codes ? palloc(sizeof(bool) * s->capcodes) : NULL;
	return s;
}

void
fg_seen_free(FgSeen *s)
{
	pfree(s->keys);
	if (s->shape)
	{
		pfree(s->code_of);
		pfree(s->codes);
		pfree(s->deleted);
	}
	pfree(s);
}

/* the slot of key, or the empty slot where it would go */
static inline uint32
seen_slot(FgSeen *s, FgLink key)
{
	uint32		i = seen_hash(key) & s->mask;

	while (s->keys[i] != 0 && s->keys[i] != key)
		i = (i + 1) & s->mask;
	return i;
}

static void
seen_grow(FgSeen *s)
{
	FgLink	   *keys = s->keys;
	int32	   *code_of = s->code_of;
	uint32		oldsize = s->mask + 1;

	s->keys = palloc0(sizeof(FgLink) * oldsize * 2);
	if (code_of)
		s->code_of = palloc(sizeof(int32) * oldsize * 2);
	s->mask = oldsize * 2 - 1;
	for (uint32 i = 0; i < oldsize; i++)
	{
		if (keys[i] != 0)
		{
			uint32		j = seen_slot(s, keys[i]);

			s->keys[j] = keys[i];
			if (code_of)
				s->code_of[j] = code_of[i];
		}
	}
	pfree(keys);
	if (code_of)
		pfree(code_of);
}

/* true when tid was not seen yet */
static inline bool
seen_add(FgSeen *s, ItemPointer tid)
{
	FgLink		key = fg_link_pack(tid);
	uint32		i;

	if (key == 0)
		return false;			/* no node */
	i = seen_slot(s, key);
	if (s->keys[i] != 0)
		return false;
	s->keys[i] = key;
	if (s->code_of)
		s->code_of[i] = -1;
	if (++s->count * 2 > s->mask)
		seen_grow(s);
	return true;
}

/* keep the code of a visited node (seen_add'ed before) */
static void
seen_keep_code(FgSeen *s, ItemPointer tid, FgNode node)
{
	const FgShape *shape = s->shape;
	uint32		i = seen_slot(s, fg_link_pack(tid));

	if (s->keys[i] == 0 || s->code_of[i] >= 0)
		return;
	if (s->ncodes == s->capcodes)
	{
		s->capcodes *= 2;
		s->codes = repalloc(s->codes, (Size) s->capcodes * shape->dim);
		s->deleted = repalloc(s->deleted, sizeof(bool) * s->capcodes);
	}
	memcpy(s->codes + (Size) s->ncodes * shape->dim, FgNodeCode(shape, node), shape->dim);
	s->deleted[s->ncodes] = (node->flags & FG_NODE_DELETED) != 0;
	s->code_of[i] = s->ncodes++;
}

/*
 * The decoded vector and liveness of a node the search visited, from its
 * code kept then; false when the search did not visit it.  A node's code
 * stays as long as the node: only vacuum frees nodes, under FG_UPDATE_LOCK
 * in ExclusiveLock, which an insert (the only user) excludes.  The deleted
 * flag is the one the search saw: a node marked deleted since is no worse
 * than one marked right after it was read again.
 */
bool
fg_seen_vector(FgSeen *s, ItemPointer tid, float *vec, bool *live)
{
	FgLink		key = fg_link_pack(tid);
	uint32		i;

	if (s->shape == NULL || key == 0)
		return false;
	i = seen_slot(s, key);
	if (s->keys[i] == 0 || s->code_of[i] < 0)
		return false;
	*live = !s->deleted[s->code_of[i]];
	if (*live)
		fg_decode(s->shape, s->codes + (Size) s->code_of[i] * s->shape->dim, vec);
	return true;
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
 * The state of one beam search.  Every candidate keeps a copy of the link
 * list it had when it was visited, so that expanding it reads no page: a
 * list may change after the copy (a concurrent insert or vacuum), which
 * only makes this search's walk slightly different, as if it had run a
 * moment earlier.
 */
typedef struct FgWalk
{
	Relation	index;
	const FgQuery *q;
	int			ef;
	FgCandidate *cands;			/* every candidate that entered the beam */
	FgLink	   *links;			/* max_links per candidate */
	uint16	   *nlinks;
	int			n;
	int			cap;
	FgHeap		todo;			/* to expand, nearest first */
	FgHeap		best;			/* the beam, farthest first */
	FgSeen	   *seen;
} FgWalk;

/*
 * Visit nodes tids[0..n), all on one block, under one pin and one share
 * lock: their graph distances, and those that enter the beam become
 * candidates (with copies of their links).  Free slots (and pages that are
 * not ours) are skipped.
 */
static void
walk_visit_block(FgWalk *w, const ItemPointerData *tids, int n)
{
	const FgShape *shape = w->q->shape;
	Buffer		buf = fg_read_buffer(w->index, ItemPointerGetBlockNumber(&tids[0]));
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	for (int i = 0; i < n; i++)
	{
		ItemPointer tid = (ItemPointer) &tids[i];
		FgNode		node;
		FgCandidate *c;
		float		dist;

		if (!node_in_page(page, tid))
			continue;
		node = fg_page_node(page, ItemPointerGetOffsetNumber(tid), shape);
		if (node->flags & FG_NODE_FREE)
			continue;
		dist = fg_approx_distance(w->q, FgNodeCode(shape, node));
		if (w->seen->shape)
			seen_keep_code(w->seen, tid, node);
		if (w->best.n >= w->ef && dist >= w->best.items[0].dist)
			continue;
		if (w->n == w->cap)
		{
			w->cap *= 2;
			w->cands = repalloc(w->cands, sizeof(FgCandidate) * w->cap);
			w->links = repalloc(w->links, sizeof(FgLink) * shape->max_links * w->cap);
			w->nlinks = repalloc(w->nlinks, sizeof(uint16) * w->cap);
		}
		c = &w->cands[w->n];
		c->tid = *tid;
		c->dist = dist;
		c->heaptid = node->heaptid;
		c->err = node->err;
		c->deleted = (node->flags & FG_NODE_DELETED) != 0;
		w->nlinks[w->n] = Min(node->nlinks, shape->max_links);
		memcpy(w->links + (Size) w->n * shape->max_links, FgNodeLinks(node),
			   sizeof(FgLink) * w->nlinks[w->n]);
		fg_heap_push(&w->todo, dist, w->n);
		fg_heap_push(&w->best, dist, w->n);
		if (w->best.n > w->ef)
			fg_heap_pop(&w->best);
		w->n++;
	}
	UnlockReleaseBuffer(buf);
}

/* sort a few TIDs by block (insertion sort: at most max_links of them) */
static void
sort_by_block(ItemPointerData *tids, int n)
{
	for (int i = 1; i < n; i++)
	{
		ItemPointerData t = tids[i];
		BlockNumber b = ItemPointerGetBlockNumberNoCheck(&t);
		int			j = i - 1;

		while (j >= 0 && ItemPointerGetBlockNumberNoCheck(&tids[j]) > b)
		{
			tids[j + 1] = tids[j];
			j--;
		}
		tids[j + 1] = t;
	}
}

/*
 * Beam search of width ef from entry.  Returns the beam (free slots
 * dropped, deleted nodes kept and flagged), best first by graph distance to
 * the codes.  With seen (an insert), *seen receives the set of the nodes
 * visited with their codes (fg_seen_vector; fg_seen_free).
 */
FgCandidate *
fg_search(Relation index, const FgQuery *q, ItemPointerData entry, int ef,
		  FgSeen **seen, int *ncand)
{
	const FgShape *shape = q->shape;
	int			R = shape->max_links;
	FgWalk		w;
	ItemPointerData *fresh = palloc(sizeof(ItemPointerData) * R);
	ItemPointerData *ahead = palloc(sizeof(ItemPointerData) * R);
	FgCandidate *result;

	w.index = index;
	w.q = q;
	w.ef = ef;
	w.cap = Max(ef * 4, 64);
	w.cands = palloc(sizeof(FgCandidate) * w.cap);
	w.links = palloc(sizeof(FgLink) * R * w.cap);
	w.nlinks = palloc(sizeof(uint16) * w.cap);
	w.n = 0;
	fg_heap_init(&w.todo, ef * 2, 1.0f);
	fg_heap_init(&w.best, ef + 1, -1.0f);
	w.seen = seen_create(ef, shape, seen != NULL);

	if (ItemPointerIsValid(&entry) && seen_add(w.seen, &entry))
		walk_visit_block(&w, &entry, 1);

	while (w.todo.n > 0)
	{
		int			c;
		int			nnew = 0;
		FgLink	   *links;

		CHECK_FOR_INTERRUPTS();
		c = fg_heap_pop(&w.todo);
		if (w.best.n >= ef && w.cands[c].dist > w.best.items[0].dist)
			break;
		links = w.links + (Size) c * R;
		for (int i = 0; i < w.nlinks[c]; i++)
		{
			fg_link_unpack(links[i], &fresh[nnew]);
			if (ItemPointerIsValid(&fresh[nnew]) && seen_add(w.seen, &fresh[nnew]))
				nnew++;
		}
		/* neighbours on one page are visited under one pin and lock */
		sort_by_block(fresh, nnew);
		fg_prefetch_nodes(index, shape, fresh, nnew);
		/*
		 * The candidate to expand next is most often the one now at the top
		 * of todo: its unseen neighbours start loading while this batch is
		 * visited (the set is only read here, not changed).
		 */
		if (w.todo.n > 0)
		{
			int			c2 = w.todo.items[0].item;
			int			nahead = 0;

			links = w.links + (Size) c2 * R;
			for (int i = 0; i < w.nlinks[c2]; i++)
			{
				fg_link_unpack(links[i], &ahead[nahead]);
				if (links[i] != 0 && w.seen->keys[seen_slot(w.seen, links[i])] == 0)
					nahead++;
			}
			fg_prefetch_nodes(index, shape, ahead, nahead);
		}
		for (int i = 0; i < nnew;)
		{
			int			j = i + 1;

			while (j < nnew && ItemPointerGetBlockNumberNoCheck(&fresh[j]) ==
				   ItemPointerGetBlockNumberNoCheck(&fresh[i]))
				j++;
			walk_visit_block(&w, &fresh[i], j - i);
			i = j;
		}
	}

	result = palloc(sizeof(FgCandidate) * Max(w.best.n, 1));
	for (int i = 0; i < w.best.n; i++)
		result[i] = w.cands[w.best.items[i].item];
	fg_sort_candidates(result, w.best.n);
	*ncand = w.best.n;

	if (seen)
		*seen = w.seen;
	else
		fg_seen_free(w.seen);
	pfree(w.cands);
	pfree(w.links);
	pfree(w.nlinks);
	pfree(fresh);
	pfree(ahead);
	pfree(w.todo.items);
	pfree(w.best.items);
	return result;
}

/*
 * The decoded vectors of the candidates a search returned with its seen
 * set, dim floats per candidate, in their order; candidates that were
 * deleted get no vector and stay flagged (callers skip them).
 */
float *
fg_seen_candidates(FgSeen *seen, FgCandidate *cands, int n)
{
	int			dim = seen->shape->dim;
	float	   *vecs = palloc(sizeof(float) * dim * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		bool		live = false;

		/* every candidate was visited, so its code was kept */
		fg_seen_vector(seen, &cands[i].tid, vecs + (Size) i * dim, &live);
		cands[i].deleted |= !live;
	}
	return vecs;
}

/* ItemPointerEquals, inlined: it runs for every pair the prune compares */
static inline bool
same_tid(const ItemPointerData *a, const ItemPointerData *b)
{
	return ItemPointerGetBlockNumberNoCheck(a) == ItemPointerGetBlockNumberNoCheck(b) &&
		ItemPointerGetOffsetNumberNoCheck(a) == ItemPointerGetOffsetNumberNoCheck(b);
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

		if (cands[i].deleted || same_tid(&cands[i].tid, &self))
			continue;
		for (int j = 0; j < nkept && ok; j++)
		{
			float		dij = fg_exact_distance(shape->metric,
												vecs + (Size) i * shape->dim,
												vecs + (Size) kept[j] * shape->dim,
												shape->dim);

			if (same_tid(&cands[i].tid, &cands[kept[j]].tid) ||
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
		bool		dup = cands[i].deleted || same_tid(&cands[i].tid, &self);

		for (int j = 0; j < nkept && !dup; j++)
			dup = same_tid(&cands[i].tid, &out[j]);
		if (!dup)
			out[nkept++] = cands[i].tid;
	}
	pfree(kept);
	return nkept;
}
