package io.pgpulse.processor;

import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The production stream processor in a JVM of its own, so that a test can kill it the way a
 * machine dies (SIGKILL: no commit, no transaction abort, no closing of anything).
 * Arguments: bootstrap servers, registry URL, topic prefix, application id, state directory.
 */
public final class ProcessorMain {

    private ProcessorMain() {
    }

    /** The settings both the killed and the clean run use. */
    static StreamProcessorApp.Config config(String bootstrap, String registry, String prefix, String applicationId,
                                            Path stateDir) {
        return new StreamProcessorApp.Config(bootstrap, registry, new Topics(prefix), applicationId, stateDir,
                new PipelineTopology.Settings(Duration.ofSeconds(10), Duration.ofSeconds(2)), RuleSet.defaults(), 0, null,
                // A killed member is noticed after 6 s instead of 45 s, so the restart does not wait for it.
                Map.of("consumer.session.timeout.ms", 6000, "consumer.heartbeat.interval.ms", 1000));
    }

    public static void main(String[] args) throws InterruptedException {
        StreamProcessorApp app = new StreamProcessorApp(config(args[0], args[1], args[2], args[3], Path.of(args[4])));
        app.start();
        System.out.println("processor started");
        new CountDownLatch(1).await(); // until killed
    }
}
