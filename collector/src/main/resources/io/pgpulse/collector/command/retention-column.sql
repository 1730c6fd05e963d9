/* pgpulse */ SELECT c.relkind::text AS relkind, t.typname AS column_type
  FROM pg_class c
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = ? AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_type t ON t.oid = a.atttypid
 WHERE c.oid = ?::oid
