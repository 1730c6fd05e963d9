/* pgpulse-bench */ SELECT left(regexp_replace(s.query, '\s+', ' ', 'g'), 90), s.calls,
       round((s.total_exec_time + s.total_plan_time)::numeric, 1)
  FROM pg_stat_statements s
  JOIN pg_roles r ON r.oid = s.userid
 WHERE r.rolname = ?
 ORDER BY s.total_exec_time + s.total_plan_time DESC
 LIMIT 5
