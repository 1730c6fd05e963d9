/* pgpulse */ -- Invalid indexes that a failed REINDEX CONCURRENTLY leaves on the table of the
-- rebuilt index: PostgreSQL names the new copy <name>_ccnew (with a number when taken).
SELECT n.nspname AS schema_name, c.relname AS name
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE i.indrelid = (SELECT indrelid FROM pg_index WHERE indexrelid = ?::oid)
   AND NOT i.indisvalid
   AND c.relname LIKE '%\_ccnew%'
