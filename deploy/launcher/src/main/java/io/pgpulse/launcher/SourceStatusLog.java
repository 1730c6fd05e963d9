package io.pgpulse.launcher;

import io.pgpulse.avro.PgSnapshot;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs when a watched database goes down or comes back, once per change rather than
 * once per snapshot: a database down for an hour is one line, not 360.
 */
final class SourceStatusLog {

    private static final Logger log = LoggerFactory.getLogger(SourceStatusLog.class);

    private final Map<String, Boolean> upBySource = new ConcurrentHashMap<>();

    void snapshot(PgSnapshot snapshot) {
        Boolean before = upBySource.put(snapshot.getSourceId(), snapshot.getUp());
        if (snapshot.getUp() && Boolean.FALSE.equals(before)) {
            log.info("{} is reachable again", snapshot.getSourceId());
        } else if (!snapshot.getUp() && !Boolean.FALSE.equals(before)) {
            log.warn("{} is down ({}{}): {}", snapshot.getSourceId(), snapshot.getError().getErrorClass(),
                    snapshot.getError().getSqlstate() == null ? "" : ", SQLSTATE " + snapshot.getError().getSqlstate(),
                    snapshot.getError().getMessage());
        } else if (before == null) {
            log.info("{}: first snapshot taken", snapshot.getSourceId());
        }
    }
}
