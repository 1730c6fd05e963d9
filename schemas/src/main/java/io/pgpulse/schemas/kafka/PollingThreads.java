package io.pgpulse.schemas.kafka;

import org.apache.kafka.clients.consumer.Consumer;

/**
 * Stops a thread that polls a Kafka consumer and closes the consumer in it: wakes the
 * consumer (its poll throws {@code WakeupException}, which the loop treats as the end),
 * gives the thread two seconds, then interrupts whatever it still waits on (a retry
 * pause, an HTTP call) and waits up to ten more. A thread that never started leaves
 * its consumer to be closed here.
 */
public final class PollingThreads {

    private PollingThreads() {
    }

    public static void stop(Thread thread, Consumer<?, ?> consumer) {
        consumer.wakeup();
        if (!thread.isAlive()) {
            if (thread.getState() == Thread.State.NEW) {
                consumer.close();
            }
            return;
        }
        try {
            thread.join(2_000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
