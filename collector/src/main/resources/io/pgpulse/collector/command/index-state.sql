/* pgpulse */ SELECT pg_relation_size(c.oid) AS size_bytes
  FROM pg_class c
 WHERE c.oid = ?::oid AND c.relkind IN ('i', 'I')
