package io.pgpulse.sink.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.schemas.config.ConfigNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Mutes every alert whose labels match all its matchers between {@code startsAt} and
 * {@code endsAt}. Created through the sink's HTTP API or {@code pgpulse silence}, kept
 * on the compacted silences topic as JSON ({@link #toJson()}).
 */
public record Silence(String id, List<Matcher> matchers, Instant startsAt, Instant endsAt, String createdBy,
                      String comment) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Silence {
        Objects.requireNonNull(id, "id");
        matchers = List.copyOf(matchers);
        if (matchers.isEmpty()) {
            throw new IllegalArgumentException("matchers: at least one is required (a silence of everything is a kill switch, not a silence)");
        }
        Objects.requireNonNull(startsAt, "startsAt");
        Objects.requireNonNull(endsAt, "endsAt");
        if (!endsAt.isAfter(startsAt)) {
            throw new IllegalArgumentException("endsAt: must be after startsAt (" + startsAt + "), found " + endsAt);
        }
        createdBy = createdBy == null ? "" : createdBy;
        comment = comment == null ? "" : comment;
    }

    public boolean activeAt(Instant now) {
        return !now.isBefore(startsAt) && now.isBefore(endsAt);
    }

    public boolean mutes(Map<String, String> labels, Instant now) {
        return activeAt(now) && matchers.stream().allMatch(m -> m.matches(labels));
    }

    /** "pending", "active" or "expired", as Alertmanager reports silences. */
    public String state(Instant now) {
        return now.isBefore(startsAt) ? "pending" : now.isBefore(endsAt) ? "active" : "expired";
    }

    public ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", id);
        matchers.forEach(m -> node.withArray("matchers").add(m.toString()));
        node.put("startsAt", startsAt.toString());
        node.put("endsAt", endsAt.toString());
        node.put("createdBy", createdBy);
        node.put("comment", comment);
        return node;
    }

    /**
     * Reads a silence a person asked for: {@code matchers} (a list of matcher strings),
     * {@code endsAt} (ISO-8601) or {@code duration} ({@code 2h}), optional {@code startsAt}
     * (default now), {@code createdBy}, {@code comment}. A new id is given unless one is
     * present. Throws naming the field that is wrong.
     */
    public static Silence fromJson(JsonNode node, Clock clock) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object with matchers and endsAt or duration");
        }
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(f -> {
            if (!List.of("id", "matchers", "startsAt", "endsAt", "duration", "createdBy", "comment").contains(f)) {
                unknown.add(f);
            }
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(unknown + ": unknown field; expected matchers, startsAt, endsAt, duration, createdBy, comment");
        }
        JsonNode list = node.get("matchers");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("matchers: expected a list like [\"source=\\\"pg-01/app\\\"\"]");
        }
        List<Matcher> matchers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            try {
                matchers.add(Matcher.parse(list.get(i).asText()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("matchers[" + i + "]: " + e.getMessage());
            }
        }
        Instant startsAt = node.hasNonNull("startsAt") ? instant(node, "startsAt") : clock.instant();
        Instant endsAt;
        if (node.hasNonNull("endsAt") && node.hasNonNull("duration")) {
            throw new IllegalArgumentException("endsAt: give either endsAt or duration, not both");
        } else if (node.hasNonNull("endsAt")) {
            endsAt = instant(node, "endsAt");
        } else if (node.hasNonNull("duration")) {
            Duration duration = ConfigNode.parseDuration(node.get("duration").asText());
            if (duration == null || duration.isZero()) {
                throw new IllegalArgumentException("duration: expected a duration like 30m, 2h or 1d, found '"
                        + node.get("duration").asText() + "'");
            }
            endsAt = startsAt.plus(duration);
        } else {
            throw new IllegalArgumentException("endsAt: required (or duration); a silence always ends");
        }
        String id = node.hasNonNull("id") ? node.get("id").asText() : UUID.randomUUID().toString();
        return new Silence(id, matchers, startsAt, endsAt, text(node, "createdBy"), text(node, "comment"));
    }

    private static Instant instant(JsonNode node, String field) {
        try {
            return Instant.parse(node.get(field).asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + ": expected an ISO-8601 instant like 2026-11-25T18:00:00Z, found '"
                    + node.get(field).asText() + "'");
        }
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : "";
    }
}
