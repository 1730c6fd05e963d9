package io.pgpulse.sink.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A node of the routing tree, as in Alertmanager: an alert enters at the root, goes
 * down into the first child whose matchers all match (and on to later siblings while a
 * matching child says {@code continue}), and is notified by the deepest routes it
 * reached. Settings left out are inherited from the parent at load time.
 *
 * @param id             where the route is in its file (e.g. {@code route.routes[1]}); part of every group key
 * @param channel        the channel notified
 * @param matchers       all must match
 * @param groupBy        labels whose values make a group; {@code ...} alone means every label (one group per alert)
 * @param groupWait      how long a new group waits for more alerts before its first notification
 * @param groupInterval  how long a group waits before telling about changes after a notification
 * @param repeatInterval how long before a group still firing is notified again
 * @param continueMatching whether later siblings are tried after this route matched
 */
public record Route(String id, String channel, List<Matcher> matchers, List<String> groupBy, Duration groupWait,
                    Duration groupInterval, Duration repeatInterval, boolean continueMatching, List<Route> routes) {

    /** The {@code group_by} value that makes every alert its own group. */
    public static final String EVERY_LABEL = "...";

    public Route {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(channel, "channel");
        matchers = List.copyOf(matchers);
        groupBy = List.copyOf(groupBy);
        routes = List.copyOf(routes);
    }

    /** The routes that notify about an alert with these labels; empty when this route does not match. */
    public List<Route> match(Map<String, String> labels) {
        if (!matchers.stream().allMatch(m -> m.matches(labels))) {
            return List.of();
        }
        List<Route> hits = new ArrayList<>();
        for (Route child : routes) {
            List<Route> childHits = child.match(labels);
            if (!childHits.isEmpty()) {
                hits.addAll(childHits);
                if (!child.continueMatching()) {
                    break;
                }
            }
        }
        return hits.isEmpty() ? List.of(this) : hits;
    }

    /** The group an alert with these labels belongs to under this route: the values of {@code group_by}. */
    public Map<String, String> groupLabels(Map<String, String> labels) {
        if (groupBy.contains(EVERY_LABEL)) {
            return Map.copyOf(labels);
        }
        Map<String, String> group = new java.util.TreeMap<>();
        for (String name : groupBy) {
            group.put(name, labels.getOrDefault(name, ""));
        }
        return group;
    }

    /** Every route of the tree, this one first. */
    public List<Route> flatten() {
        List<Route> all = new ArrayList<>(List.of(this));
        routes.forEach(r -> all.addAll(r.flatten()));
        return all;
    }
}
