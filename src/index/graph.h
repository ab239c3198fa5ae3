/*
 * graph.h
 *		The face_graph index access method: page layout, locking, WAL, and the
 *		interfaces between the files of src/index/.  This header is the only
 *		door into src/index/.
 *
 * Algorithm
 *		A single-layer proximity graph (Vamana / DiskANN style) rather than
 *		HNSW's layer stack: every node keeps up to R = 2 * m out-links chosen
 *		by the robust-prune rule with alpha = FG_ALPHA > 1, which keeps some
 *		long edges and so makes the upper layers unnecessary; a search is a
 *		beam search of width ef from one entry node (built near the data's
 *		mean).  One layer means one link list per node, no level draws, and
 *		fewer pages touched per search.
 *
 *		The beam search compares the float query with int8 codes of the
 *		nodes (per-dimension offset and scale fixed at build time, kept in the
 *		meta page); a traversal step reads 128 code bytes per neighbour.  The
 *		exact vector is not stored in the index: each node keeps the length of
 *		its quantization error, err = |x - decode(code)|, from which a scan
 *		computes a rigorous lower bound of the exact distance (triangle
 *		inequality, see fg_lower_bound) and hands it to the executor with
 *		xs_recheckorderby: the executor re-ranks with exact distances from the
 *		heap rows.  Link choices (pruning) use the decoded codes.
 *
 * Page layout
 *		Block 0 is the meta page (FgMetaPageData in the page contents).  Every
 *		other block is a pending page (below) or a node page: standard page
 *		header, line pointers, and
 *		fixed-size node tuples (all of one index have the same size), with
 *		FgPageOpaqueData in the special space.  A node tuple is
 *
 *			FgNodeData header (heap TID, flags, link count, err)   16 bytes
 *			FgLink links[R]                (index TIDs of the out-neighbours)
 *			int8 code[dim]                 (quantized vector)
 *
 *		so 16 + 4 R + dim bytes: 272 for m = 16 and 128 dimensions, 29 nodes
 *		per 8 kB page (about 282 bytes per face).  A link packs a node's block
 *		number (24 bits) and offset (8 bits) into 4 bytes: an index holds at
 *		most 2^24 - 1 blocks (128 GB, hundreds of millions of faces), and no
 *		page holds more than 255 nodes (the smallest node, 4 links and one
 *		dimension, takes 44 bytes with its line pointer; fg_shape_compute
 *		checks it).  Link 0 is no link (block 0 is the meta page).
 *
 *		Tuples are updated in place (links, flags); a node is never moved, so
 *		its index TID is its identity.  Vacuum turns dead nodes into FREE
 *		slots that later inserts reuse (their pages are recorded in the FSM).
 *
 * Locking
 *		Buffer locks: at most one node page is locked at a time, except that
 *		the meta page may be locked first and then one node page (only when
 *		the first node becomes the entry).  Neighbour link lists are updated
 *		optimistically: read under a share lock, compute, relock exclusive and
 *		write only if the list did not change meanwhile (else retry).
 *		A heavyweight lock on the meta block number (FG_UPDATE_LOCK), taken in
 *		ShareLock by every insert and by the check function, and in
 *		ExclusiveLock by vacuum while it repairs links and frees dead nodes,
 *		guarantees that no insert links to a node while it is being freed.
 *		Scans take no heavyweight lock: a slot reused under a scan only makes
 *		that scan's graph walk slightly worse; a node's heap TID, code and
 *		err are always read together under one buffer lock, so a returned
 *		distance bound belongs to the returned row.  Returned TIDs are checked
 *		against the scan's MVCC snapshot by the executor as usual, which also
 *		recomputes the exact distance from the heap row.
 *
 * Build
 *		The graph is built in memory (graph_memory.c) with the exact vectors
 *		as long as it fits in maintenance_work_mem, by the leader alone or,
 *		in dynamic shared memory, by the leader and parallel workers at once;
 *		it is written out in breadth-first order from the node nearest the
 *		data's mean; the rows beyond that go through the insert path (the
 *		spill; graph_build.c).
 *
 * Pending list (fastupdate, off by default)
 *		A single-row insert does not walk the graph: it appends the raw vector
 *		and heap TID to the pending list, a chain of pending pages (special
 *		space flag FG_PAGE_PENDING, next block in FgPageOpaqueData.next, 0 at
 *		the end) whose head, tail and length are in the meta page.  Scans read
 *		every pending vector exactly and return it among the graph's beam, by
 *		a bound computed from the exact distance.  The list is merged into the
 *		graph, page by page from its head, by the insert that makes it longer
 *		than facerec.pending_list_limit, by VACUUM (before it deletes, so no
 *		pending entry outlives its heap row), and by facerec_index_flush().
 *		Only one backend merges at a time (FG_MERGE_LOCK, a heavyweight lock,
 *		taken before FG_UPDATE_LOCK whenever both are held).
 *		The merge places each node in the same WAL record that flags its
 *		pending item MERGED (graph_insert.c), so a crash never leaves a vector
 *		both unflagged and in the graph; scans skip flagged items and drop a
 *		heap TID seen twice.  A merged page leaves the list in one WAL record
 *		with the meta page and becomes an empty node page in the FSM; it is
 *		never a pending page again, so a scan that reaches a page that is no
 *		longer pending knows the merge overtook it and restarts from the head.
 *		Appends hold the meta page's buffer lock exclusively, then lock the
 *		tail page (and a new page): the meta page, then pending pages in list
 *		order; the merge locks a node page, then the pending page of the item.
 *
 * WAL
 *		Every page change after the build goes through GenericXLog.  The build
 *		writes pages without WAL and logs them all at the end with
 *		log_newpage_range() (FgEdit hides the difference).
 */
#ifndef FACEREC_INDEX_GRAPH_H
#define FACEREC_INDEX_GRAPH_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "utils/relcache.h"

#define FG_MAGIC			0x46524731	/* "FRG1" */
#define FG_VERSION			3	/* 3: pending list; 2: 4-byte links, err */
#define FG_METAPAGE_BLKNO	0
/* heavyweight lock tags (LockPage), not pages */
#define FG_UPDATE_LOCK		FG_METAPAGE_BLKNO
#define FG_MERGE_LOCK		(FG_METAPAGE_BLKNO + 1)
#define FG_MAX_DIM			960		/* offsets and scales must fit the meta page */

#define FG_DEFAULT_M		16
#define FG_MAX_M			100	/* reloption bound: at most 200 links */
#define FG_DEFAULT_EF_CONSTRUCTION	64
/*
 * The default search breadth: wide enough for 0.99 of the true neighbours
 * closer than the match threshold on 1M facegen faces, where the ten
 * nearest strangers of an unknown face are near ties (0.48-0.51), so that
 * match recall is recall@10.  bench/index_bench.sh 1000000 (alpha 1.1,
 * parallel build): ef 600 / 1000 / 1500 gave match recall 0.973 / 0.987 /
 * 0.992.  On 100k faces 300 already gives 0.99 (README "Index:
 * face_graph").
 */
#define FG_DEFAULT_EF_SEARCH		1500
#define FG_MAX_EF_SEARCH			10000	/* GUC bound */
/*
 * Robust prune keeps a candidate unless a kept link is alpha times closer to
 * it.  1.1 rather than DiskANN's 1.2: on facegen faces (serial builds, same
 * ef_search) recall@10 rose from 0.952 to 0.960 at 100k (ef 125) and from
 * 0.968 to 0.974 at 300k (ef 300), for 2-3% more nodes visited; 1.0 was as
 * good at 100k, 1.4 and 0.9 worse.
 */
#define FG_ALPHA			1.1f

/* metric of the graph, from the opclass's distance function */
typedef enum FgMetric
{
	FG_METRIC_L2 = 1,			/* <->  */
	FG_METRIC_COSINE = 2,		/* <=>: vectors stored normalized, walked by L2 */
	FG_METRIC_IP = 3			/* <#>  */
} FgMetric;

/* reloptions */
typedef struct FgOptions
{
	int32		vl_len_;
	int			m;
	int			ef_construction;
	bool		fastupdate;		/* inserts go to the pending list */
} FgOptions;

/* meta page contents (block 0) */
typedef struct FgMetaPageData
{
	uint32		magic;
	uint32		version;
	int32		dim;			/* 0 until the build saw the first vector */
	int32		m;
	int32		ef_construction;
	int32		metric;			/* FgMetric */
	ItemPointerData entry;		/* invalid when the graph is empty */
	uint16		pad;
	BlockNumber pending_head;	/* first pending page, 0: the list is empty */
	BlockNumber pending_tail;	/* last pending page, 0: the list is empty */
	uint32		pending_pages;	/* pages in the list */
	/* code = round((x - offset) / scale), clamped to -127..127 */
	float4		offset[FLEXIBLE_ARRAY_MEMBER];	/* dim values, then dim scales */
} FgMetaPageData;

#define FgPageGetMeta(page) ((FgMetaPageData *) PageGetContents(page))
#define FgMetaScales(meta)	((meta)->offset + (meta)->dim)

/* special space of every page but the meta page's contents */
typedef struct FgPageOpaqueData
{
	uint16		flags;
	uint16		page_id;		/* FG_PAGE_ID: tells our pages from others */
	BlockNumber next;			/* pending pages: the next one, 0 at the end */
} FgPageOpaqueData;

#define FG_PAGE_META	0x0001
#define FG_PAGE_NODES	0x0002
#define FG_PAGE_PENDING	0x0004
#define FG_PAGE_ID		0xFA7E
#define FgPageGetOpaque(page) ((FgPageOpaqueData *) PageGetSpecialPointer(page))

/* node tuple header; links and code follow (see above) */
typedef struct FgNodeData
{
	ItemPointerData heaptid;
	uint8		flags;
	uint8		unused;
	uint16		nlinks;
	uint16		unused2;
	float4		err;			/* |x - decode(code)|, x as prepared */
} FgNodeData;

/* a link: block << 8 | offset; 0 = none */
typedef uint32 FgLink;

#define FG_LINK_MAX_BLOCK	((BlockNumber) 0xFFFFFF)
#define FG_LINK_MAX_OFFSET	255

typedef FgNodeData *FgNode;

/* an item of a pending page: a vector as inserted (not prepared) */
typedef struct FgPendingItemData
{
	ItemPointerData heaptid;
	uint16		flags;			/* FG_PENDING_MERGED */
	float4		vec[FLEXIBLE_ARRAY_MEMBER];
} FgPendingItemData;

typedef FgPendingItemData *FgPendingItem;

#define FG_PENDING_MERGED	0x01	/* the vector is in the graph now */
#define FgPendingItemSize(dim)	(offsetof(FgPendingItemData, vec) + sizeof(float4) * (dim))

/* where a vector being merged sits in the pending list */
typedef struct FgPendingRef
{
	BlockNumber blkno;
	OffsetNumber off;
} FgPendingRef;

#define FG_NODE_DELETED	0x01	/* heap row is dead; still walked, never returned */
#define FG_NODE_FREE	0x02	/* slot holds nothing; reusable by an insert */

#define FG_LINKS_OFF		sizeof(FgNodeData)

/* geometry of an index, derived from the meta page and cached */
typedef struct FgShape
{
	int			dim;
	int			m;
	int			max_links;		/* R = 2 * m */
	int			ef_construction;
	FgMetric	metric;
	Size		code_off;
	Size		node_size;
	float	   *offset;			/* dim */
	float	   *scale;			/* dim */
	float	   *weight;			/* scale^2: weights of the int8 L2 kernel */
	float		decoded_norm_max;	/* no decoded vector is longer */
} FgShape;

#define FgNodeLinks(node)	((FgLink *) ((char *) (node) + FG_LINKS_OFF))
#define FgNodeCode(shape, node) ((signed char *) ((char *) (node) + (shape)->code_off))

static inline FgLink
fg_link_pack(ItemPointer tid)
{
	return ((FgLink) ItemPointerGetBlockNumberNoCheck(tid) << 8) |
		ItemPointerGetOffsetNumberNoCheck(tid);
}

static inline void
fg_link_unpack(FgLink link, ItemPointer tid)
{
	ItemPointerSet(tid, link >> 8, link & 0xFF);
}

/* a node's links as TIDs (at most max_links of them); returns the count */
static inline int
fg_node_get_links(FgNode node, int max_links, ItemPointerData *out)
{
	int			n = Min(node->nlinks, max_links);
	FgLink	   *links = FgNodeLinks(node);

	for (int i = 0; i < n; i++)
		fg_link_unpack(links[i], &out[i]);
	return n;
}

static inline void
fg_node_set_links(FgNode node, const ItemPointerData *in, int n)
{
	FgLink	   *links = FgNodeLinks(node);

	for (int i = 0; i < n; i++)
		links[i] = fg_link_pack((ItemPointer) &in[i]);
	node->nlinks = n;
}

/*
 * A query prepared for one metric: the float vector (normalized for cosine)
 * and its forms for the int8 kernels.
 */
typedef struct FgQuery
{
	const FgShape *shape;
	float	   *vec;			/* exact query */
	float	   *qcode;			/* L2: (q - offset) / scale; IP: q * scale */
	float		ip_const;		/* IP: q . offset */
	float		norm;			/* |vec| */
} FgQuery;

/* one node found by a search */
typedef struct FgCandidate
{
	ItemPointerData tid;		/* index TID of the node */
	ItemPointerData heaptid;
	float		dist;			/* graph distance to the decoded code */
	float		err;			/* the node's quantization error */
	bool		deleted;
} FgCandidate;

/* page edits: GenericXLog, or plain dirty buffers during the build */
typedef struct FgEdit
{
	GenericXLogState *xlog;		/* NULL while building */
	Buffer		buffers[3];
	int			nbuffers;
} FgEdit;

/* GUCs (graph_handler.c) */
extern int	fg_ef_search;
extern bool fg_iterative_scan;
extern int	fg_max_scan_tuples;
extern int	fg_pending_list_limit;

/* graph_handler.c */
extern void index_init(void);
extern bool fg_index_fastupdate(Relation index);
extern Relation fg_open_index(Oid indexoid, LOCKMODE lockmode);
extern Datum face_graph_handler(PG_FUNCTION_ARGS);

/* graph_page.c: meta, shape, nodes, edits */
extern void fg_init_page(Page page, uint16 flags);
extern bool fg_page_is_nodes(Page page);
extern bool fg_page_is_pending(Page page);
extern const FgShape *fg_get_shape(Relation index);
extern void fg_shape_compute(FgShape *shape, int dim, int m, int ef_construction, FgMetric metric);
extern FgMetric fg_metric_of(Relation index);
extern void fg_meta_fill(Page page, int dim, int m, int ef_construction, FgMetric metric,
						 const float *offsets, const float *scales);
extern void fg_ensure_dim(Relation index, int dim);
extern void fg_check_dim(Relation index, const FgShape *shape, int dim);
extern void fg_read_meta(Relation index, ItemPointerData *entry, BlockNumber *pending_head,
						 uint32 *pending_pages);
extern ItemPointerData fg_get_entry(Relation index);
extern void fg_set_entry(Relation index, ItemPointerData entry, bool building);
extern FgNode fg_page_node(Page page, OffsetNumber off, const FgShape *shape);
extern float fg_encode(const FgShape *shape, const float *vec, signed char *code);
extern void fg_decode(const FgShape *shape, const signed char *code, float *vec);
extern bool fg_prepare_vector(FgMetric metric, float *vec, int dim);
extern void fg_prepare_query(FgQuery *q, const FgShape *shape, const float *vec);
extern float fg_approx_distance(const FgQuery *q, const signed char *code);
extern float fg_exact_distance(FgMetric metric, const float *a, const float *b, int dim);
extern double fg_lower_bound(const FgQuery *q, float approx, float err);
extern void fg_edit_begin(FgEdit *edit, Relation index, bool building);
extern Page fg_edit_page(FgEdit *edit, Buffer buf, bool fresh);
extern void fg_edit_finish(FgEdit *edit);
extern Buffer fg_new_page(Relation index);
extern Buffer fg_read_buffer(Relation index, BlockNumber blkno);
extern Buffer fg_buffer_hint(Relation index, BlockNumber blkno);

/* graph_search.c */
typedef struct FgHeapItem
{
	float		dist;
	int			item;
} FgHeapItem;

typedef struct FgHeap
{
	FgHeapItem *items;
	int			n;
	int			cap;
	float		sign;			/* 1: min-heap, -1: max-heap */
} FgHeap;

extern void fg_heap_init(FgHeap *h, int cap, float sign);
extern void fg_heap_push(FgHeap *h, float dist, int item);
extern int	fg_heap_pop(FgHeap *h);
typedef struct FgTidSet FgTidSet;
extern FgTidSet *fg_tidset_create(uint32 size);
extern bool fg_tidset_add(FgTidSet *set, ItemPointer tid);
extern bool fg_tidset_contains(FgTidSet *set, ItemPointer tid);
extern void fg_tidset_put(FgTidSet *set, ItemPointer tid, uint32 value);
extern bool fg_tidset_get(FgTidSet *set, ItemPointer tid, uint32 *value);
typedef struct FgSeen FgSeen;	/* the nodes a search visited, with codes */
extern FgCandidate *fg_search(Relation index, const FgQuery *q, ItemPointerData entry,
							  int ef, FgSeen **seen, int *ncand);
extern bool fg_seen_vector(FgSeen *seen, ItemPointer tid, float *vec, bool *live);
extern float *fg_seen_candidates(FgSeen *seen, FgCandidate *cands, int n);
extern void fg_seen_free(FgSeen *seen);
extern void fg_prefetch_nodes(Relation index, const FgShape *shape,
							  const ItemPointerData *tids, int n);
extern void fg_sort_candidates(FgCandidate *cands, int n);
extern int	fg_select_neighbours(const FgShape *shape, FgCandidate *cands, float *vecs, int n,
								 ItemPointerData self, int limit, bool fill,
								 ItemPointerData *out);
extern void fg_read_vector(Relation index, const FgShape *shape, ItemPointer tid,
						   float *vec, bool *live);

/* graph_reach.c: which nodes a search from the entry can reach */
typedef struct FgReach
{
	int			n;
	ItemPointerData *tids;		/* node i */
	bool	   *deleted;
	bool	   *reached;
	int		   *link_start;		/* links of node i: link_idx[link_start[i] ..
								 * link_start[i + 1]), -1 for unknown targets */
	int		   *link_idx;
	FgTidSet   *index_of;
} FgReach;

extern FgReach *fg_reach_load(Relation index, const FgShape *shape);
extern void fg_reach_mark(FgReach *r, ItemPointer from);
extern void fg_reconnect(Relation index, const FgShape *shape, bool building);

/* graph_insert.c */
extern bool fg_add_link(Relation index, const FgShape *shape, ItemPointer from,
						ItemPointerData to, bool force, ItemPointer displaced,
						bool building);
extern bool fg_read_links(Relation index, const FgShape *shape, ItemPointer tid,
						  ItemPointerData *links, int *nlinks, float *vec);
extern bool fg_replace_links(Relation index, const FgShape *shape, ItemPointer tid,
							 ItemPointerData *old, int nold, ItemPointerData *links,
							 int nlinks, bool building);
extern int	fg_prune_links(const FgShape *shape, ItemPointer tid,
						   const float *vec, FgCandidate *cand, float *vecs, int n,
						   bool fill, ItemPointerData *out);
extern void fg_insert_vector(Relation index, const float *rawvec, int dim,
							 ItemPointer heaptid, bool building,
							 const FgPendingRef *from);
extern bool fg_aminsert(Relation index, Datum *values, bool *isnull,
						ItemPointer heap_tid, Relation heap,
						IndexUniqueCheck checkUnique, bool indexUnchanged,
						struct IndexInfo *indexInfo);

/* graph_pending.c: the pending list */
typedef void (*FgPendingVisit) (void *arg, ItemPointer heaptid, const float *vec);
extern void fg_pending_append(Relation index, const float *vec, int dim, ItemPointer heaptid);
extern int64 fg_pending_merge(Relation index, bool wait, IndexBulkDeleteCallback dead,
							  void *dead_state, IndexBulkDeleteResult *stats);
extern Datum facerec_index_flush(PG_FUNCTION_ARGS);
extern void fg_pending_read(Relation index, const FgShape *shape, BlockNumber head,
							FgPendingVisit visit, void *arg);

/* graph_memory.c: the in-memory phase of the build */
typedef struct FgMemGraph FgMemGraph;
typedef struct FgMemArea FgMemArea;
extern Size fg_mem_node_bytes(const FgShape *shape);
extern Size fg_mem_area_size(const FgShape *shape, int capacity);
extern void fg_mem_area_init(FgMemArea *area, const FgShape *shape, int capacity, bool shared);
extern FgMemGraph *fg_mem_attach(FgMemArea *area, const FgShape *shape);
extern FgMemGraph *fg_mem_create(const FgShape *shape, int capacity);
extern int	fg_mem_count(const FgMemGraph *g);
extern int	fg_mem_capacity(const FgMemGraph *g);
extern bool fg_mem_insert(FgMemGraph *g, const float *vec, ItemPointer heaptid);
extern bool fg_mem_write(FgMemGraph *g, Relation index, const float *mean);
extern void fg_mem_free(FgMemGraph *g);

/* graph_build.c */
extern IndexBuildResult *fg_ambuild(Relation heap, Relation index, struct IndexInfo *indexInfo);
extern void fg_ambuildempty(Relation index);
extern char *fg_ambuildphasename(int64 phasenum);

/* graph_scan.c */
extern IndexScanDesc fg_ambeginscan(Relation index, int nkeys, int norderbys);
extern void fg_amrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
						ScanKey orderbys, int norderbys);
extern bool fg_amgettuple(IndexScanDesc scan, ScanDirection dir);
extern void fg_amendscan(IndexScanDesc scan);

/* graph_vacuum.c */
extern IndexBulkDeleteResult *fg_ambulkdelete(IndexVacuumInfo *info,
											  IndexBulkDeleteResult *stats,
											  IndexBulkDeleteCallback callback,
											  void *callback_state);
extern IndexBulkDeleteResult *fg_amvacuumcleanup(IndexVacuumInfo *info,
												 IndexBulkDeleteResult *stats);

/* graph_cost.c */
extern void fg_amcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
							  Cost *indexStartupCost, Cost *indexTotalCost,
							  Selectivity *indexSelectivity, double *indexCorrelation,
							  double *indexPages);

/* graph_validate.c */
extern bool fg_amvalidate(Oid opclassoid);

#endif							/* FACEREC_INDEX_GRAPH_H */
