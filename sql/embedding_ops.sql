-- distances, operators, norm/normalize, element-wise arithmetic
SET extra_float_digits = 0;

SELECT '[3,4]'::face_embedding <-> '[0,0]' AS l2;
SELECT l2_distance('[1,1,1]', '[1,2,3]'), l2_squared_distance('[1,1,1]', '[1,2,3]');
SELECT '[1,2,3]'::face_embedding <#> '[4,5,6]' AS neg_ip, inner_product('[1,2,3]', '[4,5,6]');
SELECT '[1,0]'::face_embedding <=> '[0,1]' AS orthogonal,
       '[1,1]'::face_embedding <=> '[2,2]' AS same_direction,
       '[1,1]'::face_embedding <=> '[-3,-3]' AS opposite,
       cosine_distance('[1,2]', '[2,1]');
-- cosine distance to a zero vector is undefined
SELECT '[0,0]'::face_embedding <=> '[1,1]';
-- commutative operators
SELECT ('[1,2,3]'::face_embedding <-> '[3,2,1]') = ('[3,2,1]'::face_embedding <-> '[1,2,3]');

-- every tail length around the vector widths gives the exact answer
SELECT n, l2_squared_distance(array_fill(1::real, ARRAY[n])::face_embedding,
                              array_fill(3::real, ARRAY[n])::face_embedding) = 4 * n AS l2_ok,
       inner_product(array_fill(2::real, ARRAY[n])::face_embedding,
                     array_fill(3::real, ARRAY[n])::face_embedding) = 6 * n AS ip_ok,
       abs(cosine_distance(array_fill(2::real, ARRAY[n])::face_embedding,
                           array_fill(3::real, ARRAY[n])::face_embedding)) < 1e-6 AS cos_ok
FROM unnest(ARRAY[1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 127, 128, 129, 16000]) n;

-- the vectorized kernels agree with float8 arithmetic on random 128-d data
WITH v AS (
	SELECT i % 100 AS k, array_agg((random() * 2 - 1)::real ORDER BY i) AS a,
	       array_agg((random() * 2 - 1)::real ORDER BY i) AS b
	FROM generate_series(0, 128 * 100 - 1) i GROUP BY i % 100
), exact AS (
	SELECT k, a, b,
	       (SELECT sqrt(sum((x - y)::float8 ^ 2)) FROM unnest(a, b) u(x, y)) AS l2,
	       (SELECT sum(x::float8 * y) FROM unnest(a, b) u(x, y)) AS ip,
	       (SELECT sqrt(sum(x::float8 * x)) FROM unnest(a) u(x)) AS na,
	       (SELECT sqrt(sum(y::float8 * y)) FROM unnest(b) u(y)) AS nb
	FROM v
)
SELECT max(abs((a::face_embedding <-> b::face_embedding) - l2)) < 1e-5 AS l2_ok,
       max(abs((a::face_embedding <#> b::face_embedding) + ip)) < 1e-4 AS ip_ok,
       max(abs((a::face_embedding <=> b::face_embedding) - (1 - ip / (na * nb)))) < 1e-5 AS cos_ok,
       max(abs(norm(a::face_embedding) - na)) < 1e-9 AS norm_ok
FROM exact;

SELECT facerec_distance_isa() IN ('avx512', 'avx2', 'scalar') AS isa_known;

SELECT dims('[1,2,3]'::face_embedding), norm('[3,4]'), norm('[0,0]');
SELECT l2_normalize('[3,4]'), l2_normalize('[0,0]'), norm(l2_normalize('[1,2,3,4,5]')) - 1 < 1e-7;
SELECT '[1,2,3]'::face_embedding + '[10,20,30]', '[1,2,3]'::face_embedding - '[1,1,1]';

-- errors
\set VERBOSITY sqlstate
SELECT '[1,2]'::face_embedding <-> '[1,2,3]';
SELECT '[1,2]'::face_embedding <=> '[1,2,3]';
SELECT '[1,2]'::face_embedding <#> '[1,2,3]';
SELECT '[1,2]'::face_embedding + '[1,2,3]';
SELECT '[3e38]'::face_embedding + '[3e38]';
SELECT '[-3e38]'::face_embedding - '[3e38]';
\set VERBOSITY default
SELECT '[1,2]'::face_embedding <-> '[1,2,3]';
SELECT '[3e38]'::face_embedding + '[3e38]';

-- nearest neighbours by exact scan (the last digits of d depend on the
-- distance kernel's summation order: embedding_ops_1.out is the output on a
-- CPU with AVX2 but no AVX-512)
CREATE TEMP TABLE faces (id int, e face_embedding(2));
INSERT INTO faces SELECT i, ARRAY[i % 10, i / 10]::face_embedding FROM generate_series(0, 99) i;
SELECT id, e, e <-> '[4.2,6.9]' AS d FROM faces ORDER BY e <-> '[4.2,6.9]' LIMIT 3;

-- volatility and strictness as documented
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'facerec'
WHERE p.provolatile <> 'i' OR p.proparallel <> 's' OR NOT p.proisstrict
ORDER BY 1;
