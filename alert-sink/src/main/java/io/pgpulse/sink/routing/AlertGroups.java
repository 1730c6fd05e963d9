package io.pgpulse.sink.routing;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.sink.channel.Notification;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The alert groups of one channel and when each is due, Alertmanager's aggregation
 * in small: a new group is told after {@code group_wait}, changes after
 * {@code group_interval}, a group still firing again after {@code repeat_interval}
 * (or the channel's own resend interval). Silenced and inhibited alerts are left out
 * when a group is told; a resolution is told unless its firing was muted.
 *
 * <p>Each group remembers the earliest offset, per partition, of an event it has not
 * told yet ({@link #pinnedOffsets}); the caller commits no further, so an event a group
 * still holds comes back from Kafka after a crash. Not thread-safe: one channel's
 * delivery thread owns it.
 */
public final class AlertGroups {

    /** A group's next attempt after a failed delivery waits this long, doubling up to {@link #MAX_RETRY}. */
    public static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    public static final Duration MAX_RETRY = Duration.ofSeconds(30);

    /** What a due group has to say; hand it back to {@link #delivered} or {@link #failed}. */
    public record Due(String key, Notification notification, boolean empty) {
    }

    private static final class Group {
        final String key;
        final Route route;
        final Map<String, String> labels;
        final Map<String, Alert> alerts = new LinkedHashMap<>();
        /** Events not told yet, in the order they came: a FIRING and its RESOLVED are both news. */
        final List<Alert> pending = new ArrayList<>();
        final Set<String> mutedFiring = new HashSet<>();
        final Map<TopicPartition, Long> pins = new HashMap<>();
        final Instant createdAt;
        Instant lastFlushAt;
        Instant retryAt;
        int failures;

        Group(String key, Route route, Map<String, String> labels, Instant createdAt) {
            this.key = key;
            this.route = route;
            this.labels = labels;
            this.createdAt = createdAt;
        }
    }

    private final Optional<Duration> resendInterval;
    private final List<InhibitRule> inhibitRules;
    private final Muting silences;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    /** Labels of every alert firing now, whichever route it took: what inhibition looks at. */
    private final Map<String, Map<String, String>> firing = new HashMap<>();

    public AlertGroups(Optional<Duration> resendInterval, List<InhibitRule> inhibitRules, Muting silences) {
        this.resendInterval = resendInterval;
        this.inhibitRules = List.copyOf(inhibitRules);
        this.silences = silences;
    }

    /** Notes an event for inhibition; call for every event read, routed to this channel or not. */
    public void observe(Alert alert) {
        if (alert.getStatus() == AlertStatus.FIRING) {
            firing.put(alert.getFingerprint(), AlertLabels.of(alert));
        } else {
            firing.remove(alert.getFingerprint());
        }
    }

    /** Puts an event routed here by {@code route} into its group. */
    public void add(Route route, Alert alert, TopicPartition partition, long offset, Instant now) {
        Map<String, String> groupLabels = route.groupLabels(AlertLabels.of(alert));
        String key = route.id() + new TreeMap<>(groupLabels);
        Group group = groups.computeIfAbsent(key, k -> new Group(k, route, groupLabels, now));
        group.alerts.put(alert.getFingerprint(), alert);
        group.pending.add(alert);
        group.pins.merge(partition, offset, Math::min);
    }

    /** The groups due at {@code now}, each with what it has to say. */
    public List<Due> due(Instant now) {
        List<Due> due = new ArrayList<>();
        for (Group group : groups.values()) {
            Instant at = dueAt(group);
            if (at != null && !now.isBefore(at)) {
                due.add(notification(group, now));
            }
        }
        return due;
    }

    /** When the earliest group is due, if any: how long the delivery loop may wait. */
    public Optional<Instant> nextDue() {
        return groups.values().stream().map(this::dueAt).filter(java.util.Objects::nonNull).min(Instant::compareTo);
    }

    public void delivered(Due due, Instant now) {
        Group group = groups.get(due.key());
        if (group == null) {
            return;
        }
        for (Alert told : due.notification().changed()) {
            group.mutedFiring.remove(told.getFingerprint());
        }
        group.lastFlushAt = now;
        group.retryAt = null;
        group.failures = 0;
        group.pending.clear();
        group.pins.clear();
        group.alerts.values().removeIf(a -> a.getStatus() == AlertStatus.RESOLVED);
        group.mutedFiring.retainAll(group.alerts.keySet());
        if (group.alerts.isEmpty()) {
            groups.remove(group.key);
        }
    }

    /** The delivery failed: the group keeps everything and is due again after a backoff. */
    public void failed(Due due, Instant now) {
        Group group = groups.get(due.key());
        if (group == null) {
            return;
        }
        Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(group.failures, 10));
        group.failures++;
        group.retryAt = now.plus(wait.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait);
    }

    /** True while some group waits to retry a failed delivery: the channel is down. */
    public boolean failing() {
        return groups.values().stream().anyMatch(g -> g.retryAt != null);
    }

    /** Per partition, the earliest offset of an event some group has not told yet. */
    public Map<TopicPartition, Long> pinnedOffsets() {
        Map<TopicPartition, Long> pinned = new HashMap<>();
        for (Group group : groups.values()) {
            group.pins.forEach((p, o) -> pinned.merge(p, o, Math::min));
        }
        return pinned;
    }

    public int size() {
        return groups.size();
    }

    /** Forgets everything (the partitions were taken away; their events will be read again). */
    public void clear() {
        groups.clear();
        firing.clear();
    }

    private Instant dueAt(Group group) {
        if (group.retryAt != null) {
            return group.retryAt;
        }
        if (!group.pending.isEmpty()) {
            return group.lastFlushAt == null ? group.createdAt.plus(group.route.groupWait())
                    : group.lastFlushAt.plus(group.route.groupInterval());
        }
        if (group.lastFlushAt != null && group.alerts.values().stream().anyMatch(a -> a.getStatus() == AlertStatus.FIRING)) {
            return group.lastFlushAt.plus(resendInterval.orElse(group.route.repeatInterval()));
        }
        return null;
    }

    private Due notification(Group group, Instant now) {
        List<Alert> changed = new ArrayList<>();
        for (Alert alert : group.pending) {
            String fingerprint = alert.getFingerprint();
            if (alert.getStatus() == AlertStatus.FIRING) {
                if (muted(alert, now)) {
                    group.mutedFiring.add(fingerprint);
                } else {
                    changed.add(alert);
                }
            } else if (!group.mutedFiring.contains(fingerprint)) {
                changed.add(alert);
            }
        }
        List<Alert> firingNow = group.alerts.values().stream()
                .filter(a -> a.getStatus() == AlertStatus.FIRING && !muted(a, now)).toList();
        boolean repeat = group.pending.isEmpty();
        if (repeat) {
            changed = firingNow;
        }
        Notification notification = new Notification(group.key, group.labels, changed, firingNow, repeat);
        return new Due(group.key, notification, changed.isEmpty() && firingNow.isEmpty());
    }

    private boolean muted(Alert alert, Instant now) {
        Map<String, String> labels = AlertLabels.of(alert);
        return silences.silenced(labels, now) || InhibitRule.anyMutes(inhibitRules, labels, alert.getFingerprint(), firing);
    }
}
