package io.pgpulse.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Unpacks an xz-compressed tar (the {@code .txz} inside a PostgreSQL binaries jar) keeping what
 * makes the result runnable: execute bits, symbolic links ({@code libpq.so -> libpq.so.5.18})
 * and hard links.
 *
 * <p>Everything unpacked is made readable by all users and directories traversable by all,
 * because the server may run as an unprivileged account other than the one that unpacked it.
 */
final class TxzArchive {

    private static final Set<PosixFilePermission> DIRECTORY_PERMISSIONS = PosixFilePermissions.fromString("rwxr-xr-x");

    private TxzArchive() {
    }

    /** Unpacks {@code txz} into {@code target}, which must exist; entries may not escape it. */
    static void unpack(InputStream txz, Path target) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new XZCompressorInputStream(new BufferedInputStream(txz)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = resolveInside(root, entry.getName());
                if (entry.isDirectory()) {
                    createDirectories(path);
                } else if (entry.isSymbolicLink()) {
                    createDirectories(path.getParent());
                    Files.deleteIfExists(path);
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    createDirectories(path.getParent());
                    Files.deleteIfExists(path);
                    Files.createLink(path, resolveInside(root, entry.getLinkName()));
                } else if (entry.isFile()) {
                    createDirectories(path.getParent());
                    Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(path, filePermissions(entry.getMode()));
                }
                // Other kinds (devices, FIFOs) do not occur in these archives and are skipped.
            }
        }
        // Directories listed before their contents may carry a restrictive mode, and
        // directories created implicitly got the process umask: normalise them all at the end.
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(path, DIRECTORY_PERMISSIONS);
                }
            }
        }
    }

    /** The owner's bits from the archive, readable by everyone, executable by everyone if by anyone. */
    static Set<PosixFilePermission> filePermissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.of(
                PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
        if ((mode & 0200) != 0) {
            permissions.add(PosixFilePermission.OWNER_WRITE);
        }
        if ((mode & 0111) != 0) {
            permissions.add(PosixFilePermission.OWNER_EXECUTE);
            permissions.add(PosixFilePermission.GROUP_EXECUTE);
            permissions.add(PosixFilePermission.OTHERS_EXECUTE);
        }
        return permissions;
    }

    private static Path resolveInside(Path root, String name) throws IOException {
        Path path = root.resolve(name).normalize();
        if (!path.startsWith(root)) {
            throw new IOException("Archive entry " + name + " points outside " + root);
        }
        return path;
    }

    private static void createDirectories(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory);
        }
    }
}
