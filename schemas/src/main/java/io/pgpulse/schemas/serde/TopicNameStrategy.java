package io.pgpulse.schemas.serde;

import java.util.Objects;

/**
 * Confluent's default subject naming: a topic's keys are registered under
 * {@code <topic>-key} and its values under {@code <topic>-value}, so each topic has one
 * evolving schema per side and the registry checks compatibility per topic.
 */
public final class TopicNameStrategy {

    private TopicNameStrategy() {
    }

    /** The subject of {@code topic}'s keys ({@code isKey}) or values. */
    public static String subject(String topic, boolean isKey) {
        Objects.requireNonNull(topic, "topic");
        return topic + (isKey ? "-key" : "-value");
    }
}
