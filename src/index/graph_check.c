/*
 * graph_check.c
 *		facerec_index_check(regclass): walk a face_graph index and report
 *		structural damage, one row per problem (none for a sound index).
 *
 * Checked: the meta page (magic, version, sizes, entry), every page's
 * special space, every node's size, flags, quantization error and link
 * count, and every link:
 * it must point at an existing node of the index, not at a free slot, not
 * at the node itself, and not twice; the pending list: a chain of pending
 * pages from the meta page's head to its tail, as long as the meta page
 * says, holding every pending page, with items of the right size.  Last, every live node must be
 * reachable from the entry (else no scan can return it); a node that an
 * insert running concurrently has not linked yet counts as unreachable, so
 * run the check when no insert is running.  The check holds FG_MERGE_LOCK and
 * FG_UPDATE_LOCK in ShareLock, so it sees no merge of the pending list and
 * no vacuum halfway through a repair.
 */
#include "postgres.h"

#include <float.h>

#include "access/genam.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "index/graph.h"

typedef struct CheckState
{
	Tuplestorestate *store;
	TupleDesc	desc;
	int			nproblems;
} CheckState;

static void
report(CheckState *cs, BlockNumber blkno, OffsetNumber off, const char *fmt,...)
	pg_attribute_printf(4, 5);

static void
report(CheckState *cs, BlockNumber blkno, OffsetNumber off, const char *fmt,...)
{
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	va_list		args;
	char		buf[256];

	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	values[0] = Int64GetDatum((int64) blkno);
	values[1] = Int32GetDatum((int32) off);
	nulls[1] = (off == InvalidOffsetNumber);
	values[2] = CStringGetTextDatum(buf);
	tuplestore_putvalues(cs->store, cs->desc, values, nulls);
	cs->nproblems++;
}

/* the node a link points at, or NULL (with a report) */
static bool
link_target_ok(Relation index, const FgShape *shape, BlockNumber nblocks,
			   ItemPointer link, CheckState *cs, BlockNumber blkno, OffsetNumber off)
{
	BlockNumber tblk = ItemPointerGetBlockNumberNoCheck(link);
	OffsetNumber toff = ItemPointerGetOffsetNumberNoCheck(link);
	Buffer		buf;
	Page		page;
	bool		ok = false;

	if (tblk == FG_METAPAGE_BLKNO || tblk >= nblocks || toff == InvalidOffsetNumber)
	{
		report(cs, blkno, off, "link to (%u,%u) outside the node pages", tblk, toff);
		return false;
	}
	buf = ReadBuffer(index, tblk);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (!fg_page_is_nodes(page) || toff > PageGetMaxOffsetNumber(page))
		report(cs, blkno, off, "link to (%u,%u), which is no node", tblk, toff);
	else
	{
		ItemId		iid = PageGetItemId(page, toff);

		if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) != shape->node_size)
			report(cs, blkno, off, "link to (%u,%u), a damaged item", tblk, toff);
		else if (((FgNode) PageGetItem(page, iid))->flags & FG_NODE_FREE)
			report(cs, blkno, off, "link to (%u,%u), a free slot", tblk, toff);
		else
			ok = true;
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

static void
check_node(Relation index, const FgShape *shape, BlockNumber nblocks, FgNode node,
		   BlockNumber blkno, OffsetNumber off, CheckState *cs)
{
	ItemPointerData links[2 * FG_MAX_M];
	ItemPointerData self;

	if (node->flags & ~(FG_NODE_DELETED | FG_NODE_FREE))
		report(cs, blkno, off, "unknown node flags 0x%x", node->flags);
	if (node->flags & FG_NODE_FREE)
	{
		if (node->nlinks != 0)
			report(cs, blkno, off, "free slot with %d links", node->nlinks);
		return;
	}
	if (!ItemPointerIsValid(&node->heaptid))
		report(cs, blkno, off, "node without a heap row");
	/* the scans' distance bounds rest on err */
	if (!(node->err >= 0.0f && node->err < FLT_MAX))
		report(cs, blkno, off, "quantization error %g is not a length", node->err);
	if (node->nlinks > shape->max_links)
	{
		report(cs, blkno, off, "%d links, more than the %d allowed",
			   node->nlinks, shape->max_links);
		return;
	}
	fg_node_get_links(node, shape->max_links, links);
	ItemPointerSet(&self, blkno, off);
	for (int i = 0; i < node->nlinks; i++)
	{
		if (ItemPointerEquals(&links[i], &self))
			report(cs, blkno, off, "links to itself");
		for (int j = 0; j < i; j++)
		{
			if (ItemPointerEquals(&links[i], &links[j]))
				report(cs, blkno, off, "links twice to (%u,%u)",
					   ItemPointerGetBlockNumberNoCheck(&links[i]),
					   ItemPointerGetOffsetNumberNoCheck(&links[i]));
		}
		link_target_ok(index, shape, nblocks, &links[i], cs, blkno, off);
	}
}

/* the chain of pending pages; npending: pending pages the index holds */
static void
check_pending(Relation index, const FgShape *shape, BlockNumber nblocks,
			  const FgMetaPageData *meta, uint32 npending, CheckState *cs)
{
	BlockNumber blkno = meta->pending_head;
	BlockNumber last = 0;
	uint32		length = 0;

	while (blkno != 0)
	{
		Buffer		buf;
		Page		page;
		bool		pending;

		if (blkno >= nblocks || length >= npending)
		{
			report(cs, last, InvalidOffsetNumber,
				   "pending list leads to block %u: outside the index or around a loop", blkno);
			return;
		}
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		pending = fg_page_is_pending(page);
		if (pending)
		{
			for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
			{
				ItemId		iid = PageGetItemId(page, off);
				FgPendingItem item = (FgPendingItem) PageGetItem(page, iid);

				if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) != FgPendingItemSize(shape->dim))
					report(cs, blkno, off, "item is not a pending vector of %zu bytes",
						   FgPendingItemSize(shape->dim));
				else if (!ItemPointerIsValid(&item->heaptid) ||
						 (item->flags & ~FG_PENDING_MERGED) != 0)
					report(cs, blkno, off, "pending item with flags 0x%x, heap TID (%u,%u)",
						   item->flags, ItemPointerGetBlockNumberNoCheck(&item->heaptid),
						   ItemPointerGetOffsetNumberNoCheck(&item->heaptid));
			}
		}
		last = blkno;
		blkno = FgPageGetOpaque(page)->next;
		UnlockReleaseBuffer(buf);
		if (!pending)
		{
			report(cs, last, InvalidOffsetNumber, "in the pending list but not a pending page");
			return;
		}
		length++;
	}
	if (last != meta->pending_tail)
		report(cs, 0, InvalidOffsetNumber, "pending list ends at block %u, its tail is %u",
			   last, meta->pending_tail);
	if (length != meta->pending_pages || length != npending)
		report(cs, 0, InvalidOffsetNumber,
			   "pending list of %u pages, the meta page says %u, the index holds %u",
			   length, meta->pending_pages, npending);
}

static void
check_index(Relation index, CheckState *cs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	const FgShape *shape;
	ItemPointerData entry;
	Buffer		buf;
	FgMetaPageData *meta;
	FgMetaPageData list;		/* the meta page's pending list fields */
	uint32		npending = 0;

	if (nblocks == 0)
	{
		report(cs, 0, InvalidOffsetNumber, "index has no meta page");
		return;
	}
	buf = ReadBuffer(index, FG_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = FgPageGetMeta(BufferGetPage(buf));
	if (meta->magic != FG_MAGIC || meta->version != FG_VERSION)
	{
		report(cs, 0, InvalidOffsetNumber, "bad meta page magic 0x%x or version %u",
			   meta->magic, meta->version);
		UnlockReleaseBuffer(buf);
		return;
	}
	if (meta->dim < 0 || meta->dim > FG_MAX_DIM || meta->m < 2 || meta->m > FG_MAX_M ||
		meta->metric < FG_METRIC_L2 || meta->metric > FG_METRIC_IP)
	{
		report(cs, 0, InvalidOffsetNumber, "bad meta page: dim %d, m %d, metric %d",
			   meta->dim, meta->m, meta->metric);
		UnlockReleaseBuffer(buf);
		return;
	}
	entry = meta->entry;
	list = *meta;
	UnlockReleaseBuffer(buf);

	shape = fg_get_shape(index);
	if (ItemPointerIsValid(&entry))
		link_target_ok(index, shape, nblocks, &entry, cs, 0, InvalidOffsetNumber);
	else if (nblocks > FG_METAPAGE_BLKNO + 1 && shape->dim > 0)
	{
		/* no entry is only right when there is no node */
		for (BlockNumber blkno = 1; blkno < nblocks; blkno++)
		{
			Page		page;
			bool		has_node = false;

			buf = ReadBuffer(index, blkno);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			if (fg_page_is_nodes(page))
			{
				for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
				{
					ItemId		iid = PageGetItemId(page, off);

					if (ItemIdIsNormal(iid) &&
						!(((FgNode) PageGetItem(page, iid))->flags & FG_NODE_FREE))
						has_node = true;
				}
			}
			UnlockReleaseBuffer(buf);
			if (has_node)
			{
				report(cs, 0, InvalidOffsetNumber, "no entry node, but nodes exist");
				break;
			}
		}
	}

	for (BlockNumber blkno = FG_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Page		page;
		char	   *copy = palloc(BLCKSZ);

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		memcpy(copy, BufferGetPage(buf), BLCKSZ);
		UnlockReleaseBuffer(buf);
		page = (Page) copy;

		if (PageIsNew(page))
			continue;			/* an extension that crashed before its first node */
		if (fg_page_is_pending(page))
		{
			npending++;
			pfree(copy);
			continue;
		}
		if (!fg_page_is_nodes(page))
		{
			report(cs, blkno, InvalidOffsetNumber, "not a node page");
			pfree(copy);
			continue;
		}
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			ItemId		iid = PageGetItemId(page, off);

			if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) != shape->node_size)
			{
				report(cs, blkno, off, "item is not a node of %zu bytes", shape->node_size);
				continue;
			}
			check_node(index, shape, nblocks, (FgNode) PageGetItem(page, iid), blkno, off, cs);
		}
		pfree(copy);
	}

	if (shape->dim > 0)
		check_pending(index, shape, nblocks, &list, npending, cs);

	/* every live node must be reachable from the entry */
	if (cs->nproblems == 0 && shape->dim > 0)
	{
		FgReach    *r = fg_reach_load(index, shape);

		fg_reach_mark(r, &entry);
		for (int i = 0; i < r->n; i++)
		{
			if (!r->reached[i] && !r->deleted[i])
				report(cs, ItemPointerGetBlockNumber(&r->tids[i]),
					   ItemPointerGetOffsetNumber(&r->tids[i]),
					   "live node unreachable from the entry");
		}
	}
}

PG_FUNCTION_INFO_V1(facerec_index_check);
Datum
facerec_index_check(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	index;
	CheckState	cs;

	InitMaterializedSRF(fcinfo, 0);
	cs.store = rsinfo->setResult;
	cs.desc = rsinfo->setDesc;
	cs.nproblems = 0;

	index = fg_open_index(indexoid, AccessShareLock);
	/*
	 * No merge and no vacuum repair halfway; in the order a merge takes the
	 * two locks (the merge lock, then the update lock for each insert)
	 */
	LockPage(index, FG_MERGE_LOCK, ShareLock);
	LockPage(index, FG_UPDATE_LOCK, ShareLock);
	check_index(index, &cs);
	UnlockPage(index, FG_UPDATE_LOCK, ShareLock);
	UnlockPage(index, FG_MERGE_LOCK, ShareLock);
	index_close(index, AccessShareLock);
	return (Datum) 0;
}
