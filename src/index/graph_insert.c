/*
 * graph_insert.c
 *		Adding one vector to the face_graph: find its neighbours with a beam
 *		search, write its node (into a free slot, the last page or a new page),
 *		then add back-links to the neighbours, pruning their lists when full.
 *
 * Concurrency (see graph.h): the insert holds FG_UPDATE_LOCK in ShareLock
 * throughout, so vacuum cannot free a node it links to.  Back-links are
 * written optimistically: a neighbour's list is read under a share lock,
 * the new list computed without locks, and written under an exclusive lock
 * only if the list is still the one read; otherwise the step is retried.
 * The build uses the same code without WAL and without the heavyweight lock
 * (it holds the index exclusively).
 */
#include "postgres.h"

#include "nodes/execnodes.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "index/graph.h"
#include "type/face_embedding.h"

#define FG_BACKLINK_RETRIES 5

static bool
page_has_free_slot(Page page, const FgShape *shape, OffsetNumber *off)
{
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);

	for (OffsetNumber i = FirstOffsetNumber; i <= maxoff; i++)
	{
		if (fg_page_node(page, i, shape)->flags & FG_NODE_FREE)
		{
			*off = i;
			return true;
		}
	}
	return false;
}

static bool
page_has_room(Page page, const FgShape *shape)
{
	return PageGetFreeSpace(page) >= MAXALIGN(shape->node_size);
}

/*
 * An exclusively locked buffer with room for one node: a page the FSM knows
 * to have free slots (*reuse set to the slot), else the last page, else a
 * new page (*fresh: it must be initialized).
 */
static Buffer
find_slot(Relation index, const FgShape *shape, OffsetNumber *reuse, bool *fresh)
{
	BlockNumber blkno;
	BlockNumber nblocks;
	Buffer		buf;

	*reuse = InvalidOffsetNumber;
	*fresh = false;
	while ((blkno = GetFreeIndexPage(index)) != InvalidBlockNumber)
	{
		Page		page;

		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (fg_page_is_nodes(page) &&
			(page_has_free_slot(page, shape, reuse) || page_has_room(page, shape)))
			return buf;
		UnlockReleaseBuffer(buf);
	}

	nblocks = RelationGetNumberOfBlocks(index);
	if (nblocks > FG_METAPAGE_BLKNO + 1)
	{
		buf = ReadBuffer(index, nblocks - 1);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		if (fg_page_is_nodes(BufferGetPage(buf)) && page_has_room(BufferGetPage(buf), shape))
			return buf;
		UnlockReleaseBuffer(buf);
	}
	*fresh = true;
	return fg_new_page(index);
}

/*
 * Write node (node_size bytes) into a slot; returns its index TID.  With
 * metabuf (locked exclusively by the caller), the node also becomes the
 * graph's entry, in the same WAL record.  With from, the node comes from the
 * pending list, and its pending item is flagged MERGED in the same WAL
 * record too (the item's page is locked after the node's: see graph.h).
 */
static ItemPointerData
place_node(Relation index, const FgShape *shape, FgNode node, bool building,
		   Buffer metabuf, const FgPendingRef *from)
{
	OffsetNumber off;
	bool		fresh;
	Buffer		buf = find_slot(index, shape, &off, &fresh);
	FgEdit		edit;
	Page		page;
	ItemPointerData tid;
	OffsetNumber more;
	Buffer		pendbuf = InvalidBuffer;

	fg_edit_begin(&edit, index, building);
	page = fg_edit_page(&edit, buf, fresh);
	if (fresh)
		fg_init_page(page, FG_PAGE_NODES);
	if (OffsetNumberIsValid(off))
		memcpy(fg_page_node(page, off, shape), node, shape->node_size);
	else
	{
		off = PageAddItem(page, (Item) node, shape->node_size, InvalidOffsetNumber,
						  false, false);
		if (off == InvalidOffsetNumber)
			elog(ERROR, "failed to add a node to face_graph index \"%s\"",
				 RelationGetRelationName(index));
	}
	ItemPointerSet(&tid, BufferGetBlockNumber(buf), off);
	if (BufferIsValid(metabuf))
		FgPageGetMeta(fg_edit_page(&edit, metabuf, false))->entry = tid;
	if (from != NULL)
	{
		pendbuf = ReadBuffer(index, from->blkno);
		LockBuffer(pendbuf, BUFFER_LOCK_EXCLUSIVE);
		page = fg_edit_page(&edit, pendbuf, false);
		if (!fg_page_is_pending(page) || from->off > PageGetMaxOffsetNumber(page))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("pending item (%u,%u) of face_graph index \"%s\" is gone",
							from->blkno, from->off, RelationGetRelationName(index))));
		((FgPendingItem) PageGetItem(page, PageGetItemId(page, from->off)))->flags |=
			FG_PENDING_MERGED;
	}
	fg_edit_finish(&edit);
	if (BufferIsValid(pendbuf))
		UnlockReleaseBuffer(pendbuf);

	/* a reused slot: tell the FSM again if the page has more */
	if (!fresh && page_has_free_slot(BufferGetPage(buf), shape, &more))
		RecordFreeIndexPage(index, BufferGetBlockNumber(buf));
	UnlockReleaseBuffer(buf);
	return tid;
}

/*
 * Rewrite the links of node at tid if they are still old[0..nold); false
 * when they changed meanwhile (or the node was freed).
 */
bool
fg_replace_links(Relation index, const FgShape *shape, ItemPointer tid,
			  ItemPointerData *old, int nold, ItemPointerData *links, int nlinks,
			  bool building)
{
	Buffer		buf = fg_read_buffer(index, ItemPointerGetBlockNumber(tid));
	FgNode		node;
	bool		same;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	node = fg_page_node(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid), shape);
	same = !(node->flags & FG_NODE_FREE) && node->nlinks == nold;
	for (int i = 0; i < nold && same; i++)
		same = FgNodeLinks(node)[i] == fg_link_pack(&old[i]);
	if (same)
	{
		FgEdit		edit;

		fg_edit_begin(&edit, index, building);
		node = fg_page_node(fg_edit_page(&edit, buf, false),
							ItemPointerGetOffsetNumber(tid), shape);
		fg_node_set_links(node, links, nlinks);
		fg_edit_finish(&edit);
	}
	UnlockReleaseBuffer(buf);
	return same;
}

/* read a node's links and decoded vector; false for a free slot */
bool
fg_read_links(Relation index, const FgShape *shape, ItemPointer tid,
		   ItemPointerData *links, int *nlinks, float *vec)
{
	Buffer		buf = fg_read_buffer(index, ItemPointerGetBlockNumber(tid));
	FgNode		node;
	bool		present;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	node = fg_page_node(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid), shape);
	present = !(node->flags & FG_NODE_FREE);
	if (present)
	{
		*nlinks = fg_node_get_links(node, shape->max_links, links);
		fg_decode(shape, FgNodeCode(shape, node), vec);
	}
	UnlockReleaseBuffer(buf);
	return present;
}

/*
 * Choose the links of a node at tid with vector vec among cand[0..n)
 * (any order, vectors in vecs), by robust prune; returns the count.
 */
int
fg_prune_links(const FgShape *shape, ItemPointer tid, const float *vec,
			   FgCandidate *cand, float *vecs, int n, bool fill, ItemPointerData *out)
{
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	FgCandidate *sc = palloc(sizeof(FgCandidate) * Max(n, 1));
	float	   *sv = palloc(sizeof(float) * shape->dim * Max(n, 1));
	int			nout;

	for (int i = 0; i < n; i++)
	{
		cand[i].dist = fg_exact_distance(shape->metric, vec, vecs + (Size) i * shape->dim,
										 shape->dim);
		order[i] = i;
	}
	/* insertion sort: n is at most R + a few */
	for (int i = 1; i < n; i++)
	{
		int			o = order[i];
		int			j = i - 1;

		while (j >= 0 && cand[order[j]].dist > cand[o].dist)
		{
			order[j + 1] = order[j];
			j--;
		}
		order[j + 1] = o;
	}
	for (int i = 0; i < n; i++)
	{
		sc[i] = cand[order[i]];
		memcpy(sv + (Size) i * shape->dim, vecs + (Size) order[i] * shape->dim,
			   sizeof(float) * shape->dim);
	}
	nout = fg_select_neighbours(shape, sc, sv, n, *tid, shape->max_links, fill, out);
	pfree(order);
	pfree(sc);
	pfree(sv);
	return nout;
}

/*
 * Add the link from -> to if from has room; with force, even when it has
 * none (the last link gives way, reported in *displaced): for a node that
 * would otherwise have no incoming link at all.  Returns whether the link
 * is there afterwards.
 */
bool
fg_add_link(Relation index, const FgShape *shape, ItemPointer from,
			ItemPointerData to, bool force, ItemPointer displaced, bool building)
{
	Buffer		buf = fg_read_buffer(index, ItemPointerGetBlockNumber(from));
	FgNode		node;
	bool		present = false;
	FgLink		link = fg_link_pack(&to);

	if (displaced)
		ItemPointerSetInvalid(displaced);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	node = fg_page_node(BufferGetPage(buf), ItemPointerGetOffsetNumber(from), shape);
	if (!(node->flags & FG_NODE_FREE) && !ItemPointerEquals(from, &to))
	{
		for (int i = 0; i < node->nlinks; i++)
			present |= FgNodeLinks(node)[i] == link;
		if (!present && (force || node->nlinks < shape->max_links))
		{
			FgEdit		edit;

			fg_edit_begin(&edit, index, building);
			node = fg_page_node(fg_edit_page(&edit, buf, false),
								ItemPointerGetOffsetNumber(from), shape);
			if (node->nlinks < shape->max_links)
				FgNodeLinks(node)[node->nlinks++] = link;
			else
			{
				if (displaced)
					fg_link_unpack(FgNodeLinks(node)[shape->max_links - 1], displaced);
				FgNodeLinks(node)[shape->max_links - 1] = link;
			}
			fg_edit_finish(&edit);
			present = true;
		}
	}
	UnlockReleaseBuffer(buf);
	return present;
}

/*
 * What adding a link to newtid does to the list of node tid, planned from
 * the list as read under a share lock, before anything is written.
 */
typedef enum FgBackKind
{
	FG_BACK_GONE,				/* the node was freed: nothing to do */
	FG_BACK_PRESENT,			/* the link is there already */
	FG_BACK_ROOM,				/* the list has room: append */
	FG_BACK_PRUNED,				/* full, and its prune drops the new link */
	FG_BACK_REPLACE				/* full: old becomes links, once newtid took
								 * over the links in hand */
} FgBackKind;

typedef struct FgBackPlan
{
	FgBackKind	kind;
	ItemPointerData *old;		/* the list as read */
	int			nold;
	ItemPointerData *links;		/* REPLACE: the pruned list, with newtid */
	int			nlinks;
	ItemPointerData *hand;		/* REPLACE: live targets the prune drops */
	int			nhand;
} FgBackPlan;

static void
plan_init(FgBackPlan *plan, const FgShape *shape)
{
	plan->old = palloc(sizeof(ItemPointerData) * shape->max_links);
	plan->links = palloc(sizeof(ItemPointerData) * (shape->max_links + 1));
	plan->hand = palloc(sizeof(ItemPointerData) * shape->max_links);
}

static void
plan_free(FgBackPlan *plan)
{
	pfree(plan->old);
	pfree(plan->links);
	pfree(plan->hand);
}

/*
 * Plan the link from node at tid to newtid (vector newvec): read the list,
 * and when it is full, prune it with newtid.  The vectors of the list's
 * links come from the codes the insert's search kept (seen) where it
 * visited them, from their pages otherwise.  newtid need not exist yet.
 */
static void
plan_backlink(Relation index, const FgShape *shape, FgSeen *seen, ItemPointer tid,
			  ItemPointerData newtid, const float *newvec, FgBackPlan *plan)
{
	int			R = shape->max_links;
	ItemPointerData *unseen = palloc(sizeof(ItemPointerData) * R);
	int		   *unseen_at = palloc(sizeof(int) * R);
	float	   *vec = palloc(sizeof(float) * shape->dim);
	float	   *vecs = palloc(sizeof(float) * shape->dim * (R + 1));
	FgCandidate *cand = palloc(sizeof(FgCandidate) * (R + 1));
	int			n = 0;
	int			nunseen = 0;
	bool		kept_new = false;

	plan->nlinks = plan->nhand = 0;
	if (!fg_read_links(index, shape, tid, plan->old, &plan->nold, vec))
	{
		plan->kind = FG_BACK_GONE;
		goto done;
	}
	for (int i = 0; i < plan->nold; i++)
	{
		if (ItemPointerEquals(&plan->old[i], &newtid))
		{
			plan->kind = FG_BACK_PRESENT;
			goto done;
		}
	}
	if (plan->nold < R)
	{
		plan->kind = FG_BACK_ROOM;
		goto done;
	}

	/* full: prune old links plus the new one */
	for (int i = 0; i < plan->nold; i++)
	{
		bool		live;

		cand[n].tid = plan->old[i];
		if (fg_seen_vector(seen, &plan->old[i], vecs + (Size) n * shape->dim, &live))
			cand[n].deleted = !live;
		else
		{
			unseen[nunseen] = plan->old[i];
			unseen_at[nunseen++] = n;
		}
		n++;
	}
	fg_prefetch_nodes(index, shape, unseen, nunseen);
	for (int i = 0; i < nunseen; i++)
	{
		bool		live;

		fg_read_vector(index, shape, &unseen[i],
					   vecs + (Size) unseen_at[i] * shape->dim, &live);
		cand[unseen_at[i]].deleted = !live;
	}
	memcpy(vecs + (Size) n * shape->dim, newvec, sizeof(float) * shape->dim);
	cand[n].tid = newtid;
	cand[n].deleted = false;
	n++;
	plan->nlinks = fg_prune_links(shape, tid, vec, cand, vecs, n, true, plan->links);
	for (int i = 0; i < plan->nlinks; i++)
		kept_new |= ItemPointerEquals(&plan->links[i], &newtid);
	plan->kind = kept_new ? FG_BACK_REPLACE : FG_BACK_PRUNED;

	/*
	 * The new node pushes links out.  Their targets may have no other way
	 * in, so the new node (which is near) takes them over first.
	 */
	for (int i = 0; kept_new && i < plan->nold; i++)
	{
		bool		kept = cand[i].deleted;

		for (int j = 0; j < plan->nlinks && !kept; j++)
			kept = ItemPointerEquals(&plan->old[i], &plan->links[j]);
		if (!kept)
			plan->hand[plan->nhand++] = plan->old[i];
	}
done:
	pfree(unseen);
	pfree(unseen_at);
	pfree(vec);
	pfree(vecs);
	pfree(cand);
}

/*
 * Add a link from node at tid to newtid (which exists), pruning if full;
 * the list is reread and the step retried when it changed meanwhile.
 * Returns whether the link is there afterwards.
 */
static bool
add_backlink(Relation index, const FgShape *shape, FgSeen *seen, ItemPointer tid,
			 ItemPointerData newtid, const float *newvec, bool building)
{
	FgBackPlan	plan;
	bool		linked = false;

	/* a list with room (or with the link already): one exclusive lock */
	if (fg_add_link(index, shape, tid, newtid, false, NULL, building))
		return true;
	plan_init(&plan, shape);
	for (int attempt = 0; attempt < FG_BACKLINK_RETRIES; attempt++)
	{
		bool		handed = true;

		plan_backlink(index, shape, seen, tid, newtid, newvec, &plan);
		if (plan.kind == FG_BACK_GONE || plan.kind == FG_BACK_PRUNED)
			break;
		if (plan.kind == FG_BACK_PRESENT)
		{
			linked = true;
			break;
		}
		if (plan.kind == FG_BACK_ROOM)
		{
			memcpy(plan.links, plan.old, sizeof(ItemPointerData) * plan.nold);
			plan.links[plan.nold] = newtid;
			plan.nlinks = plan.nold + 1;
		}
		/* when the new node has no room for a handed link, the list stays */
		for (int i = 0; i < plan.nhand && handed; i++)
			handed = fg_add_link(index, shape, &newtid, plan.hand[i], false, NULL, building);
		if (!handed)
			break;
		if (fg_replace_links(index, shape, tid, plan.old, plan.nold, plan.links,
							 plan.nlinks, building))
		{
			linked = true;
			break;
		}
	}
	plan_free(&plan);
	return linked;
}

/*
 * Take over a link into the new node's list before it is written, as
 * fg_add_link would on the page: true when the link is there afterwards.
 */
static bool
node_take_link(const FgShape *shape, FgNode node, ItemPointer to)
{
	FgLink		link = fg_link_pack(to);

	for (int i = 0; i < node->nlinks; i++)
	{
		if (FgNodeLinks(node)[i] == link)
			return true;
	}
	if (node->nlinks >= shape->max_links)
		return false;
	FgNodeLinks(node)[node->nlinks++] = link;
	return true;
}

/*
 * Link a new node (not yet placed) and its nlinks neighbours both ways:
 * plan every back-link first, so that the links the neighbours' prunes hand
 * over to the new node are in it when it is written (one WAL record for
 * them all, instead of one each), then place it and write the neighbours'
 * lists; a list that changed since it was planned (a concurrent insert)
 * goes through add_backlink.  The order of the writes keeps the rule of
 * add_backlink: a handed-over target is linked from the new node before the
 * neighbour drops it.
 */
static void
place_and_link(Relation index, const FgShape *shape, FgSeen *seen, FgNode node,
			   const float *vec, ItemPointerData *links, int nlinks, bool building,
			   const FgPendingRef *from)
{
	FgBackPlan *plans = palloc(sizeof(FgBackPlan) * Max(nlinks, 1));
	ItemPointerData pending;
	ItemPointerData self;
	bool		linked = false;

	/* stands for the new node in the plans: no node lives in the meta page */
	ItemPointerSet(&pending, FG_METAPAGE_BLKNO, FirstOffsetNumber);
	for (int i = 0; i < nlinks; i++)
	{
		plan_init(&plans[i], shape);
		plan_backlink(index, shape, seen, &links[i], pending, vec, &plans[i]);
		for (int j = 0; plans[i].kind == FG_BACK_REPLACE && j < plans[i].nhand; j++)
		{
			/* no room for a handed link: that list stays as it is */
			if (!node_take_link(shape, node, &plans[i].hand[j]))
				plans[i].kind = FG_BACK_PRUNED;
		}
	}
	self = place_node(index, shape, node, building, InvalidBuffer, from);

	for (int i = 0; i < nlinks; i++)
	{
		FgBackPlan *plan = &plans[i];
		bool		done = false;

		if (plan->kind == FG_BACK_ROOM)
			done = fg_add_link(index, shape, &links[i], self, false, NULL, building);
		else if (plan->kind == FG_BACK_REPLACE)
		{
			for (int j = 0; j < plan->nlinks; j++)
			{
				if (ItemPointerEquals(&plan->links[j], &pending))
					plan->links[j] = self;
			}
			done = fg_replace_links(index, shape, &links[i], plan->old, plan->nold,
									plan->links, plan->nlinks, building);
		}
		/* else pruned away (or the neighbour was freed): no link */
		if (!done && (plan->kind == FG_BACK_ROOM || plan->kind == FG_BACK_REPLACE))
			done = add_backlink(index, shape, seen, &links[i], self, vec, building);
		linked |= done;
		plan_free(plan);
	}

	/* every neighbour pruned us away: the nearest must keep a link */
	if (!linked && nlinks > 0)
	{
		ItemPointerData displaced;

		fg_add_link(index, shape, &links[0], self, true, &displaced, building);
		if (ItemPointerIsValid(&displaced))
			fg_add_link(index, shape, &self, displaced, false, NULL, building);
	}
	pfree(plans);
}

/*
 * Insert one vector (of any dimension: checked here) for heap row heaptid.
 */
void
fg_insert_vector(Relation index, const float *rawvec, int dim,
				 ItemPointer heaptid, bool building, const FgPendingRef *from)
{
	const FgShape *shape = fg_get_shape(index);
	float	   *vec;
	FgNode		node;
	ItemPointerData entry;
	ItemPointerData self;
	FgQuery		q;
	FgCandidate *cands;
	FgSeen	   *seen;
	float	   *vecs;
	int			ncand;
	ItemPointerData *links;
	int			nlinks;

	fg_check_dim(index, shape, dim);
	vec = palloc(sizeof(float) * dim);
	memcpy(vec, rawvec, sizeof(float) * dim);
	if (!fg_prepare_vector(shape->metric, vec, dim))
		return;					/* zero vector under cosine: no direction */

	node = palloc0(shape->node_size);
	node->heaptid = *heaptid;
	node->err = fg_encode(shape, vec, FgNodeCode(shape, node));

	if (!building)
		LockPage(index, FG_UPDATE_LOCK, ShareLock);

	entry = fg_get_entry(index);
	if (!ItemPointerIsValid(&entry))
	{
		Buffer		metabuf = ReadBuffer(index, FG_METAPAGE_BLKNO);

		LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
		entry = FgPageGetMeta(BufferGetPage(metabuf))->entry;
		if (!ItemPointerIsValid(&entry))
		{
			place_node(index, shape, node, building, metabuf, from);
			UnlockReleaseBuffer(metabuf);
			if (!building)
				UnlockPage(index, FG_UPDATE_LOCK, ShareLock);
			return;
		}
		UnlockReleaseBuffer(metabuf);
	}

	fg_prepare_query(&q, shape, vec);
	cands = fg_search(index, &q, entry, shape->ef_construction, &seen, &ncand);
	vecs = fg_seen_candidates(seen, cands, ncand);
	links = palloc(sizeof(ItemPointerData) * shape->max_links);
	ItemPointerSetInvalid(&self);
	/*
	 * m links to start with, as in HNSW: the other m places take back-links
	 * and the links that neighbours hand over when they prune.
	 */
	nlinks = fg_select_neighbours(shape, cands, vecs, ncand, self, shape->m, false, links);
	fg_node_set_links(node, links, nlinks);
	place_and_link(index, shape, seen, node, vec, links, nlinks, building, from);

	if (!building)
		UnlockPage(index, FG_UPDATE_LOCK, ShareLock);
	pfree(cands);
	fg_seen_free(seen);
	pfree(vecs);
	pfree(links);
	pfree(node);
	pfree(vec);
}

bool
fg_aminsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
			Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
			IndexInfo *indexInfo)
{
	MemoryContext cxt;
	MemoryContext old;
	FaceEmbedding *e;

	if (isnull[0])
		return false;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "face_graph insert",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	e = DatumGetFaceEmbedding(values[0]);
	fg_ensure_dim(index, e->dim);
	if (fg_index_fastupdate(index))
		fg_pending_append(index, e->x, e->dim, heap_tid);
	else
		fg_insert_vector(index, e->x, e->dim, heap_tid, false, NULL);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return false;
}
