package io.pgpulse.sink.channel;

import io.pgpulse.avro.Alert;
import java.io.IOException;
import java.util.Objects;

/**
 * Posts every alert event of a notification as its own JSON body ({@link AlertJson})
 * to one URL, the news first; a repeat posts the alerts still firing again. Retries
 * and timeout are those of its {@link HttpTarget}.
 */
public final class WebhookChannel implements Channel {

    private final String name;
    private final HttpTarget target;

    public WebhookChannel(String name, HttpTarget target) {
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void deliver(Notification notification) throws IOException, InterruptedException {
        for (Alert alert : notification.changed()) {
            target.post(AlertJson.of(alert).toString());
        }
    }
}
