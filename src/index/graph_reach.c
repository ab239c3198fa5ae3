/*
 * graph_reach.c
 *		Reachability in the face_graph: which nodes a search that starts at the
 *		entry can ever get to.  A node nobody links to (after pruning, or after
 *		vacuum dropped the nodes that did) is never returned by a scan.  The
 *		check function reports such nodes; vacuum links each of them from its
 *		nearest reachable node (fg_reconnect).
 *
 * The graph's links are loaded into memory (about 4 bytes per link).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "index/graph.h"

/* all non-free nodes and their links */
FgReach *
fg_reach_load(Relation index, const FgShape *shape)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	FgReach    *r = palloc0(sizeof(FgReach));
	int			cap = 1024;
	int			lcap = 1024 * shape->max_links;
	ItemPointerData *ltids;
	int			nl = 0;

	r->tids = palloc(sizeof(ItemPointerData) * cap);
	r->deleted = palloc(sizeof(bool) * cap);
	r->link_start = palloc(sizeof(int) * (cap + 1));
	ltids = palloc(sizeof(ItemPointerData) * lcap);
	r->index_of = fg_tidset_create(1024);

	for (BlockNumber blkno = FG_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (fg_page_is_nodes(page))
		{
			OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

			for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
			{
				ItemId		iid = PageGetItemId(page, off);
				FgNode		node;
				int			nlinks;

				if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) != shape->node_size)
					continue;
				node = (FgNode) PageGetItem(page, iid);
				if (node->flags & FG_NODE_FREE)
					continue;
				if (r->n + 1 >= cap)
				{
					cap *= 2;
					r->tids = repalloc(r->tids, sizeof(ItemPointerData) * cap);
					r->deleted = repalloc(r->deleted, sizeof(bool) * cap);
					r->link_start = repalloc(r->link_start, sizeof(int) * (cap + 1));
				}
				if (nl + shape->max_links > lcap)
				{
					lcap = Max(lcap * 2, nl + shape->max_links);
					ltids = repalloc(ltids, sizeof(ItemPointerData) * lcap);
				}
				ItemPointerSet(&r->tids[r->n], blkno, off);
				r->deleted[r->n] = (node->flags & FG_NODE_DELETED) != 0;
				r->link_start[r->n] = nl;
				nlinks = fg_node_get_links(node, shape->max_links, ltids + nl);
				nl += nlinks;
				fg_tidset_put(r->index_of, &r->tids[r->n], r->n);
				r->n++;
			}
		}
		UnlockReleaseBuffer(buf);
	}
	r->link_start[r->n] = nl;
	r->link_idx = palloc(sizeof(int) * Max(nl, 1));
	for (int i = 0; i < nl; i++)
	{
		uint32		idx;

		r->link_idx[i] = fg_tidset_get(r->index_of, &ltids[i], &idx) ? (int) idx : -1;
	}
	pfree(ltids);
	r->reached = palloc0(sizeof(bool) * Max(r->n, 1));
	return r;
}

/* mark everything reachable from node from (depth first, explicit stack) */
void
fg_reach_mark(FgReach *r, ItemPointer from)
{
	uint32		start;
	int		   *stack;
	int			top = 0;

	if (!ItemPointerIsValid(from) || !fg_tidset_get(r->index_of, from, &start) ||
		r->reached[start])
		return;
	stack = palloc(sizeof(int) * Max(r->n, 1));
	r->reached[start] = true;
	stack[top++] = start;
	while (top > 0)
	{
		int			i = stack[--top];

		for (int l = r->link_start[i]; l < r->link_start[i + 1]; l++)
		{
			int			j = r->link_idx[l];

			if (j >= 0 && !r->reached[j])
			{
				r->reached[j] = true;
				stack[top++] = j;
			}
		}
	}
	pfree(stack);
}

/*
 * Link node u (reach index i, unreachable) from the reachable node c; with
 * force, even when c's list is full: c's last link d then gives way and
 * goes to u (u's own last link giving way in turn when u is full), so the
 * path c -> u -> d replaces the edge c -> d.  Whatever the entry reached
 * before it still reaches (u was unreachable, so no reachable node needed
 * the link that u gives up), and now u too.  Whether c links to u.
 */
static bool
link_from(Relation index, const FgShape *shape, ItemPointer c, ItemPointer u,
		  bool force, bool building)
{
	ItemPointerData displaced;

	if (!fg_add_link(index, shape, c, *u, force, &displaced, building))
		return false;
	if (ItemPointerIsValid(&displaced))
		fg_add_link(index, shape, u, displaced, true, NULL, building);
	return true;
}

/*
 * One round of fg_reconnect; returns how many nodes it linked.  The round
 * works on the links as loaded at its start: a node it links is marked
 * reached along its loaded links, which may since have given way, so a
 * later node of the round may be linked from a node that is not really
 * reachable any more (the next round sees it).  The first link of a round
 * comes from a really reachable node, so every round reaches more nodes.
 */
static int
reconnect_round(Relation index, const FgShape *shape, ItemPointerData entry, bool building)
{
	FgReach    *r = fg_reach_load(index, shape);
	float	   *vec = palloc(sizeof(float) * shape->dim);
	int			linked = 0;

	fg_reach_mark(r, &entry);
	for (int i = 0; i < r->n; i++)
	{
		FgQuery		q;
		FgCandidate *cands;
		int			ncand;
		bool		live;
		bool		done = false;

		if (r->reached[i] || r->deleted[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		fg_read_vector(index, shape, &r->tids[i], vec, &live);
		if (!live)
			continue;
		fg_prepare_query(&q, shape, vec);
		cands = fg_search(index, &q, entry, shape->ef_construction, NULL, &ncand);

		/*
		 * The nearest reachable node with a free place links to it; only if
		 * none has one, the nearest gives up its last link (to it); the
		 * entry as the last resort (a search that found no live reachable
		 * node near it).
		 */
		for (int pass = 0; pass < 2 && !done; pass++)
		{
			for (int c = 0; c < ncand && !done; c++)
			{
				uint32		j;

				if (cands[c].deleted || ItemPointerEquals(&cands[c].tid, &r->tids[i]) ||
					!fg_tidset_get(r->index_of, &cands[c].tid, &j) || !r->reached[j])
					continue;
				done = link_from(index, shape, &cands[c].tid, &r->tids[i], pass == 1,
								 building);
			}
		}
		if (!done)
			done = link_from(index, shape, &entry, &r->tids[i], true, building);
		if (done)
		{
			fg_reach_mark(r, &r->tids[i]);
			linked++;
		}
		pfree(cands);
		pfree(q.qcode);
	}
	return linked;
}

/*
 * Link every live node that the entry cannot reach from its nearest
 * reachable live node, in rounds until a round finds none: every round
 * reaches at least one node more (see link_from and reconnect_round), so
 * this ends, with every live node reachable.  Runs at the end of the build,
 * and in vacuum under FG_UPDATE_LOCK in ExclusiveLock.
 */
void
fg_reconnect(Relation index, const FgShape *shape, bool building)
{
	ItemPointerData entry = fg_get_entry(index);
	MemoryContext cxt;
	MemoryContext old;
	int			linked;

	if (!ItemPointerIsValid(&entry))
		return;					/* no live node */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "face_graph reconnect",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	do
	{
		linked = reconnect_round(index, shape, entry, building);
		MemoryContextReset(cxt);
	} while (linked > 0);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}
