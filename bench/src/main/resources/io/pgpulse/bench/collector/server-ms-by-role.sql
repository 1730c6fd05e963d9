/* pgpulse-bench */ SELECT coalesce(sum(s.total_exec_time + s.total_plan_time), 0)::float8
  FROM pg_stat_statements s
  JOIN pg_roles r ON r.oid = s.userid
 WHERE r.rolname = ?
