package io.pgpulse.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JVM shutdown hook that stops an embedded server if its owner never closed it, so that a
 * test run killed by Ctrl-C or a failed assertion leaves no broker or postmaster behind.
 */
final class ShutdownGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownGuard.class);

    private final Thread hook;

    private ShutdownGuard(Thread hook) {
        this.hook = hook;
    }

    static ShutdownGuard install(String name, Runnable stop) {
        Thread hook = new Thread(stop, name + "-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
        return new ShutdownGuard(hook);
    }

    /** Removes the hook after an orderly close; a no-op once the JVM is already shutting down. */
    void remove() {
        if (Thread.currentThread() == hook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is exiting: the hook runs (or ran) and does the same work as close().
            LOG.debug("JVM already shutting down; leaving {} registered", hook.getName());
        }
    }
}
