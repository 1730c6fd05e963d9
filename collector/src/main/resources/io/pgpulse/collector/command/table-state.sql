/* pgpulse */ SELECT s.n_live_tup, s.n_dead_tup, pg_total_relation_size(s.relid) AS size_bytes,
       greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum,
       greatest(s.last_analyze, s.last_autoanalyze) AS last_analyze
  FROM pg_stat_user_tables s
 WHERE s.relid = ?::oid
