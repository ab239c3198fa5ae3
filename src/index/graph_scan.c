/*
 * graph_scan.c
 *		Ordered scans of a face_graph index: ORDER BY e <-> q (or <=>, <#>).
 *
 * The first call runs a beam search of width facerec.ef_search and returns
 * its beam in the order of a lower bound of each row's exact distance (from
 * the node's code and quantization error, fg_lower_bound), with
 * xs_recheckorderby: the executor recomputes the exact distance from the
 * heap row and re-ranks through its reorder queue, so rows come out in
 * exact distance order and only as many heap rows are read as the bounds
 * require.  When the executor wants more rows (a
 * WHERE filter rejected some), the iterative scan searches again with twice
 * the width, skipping rows already returned, until facerec.max_scan_tuples
 * nodes were considered or the graph is exhausted; so a filtered
 * ORDER BY ... LIMIT k gets k rows whenever enough matching rows are near.
 * Within a batch the order is exact; across batches it is relaxed (a later
 * batch may hold a row nearer than the last of the previous one).  The
 * first batch also holds every vector of the pending list (graph.h), each
 * with a bound from its exact distance; a heap TID found both there and in
 * the graph (a merge ran meanwhile) is returned once.
 */
#include "postgres.h"

#include "access/relscan.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "index/graph.h"
#include "type/face_embedding.h"

/* a row to return and the lower bound of its distance */
typedef struct FgHit
{
	ItemPointerData heaptid;
	double		bound;
} FgHit;

typedef struct FgScanOpaqueData
{
	MemoryContext cxt;			/* reset by rescan */
	bool		started;
	bool		exhausted;		/* the last search saw the whole reachable graph */
	float	   *query;			/* prepared query vector, NULL before rescan */
	bool		null_query;		/* ORDER BY e <-> NULL */
	int			ef;
	FgHit	   *res;			/* the beam's live rows, by bound */
	int			nres;
	int			cap;			/* of res */
	int			pos;
	FgTidSet   *returned;		/* heap TIDs returned so far */
} FgScanOpaqueData;

typedef FgScanOpaqueData *FgScanOpaque;

IndexScanDesc
fg_ambeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	FgScanOpaque so = palloc0(sizeof(FgScanOpaqueData));

	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "face_graph scan",
									ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	/* the distance bounds handed to the executor (see fg_amgettuple) */
	scan->xs_orderbyvals = palloc0(sizeof(Datum) * Max(norderbys, 1));
	scan->xs_orderbynulls = palloc0(sizeof(bool) * Max(norderbys, 1));
	return scan;
}

void
fg_amrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
			int norderbys)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;

	MemoryContextReset(so->cxt);
	so->started = false;
	so->exhausted = false;
	so->query = NULL;
	so->res = NULL;
	so->nres = so->pos = so->cap = 0;
	so->returned = NULL;
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
}

/* the query vector of the ORDER BY key, prepared; NULL query: zero vector */
static float *
scan_query(IndexScanDesc scan, const FgShape *shape)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	float	   *v = palloc0(sizeof(float) * shape->dim);

	if (scan->numberOfOrderBys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("face_graph scans need ORDER BY a distance to a face_embedding")));
	so->null_query = (scan->orderByData[0].sk_flags & SK_ISNULL) != 0;
	if (!so->null_query)
	{
		FaceEmbedding *e = DatumGetFaceEmbedding(scan->orderByData[0].sk_argument);

		if (e->dim != shape->dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("different face_embedding dimensions %d and %d",
							shape->dim, e->dim)));
		memcpy(v, e->x, sizeof(float) * shape->dim);
		fg_prepare_vector(shape->metric, v, shape->dim);
	}
	return v;
}

static int
cmp_hit(const void *a, const void *b)
{
	double		da = ((const FgHit *) a)->bound;
	double		db = ((const FgHit *) b)->bound;

	return (da > db) - (da < db);
}

static void
add_hit(FgScanOpaque so, ItemPointer heaptid, double bound)
{
	if (so->nres == so->cap)
	{
		so->cap = Max(so->cap * 2, 64);
		so->res = so->res ? repalloc(so->res, sizeof(FgHit) * so->cap) :
			palloc(sizeof(FgHit) * so->cap);
	}
	so->res[so->nres].heaptid = *heaptid;
	so->res[so->nres].bound = bound;
	so->nres++;
}

/* a pending vector: its exact distance, as a bound with the kernels' slack */
typedef struct PendingVisit
{
	FgScanOpaque so;
	const FgQuery *q;
	float	   *vec;
} PendingVisit;

static void
visit_pending(void *arg, ItemPointer heaptid, const float *vec)
{
	PendingVisit *pv = (PendingVisit *) arg;
	const FgShape *shape = pv->q->shape;

	memcpy(pv->vec, vec, sizeof(float) * shape->dim);
	if (!fg_prepare_vector(shape->metric, pv->vec, shape->dim))
		return;
	add_hit(pv->so, heaptid,
			fg_lower_bound(pv->q, fg_exact_distance(shape->metric, pv->q->vec, pv->vec,
													 shape->dim), 0.0f));
}

/* the next batch: a beam search of width so->ef, and the first time the pending list */
static void
run_search(IndexScanDesc scan, const FgShape *shape, bool first)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	ItemPointerData entry;
	BlockNumber pending_head = 0;
	FgQuery		q;
	int			ncand = 0;

	/* one look at the meta page; the pending list only the first time */
	fg_read_meta(scan->indexRelation, &entry, first ? &pending_head : NULL, NULL);

	so->nres = so->pos = 0;
	fg_prepare_query(&q, shape, so->query);
	if (ItemPointerIsValid(&entry))
	{
		FgCandidate *cands = fg_search(scan->indexRelation, &q, entry, so->ef, NULL, &ncand);

		for (int i = 0; i < ncand; i++)
		{
			if (!cands[i].deleted)
				add_hit(so, &cands[i].heaptid,
						fg_lower_bound(&q, cands[i].dist, cands[i].err));
		}
		pfree(cands);
	}
	if (pending_head != 0)
	{
		PendingVisit pv = {so, &q, palloc(sizeof(float) * shape->dim)};

		fg_pending_read(scan->indexRelation, shape, pending_head, visit_pending, &pv);
		pfree(pv.vec);
	}
	if (so->nres > 1)
		qsort(so->res, so->nres, sizeof(FgHit), cmp_hit);
	pfree(q.qcode);
	if (ncand < so->ef)
		so->exhausted = true;
}

bool
fg_amgettuple(IndexScanDesc scan, ScanDirection dir)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;
	const FgShape *shape;
	MemoryContext old;
	bool		found = false;

	if (!ScanDirectionIsForward(dir))
		elog(ERROR, "face_graph scans go forward only");

	shape = fg_get_shape(scan->indexRelation);
	if (shape->dim == 0)
		return false;			/* nothing was ever inserted */

	old = MemoryContextSwitchTo(so->cxt);
	if (!so->started)
	{
		so->started = true;
		so->query = scan_query(scan, shape);
		so->ef = Max(fg_ef_search, 1);
		so->returned = fg_tidset_create(so->ef * 2);
		run_search(scan, shape, true);
	}
	for (;;)
	{
		while (so->pos < so->nres)
		{
			FgHit	   *h = &so->res[so->pos++];

			if (!fg_tidset_add(so->returned, &h->heaptid))
				continue;
			scan->xs_heaptid = h->heaptid;
			scan->xs_recheck = false;
			/* a NULL query orders nothing: NULL bound, NULL distance */
			scan->xs_recheckorderby = true;
			scan->xs_orderbyvals[0] = Float8GetDatum(h->bound);
			scan->xs_orderbynulls[0] = so->null_query;
			found = true;
			break;
		}
		if (found || so->exhausted || !fg_iterative_scan ||
			so->ef >= fg_max_scan_tuples)
			break;
		so->ef = Min(so->ef * 2, Max(fg_max_scan_tuples, 1));
		run_search(scan, shape, false);
	}
	MemoryContextSwitchTo(old);
	return found;
}

void
fg_amendscan(IndexScanDesc scan)
{
	FgScanOpaque so = (FgScanOpaque) scan->opaque;

	MemoryContextDelete(so->cxt);
	pfree(so);
	scan->opaque = NULL;
}
