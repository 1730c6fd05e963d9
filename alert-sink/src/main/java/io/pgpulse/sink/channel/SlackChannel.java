package io.pgpulse.sink.channel;

import java.io.IOException;
import java.util.Objects;

/**
 * Posts each notification to a Slack incoming webhook as one message
 * ({@link SlackMessage}): one attachment per alert, coloured by severity.
 */
public final class SlackChannel implements Channel {

    private final String name;
    private final HttpTarget target;
    private final String slackChannel;
    private final String runbookUrl;

    /**
     * @param slackChannel channel override ({@code #db-alerts}), or null for the webhook's default
     * @param runbookUrl   link template with {@code {{alertname}}} for runbooks that are text, or null
     */
    public SlackChannel(String name, HttpTarget target, String slackChannel, String runbookUrl) {
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
        this.slackChannel = slackChannel;
        this.runbookUrl = runbookUrl;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void deliver(Notification notification) throws IOException, InterruptedException {
        if (notification.changed().isEmpty()) {
            return;
        }
        target.post(SlackMessage.of(notification, slackChannel, runbookUrl).toString());
    }
}
