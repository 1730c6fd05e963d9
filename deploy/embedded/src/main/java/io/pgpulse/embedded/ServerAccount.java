package io.pgpulse.embedded;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;

import com.sun.security.auth.module.UnixSystem;

/**
 * The operating-system account PostgreSQL runs as.
 *
 * <p>{@code initdb} and {@code postgres} refuse to run as root. When this JVM is root (a CI
 * container, a sandbox) they run as {@value #UNPRIVILEGED_USER} through util-linux
 * {@code setpriv}, which execs the server in place, so the child {@link Process} is the
 * postmaster itself and signals reach it. Otherwise they run as the JVM's own user.
 */
final class ServerAccount {

    static final String UNPRIVILEGED_USER = "nobody";

    private final String user;
    private final String group;

    private ServerAccount(String user, String group) {
        this.user = user;
        this.group = group;
    }

    static boolean runningAsRoot() {
        return new UnixSystem().getUid() == 0;
    }

    static ServerAccount forCurrentProcess() throws IOException {
        if (!runningAsRoot()) {
            return new ServerAccount(null, null);
        }
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        lookup.lookupPrincipalByName(UNPRIVILEGED_USER); // fails early with a clear message if absent
        return new ServerAccount(UNPRIVILEGED_USER, unprivilegedGroup(lookup));
    }

    /** Debian calls nobody's group {@code nogroup}, Red Hat {@code nobody}. */
    private static String unprivilegedGroup(UserPrincipalLookupService lookup) throws IOException {
        for (String candidate : List.of("nogroup", "nobody")) {
            try {
                lookup.lookupPrincipalByGroupName(candidate);
                return candidate;
            } catch (UserPrincipalNotFoundException e) {
                continue; // this distribution names it the other way
            }
        }
        throw new IOException("Running as root, but neither group nogroup nor nobody exists to run PostgreSQL as "
                + UNPRIVILEGED_USER);
    }

    boolean switchesUser() {
        return user != null;
    }

    /** {@code command} as it must be started to run under this account. */
    List<String> command(List<String> command) {
        if (!switchesUser()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(
                "setpriv", "--reuid=" + user, "--regid=" + group, "--clear-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Makes {@code directory} (not its contents) owned by this account. */
    void handOver(Path directory) throws IOException {
        if (!switchesUser()) {
            return;
        }
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal owner = lookup.lookupPrincipalByName(user);
        GroupPrincipal ownerGroup = lookup.lookupPrincipalByGroupName(group);
        PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class);
        view.setOwner(owner);
        view.setGroup(ownerGroup);
    }

    @Override
    public String toString() {
        return switchesUser() ? user + ":" + group : "current user";
    }
}
