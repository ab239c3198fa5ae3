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

/* one round of fg_reconnect; returns how many nodes it linked */
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

		if (r->reached[i] || r->deleted[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		fg_read_vector(index, shape, &r->tids[i], vec, &live);
		if (!live)
			continue;
		fg_prepare_query(&q, shape, vec);
		cands = fg_search(index, &q, entry, shape->ef_construction, false, NULL, &ncand);

		/*
		 * The nearest reachable node with a free place links to it; only if
		 * none has one, the nearest gives up its last link (which then goes
		 * to the reconnected node, if that has room).
		 */
		for (int pass = 0; pass < 2; pass++)
		{
			bool		done = false;

			for (int c = 0; c < ncand && !done; c++)
			{
				uint32		j;
				ItemPointerData displaced;

				if (cands[c].deleted || ItemPointerEquals(&cands[c].tid, &r->tids[i]) ||
					!fg_tidset_get(r->index_of, &cands[c].tid, &j) || !r->reached[j])
					continue;
				done = fg_add_link(index, shape, &cands[c].tid, r->tids[i], pass == 1,
								   &displaced, building);
				if (ItemPointerIsValid(&displaced))
					fg_add_link(index, shape, &r->tids[i], displaced, false, NULL, building);
			}
			if (done)
			{
				fg_reach_mark(r, &r->tids[i]);
				linked++;
				break;
			}
		}
		pfree(cands);
		pfree(q.qcode);
	}
	return linked;
}

/*
 * Link every live node that the entry cannot reach from its nearest
 * reachable live node.  A forced link can push out another node's only way
 * in, so this repeats (a few rounds at most) until nothing was linked.
 * Runs at the end of the build, and in vacuum under FG_UPDATE_LOCK in
 * ExclusiveLock.
 */
void
fg_reconnect(Relation index, const FgShape *shape, bool building)
{
	ItemPointerData entry = fg_get_entry(index);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "face_graph reconnect",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	for (int round = 0; round < 4; round++)
	{
		int			linked = reconnect_round(index, shape, entry, building);

		MemoryContextReset(cxt);
		if (linked == 0)
			break;
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}
