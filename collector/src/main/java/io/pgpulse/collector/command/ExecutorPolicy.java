package io.pgpulse.collector.command;

import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.schemas.command.MaintenanceWindow;
import io.pgpulse.schemas.command.SigningKeys;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What an agent lets commands do on its databases, whatever the sink asks.
 *
 * @param keys             keys whose signatures are accepted; null refuses every command
 * @param allowedActions   actions this agent carries out at all
 * @param windows          when maintenance may run (any of them open); empty = any time
 * @param lockTimeout      how long a maintenance statement may wait for a lock before giving up
 * @param statementTimeout how long a maintenance statement may run
 * @param lockRetries      how often a lock timeout is retried later (while the command is valid)
 * @param retryDelay       delay before the first retry; doubles each time
 * @param maxObjectBytes   objects larger than this (total relation size) are left to a person: maintenance
 *                         of a huge table or index runs for hours, and that is a decision, not a routine
 */
public record ExecutorPolicy(SigningKeys keys, Set<MaintenanceAction> allowedActions, List<MaintenanceWindow> windows,
                             Duration lockTimeout, Duration statementTimeout, int lockRetries, Duration retryDelay,
                             long maxObjectBytes) {

    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofMinutes(30);
    /** 50 GiB: about as much as one maintenance run gets through within the default statement timeout. */
    public static final long DEFAULT_MAX_OBJECT_BYTES = 50L << 30;

    public ExecutorPolicy {
        allowedActions = allowedActions.isEmpty() ? EnumSet.noneOf(MaintenanceAction.class) : EnumSet.copyOf(allowedActions);
        windows = List.copyOf(windows);
        if (maxObjectBytes <= 0) {
            throw new IllegalArgumentException("maxObjectBytes must be positive, found " + maxObjectBytes);
        }
    }

    /**
     * Every action but {@code RETENTION_DELETE} (which deletes data, so an agent must list it in
     * {@code allowed_actions} itself), any time, the default timeouts and size limit; accepts
     * commands signed with {@code keys}.
     */
    public static ExecutorPolicy defaults(SigningKeys keys) {
        return new ExecutorPolicy(keys, EnumSet.complementOf(EnumSet.of(MaintenanceAction.RETENTION_DELETE)), List.of(),
                DEFAULT_LOCK_TIMEOUT,
                DEFAULT_STATEMENT_TIMEOUT, 3, Duration.ofSeconds(30), DEFAULT_MAX_OBJECT_BYTES);
    }

    public ExecutorPolicy withRetryDelay(Duration delay) {
        return new ExecutorPolicy(keys, allowedActions, windows, lockTimeout, statementTimeout, lockRetries, delay,
                maxObjectBytes);
    }

    public ExecutorPolicy withWindows(List<MaintenanceWindow> newWindows) {
        return new ExecutorPolicy(keys, allowedActions, newWindows, lockTimeout, statementTimeout, lockRetries, retryDelay,
                maxObjectBytes);
    }

    public ExecutorPolicy withAllowedActions(Set<MaintenanceAction> actions) {
        return new ExecutorPolicy(keys, actions, windows, lockTimeout, statementTimeout, lockRetries, retryDelay,
                maxObjectBytes);
    }

    public ExecutorPolicy withMaxObjectBytes(long bytes) {
        return new ExecutorPolicy(keys, allowedActions, windows, lockTimeout, statementTimeout, lockRetries, retryDelay,
                bytes);
    }
}
