package io.pgpulse.processor.window;

import io.pgpulse.processor.state.SourceState;
import java.util.Locale;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Finds a source's state at a window edge: as of its last snapshot before an instant, from
 * the current state or from the checkpoints the {@link WindowProcessor} keeps. Read only, so
 * that the processor and the fleet API (over interactive queries) share it.
 */
public final class WindowEdges {

    private final ReadOnlyKeyValueStore<String, byte[]> sources;
    private final ReadOnlyKeyValueStore<String, byte[]> objects;
    private final ReadOnlyKeyValueStore<String, byte[]> checkpoints;
    private final ReadOnlyKeyValueStore<String, byte[]> objectCheckpoints;

    public WindowEdges(ReadOnlyKeyValueStore<String, byte[]> sources, ReadOnlyKeyValueStore<String, byte[]> objects,
                       ReadOnlyKeyValueStore<String, byte[]> checkpoints,
                       ReadOnlyKeyValueStore<String, byte[]> objectCheckpoints) {
        this.sources = sources;
        this.objects = objects;
        this.checkpoints = checkpoints;
        this.objectCheckpoints = objectCheckpoints;
    }

    /** The current state of {@code source}, or null when it was never seen. */
    public SourceState current(String source, boolean withObjects) {
        byte[] bytes = sources.get(source);
        if (bytes == null) {
            return null;
        }
        SourceState state = SourceState.readSource(bytes);
        if (withObjects) {
            byte[] o = objects.get(source);
            if (o != null) {
                state.readObjects(o);
            }
        }
        return state;
    }

    /**
     * The state of {@code source} as of its last snapshot before the pane edge {@code edge}; empty
     * if it had none. The current state when nothing came since; else the checkpoint the
     * {@link WindowProcessor} kept under that edge when a snapshot crossed it.
     */
    public SourceState before(String source, long edge, boolean withObjects) {
        byte[] current = sources.get(source);
        if (current == null) {
            return SourceState.empty(source);
        }
        if (SourceState.readHeader(current).lastSeenMs() < edge) {
            SourceState state = SourceState.readSource(current);
            if (withObjects) {
                byte[] o = objects.get(source);
                if (o != null) {
                    state.readObjects(o);
                }
            }
            return state;
        }
        String key = checkpointKey(source, edge);
        byte[] kept = checkpoints.get(key);
        if (kept == null) {
            return SourceState.empty(source); // the source's first snapshot came after the edge
        }
        SourceState state = SourceState.readSource(kept);
        if (withObjects) {
            byte[] o = objectCheckpoints.get(key);
            if (o != null) {
                state.readObjects(o);
            }
        }
        return state;
    }

    static String checkpointKey(String source, long at) {
        return source + '\u0000' + hex(Math.max(0, at));
    }

    static String hex(long value) {
        return String.format(Locale.ROOT, "%016x", value);
    }
}
