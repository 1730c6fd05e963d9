package io.pgpulse.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removes the temporary directories that brokers and clusters leave behind. */
final class Directories {

    private Directories() {
    }

    /** Deletes {@code root} and everything below it, without following symbolic links; absent is fine. */
    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            // Deepest first, so each directory is empty by the time it is deleted.
            paths.sorted(Comparator.reverseOrder()).forEach(Directories::deleteOne);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void deleteOne(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (NoSuchFileException e) {
            // A server process removed it (a pid file, a socket) while we were walking.
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
