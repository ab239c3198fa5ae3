-- face_embedding(image): which face is the main face.  It is the largest
-- detected box (score >= 0.5), not the best-scoring one: in a group photo the
-- detector's most confident face is often a smaller one.  Both photos below
-- have a best-scoring face that is not the largest.
\getenv abs_srcdir PG_ABS_SRCDIR
\set people :abs_srcdir '/../shared/data/faces/named-people/test/'

CREATE TEMP TABLE photo AS
SELECT name, pg_read_binary_file(:'people' || name) AS image
FROM unnest(ARRAY['obama_and_biden.jpg', 'kit_with_rose.jpg']) AS name;

CREATE TEMP TABLE found AS
SELECT p.name, f.face, f.width * f.height AS area, f.score, f.embedding
FROM photo p, face_embeddings(p.image) AS f;

-- the premise: the best-scoring face (face 1) is not the largest
SELECT name, face, score = max(score) OVER w AS best_score,
	area = max(area) OVER w AS largest
FROM found WINDOW w AS (PARTITION BY name)
ORDER BY name, face;

-- the main face is the largest one, bit for bit
SELECT p.name,
	face_embedding(p.image) = (SELECT embedding FROM found f WHERE f.name = p.name
							   ORDER BY area DESC LIMIT 1) AS is_largest,
	face_embedding(p.image) = (SELECT embedding FROM found f WHERE f.name = p.name
							   AND face = 1) AS is_best_scoring
FROM photo p ORDER BY p.name;
