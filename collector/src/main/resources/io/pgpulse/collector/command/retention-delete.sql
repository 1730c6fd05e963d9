/* pgpulse */ DELETE FROM {table}
 WHERE ctid = ANY (ARRAY(SELECT ctid FROM {table}
                          WHERE {column} < now() - make_interval(secs => ?)
                          LIMIT ?))
