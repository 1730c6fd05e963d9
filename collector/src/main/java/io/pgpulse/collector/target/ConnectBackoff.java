package io.pgpulse.collector.target;

import java.time.Duration;
import java.time.Instant;

/**
 * When to try connecting to a target again after a failure. Connection failures
 * (SQLSTATE class 08 and the like) are retried with a doubling delay, starting at the
 * target's interval, for {@link #fastAttempts} attempts, then every {@link #maxDelay};
 * authentication failures (class 28) are retried only every {@link #authDelay}, so a
 * wrong password is reported once and never hammered against the server. Snapshots
 * keep coming in between (with {@code up=false}); only the connection attempts wait.
 */
final class ConnectBackoff {

    /** Doubling retries before settling on {@link #maxDelay}. */
    static final int DEFAULT_FAST_ATTEMPTS = 5;
    static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(60);
    static final Duration DEFAULT_AUTH_DELAY = Duration.ofMinutes(10);

    private final Duration firstDelay;
    private final int fastAttempts;
    private final Duration maxDelay;
    private final Duration authDelay;
    private int failures;
    private Instant nextAttempt = Instant.MIN;

    ConnectBackoff(Duration firstDelay, int fastAttempts, Duration maxDelay, Duration authDelay) {
        if (firstDelay.isNegative() || fastAttempts < 1) {
            throw new IllegalArgumentException("firstDelay must not be negative and fastAttempts at least 1");
        }
        this.firstDelay = firstDelay;
        this.fastAttempts = fastAttempts;
        this.maxDelay = maxDelay.compareTo(firstDelay) < 0 ? firstDelay : maxDelay;
        this.authDelay = authDelay;
    }

    static ConnectBackoff forInterval(Duration interval) {
        return new ConnectBackoff(interval, DEFAULT_FAST_ATTEMPTS, DEFAULT_MAX_DELAY, DEFAULT_AUTH_DELAY);
    }

    /** Whether a connection attempt may be made at {@code now}. */
    boolean mayAttempt(Instant now) {
        return !now.isBefore(nextAttempt);
    }

    /** Records a failed attempt; returns the delay until the next one. */
    Duration failed(Instant now, boolean authentication) {
        failures++;
        Duration delay;
        if (authentication) {
            delay = authDelay;
        } else if (failures >= fastAttempts) {
            delay = maxDelay;
        } else {
            long factor = 1L << Math.min(failures - 1, 20);
            delay = firstDelay.multipliedBy(factor);
            if (delay.compareTo(maxDelay) > 0) {
                delay = maxDelay;
            }
        }
        nextAttempt = now.plus(delay);
        return delay;
    }

    void succeeded() {
        failures = 0;
        nextAttempt = Instant.MIN;
    }

    /** Failed attempts since the last success. */
    int failures() {
        return failures;
    }

    int fastAttempts() {
        return fastAttempts;
    }
}
