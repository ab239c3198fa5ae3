/*
 * graph_build.c
 *		CREATE INDEX for face_graph: one pass over the table for the
 *		per-dimension range of the (prepared) vectors, which fixes the int8
 *		quantization; a second pass that builds the graph in memory
 *		(graph_memory.c) as long as it fits in maintenance_work_mem, writes
 *		it out, and inserts the rest (the spill) through the ordinary insert
 *		path without WAL; then unreachable nodes are linked and all pages are
 *		WAL-logged at once.
 *
 * Serial build: the second pass reads the table in physical order and
 * decides at each new heap block whether a whole block (at most
 * MaxHeapTuplesPerPage rows) still fits; so the rows of the memory graph are
 * those of the blocks before the spill.
 *
 * Parallel build, when max_parallel_maintenance_workers (and the table's
 * size) allow: the memory graph lives in the parallel context's dynamic
 * shared memory, sized from maintenance_work_mem; the leader and each worker
 * read their share of a parallel table scan and insert into it at once
 * (graph_memory.c documents its locking).  The first process that finds it
 * full writes it out, the others wait for that, and from then on every
 * process inserts its rows through the page path, which is safe under
 * concurrency anyway (see graph.h).  When every row fitted, the leader
 * writes the graph out after the workers are done.
 *
 * Progress goes to pg_stat_progress_create_index (subphase, tuples done /
 * total, counted over all processes).
 */
#include "postgres.h"

#include <float.h>

#include "access/parallel.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "index/graph.h"
#include "type/face_embedding.h"

#define FG_PHASE_RANGE	2
#define FG_PHASE_GRAPH	3
#define FG_PHASE_WRITE	4
#define FG_PHASE_SPILL	5

typedef struct FgBuildState
{
	Relation	index;
	FgMetric	metric;
	int			dim;			/* 0 until the first vector */
	float	   *min;
	float	   *max;
	double	   *sum;
	double		ntuples;
	double		indtuples;
	MemoryContext tmpcxt;
	bool		inserting;		/* pass 2 */
	pg_atomic_uint64 *done;		/* parallel build: rows inserted by all */
	FgMemGraph *mem;			/* the memory graph (this process's handle) */
	bool		in_memory;		/* rows still go to the memory graph */
	bool		parallel;		/* mem is shared with other processes */
	const float *mean;			/* of the data (prepared), NULL if none */
	BlockNumber cur_block;		/* serial: heap block of the last row seen */
} FgBuildState;

/* shared state of a parallel build */
typedef struct FgParallelShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;
	int			dim;
	bool		has_mean;
	pg_atomic_uint64 done;
	float4		mean[FLEXIBLE_ARRAY_MEMBER];	/* dim values */
} FgParallelShared;

#define FG_PARALLEL_KEY_SHARED	UINT64CONST(0xFA7E000000000001)
#define FG_PARALLEL_KEY_SCAN	UINT64CONST(0xFA7E000000000002)
#define FG_PARALLEL_KEY_GRAPH	UINT64CONST(0xFA7E000000000003)

PGDLLEXPORT void fg_parallel_build_main(dsm_segment *seg, shm_toc *toc);

/* the embedding of an index tuple, checked against the dimension seen so far */
static FaceEmbedding *
build_embedding(FgBuildState *st, Datum value)
{
	FaceEmbedding *e = DatumGetFaceEmbedding(value);

	if (st->dim != 0 && e->dim != st->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("face_graph cannot index face_embeddings of different dimensions (%d and %d)",
						st->dim, e->dim)));
	return e;
}

/* pass 1: widen the per-dimension ranges by one (prepared) vector */
static void
add_to_range(FgBuildState *st, FaceEmbedding *e, MemoryContext keep)
{
	float	   *v;

	if (st->dim == 0)
	{
		if (e->dim > FG_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("face_graph indexes at most %d dimensions, got %d",
							FG_MAX_DIM, e->dim)));
		st->min = MemoryContextAlloc(keep, sizeof(float) * e->dim);
		st->max = MemoryContextAlloc(keep, sizeof(float) * e->dim);
		st->sum = MemoryContextAllocZero(keep, sizeof(double) * e->dim);
		for (int i = 0; i < e->dim; i++)
		{
			st->min[i] = FLT_MAX;
			st->max[i] = -FLT_MAX;
		}
		st->dim = e->dim;
	}
	v = palloc(sizeof(float) * e->dim);
	memcpy(v, e->x, sizeof(float) * e->dim);
	if (fg_prepare_vector(st->metric, v, e->dim))
	{
		for (int i = 0; i < e->dim; i++)
		{
			st->min[i] = Min(st->min[i], v[i]);
			st->max[i] = Max(st->max[i], v[i]);
			st->sum[i] += v[i];
		}
		st->ntuples += 1;
	}
}

/* the mean of the prepared vectors (pass 1), prepared; NULL if it has none */
static float *
data_mean(FgBuildState *st)
{
	float	   *mean = palloc(sizeof(float) * st->dim);

	for (int i = 0; i < st->dim; i++)
		mean[i] = (float) (st->sum[i] / st->ntuples);
	if (!fg_prepare_vector(st->metric, mean, st->dim))
		return NULL;
	return mean;
}

/*
 * Write out the memory graph (spilling: because it is full; then the rest
 * of the rows go to pages).  In a parallel build another process may have
 * written it already: then this only waits for that.
 */
static void
write_memory_graph(FgBuildState *st, bool spilling)
{
	MemoryContext old = MemoryContextSwitchTo(st->tmpcxt);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FG_PHASE_WRITE);
	if (fg_mem_write(st->mem, st->index, st->mean) && spilling)
		ereport(NOTICE,
				(errmsg("face_graph graph no longer fits into maintenance_work_mem after %d rows",
						fg_mem_count(st->mem)),
				 errdetail("The remaining rows are inserted on the index pages, which is slower."),
				 errhint("Increase maintenance_work_mem to speed up builds.")));
	st->in_memory = false;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 spilling ? FG_PHASE_SPILL : FG_PHASE_GRAPH);
	MemoryContextSwitchTo(old);
}

/* one more row in the index: progress */
static void
count_row(FgBuildState *st)
{
	st->indtuples += 1;
	if (st->done)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 (int64) pg_atomic_add_fetch_u64(st->done, 1));
	else
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) st->indtuples);
}

/* pass 2: insert one row, into the memory graph while it has room */
static void
insert_row(FgBuildState *st, FaceEmbedding *e, ItemPointer tid)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(tid);

	/* serial: at a new heap block, spill unless all its rows still fit */
	if (st->in_memory && !st->parallel && blkno != st->cur_block)
	{
		st->cur_block = blkno;
		if (fg_mem_count(st->mem) + MaxHeapTuplesPerPage > fg_mem_capacity(st->mem))
			write_memory_graph(st, true);
	}
	if (st->in_memory)
	{
		float	   *vec = palloc(sizeof(float) * e->dim);

		memcpy(vec, e->x, sizeof(float) * e->dim);
		/* a vector the graph cannot hold (zero, cosine) counts, as on pages */
		if (!fg_prepare_vector(st->metric, vec, e->dim) ||
			fg_mem_insert(st->mem, vec, tid))
		{
			count_row(st);
			return;
		}
		/* parallel: the shared graph is full, or another process wrote it */
		write_memory_graph(st, true);
	}
	fg_insert_vector(st->index, e->x, e->dim, tid, true, NULL);
	count_row(st);
}

/* table_index_build_scan callback of both passes (st->inserting tells which) */
static void
build_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	FgBuildState *st = state;
	MemoryContext old;
	FaceEmbedding *e;

	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(st->tmpcxt);
	e = build_embedding(st, values[0]);
	if (st->inserting)
		insert_row(st, e, tid);
	else
		add_to_range(st, e, old);
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->tmpcxt);
}

/* a worker (or the leader's share): insert the rows of its part of the scan */
static void
parallel_insert(shm_toc *toc, Relation heap, Relation index, IndexInfo *indexInfo,
				FgBuildState *st)
{
	FgParallelShared *shared = shm_toc_lookup(toc, FG_PARALLEL_KEY_SHARED, false);
	ParallelTableScanDesc pscan = shm_toc_lookup(toc, FG_PARALLEL_KEY_SCAN, false);
	FgMemArea  *area = shm_toc_lookup(toc, FG_PARALLEL_KEY_GRAPH, false);
	TableScanDesc scan = table_beginscan_parallel(heap, pscan);

	st->done = &shared->done;
	st->mean = shared->has_mean ? shared->mean : NULL;
	st->mem = fg_mem_attach(area, fg_get_shape(index));
	st->in_memory = true;
	st->parallel = true;
	st->inserting = true;
	table_index_build_scan(heap, index, indexInfo, true, false,
						   build_callback, st, scan);
}

void
fg_parallel_build_main(dsm_segment *seg, shm_toc *toc)
{
	FgParallelShared *shared = shm_toc_lookup(toc, FG_PARALLEL_KEY_SHARED, false);
	LOCKMODE	heaplock = shared->isconcurrent ? ShareUpdateExclusiveLock : ShareLock;
	Relation	heap = table_open(shared->heaprelid, heaplock);
	Relation	index = index_open(shared->indexrelid, RowExclusiveLock);
	IndexInfo  *indexInfo = BuildIndexInfo(index);
	FgBuildState st;

	indexInfo->ii_Concurrent = shared->isconcurrent;
	memset(&st, 0, sizeof(st));
	st.index = index;
	st.metric = fg_get_shape(index)->metric;
	st.dim = shared->dim;
	st.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "face_graph build",
									  ALLOCSET_DEFAULT_SIZES);
	parallel_insert(toc, heap, index, indexInfo, &st);
	fg_mem_free(st.mem);
	index_close(index, RowExclusiveLock);
	table_close(heap, heaplock);
}

/*
 * The parallel second pass: the leader and nworkers parallel workers insert
 * into a memory graph of capacity nodes in shared memory, and the rows
 * beyond it on pages; the leader writes the graph out at the end unless
 * somebody did when it became full.  Whether the build spilled.
 */
static bool
build_parallel(Relation heap, Relation index, IndexInfo *indexInfo, FgBuildState *st,
			   int nworkers, int capacity)
{
	const FgShape *shape = fg_get_shape(index);
	ParallelContext *pcxt;
	FgParallelShared *shared;
	ParallelTableScanDesc pscan;
	FgMemArea  *area;
	Size		shared_size = add_size(offsetof(FgParallelShared, mean),
									   sizeof(float4) * st->dim);
	Size		scan_size;
	Size		area_size = fg_mem_area_size(shape, capacity);
	Snapshot	snapshot;
	float	   *mean = data_mean(st);
	bool		spilled;

	EnterParallelMode();
	pcxt = CreateParallelContext("facerec", "fg_parallel_build_main", nworkers);
	/* as nbtree: every row for a plain build, an MVCC snapshot for CONCURRENTLY */
	snapshot = indexInfo->ii_Concurrent ?
		RegisterSnapshot(GetTransactionSnapshot()) : SnapshotAny;
	scan_size = table_parallelscan_estimate(heap, snapshot);
	shm_toc_estimate_chunk(&pcxt->estimator, shared_size);
	shm_toc_estimate_chunk(&pcxt->estimator, scan_size);
	shm_toc_estimate_chunk(&pcxt->estimator, area_size);
	shm_toc_estimate_keys(&pcxt->estimator, 3);
	InitializeParallelDSM(pcxt);

	shared = shm_toc_allocate(pcxt->toc, shared_size);
	shared->heaprelid = RelationGetRelid(heap);
	shared->indexrelid = RelationGetRelid(index);
	shared->isconcurrent = indexInfo->ii_Concurrent;
	shared->dim = st->dim;
	shared->has_mean = mean != NULL;
	if (mean)
		memcpy(shared->mean, mean, sizeof(float4) * st->dim);
	pg_atomic_init_u64(&shared->done, 0);
	shm_toc_insert(pcxt->toc, FG_PARALLEL_KEY_SHARED, shared);
	pscan = shm_toc_allocate(pcxt->toc, scan_size);
	table_parallelscan_initialize(heap, pscan, snapshot);
	shm_toc_insert(pcxt->toc, FG_PARALLEL_KEY_SCAN, pscan);
	area = shm_toc_allocate(pcxt->toc, area_size);
	fg_mem_area_init(area, shape, capacity, true);
	shm_toc_insert(pcxt->toc, FG_PARALLEL_KEY_GRAPH, area);

	LaunchParallelWorkers(pcxt);
	ereport(DEBUG1, (errmsg("face_graph build: %d parallel workers", pcxt->nworkers_launched)));
	parallel_insert(pcxt->toc, heap, index, indexInfo, st);
	WaitForParallelWorkersToFinish(pcxt);
	st->indtuples = (double) pg_atomic_read_u64(&shared->done);
	st->done = NULL;
	/* if nobody wrote the graph out, every row fitted */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FG_PHASE_WRITE);
	spilled = !fg_mem_write(st->mem, index, st->mean);
	fg_mem_free(st->mem);
	st->mem = NULL;

	DestroyParallelContext(pcxt);
	if (IsMVCCSnapshot(snapshot))
		UnregisterSnapshot(snapshot);
	ExitParallelMode();
	return spilled;
}

/* the meta page, written without WAL (the build logs every page at the end) */
static void
write_meta(Relation index, FgBuildState *st, int m, int ef_construction)
{
	Buffer		buf = fg_new_page(index);
	Page		page = BufferGetPage(buf);
	float	   *offsets = NULL;
	float	   *scales = NULL;

	Assert(BufferGetBlockNumber(buf) == FG_METAPAGE_BLKNO);
	if (st->dim > 0 && st->ntuples > 0)
	{
		offsets = palloc(sizeof(float) * st->dim);
		scales = palloc(sizeof(float) * st->dim);
		for (int i = 0; i < st->dim; i++)
		{
			offsets[i] = (st->min[i] + st->max[i]) / 2.0f;
			/* -127..127 spans the range; a constant dimension codes exactly */
			scales[i] = Max((st->max[i] - st->min[i]) / 254.0f, 1e-6f);
		}
	}
	fg_init_page(page, FG_PAGE_META);
	fg_meta_fill(page, st->dim, m, ef_construction, st->metric, offsets, scales);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/*
 * After a spill: move the entry to the node nearest the mean, shorter walks
 * for everyone (the memory graph's entry was, but it may have had no row).
 */
static void
choose_entry(Relation index, FgBuildState *st)
{
	const FgShape *shape = fg_get_shape(index);
	ItemPointerData entry = fg_get_entry(index);
	float	   *mean;
	FgQuery		q;
	FgCandidate *cands;
	int			n;

	if (!ItemPointerIsValid(&entry) || st->ntuples == 0)
		return;
	mean = data_mean(st);
	if (mean == NULL)
		return;
	fg_prepare_query(&q, shape, mean);
	cands = fg_search(index, &q, entry, shape->ef_construction, NULL, &n);
	for (int i = 0; i < n; i++)
	{
		if (!cands[i].deleted)
		{
			fg_set_entry(index, cands[i].tid, true);
			break;
		}
	}
}

/*
 * The second pass: the memory graph (as many rows as maintenance_work_mem
 * holds), written out, and the spill; serial, or in parallel with the
 * workers the planner allows.
 */
static void
build_graph(Relation heap, Relation index, IndexInfo *indexInfo, FgBuildState *st)
{
	const FgShape *shape = fg_get_shape(index);
	double		fit = (double) maintenance_work_mem * 1024.0 / fg_mem_node_bytes(shape);
	/* one heap block of slack: the rows counted by pass 1 then never spill */
	double		want = st->ntuples + MaxHeapTuplesPerPage;
	int			capacity = Max((int) Min(Min(fit, want), (double) (INT_MAX / 2)), 1);
	int			nworkers = plan_create_index_workers(RelationGetRelid(heap),
													 RelationGetRelid(index));
	bool		spilled;

	if (nworkers > 0)
		spilled = build_parallel(heap, index, indexInfo, st, nworkers, capacity);
	else
	{
		st->mem = fg_mem_create(shape, capacity);
		st->mean = data_mean(st);
		st->in_memory = true;
		st->cur_block = InvalidBlockNumber;
		st->inserting = true;
		/* physical order: the memory graph holds the blocks before the spill */
		table_index_build_scan(heap, index, indexInfo, false, true, build_callback, st, NULL);
		spilled = !st->in_memory;
		if (st->in_memory)
			write_memory_graph(st, false);
		fg_mem_free(st->mem);
		st->mem = NULL;
	}
	if (spilled)
		choose_entry(index, st);
}

static FgOptions *
index_options(Relation index, int *m, int *ef_construction)
{
	FgOptions  *opts = (FgOptions *) index->rd_options;

	*m = opts ? opts->m : FG_DEFAULT_M;
	*ef_construction = opts ? opts->ef_construction : FG_DEFAULT_EF_CONSTRUCTION;
	return opts;
}

IndexBuildResult *
fg_ambuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	FgBuildState st;
	int			m,
				ef_construction;
	int32		typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	if (indexInfo->ii_NumIndexKeyAttrs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("face_graph indexes exactly one column")));

	index_options(index, &m, &ef_construction);
	memset(&st, 0, sizeof(st));
	st.index = index;
	st.metric = fg_metric_of(index);
	st.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "face_graph build",
									  ALLOCSET_DEFAULT_SIZES);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FG_PHASE_RANGE);
	table_index_build_scan(heap, index, indexInfo, true, true,
						   build_callback, &st, NULL);
	if (st.dim == 0 && typmod > 0)
		st.dim = typmod;		/* empty table: the column's declared dimension */
	write_meta(index, &st, m, ef_construction);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FG_PHASE_GRAPH);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) st.ntuples);
	if (st.ntuples > 0)
	{
		build_graph(heap, index, indexInfo, &st);
		fg_reconnect(index, fg_get_shape(index), true);
	}

	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);

	MemoryContextDelete(st.tmpcxt);
	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = st.ntuples;
	result->index_tuples = st.indtuples;
	return result;
}

/* the init fork of an unlogged index: just the meta page */
void
fg_ambuildempty(Relation index)
{
	Page		page = (Page) palloc(BLCKSZ);
	int			m,
				ef_construction;
	int32		typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	index_options(index, &m, &ef_construction);
	fg_init_page(page, FG_PAGE_META);
	fg_meta_fill(page, typmod > 0 ? typmod : 0, m, ef_construction, fg_metric_of(index),
				 NULL, NULL);
	PageSetChecksumInplace(page, FG_METAPAGE_BLKNO);
	smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, FG_METAPAGE_BLKNO, (char *) page, true);
	log_newpage(&(RelationGetSmgr(index))->smgr_rnode.node, INIT_FORKNUM,
				FG_METAPAGE_BLKNO, page, true);
	smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
}

char *
fg_ambuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case FG_PHASE_RANGE:
			return "measuring value ranges";
		case FG_PHASE_GRAPH:
			return "building graph in memory";
		case FG_PHASE_WRITE:
			return "writing graph pages";
		case FG_PHASE_SPILL:
			return "inserting the rest on pages";
		default:
			return NULL;
	}
}
