package io.pgpulse.bench.streams;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The live phase's snapshots, made before it starts and kept in a temporary file rather than on
 * the heap: a minute of them is gigabytes, and on the heap they made the collector work through
 * the very phase whose latency is measured, in the processor's JVM.
 */
final class LiveSnapshots implements Closeable {

    private final Path file;
    private DataOutputStream out;
    private int count;

    LiveSnapshots() throws IOException {
        this.file = Files.createTempFile("pgpulse-bench-live", ".bin");
        this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20));
    }

    void append(String key, byte[] value) throws IOException {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        out.writeInt(k.length);
        out.write(k);
        out.writeInt(value.length);
        out.write(value);
        count++;
    }

    int size() {
        return count;
    }

    interface Sink {
        void accept(String key, byte[] value) throws Exception;
    }

    /** Reads the snapshots back in the order they were appended. */
    void forEach(Sink sink) throws Exception {
        if (out != null) {
            out.close();
            out = null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            for (int i = 0; i < count; i++) {
                byte[] k = new byte[in.readInt()];
                in.readFully(k);
                byte[] v = new byte[in.readInt()];
                in.readFully(v);
                sink.accept(new String(k, StandardCharsets.UTF_8), v);
            }
        } catch (EOFException e) {
            throw new IOException("the live snapshots' file " + file + " ended early", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
        Files.deleteIfExists(file);
    }
}
