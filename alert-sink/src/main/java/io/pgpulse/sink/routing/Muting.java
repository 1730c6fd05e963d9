package io.pgpulse.sink.routing;

import java.time.Instant;
import java.util.Map;

/** Whether an alert with these labels is silenced at a moment (a silence store answers it). */
@FunctionalInterface
public interface Muting {

    boolean silenced(Map<String, String> labels, Instant now);

    static Muting none() {
        return (labels, now) -> false;
    }
}
