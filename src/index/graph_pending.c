/*
 * graph_pending.c
 *		The pending list of a face_graph index (fastupdate): a single-row
 *		insert appends its vector here instead of walking the graph; scans
 *		read the list exactly; merges move it into the graph in batches.
 *		Layout, locking and WAL of the list: graph.h, "Pending list".
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/xlog.h"
#include "miscadmin.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "index/graph.h"

static void
pending_corrupted(Relation index, BlockNumber blkno)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("block %u of face_graph index \"%s\" is in the pending list but is not a pending page",
					blkno, RelationGetRelationName(index))));
}

/* item off of a pending page, checked to be a vector of this index */
static FgPendingItem
pending_item(Relation index, Page page, BlockNumber blkno, OffsetNumber off, Size size)
{
	ItemId		iid = PageGetItemId(page, off);

	if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) != size)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("pending item (%u,%u) of face_graph index \"%s\" is not a vector of %zu bytes",
						blkno, off, RelationGetRelationName(index), size)));
	return (FgPendingItem) PageGetItem(page, iid);
}

/*
 * Append one vector as inserted; then, if the list outgrew
 * facerec.pending_list_limit, merge it (unless another backend already is).
 */
void
fg_pending_append(Relation index, const float *vec, int dim, ItemPointer heaptid)
{
	const FgShape *shape = fg_get_shape(index);
	Size		size = FgPendingItemSize(dim);
	FgPendingItem item;
	float	   *prepared;
	Buffer		metabuf;
	Buffer		tailbuf = InvalidBuffer;
	Buffer		newbuf = InvalidBuffer;
	FgMetaPageData *meta;
	FgEdit		edit;
	Page		page;
	uint32		npages;

	fg_check_dim(index, shape, dim);
	/* a vector the graph could not hold (a zero vector under cosine) */
	prepared = palloc(sizeof(float) * dim);
	memcpy(prepared, vec, sizeof(float) * dim);
	if (!fg_prepare_vector(shape->metric, prepared, dim))
		return;
	item = palloc0(size);
	item->heaptid = *heaptid;
	memcpy(item->vec, vec, sizeof(float) * dim);

	metabuf = ReadBuffer(index, FG_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = FgPageGetMeta(BufferGetPage(metabuf));
	if (meta->pending_tail != 0)
	{
		tailbuf = ReadBuffer(index, meta->pending_tail);
		LockBuffer(tailbuf, BUFFER_LOCK_EXCLUSIVE);
		if (!fg_page_is_pending(BufferGetPage(tailbuf)))
			pending_corrupted(index, meta->pending_tail);
	}
	if (!BufferIsValid(tailbuf) || PageGetFreeSpace(BufferGetPage(tailbuf)) < MAXALIGN(size))
		newbuf = fg_new_page(index);

	fg_edit_begin(&edit, index, false);
	meta = FgPageGetMeta(fg_edit_page(&edit, metabuf, false));
	if (BufferIsValid(newbuf))
	{
		BlockNumber blkno = BufferGetBlockNumber(newbuf);

		page = fg_edit_page(&edit, newbuf, true);
		fg_init_page(page, FG_PAGE_PENDING);
		if (BufferIsValid(tailbuf))
			FgPageGetOpaque(fg_edit_page(&edit, tailbuf, false))->next = blkno;
		else
			meta->pending_head = blkno;
		meta->pending_tail = blkno;
		meta->pending_pages++;
	}
	else
		page = fg_edit_page(&edit, tailbuf, false);
	if (PageAddItem(page, (Item) item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
		elog(ERROR, "failed to add a pending item to face_graph index \"%s\"",
			 RelationGetRelationName(index));
	npages = meta->pending_pages;
	fg_edit_finish(&edit);

	if (BufferIsValid(newbuf))
		UnlockReleaseBuffer(newbuf);
	if (BufferIsValid(tailbuf))
		UnlockReleaseBuffer(tailbuf);
	UnlockReleaseBuffer(metabuf);
	pfree(item);
	pfree(prepared);

	if ((uint64) npages * (BLCKSZ / 1024) > (uint64) fg_pending_list_limit)
		fg_pending_merge(index, false, NULL, NULL, NULL);
}

/*
 * Call visit for every vector of the list that is not in the graph yet,
 * from head (as the caller read it from the meta page).  A vector may be
 * visited twice (when a merge overtakes the walk, the walk restarts from
 * the head): callers drop repeated heap TIDs.
 */
void
fg_pending_read(Relation index, const FgShape *shape, BlockNumber head,
				FgPendingVisit visit, void *arg)
{
	Size		size = FgPendingItemSize(shape->dim);
	char	   *items = palloc(BLCKSZ);
	BlockNumber blkno;
	BlockNumber lost = 0;		/* the last page found out of the list */
	BlockNumber lost_head = 0;	/* and the head then */

	blkno = head;
	while (blkno != 0)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;
		int			n = 0;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!fg_page_is_pending(page))
		{
			UnlockReleaseBuffer(buf);
			/* merged meanwhile, unless the list still leads here */
			if (lost == blkno && lost_head == head)
				pending_corrupted(index, blkno);
			lost = blkno;
			lost_head = head;
			fg_read_meta(index, NULL, &head, NULL);
			blkno = head;
			continue;
		}
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			FgPendingItem item = pending_item(index, page, blkno, off, size);

			if (item->flags & FG_PENDING_MERGED)
				continue;
			memcpy(items + n++ * size, item, size);
		}
		next = FgPageGetOpaque(page)->next;
		UnlockReleaseBuffer(buf);
		for (int i = 0; i < n; i++)
		{
			FgPendingItem item = (FgPendingItem) (items + i * size);

			visit(arg, &item->heaptid, item->vec);
		}
		blkno = next;
	}
	pfree(items);
}

/*
 * Merge the head page blkno into the graph and take it off the list.  Items
 * appended to it meanwhile (it may be the tail) are merged before it goes.
 */
static int64
merge_page(Relation index, const FgShape *shape, BlockNumber blkno,
		   IndexBulkDeleteCallback dead, void *dead_state,
		   IndexBulkDeleteResult *stats, MemoryContext cxt)
{
	Size		size = FgPendingItemSize(shape->dim);
	char	   *items = palloc(BLCKSZ);
	OffsetNumber done = InvalidOffsetNumber;
	int64		merged = 0;

	for (;;)
	{
		Buffer		metabuf;
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;
		OffsetNumber maxoff;
		FgMetaPageData *meta;
		FgEdit		edit;
		BlockNumber next;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!fg_page_is_pending(page))
			pending_corrupted(index, blkno);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = done + 1; off <= maxoff; off++)
			memcpy(items + (off - done - 1) * size,
				   pending_item(index, page, blkno, off, size), size);
		UnlockReleaseBuffer(buf);

		for (OffsetNumber off = done + 1; off <= maxoff; off++)
		{
			FgPendingItem item = (FgPendingItem) (items + (off - done - 1) * size);
			FgPendingRef from = {blkno, off};
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			if (item->flags & FG_PENDING_MERGED)
				continue;		/* a merge before a crash placed it */
			if (dead != NULL && dead(&item->heaptid, dead_state))
			{
				if (stats)
					stats->tuples_removed += 1;
				continue;
			}
			old = MemoryContextSwitchTo(cxt);
			fg_insert_vector(index, item->vec, shape->dim, &item->heaptid, false, &from);
			MemoryContextSwitchTo(old);
			MemoryContextReset(cxt);
			merged++;
		}
		done = maxoff;

		/* the meta page first: no append runs while the page leaves */
		metabuf = ReadBuffer(index, FG_METAPAGE_BLKNO);
		LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (PageGetMaxOffsetNumber(page) > done)
		{
			UnlockReleaseBuffer(buf);
			UnlockReleaseBuffer(metabuf);
			continue;
		}
		meta = FgPageGetMeta(BufferGetPage(metabuf));
		if (meta->pending_head != blkno)
			pending_corrupted(index, blkno);
		next = FgPageGetOpaque(page)->next;

		fg_edit_begin(&edit, index, false);
		meta = FgPageGetMeta(fg_edit_page(&edit, metabuf, false));
		meta->pending_head = next;
		if (next == 0)
			meta->pending_tail = 0;
		meta->pending_pages--;
		fg_init_page(fg_edit_page(&edit, buf, true), FG_PAGE_NODES);
		fg_edit_finish(&edit);
		UnlockReleaseBuffer(buf);
		UnlockReleaseBuffer(metabuf);
		RecordFreeIndexPage(index, blkno);
		break;
	}
	pfree(items);
	return merged;
}

/*
 * Merge the pages the list has now into the graph, head first; returns the
 * number of vectors placed.  wait: wait for a merge running in another
 * backend (VACUUM, facerec_index_flush) rather than leave the work to it.
 * dead: vectors of heap rows it reports dead are dropped, not merged
 * (counted in stats).
 */
int64
fg_pending_merge(Relation index, bool wait, IndexBulkDeleteCallback dead,
				 void *dead_state, IndexBulkDeleteResult *stats)
{
	const FgShape *shape = fg_get_shape(index);
	MemoryContext cxt;
	BlockNumber head;
	uint32		npages;
	int64		merged = 0;

	if (wait)
		LockPage(index, FG_MERGE_LOCK, ExclusiveLock);
	else if (!ConditionalLockPage(index, FG_MERGE_LOCK, ExclusiveLock))
		return 0;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "face_graph merge",
								ALLOCSET_DEFAULT_SIZES);
	/* the pages of now, not those that appends add meanwhile */
	fg_read_meta(index, NULL, &head, &npages);
	for (uint32 i = 0; i < npages && head != 0; i++)
	{
		merged += merge_page(index, shape, head, dead, dead_state, stats, cxt);
		fg_read_meta(index, NULL, &head, NULL);
	}
	MemoryContextDelete(cxt);
	UnlockPage(index, FG_MERGE_LOCK, ExclusiveLock);
	return merged;
}

PG_FUNCTION_INFO_V1(facerec_index_flush);
Datum
facerec_index_flush(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	Relation	index;
	int64		merged;

	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("recovery is in progress"),
				 errhint("A face_graph pending list cannot be merged during recovery.")));
	index = fg_open_index(indexoid, RowExclusiveLock);
	if (!pg_class_ownercheck(indexoid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_INDEX, RelationGetRelationName(index));
	merged = fg_get_shape(index)->dim > 0 ?
		fg_pending_merge(index, true, NULL, NULL, NULL) : 0;
	index_close(index, RowExclusiveLock);
	PG_RETURN_INT64(merged);
}
