/*
 * graph_handler.c
 *		The face_graph access method's handler, its reloptions (m,
 *		ef_construction, fastupdate) and the facerec.* GUCs of the index.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/reloptions.h"
#include "commands/vacuum.h"
#include "utils/rel.h"
#include "utils/guc.h"

#include "index/graph.h"

int			fg_ef_search = FG_DEFAULT_EF_SEARCH;
bool		fg_iterative_scan = true;
int			fg_max_scan_tuples = 20000;
int			fg_pending_list_limit = 1024;	/* kB */

static relopt_kind fg_relopt_kind;

/* called once per backend from _PG_init */
void
index_init(void)
{
	fg_relopt_kind = add_reloption_kind();
	add_int_reloption(fg_relopt_kind, "m",
					  "Graph degree: each node keeps up to 2 * m links",
					  FG_DEFAULT_M, 2, FG_MAX_M, AccessExclusiveLock);
	add_int_reloption(fg_relopt_kind, "ef_construction",
					  "Beam width of the searches that pick a new node's links",
					  FG_DEFAULT_EF_CONSTRUCTION, 4, 1000, AccessExclusiveLock);
	add_bool_reloption(fg_relopt_kind, "fastupdate",
					   "Single-row inserts go to a pending list that scans read exactly and merges move into the graph",
					   false, ShareUpdateExclusiveLock);

	DefineCustomIntVariable("facerec.ef_search",
							"Beam width of face_graph index searches.",
							"Larger finds more of the true nearest neighbours, slower.",
							&fg_ef_search, FG_DEFAULT_EF_SEARCH, 1, FG_MAX_EF_SEARCH,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("facerec.iterative_scan",
							 "Let face_graph scans widen their search when a filter rejects rows.",
							 NULL, &fg_iterative_scan, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("facerec.max_scan_tuples",
							"Upper bound on the beam width an iterative face_graph scan widens to.",
							NULL, &fg_max_scan_tuples, 20000, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("facerec.pending_list_limit",
							"Size of a face_graph index's pending list beyond which an insert merges it into the graph.",
							NULL, &fg_pending_list_limit, 1024, 64, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	MarkGUCPrefixReserved("facerec");
}

static bytea *
fg_amoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(FgOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(FgOptions, ef_construction)},
		{"fastupdate", RELOPT_TYPE_BOOL, offsetof(FgOptions, fastupdate)},
	};

	return (bytea *) build_reloptions(reloptions, validate, fg_relopt_kind,
									  sizeof(FgOptions), tab, lengthof(tab));
}

/* does this index take single-row inserts into its pending list? */
bool
fg_index_fastupdate(Relation index)
{
	FgOptions  *opts = (FgOptions *) index->rd_options;

	return opts ? opts->fastupdate : false;
}

/* open a face_graph index for one of the SQL functions on it */
Relation
fg_open_index(Oid indexoid, LOCKMODE lockmode)
{
	Relation	index = index_open(indexoid, lockmode);

	if (index->rd_rel->relkind != RELKIND_INDEX ||
		index->rd_indam == NULL || index->rd_indam->ambuild != fg_ambuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a face_graph index", RelationGetRelationName(index))));
	if (RELATION_IS_OTHER_TEMP(index))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot access temporary indexes of other sessions")));
	return index;
}

PG_FUNCTION_INFO_V1(face_graph_handler);
Datum
face_graph_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *am = makeNode(IndexAmRoutine);

	am->amstrategies = 0;
	am->amsupport = 1;
	am->amoptsprocnum = 0;
	am->amcanorder = false;
	am->amcanorderbyop = true;
	am->amcanbackward = false;
	am->amcanunique = false;
	am->amcanmulticol = false;
	am->amoptionalkey = true;
	am->amsearcharray = false;
	am->amsearchnulls = false;
	am->amstorage = false;
	am->amclusterable = false;
	am->ampredlocks = false;
	am->amcanparallel = false;
	am->amcaninclude = false;
	am->amusemaintenanceworkmem = false;
	am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	am->amkeytype = InvalidOid;

	am->ambuild = fg_ambuild;
	am->ambuildempty = fg_ambuildempty;
	am->aminsert = fg_aminsert;
	am->ambulkdelete = fg_ambulkdelete;
	am->amvacuumcleanup = fg_amvacuumcleanup;
	am->amcanreturn = NULL;
	am->amcostestimate = fg_amcostestimate;
	am->amoptions = fg_amoptions;
	am->amproperty = NULL;
	am->ambuildphasename = fg_ambuildphasename;
	am->amvalidate = fg_amvalidate;
	am->amadjustmembers = NULL;
	am->ambeginscan = fg_ambeginscan;
	am->amrescan = fg_amrescan;
	am->amgettuple = fg_amgettuple;
	am->amgetbitmap = NULL;
	am->amendscan = fg_amendscan;
	am->ammarkpos = NULL;
	am->amrestrpos = NULL;
	am->amestimateparallelscan = NULL;
	am->aminitparallelscan = NULL;
	am->amparallelrescan = NULL;

	PG_RETURN_POINTER(am);
}
