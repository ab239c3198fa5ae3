/*
 * graph_memory.c
 *		The in-memory phase of a face_graph build: the graph is built in
 *		memory with the exact (prepared) float vectors, without buffer locks,
 *		then written out in one go, nodes in breadth-first order from the
 *		entry so that neighbours tend to share pages.
 *
 * The algorithm is the one of the page path (graph_insert.c): a beam search
 * of width ef_construction, m links chosen by robust prune, back-links that
 * prune a full list and hand the displaced targets over to the new node;
 * but a list in memory may grow to 1.5 R links before it is pruned (back to
 * R), as in DiskANN's build, which prunes a third as often, and lists still
 * longer than R are pruned when the graph is written.
 * Node i of the memory graph is represented, where the shared helpers want
 * TIDs (fg_select_neighbours, fg_prune_links), as the TID (i, 1); those
 * never reach a page.
 *
 * The graph is one block of memory (FgMemArea, then its arrays), in backend
 * memory for a serial build or in the dynamic shared memory of a parallel
 * build, where the leader and the workers insert into it at once; each
 * process reaches it through its own FgMemGraph (the arrays' addresses in
 * that process, and its private visit marks).
 *
 * Locking of a shared graph (none in backend memory):
 *	- every node has an LWLock over its link list (nlinks and links): a
 *	  search copies a list under the share lock, a back-link or a pruning
 *	  changes it under the exclusive lock.  A process holds at most one node
 *	  lock at a time, so node locks cannot deadlock; the hand-over of the
 *	  links that a pruning displaces to the new node happens after the
 *	  neighbour's lock is released.
 *	- a node's vector, code and heap TID are written once, before the node
 *	  is linked from anywhere; the lock release that publishes the first
 *	  link to it (and the acquisition that reads it) order those writes
 *	  before any read.  Node 0, the entry of every search, is published by
 *	  entry_ready instead.
 *	- node numbers come from an atomic counter; a number at or beyond the
 *	  capacity means the graph is full.
 *	- every insertion holds the area's write lock in share mode; writing the
 *	  graph out (the spill, or the end of the build) takes it exclusively,
 *	  so that no insertion is half done, to set the state to writing, and
 *	  writes without it; insertions that come meanwhile wait (on a
 *	  condition variable, interruptibly) until the graph is written, and
 *	  then go to the index pages (the caller's job).  The write lock is
 *	  taken before any node lock.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/atomics.h"
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/lwlock.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "index/graph.h"

/* the graph's header; its arrays follow at the offsets it records */
struct FgMemArea
{
	int			cap;
	int			dim;
	int			max_links;		/* R plus the slack: 1.5 R */
	bool		shared;			/* in shared memory: the locks are used */
	int			state;			/* MEM_BUILDING, _WRITING, _WRITTEN (under
								 * write_lock) */
	pg_atomic_uint32 next;		/* next node number (>= cap: full) */
	pg_atomic_uint32 entry_ready;	/* node 0 is complete */
	LWLock		write_lock;
	ConditionVariable written_cv;	/* state became MEM_WRITTEN */
	Size		vecs_off;
	Size		codes_off;
	Size		links_off;
	Size		nlinks_off;
	Size		heaptids_off;
	Size		locks_off;
	Size		size;
};

/* a shared graph's write state (under write_lock) */
#define MEM_BUILDING	0
#define MEM_WRITING		1
#define MEM_WRITTEN		2

struct FgMemGraph
{
	const FgShape *shape;
	FgMemArea  *area;
	bool		own_area;		/* allocated by fg_mem_create */
	int			cap;
	int			max_links;
	float	   *vecs;			/* cap * dim, as prepared */
	signed char *codes;			/* cap * dim: what the searches walk on */
	int32	   *links;			/* cap * max_links node numbers */
	uint16	   *nlinks;
	ItemPointerData *heaptids;
	LWLock	   *locks;			/* one per node (shared graphs) */
	int			entry;			/* where searches start: node 0 until written */
	uint8	   *mark;			/* private: mark[i] == epoch: visited (one
								 * byte a node: the marks of a walk stay in
								 * cache) */
	uint8		epoch;
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

/* bytes one node takes (vector, code, links, TID, lock, marks, write-out order) */
Size
fg_mem_node_bytes(const FgShape *shape)
{
	return (sizeof(float) + 1) * shape->dim + sizeof(int32) * (shape->max_links * 3 / 2) +
		sizeof(uint16) + sizeof(ItemPointerData) + sizeof(LWLock) + 1 + 2 * sizeof(int);
}

/* bytes of the area of a graph of capacity nodes; offsets into area if given */
static Size
area_layout(const FgShape *shape, int capacity, FgMemArea *area)
{
	Size		cap = (Size) capacity;
	int			max_links = shape->max_links * 3 / 2;
	Size		off = MAXALIGN(sizeof(FgMemArea));
	Size		vecs_off,
				codes_off,
				links_off,
				nlinks_off,
				heaptids_off,
				locks_off;

	vecs_off = off;
	off += MAXALIGN(sizeof(float) * shape->dim * cap);
	codes_off = off;
	off += MAXALIGN((Size) shape->dim * cap);
	links_off = off;
	off += MAXALIGN(sizeof(int32) * max_links * cap);
	nlinks_off = off;
	off += MAXALIGN(sizeof(uint16) * cap);
	heaptids_off = off;
	off += MAXALIGN(sizeof(ItemPointerData) * cap);
	locks_off = off;
	off += MAXALIGN(sizeof(LWLock) * cap);
	if (area)
	{
		area->cap = capacity;
		area->dim = shape->dim;
		area->max_links = max_links;
		area->vecs_off = vecs_off;
		area->codes_off = codes_off;
		area->links_off = links_off;
		area->nlinks_off = nlinks_off;
		area->heaptids_off = heaptids_off;
		area->locks_off = locks_off;
		area->size = off;
	}
	return off;
}

/* bytes of shared memory a graph of capacity nodes needs */
Size
fg_mem_area_size(const FgShape *shape, int capacity)
{
	return area_layout(shape, capacity, NULL);
}

/*
 * The tranche of the graph's locks: one per backend that builds (as
 * pgvector's HNSW build does), so that repeated builds do not use up the
 * tranche numbers.
 */
static int
lock_tranche(void)
{
	static int	tranche = 0;

	if (tranche == 0)
	{
		tranche = LWLockNewTrancheId();
		LWLockRegisterTranche(tranche, "face_graph build");
	}
	return tranche;
}

/*
 * Lay out an empty graph of capacity nodes in the memory at area
 * (fg_mem_area_size bytes); shared: it lives in shared memory, where
 * several processes insert at once (each through fg_mem_attach).
 */
void
fg_mem_area_init(FgMemArea *area, const FgShape *shape, int capacity, bool shared)
{
	LWLock	   *locks;

	area_layout(shape, capacity, area);
	area->shared = shared;
	area->state = MEM_BUILDING;
	pg_atomic_init_u32(&area->next, 0);
	pg_atomic_init_u32(&area->entry_ready, 0);
	memset((char *) area + area->nlinks_off, 0, sizeof(uint16) * (Size) capacity);
	if (shared)
	{
		int			tranche = lock_tranche();

		LWLockInitialize(&area->write_lock, tranche);
		ConditionVariableInit(&area->written_cv);
		locks = (LWLock *) ((char *) area + area->locks_off);
		for (int i = 0; i < capacity; i++)
			LWLockInitialize(&locks[i], tranche);
	}
}

/* this process's handle on the graph at area */
FgMemGraph *
fg_mem_attach(FgMemArea *area, const FgShape *shape)
{
	FgMemGraph *g = palloc0(sizeof(FgMemGraph));
	char	   *base = (char *) area;

	Assert(area->dim == shape->dim);
	if (area->shared)
		LWLockRegisterTranche(area->write_lock.tranche, "face_graph build");
	g->shape = shape;
	g->area = area;
	g->cap = area->cap;
	g->max_links = area->max_links;
	g->vecs = (float *) (base + area->vecs_off);
	g->codes = (signed char *) (base + area->codes_off);
	g->links = (int32 *) (base + area->links_off);
	g->nlinks = (uint16 *) (base + area->nlinks_off);
	g->heaptids = (ItemPointerData *) (base + area->heaptids_off);
	g->locks = (LWLock *) (base + area->locks_off);
	g->mark = MemoryContextAllocHuge(CurrentMemoryContext, (Size) g->cap);
	memset(g->mark, 0, (Size) g->cap);
	g->tmp = AllocSetContextCreate(CurrentMemoryContext, "face_graph memory build",
								   ALLOCSET_DEFAULT_SIZES);
	return g;
}

/* a graph of capacity nodes in backend memory, for a serial build */
FgMemGraph *
fg_mem_create(const FgShape *shape, int capacity)
{
	FgMemArea  *area = MemoryContextAllocHuge(CurrentMemoryContext,
											  fg_mem_area_size(shape, capacity));
	FgMemGraph *g;

	fg_mem_area_init(area, shape, capacity, false);
	g = fg_mem_attach(area, shape);
	g->own_area = true;
	return g;
}

/* the number of nodes in the graph (of a shared one: taken so far) */
int
fg_mem_count(const FgMemGraph *g)
{
	return (int) Min(pg_atomic_read_u32(&g->area->next), (uint32) g->cap);
}

int
fg_mem_capacity(const FgMemGraph *g)
{
	return g->cap;
}

static inline void
lock_node(FgMemGraph *g, int i, LWLockMode mode)
{
	if (g->area->shared)
		LWLockAcquire(&g->locks[i], mode);
}

static inline void
unlock_node(FgMemGraph *g, int i)
{
	if (g->area->shared)
		LWLockRelease(&g->locks[i]);
}

/* a fresh visit epoch (marks older than it count as unvisited) */
static void
new_epoch(FgMemGraph *g)
{
	if (++g->epoch == 0)
	{
		memset(g->mark, 0, (Size) g->cap);
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
		/* the likely next node's list, fetched while this one is walked */
		if (todo.n > 0)
			__builtin_prefetch(MEM_LINKS(g, todo.items[0].item));
		/* the unvisited neighbours, their codes fetched ahead of use */
		lock_node(g, c, LW_SHARED);
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
		unlock_node(g, c);
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

/*
 * The back-link j -> id, pruning j's list when full (as add_backlink of
 * graph_insert.c does); whether j links to id afterwards.  The links that
 * the pruning pushes out of j's list go to id, which is near; when id has
 * no room for all of them, j's list stays as it was (those that fit still
 * go to id, as in the page path).  Id's list is only read here (without its
 * lock: a hint in a shared graph) and is appended to after j's lock is
 * released, never with two node locks held.
 */
static bool
add_backlink(FgMemGraph *g, int j, int id)
{
	int32	   *old = MEM_LINKS(g, j);
	int32	   *out;
	int32	   *displaced;
	int			ndisplaced = 0;
	int			nout;
	int			room;
	bool		kept_new = false;

	lock_node(g, j, LW_EXCLUSIVE);
	if (add_link(g, j, id))
	{
		unlock_node(g, j);
		return true;
	}

	/* full: prune the old links plus the new one */
	out = palloc(sizeof(int32) * g->shape->max_links);
	displaced = palloc(sizeof(int32) * g->max_links);
	nout = prune_list(g, j, id, out);
	for (int k = 0; k < nout; k++)
		kept_new |= out[k] == id;
	room = g->max_links - g->nlinks[id];
	for (int l = 0; l < g->nlinks[j] && kept_new; l++)
	{
		bool		kept = false;

		for (int k = 0; k < nout && !kept; k++)
			kept = out[k] == old[l];
		if (kept || has_link(g, id, old[l]))
			continue;
		if (ndisplaced == room)
			kept_new = false;
		else
			displaced[ndisplaced++] = old[l];
	}
	if (kept_new)
	{
		memcpy(old, out, sizeof(int32) * nout);
		g->nlinks[j] = nout;
	}
	unlock_node(g, j);

	lock_node(g, id, LW_EXCLUSIVE);
	for (int l = 0; l < ndisplaced; l++)
		add_link(g, id, displaced[l]);
	unlock_node(g, id);
	return kept_new;
}

/*
 * Wait until a graph that another process writes out is written (the
 * caller then inserts on pages).
 */
static void
wait_written(FgMemArea *area)
{
	ConditionVariablePrepareToSleep(&area->written_cv);
	for (;;)
	{
		int			state;

		LWLockAcquire(&area->write_lock, LW_SHARED);
		state = area->state;
		LWLockRelease(&area->write_lock);
		if (state == MEM_WRITTEN)
			break;
		ConditionVariableSleep(&area->written_cv, PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
}

/*
 * Node 0 is the entry of every search: wait until its inserter has written
 * it.  That takes a copy and an encoding, which cannot fail, after the node
 * number was drawn, so the wait is short and bounded even though it holds
 * the write lock (with interrupts held off).
 */
static void
wait_entry(FgMemArea *area)
{
	while (pg_atomic_read_u32(&area->entry_ready) == 0)
		pg_usleep(10L);
	pg_read_barrier();
}

/*
 * Add one prepared vector.  False when it is not in the graph: the graph is
 * full (a serial build's caller keeps the count below the capacity) or, in
 * a shared graph, written out (the caller writes it out with fg_mem_write
 * after a false, and inserts the row on pages).
 */
bool
fg_mem_insert(FgMemGraph *g, const float *vec, ItemPointer heaptid)
{
	const FgShape *shape = g->shape;
	FgMemArea  *area = g->area;
	uint32		id;
	MemoryContext old;
	FgCandidate *cands;
	float	   *vecs;
	int			ncand;
	ItemPointerData *links;
	ItemPointerData self;
	int			nlinks;
	bool		linked = false;

	if (area->shared)
	{
		LWLockAcquire(&area->write_lock, LW_SHARED);
		if (area->state != MEM_BUILDING)
		{
			LWLockRelease(&area->write_lock);
			wait_written(area);
			return false;
		}
	}
	id = pg_atomic_fetch_add_u32(&area->next, 1);
	if (id >= (uint32) g->cap)
	{
		if (area->shared)
			LWLockRelease(&area->write_lock);
		return false;
	}
	memcpy(MEM_VEC(g, id), vec, sizeof(float) * shape->dim);
	fg_encode(shape, vec, MEM_CODE(g, id));
	g->heaptids[id] = *heaptid;
	if (id == 0)
	{
		pg_write_barrier();
		pg_atomic_write_u32(&area->entry_ready, 1);
		if (area->shared)
			LWLockRelease(&area->write_lock);
		return true;
	}
	wait_entry(area);

	old = MemoryContextSwitchTo(g->tmp);
	cands = mem_search(g, vec, shape->ef_construction, &vecs, &ncand);
	links = palloc(sizeof(ItemPointerData) * shape->max_links);
	mem_tid(id, &self);
	nlinks = fg_select_neighbours(shape, cands, vecs, ncand, self, shape->m, false, links);
	lock_node(g, id, LW_EXCLUSIVE);
	for (int l = 0; l < nlinks; l++)
		MEM_LINKS(g, id)[l] = mem_id(&links[l]);
	g->nlinks[id] = nlinks;
	unlock_node(g, id);
	for (int l = 0; l < nlinks; l++)
		linked |= add_backlink(g, mem_id(&links[l]), id);

	/* every neighbour pruned us away: the nearest must keep a link */
	if (!linked && nlinks > 0)
	{
		int			j = mem_id(&links[0]);
		int			displaced = -1;

		lock_node(g, j, LW_EXCLUSIVE);
		if (!add_link(g, j, id))
		{
			displaced = MEM_LINKS(g, j)[g->max_links - 1];
			MEM_LINKS(g, j)[g->max_links - 1] = (int32) id;
		}
		unlock_node(g, j);
		if (displaced >= 0)
		{
			lock_node(g, id, LW_EXCLUSIVE);
			add_link(g, id, displaced);
			unlock_node(g, id);
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(g->tmp);
	if (area->shared)
		LWLockRelease(&area->write_lock);
	return true;
}

/*
 * Write the graph to the index, which holds only its meta page: the entry
 * first moves to the node nearest mean (prepared; NULL: it stays), nodes go
 * to pages in breadth-first order from it (nodes it cannot reach last), and
 * the entry is set in the meta page.  Pages are written without WAL (the
 * build logs them all at the end).  No insertion is in flight meanwhile.
 */
static void
write_graph(FgMemGraph *g, Relation index, const float *mean)
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
	int			n = fg_mem_count(g);

	if (n == 0)
		return;

	/* lists in their slack are pruned to R */
	for (int i = 0; i < n; i++)
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
	for (int i = 0; i < n; i++)
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
	order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * (Size) n);
	pos = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * (Size) n);
	new_epoch(g);
	for (int start = -1; start < n; start++)
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
	for (int p = 0; p < n; p++)
		pos[order[p]] = p;

	node = palloc0(shape->node_size);
	links = palloc(sizeof(ItemPointerData) * shape->max_links);
	for (int p = 0; p < n; p += per_page)
	{
		Buffer		buf = fg_new_page(index);
		Page		page = BufferGetPage(buf);
		BlockNumber blkno = BufferGetBlockNumber(buf);

		CHECK_FOR_INTERRUPTS();
		/* the position of a node fixes its TID: pages must follow the meta page */
		if (blkno != (BlockNumber) (FG_METAPAGE_BLKNO + 1 + p / per_page))
			elog(ERROR, "face_graph build got block %u for node page %d", blkno, p / per_page);
		fg_init_page(page, FG_PAGE_NODES);
		for (int k = p; k < Min(p + per_page, n); k++)
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

/*
 * Write the graph out (write_graph) unless another process of a shared
 * graph does or did: then wait until it is written.  Whether this call
 * wrote it.  Once written, fg_mem_insert adds nothing more.
 */
bool
fg_mem_write(FgMemGraph *g, Relation index, const float *mean)
{
	FgMemArea  *area = g->area;

	if (!area->shared)
	{
		write_graph(g, index, mean);
		area->state = MEM_WRITTEN;
		return true;
	}
	/* the exclusive lock waits for the insertions in flight */
	LWLockAcquire(&area->write_lock, LW_EXCLUSIVE);
	if (area->state != MEM_BUILDING)
	{
		LWLockRelease(&area->write_lock);
		wait_written(area);
		return false;
	}
	area->state = MEM_WRITING;
	LWLockRelease(&area->write_lock);

	write_graph(g, index, mean);

	LWLockAcquire(&area->write_lock, LW_EXCLUSIVE);
	area->state = MEM_WRITTEN;
	LWLockRelease(&area->write_lock);
	ConditionVariableBroadcast(&area->written_cv);
	return true;
}

/* release this process's handle (and the graph, if fg_mem_create made it) */
void
fg_mem_free(FgMemGraph *g)
{
	if (g->own_area)
		pfree(g->area);
	pfree(g->mark);
	MemoryContextDelete(g->tmp);
	pfree(g);
}
