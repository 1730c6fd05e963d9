/* pgpulse */ SELECT c.oid::bigint
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ? AND c.relname = ?
