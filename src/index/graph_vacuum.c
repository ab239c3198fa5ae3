/*
 * graph_vacuum.c
 *		VACUUM for face_graph: first the pending list is merged into the
 *		graph, dropping the vectors of dead rows (so that no pending entry
 *		outlives its heap row); then three passes over the node pages:
 *
 *		1. mark the nodes of dead heap rows DELETED (scans stop returning
 *		   them at once; searches still walk through them);
 *		2. under FG_UPDATE_LOCK in ExclusiveLock (no insert runs), give every
 *		   node that links to a deleted node a new link list, chosen by robust
 *		   prune among its live links and the deleted nodes' live links, and
 *		   move the entry off a deleted node; then link every live node the
 *		   entry can no longer reach from its nearest reachable node;
 *		3. still under the lock, turn deleted nodes into FREE slots and record
 *		   their pages in the free space map for inserts to reuse.
 *
 * After pass 2 no live node links to a deleted one, so freeing in pass 3
 * leaves no dangling link; the lock keeps inserts from adding such links
 * between the passes.
 */
#include "postgres.h"

#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"

#include "index/graph.h"

/* state of a walk over the node pages (vacuum's passes) */
typedef struct PageWalk
{
	Relation	index;
	const FgShape *shape;
	/* pass 1 */
	IndexBulkDeleteCallback callback;
	void	   *callback_state;
	IndexBulkDeleteResult *stats;
	FgTidSet   *deleted;
	int			ndeleted;
	/* count_live */
	double		live;
} PageWalk;

/*
 * What to do with one node of a locked page: returns true when the node must
 * change, and is then called again with change = true on the page image
 * being logged.
 */
typedef bool (*NodeFn) (PageWalk *w, FgNode node, BlockNumber blkno, OffsetNumber off,
						bool change);

static bool free_node(PageWalk *w, FgNode node, BlockNumber blkno, OffsetNumber off,
					  bool change);

/*
 * Call fn for every node of every node page, with the page locked in mode;
 * pages where free_node freed slots go to the free space map.
 */
static void
walk_nodes(PageWalk *w, int mode, NodeFn fn, BufferAccessStrategy strategy)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(w->index);

	for (BlockNumber blkno = FG_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBufferExtended(w->index, MAIN_FORKNUM, blkno, RBM_NORMAL, strategy);
		Page		page;
		FgEdit		edit;
		bool		editing = false;

		vacuum_delay_point();
		LockBuffer(buf, mode);
		page = BufferGetPage(buf);
		if (fg_page_is_nodes(page))
		{
			OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

			for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
			{
				if (!fn(w, fg_page_node(page, off, w->shape), blkno, off, false))
					continue;
				Assert(mode == BUFFER_LOCK_EXCLUSIVE);
				if (!editing)
				{
					fg_edit_begin(&edit, w->index, false);
					page = fg_edit_page(&edit, buf, false);
					editing = true;
				}
				fn(w, fg_page_node(page, off, w->shape), blkno, off, true);
			}
		}
		if (editing)
			fg_edit_finish(&edit);
		UnlockReleaseBuffer(buf);
		if (editing && fn == free_node)
			RecordFreeIndexPage(w->index, blkno);
	}
}

/* pass 1: flag dead nodes; collect every deleted node (older ones too) */
static bool
mark_node(PageWalk *w, FgNode node, BlockNumber blkno, OffsetNumber off, bool change)
{
	ItemPointerData tid;

	if (change)
	{
		node->flags |= FG_NODE_DELETED;
		w->stats->tuples_removed += 1;
		return true;
	}
	if (node->flags & FG_NODE_FREE)
		return false;
	if (!(node->flags & FG_NODE_DELETED))
	{
		if (!w->callback(&node->heaptid, w->callback_state))
		{
			w->stats->num_index_tuples += 1;
			return false;
		}
	}
	ItemPointerSet(&tid, blkno, off);
	fg_tidset_add(w->deleted, &tid);
	w->ndeleted++;
	return !(node->flags & FG_NODE_DELETED);
}

/* new links for the node at tid, which links to deleted nodes */
static void
repair_node(Relation index, const FgShape *shape, ItemPointer tid, FgTidSet *deleted)
{
	int			R = shape->max_links;
	ItemPointerData *old = palloc(sizeof(ItemPointerData) * R);
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * R);
	ItemPointerData *second = palloc(sizeof(ItemPointerData) * R);
	float	   *vec = palloc(sizeof(float) * shape->dim);
	int			cap = R * (R + 1);
	FgCandidate *cand = palloc(sizeof(FgCandidate) * cap);
	float	   *vecs = palloc(sizeof(float) * shape->dim * cap);
	FgTidSet   *seen = fg_tidset_create(cap * 2);
	int			nold;
	int			n = 0;
	int			nlinks;

	if (!fg_read_links(index, shape, tid, old, &nold, vec))
		return;
	fg_tidset_add(seen, tid);
	for (int i = 0; i < nold; i++)
	{
		ItemPointerData *from = &old[i];
		int			nfrom = 1;

		if (fg_tidset_contains(deleted, &old[i]))
		{
			/* a deleted neighbour: offer its links instead */
			float	   *scratch = vecs + (Size) n * shape->dim;

			if (!fg_read_links(index, shape, &old[i], second, &nfrom, scratch))
				continue;
			from = second;
		}
		for (int j = 0; j < nfrom && n < cap; j++)
		{
			bool		live;

			if (fg_tidset_contains(deleted, &from[j]) || !fg_tidset_add(seen, &from[j]))
				continue;
			fg_read_vector(index, shape, &from[j], vecs + (Size) n * shape->dim, &live);
			if (!live)
				continue;
			cand[n].tid = from[j];
			cand[n].deleted = false;
			n++;
		}
	}
	nlinks = fg_prune_links(shape, tid, vec, cand, vecs, n, true, links);
	fg_replace_links(index, shape, tid, old, nold, links, nlinks, false);
}

/* pass 2: repair links into deleted nodes; move the entry if it died */
static void
repair_graph(Relation index, const FgShape *shape, FgTidSet *deleted,
			 BufferAccessStrategy strategy)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	ItemPointerData entry = fg_get_entry(index);
	ItemPointerData new_entry;
	bool		entry_dead = fg_tidset_contains(deleted, &entry);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "face_graph repair",
											  ALLOCSET_DEFAULT_SIZES);
	ItemPointerData *todo = palloc(sizeof(ItemPointerData) * MaxOffsetNumber);
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * shape->max_links);

	ItemPointerSetInvalid(&new_entry);
	for (BlockNumber blkno = FG_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, strategy);
		Page		page;
		int			ntodo = 0;

		vacuum_delay_point();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (fg_page_is_nodes(page))
		{
			OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

			for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
			{
				FgNode		node = fg_page_node(page, off, shape);
				int			nlinks;

				if (node->flags & (FG_NODE_FREE | FG_NODE_DELETED))
					continue;
				ItemPointerSet(&todo[ntodo], blkno, off);
				if (!ItemPointerIsValid(&new_entry))
					new_entry = todo[ntodo];
				nlinks = fg_node_get_links(node, shape->max_links, links);
				for (int i = 0; i < nlinks; i++)
				{
					if (fg_tidset_contains(deleted, &links[i]))
					{
						ntodo++;
						break;
					}
				}
			}
		}
		UnlockReleaseBuffer(buf);

		for (int i = 0; i < ntodo; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			CHECK_FOR_INTERRUPTS();
			repair_node(index, shape, &todo[i], deleted);
			MemoryContextSwitchTo(old);
			MemoryContextReset(cxt);
		}
	}
	if (entry_dead || !ItemPointerIsValid(&entry))
		fg_set_entry(index, new_entry, false);
	MemoryContextDelete(cxt);
	pfree(todo);
	pfree(links);
}

/* pass 3: deleted nodes become free slots */
static bool
free_node(PageWalk *w, FgNode node, BlockNumber blkno, OffsetNumber off, bool change)
{
	if (!change)
		return (node->flags & FG_NODE_DELETED) != 0;
	node->flags = FG_NODE_FREE;
	node->nlinks = 0;
	ItemPointerSetInvalid(&node->heaptid);
	return true;
}

IndexBulkDeleteResult *
fg_ambulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	const FgShape *shape = fg_get_shape(index);
	PageWalk	w;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	if (shape->dim == 0)
		return stats;

	memset(&w, 0, sizeof(w));
	w.index = index;
	w.shape = shape;
	w.callback = callback;
	w.callback_state = callback_state;
	w.stats = stats;
	w.deleted = fg_tidset_create(1024);
	stats->num_index_tuples = 0;
	fg_pending_merge(index, true, callback, callback_state, stats);
	walk_nodes(&w, BUFFER_LOCK_EXCLUSIVE, mark_node, info->strategy);
	if (w.ndeleted > 0)
	{
		LockPage(index, FG_UPDATE_LOCK, ExclusiveLock);
		repair_graph(index, shape, w.deleted, info->strategy);
		fg_reconnect(index, shape, false);
		walk_nodes(&w, BUFFER_LOCK_EXCLUSIVE, free_node, info->strategy);
		UnlockPage(index, FG_UPDATE_LOCK, ExclusiveLock);
	}
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

/* count live nodes when no bulk delete ran */
static bool
count_node(PageWalk *w, FgNode node, BlockNumber blkno, OffsetNumber off, bool change)
{
	if (!(node->flags & (FG_NODE_FREE | FG_NODE_DELETED)))
		w->live += 1;
	return false;
}

IndexBulkDeleteResult *
fg_amvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;

	if (info->analyze_only)
		return stats;
	/* an insert-only table gets no bulk delete: merge what is pending here */
	if (fg_get_shape(index)->dim > 0)
		fg_pending_merge(index, true, NULL, NULL, NULL);
	if (stats == NULL)
	{
		const FgShape *shape = fg_get_shape(index);

		stats = palloc0(sizeof(IndexBulkDeleteResult));
		if (shape->dim > 0)
		{
			PageWalk	w;

			memset(&w, 0, sizeof(w));
			w.index = index;
			w.shape = shape;
			walk_nodes(&w, BUFFER_LOCK_SHARE, count_node, info->strategy);
			stats->num_index_tuples = w.live;
		}
	}
	IndexFreeSpaceMapVacuum(index);
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}
