/*
 * graph_memory.c
 *		The in-memory phase of a face_graph build: the graph is built in
 *		backend memory with the exact (prepared) float vectors, without buffer
 *		locks, then written out in one go, nodes in breadth-first order from
 *		the entry so that neighbours tend to share pages.
 *
 * The algorithm is the one of the page path (graph_insert.c): a beam search
 * of width ef_construction, m links chosen by robust prune, back-links that
 * prune a full list and hand the displaced target over to the new node;
 * but a list in memory may grow to 1.5 R links before it is pruned (back to
 * R), as in DiskANN's build, which prunes a third as often, and lists still
 * longer than R are pruned when the graph is written.
 * Node i of the memory graph is represented, where the shared helpers want
 * TIDs (fg_select_neighbours, fg_prune_links), as the TID (i, 1); those
 * never reach a page.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "index/graph.h"

struct FgMemGraph
{
	const FgShape *shape;
	int			n;
	int			cap;
	int			entry;			/* -1 while empty */
	float	   *vecs;			/* cap * dim, as prepared */
	signed char *codes;			/* cap * dim: what the searches walk on */
	int			max_links;		/* R plus the slack: 1.5 R */
	int32	   *links;			/* cap * max_links node numbers */
	uint16	   *nlinks;
	ItemPointerData *heaptids;
	uint32	   *mark;			/* mark[i] == epoch: visited by this walk */
	uint32		epoch;
	MemoryContext tmp;			/* one insertion's scratch */
};

#define MEM_LINKS(g, i)	((g)->links + (Size) (i) * (g)->max_links)
#define MEM_VEC(g, i)	((g)->vecs + (Size) (i) * (g)->shape->dim)
#define MEM_CODE(g, i)	((g)->codes + (Size) (i) * (g)->shape->dim)

static inline void
mem_tid(int i, ItemPointer tid)
{
	ItemPointerSet(tid, (BlockNumber) i, 1);
}

static inline int
mem_id(ItemPointer tid)
{
	return (int) ItemPointerGetBlockNumber(tid);
}

/* bytes one node takes (vector, code, links, TID, marks, write-out order) */
Size
fg_mem_node_bytes(const FgShape *shape)
{
	return (sizeof(float) + 1) * shape->dim + sizeof(int32) * (shape->max_links * 3 / 2) +
		sizeof(uint16) + sizeof(ItemPointerData) + sizeof(uint32) + 2 * sizeof(int);
}

FgMemGraph *
fg_mem_create(const FgShape *shape, int capacity)
{
	FgMemGraph *g = palloc0(sizeof(FgMemGraph));

	g->shape = shape;
	g->cap = capacity;
	g->entry = -1;
	g->max_links = shape->max_links * 3 / 2;
	g->vecs = MemoryContextAllocHuge(CurrentMemoryContext,
									 sizeof(float) * shape->dim * (Size) capacity);
	g->codes = MemoryContextAllocHuge(CurrentMemoryContext, (Size) shape->dim * capacity);
	g->links = MemoryContextAllocHuge(CurrentMemoryContext,
									  sizeof(int32) * g->max_links * (Size) capacity);
	g->nlinks = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint16) * (Size) capacity);
	g->heaptids = MemoryContextAllocHuge(CurrentMemoryContext,
										 sizeof(ItemPointerData) * (Size) capacity);
	g->mark = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint32) * (Size) capacity);
	memset(g->mark, 0, sizeof(uint32) * (Size) capacity);
	g->tmp = AllocSetContextCreate(CurrentMemoryContext, "face_graph memory build",
								   ALLOCSET_DEFAULT_SIZES);
	return g;
}

int
fg_mem_count(const FgMemGraph *g)
{
	return g->n;
}

int
fg_mem_capacity(const FgMemGraph *g)
{
	return g->cap;
}

/* a fresh visit epoch (marks older than it count as unvisited) */
static void
new_epoch(FgMemGraph *g)
{
	if (++g->epoch == 0)
	{
		memset(g->mark, 0, sizeof(uint32) * (Size) g->cap);
		g->epoch = 1;
	}
}

/*
 * Beam search of width ef from the entry, on the int8 codes as on pages (a
 * quarter of the memory traffic of the vectors); the beam, re-ranked with
 * exact distances, best first, and copies of its vectors.
 */
static FgCandidate *
mem_search(FgMemGraph *g, const float *vec, int ef, float **vecs, int *ncand)
{
	const FgShape *shape = g->shape;
	FgHeap		todo,
				best;
	FgCandidate *result;
	FgQuery		q;
	float		d;
	int32	   *fresh = palloc(sizeof(int32) * g->max_links);

	fg_prepare_query(&q, shape, vec);
	new_epoch(g);
	fg_heap_init(&todo, ef * 2, 1.0f);
	fg_heap_init(&best, ef + 1, -1.0f);
	d = fg_approx_distance(&q, MEM_CODE(g, g->entry));
	g->mark[g->entry] = g->epoch;
	fg_heap_push(&todo, d, g->entry);
	fg_heap_push(&best, d, g->entry);

	while (todo.n > 0)
	{
		float		dc = todo.items[0].dist;
		int			c = fg_heap_pop(&todo);
		int32	   *links = MEM_LINKS(g, c);

		int			nfresh = 0;

		if (best.n >= ef && dc > best.items[0].dist)
			break;
		/* the unvisited neighbours, their codes fetched ahead of use */
		for (int l = 0; l < g->nlinks[c]; l++)
		{
			int			j = links[l];

			if (g->mark[j] == g->epoch)
				continue;
			g->mark[j] = g->epoch;
			fresh[nfresh++] = j;
			__builtin_prefetch(MEM_CODE(g, j));
			__builtin_prefetch(MEM_CODE(g, j) + 64);
		}
		for (int f = 0; f < nfresh; f++)
		{
			int			j = fresh[f];

			d = fg_approx_distance(&q, MEM_CODE(g, j));
			if (best.n >= ef && d >= best.items[0].dist)
				continue;
			fg_heap_push(&todo, d, j);
			fg_heap_push(&best, d, j);
			if (best.n > ef)
				fg_heap_pop(&best);
		}
	}

	*ncand = best.n;
	result = palloc(sizeof(FgCandidate) * Max(best.n, 1));
	for (int k = 0; k < best.n; k++)
	{
		int			i = best.items[k].item;

		mem_tid(i, &result[k].tid);
		result[k].heaptid = g->heaptids[i];
		result[k].dist = fg_exact_distance(shape->metric, vec, MEM_VEC(g, i), shape->dim);
		result[k].err = 0.0f;
		result[k].deleted = false;
	}
	fg_sort_candidates(result, best.n);
	*vecs = palloc(sizeof(float) * shape->dim * Max(best.n, 1));
	for (int k = 0; k < best.n; k++)
		memcpy(*vecs + (Size) k * shape->dim, MEM_VEC(g, mem_id(&result[k].tid)),
			   sizeof(float) * shape->dim);
	return result;
}

static bool
has_link(FgMemGraph *g, int from, int to)
{
	for (int l = 0; l < g->nlinks[from]; l++)
	{
		if (MEM_LINKS(g, from)[l] == to)
			return true;
	}
	return false;
}

/* add from -> to if from has room; whether the link is there afterwards */
static bool
add_link(FgMemGraph *g, int from, int to)
{
	if (from == to || has_link(g, from, to))
		return from != to;
	if (g->nlinks[from] >= g->max_links)
		return false;
	MEM_LINKS(g, from)[g->nlinks[from]++] = to;
	return true;
}

/*
 * Prune node j's list of nold links (in memory, plus extra when extra >= 0)
 * down to R by robust prune; the kept links go to out as node numbers,
 * their count is returned.
 */
static int
prune_list(FgMemGraph *g, int j, int extra, int32 *out)
{
	const FgShape *shape = g->shape;
	int			nold = g->nlinks[j];
	int			n = nold + (extra >= 0 ? 1 : 0);
	int32	   *old = MEM_LINKS(g, j);
	FgCandidate *cand = palloc(sizeof(FgCandidate) * n);
	float	   *vecs = palloc(sizeof(float) * shape->dim * n);
	ItemPointerData *kept = palloc(sizeof(ItemPointerData) * shape->max_links);
	ItemPointerData self;
	int			nkept;

	for (int l = 0; l < n; l++)
	{
		int			t = l < nold ? old[l] : extra;

		mem_tid(t, &cand[l].tid);
		cand[l].deleted = false;
		memcpy(vecs + (Size) l * shape->dim, MEM_VEC(g, t), sizeof(float) * shape->dim);
	}
	mem_tid(j, &self);
	nkept = fg_prune_links(shape, &self, MEM_VEC(g, j), cand, vecs, n, true, kept);
	for (int k = 0; k < nkept; k++)
		out[k] = mem_id(&kept[k]);
	pfree(cand);
	pfree(vecs);
	pfree(kept);
	return nkept;
}

/* the back-link j -> id, pruning j's list when full (as add_backlink does) */
static bool
add_backlink(FgMemGraph *g, int j, int id)
{
	int			nold = g->nlinks[j];
	int32	   *old = MEM_LINKS(g, j);
	int32	   *out;
	int			nout;
	bool		kept_new = false;

	if (add_link(g, j, id))
		return true;

	/* full: prune the old links plus the new one */
	out = palloc(sizeof(int32) * g->shape->max_links);
	nout = prune_list(g, j, id, out);
	for (int k = 0; k < nout; k++)
		kept_new |= out[k] == id;
	if (!kept_new)
		return false;

	/* the targets pushed out go to the new node, which is near, if it has room */
	for (int l = 0; l < nold; l++)
	{
		bool		kept = false;

		for (int k = 0; k < nout && !kept; k++)
			kept = out[k] == old[l];
		if (!kept && !add_link(g, id, old[l]))
			return false;
	}
	memcpy(old, out, sizeof(int32) * nout);
	g->nlinks[j] = nout;
	return true;
}

/* add one prepared vector; the caller keeps the count below the capacity */
void
fg_mem_insert(FgMemGraph *g, const float *vec, ItemPointer heaptid)
{
	const FgShape *shape = g->shape;
	int			id = g->n;
	MemoryContext old;
	FgCandidate *cands;
	float	   *vecs;
	int			ncand;
	ItemPointerData *links;
	ItemPointerData self;
	int			nlinks;
	bool		linked = false;

	if (id >= g->cap)
		elog(ERROR, "face_graph in-memory build is full");
	memcpy(MEM_VEC(g, id), vec, sizeof(float) * shape->dim);
	fg_encode(shape, vec, MEM_CODE(g, id));
	g->heaptids[id] = *heaptid;
	g->nlinks[id] = 0;
	g->mark[id] = 0;
	g->n++;
	if (g->entry < 0)
	{
		g->entry = id;
		return;
	}

	old = MemoryContextSwitchTo(g->tmp);
	cands = mem_search(g, vec, shape->ef_construction, &vecs, &ncand);
	links = palloc(sizeof(ItemPointerData) * shape->max_links);
	mem_tid(id, &self);
	nlinks = fg_select_neighbours(shape, cands, vecs, ncand, self, shape->m, false, links);
	for (int l = 0; l < nlinks; l++)
		MEM_LINKS(g, id)[l] = mem_id(&links[l]);
	g->nlinks[id] = nlinks;
	for (int l = 0; l < nlinks; l++)
		linked |= add_backlink(g, mem_id(&links[l]), id);

	/* every neighbour pruned us away: the nearest must keep a link */
	if (!linked && nlinks > 0)
	{
		int			j = mem_id(&links[0]);

		if (!add_link(g, j, id))
		{
			int			displaced = MEM_LINKS(g, j)[g->max_links - 1];

			MEM_LINKS(g, j)[g->max_links - 1] = id;
			add_link(g, id, displaced);
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(g->tmp);
}

/*
 * Write the graph to the index, which holds only its meta page: the entry
 * first moves to the node nearest mean (prepared; NULL: it stays), nodes go
 * to pages in breadth-first order from it (nodes it cannot reach last), and
 * the entry is set in the meta page.  Pages are written without WAL (the
 * build logs them all at the end).
 */
void
fg_mem_write(FgMemGraph *g, Relation index, const float *mean)
{
	const FgShape *shape = g->shape;
	int			per_page = (BLCKSZ - SizeOfPageHeaderData - MAXALIGN(sizeof(FgPageOpaqueData))) /
		(MAXALIGN(shape->node_size) + sizeof(ItemIdData));
	int		   *order;
	int		   *pos;
	int			norder = 0;
	FgNode		node;
	ItemPointerData *links;
	ItemPointerData entry;

	if (g->n == 0)
		return;

	/* lists in their slack are pruned to R */
	for (int i = 0; i < g->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (g->nlinks[i] > shape->max_links)
		{
			MemoryContext old = MemoryContextSwitchTo(g->tmp);

			g->nlinks[i] = prune_list(g, i, -1, MEM_LINKS(g, i));
			MemoryContextSwitchTo(old);
			MemoryContextReset(g->tmp);
		}
	}
	/*
	 * Every node gets a link from its nearest out-neighbour: robust prune
	 * can leave a node with in-links from far nodes only (a face alone of
	 * its kind, whose neighbours' lists are full of their own near ones),
	 * which a search for a vector near it then hardly ever reaches.
	 */
	for (int i = 0; i < g->n; i++)
	{
		int			nearest = -1;
		float		best = 0.0f;

		CHECK_FOR_INTERRUPTS();
		for (int l = 0; l < g->nlinks[i]; l++)
		{
			int			j = MEM_LINKS(g, i)[l];
			float		d = fg_exact_distance(shape->metric, MEM_VEC(g, i), MEM_VEC(g, j),
											  shape->dim);

			if (nearest < 0 || d < best)
			{
				nearest = j;
				best = d;
			}
		}
		/* a full list gives up its last place (a filler or its farthest) */
		if (nearest >= 0 && !has_link(g, nearest, i))
		{
			if (g->nlinks[nearest] < shape->max_links)
				MEM_LINKS(g, nearest)[g->nlinks[nearest]++] = i;
			else
				MEM_LINKS(g, nearest)[shape->max_links - 1] = i;
		}
	}
	if (mean)
	{
		MemoryContext old = MemoryContextSwitchTo(g->tmp);
		float	   *vecs;
		int			ncand;
		FgCandidate *cands = mem_search(g, mean, shape->ef_construction, &vecs, &ncand);

		g->entry = mem_id(&cands[0].tid);
		MemoryContextSwitchTo(old);
		MemoryContextReset(g->tmp);
	}

	/* breadth-first order: order[] doubles as the queue */
	order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * (Size) g->n);
	pos = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * (Size) g->n);
	new_epoch(g);
	for (int start = -1; start < g->n; start++)
	{
		int			s = start < 0 ? g->entry : start;

		if (g->mark[s] == g->epoch)
			continue;
		g->mark[s] = g->epoch;
		order[norder++] = s;
		for (int head = norder - 1; head < norder; head++)
		{
			int			i = order[head];

			for (int l = 0; l < g->nlinks[i]; l++)
			{
				int			j = MEM_LINKS(g, i)[l];

				if (g->mark[j] != g->epoch)
				{
					g->mark[j] = g->epoch;
					order[norder++] = j;
				}
			}
		}
	}
	for (int p = 0; p < g->n; p++)
		pos[order[p]] = p;

	node = palloc0(shape->node_size);
	links = palloc(sizeof(ItemPointerData) * shape->max_links);
	for (int p = 0; p < g->n; p += per_page)
	{
		Buffer		buf = fg_new_page(index);
		Page		page = BufferGetPage(buf);
		BlockNumber blkno = BufferGetBlockNumber(buf);

		CHECK_FOR_INTERRUPTS();
		/* the position of a node fixes its TID: pages must follow the meta page */
		if (blkno != (BlockNumber) (FG_METAPAGE_BLKNO + 1 + p / per_page))
			elog(ERROR, "face_graph build got block %u for node page %d", blkno, p / per_page);
		fg_init_page(page, FG_PAGE_NODES);
		for (int k = p; k < Min(p + per_page, g->n); k++)
		{
			int			i = order[k];

			memset(node, 0, shape->node_size);
			node->heaptid = g->heaptids[i];
			node->err = fg_encode(shape, MEM_VEC(g, i), FgNodeCode(shape, node));
			for (int l = 0; l < g->nlinks[i]; l++)
			{
				int			t = pos[MEM_LINKS(g, i)[l]];

				ItemPointerSet(&links[l], FG_METAPAGE_BLKNO + 1 + t / per_page,
							   FirstOffsetNumber + t % per_page);
			}
			fg_node_set_links(node, links, g->nlinks[i]);
			if (PageAddItem(page, (Item) node, shape->node_size, InvalidOffsetNumber,
							false, false) != FirstOffsetNumber + k - p)
				elog(ERROR, "failed to add a node to face_graph index \"%s\"",
					 RelationGetRelationName(index));
		}
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
	ItemPointerSet(&entry, FG_METAPAGE_BLKNO + 1 + pos[g->entry] / per_page,
				   FirstOffsetNumber + pos[g->entry] % per_page);
	fg_set_entry(index, entry, true);
	pfree(order);
	pfree(pos);
	pfree(node);
	pfree(links);
}

/* release the graph's memory */
void
fg_mem_free(FgMemGraph *g)
{
	pfree(g->vecs);
	pfree(g->codes);
	pfree(g->links);
	pfree(g->nlinks);
	pfree(g->heaptids);
	pfree(g->mark);
	MemoryContextDelete(g->tmp);
	pfree(g);
}
