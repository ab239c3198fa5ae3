/*
 * graph_cost.c
 *		Planner costs of face_graph scans.
 *
 * A scan does all its work up front: it evaluates about ef_search * m nodes
 * (beam width times the typical number of new neighbours per expansion),
 * each on some page, then re-ranks the beam.  We hand that node count to
 * genericcostestimate as the number of index tuples visited, so that page
 * and CPU costs scale with it, and make the whole cost a startup cost.  For
 * a small table (up to a few thousand rows) the estimate reaches most of
 * the index, which then costs more than a sequential scan with a top-N
 * sort, so the planner picks the latter.
 * Without an ORDER BY on the distance the index is useless.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

#include "index/graph.h"

void
fg_amcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				  Cost *indexStartupCost, Cost *indexTotalCost,
				  Selectivity *indexSelectivity, double *indexCorrelation,
				  double *indexPages)
{
	GenericCosts costs;
	double		ntuples = path->indexinfo->tuples;
	double		visited;
	Relation	index;
	FgOptions  *opts;
	int			m;

	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = disable_cost;
		*indexTotalCost = disable_cost;
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	/* the index's own m (the planner holds a lock on it already) */
	index = index_open(path->indexinfo->indexoid, NoLock);
	opts = (FgOptions *) index->rd_options;
	m = opts ? opts->m : FG_DEFAULT_M;
	index_close(index, NoLock);

	visited = (double) fg_ef_search * m;
	if (ntuples > 0)
		visited = Min(visited, ntuples);

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = visited;
	genericcostestimate(root, path, loop_count, &costs);

	/*
	 * genericcostestimate charged random_page_cost per page; a search keeps
	 * coming back to the same hot pages near the entry and the query, which
	 * stay in shared buffers, so charge them as sequential reads.
	 */
	costs.indexTotalCost -= costs.numIndexPages * (random_page_cost - seq_page_cost);
	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
