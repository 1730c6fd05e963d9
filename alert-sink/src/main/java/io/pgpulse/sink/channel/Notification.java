package io.pgpulse.sink.channel;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one alert group has to say at one moment.
 *
 * @param groupKey    identity of the group: route and the values of its {@code group_by} labels
 * @param groupLabels the {@code group_by} labels and their values
 * @param changed     the events that are news: new FIRING alerts and resolutions since the
 *                    group last notified, or, on a repeat, every alert still firing
 * @param firing      every alert of the group that is firing and not muted, news or not
 *                    (for channels that must see the whole state, like Alertmanager)
 * @param repeat      true when nothing changed and this is the reminder of {@code repeat_interval}
 */
public record Notification(String groupKey, Map<String, String> groupLabels, List<Alert> changed, List<Alert> firing,
                           boolean repeat) {

    public Notification {
        Objects.requireNonNull(groupKey, "groupKey");
        groupLabels = Map.copyOf(groupLabels);
        changed = List.copyOf(changed);
        firing = List.copyOf(firing);
    }

    /** "firing" when any alert of the news still fires, else "resolved" (Alertmanager's group status). */
    public String status() {
        return changed.stream().anyMatch(a -> a.getStatus() == AlertStatus.FIRING) ? "firing" : "resolved";
    }
}
