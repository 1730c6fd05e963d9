package io.pgpulse.collector.target;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A client of PgBouncer's admin console: the PostgreSQL wire protocol (version 3), simple
 * queries only, which is all the console speaks. pgjdbc cannot be used there: it sends
 * {@code SET extra_float_digits} (or the same as a startup parameter), which the console
 * refuses with "SET failed". Authentication: trust, cleartext or md5 password (PgBouncer's
 * {@code auth_type} trust, plain, md5 or hba); SCRAM is refused with a message saying so.
 * See PostgreSQL's "Frontend/Backend Protocol" chapter for the message formats.
 */
final class PgBouncerConsole implements AutoCloseable {

    private static final int PROTOCOL_3 = 196608;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private String serverVersion = "";

    private PgBouncerConsole(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /** Connects and logs in; failures carry SQLSTATEs like the driver's (08001 unreachable, 28P01 refused). */
    static PgBouncerConsole connect(String host, int port, String database, String user, String password,
                                    String applicationName, Duration connectTimeout, Duration socketTimeout)
            throws SQLException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            socket.setSoTimeout((int) socketTimeout.toMillis());
            socket.setTcpNoDelay(true);
            PgBouncerConsole console = new PgBouncerConsole(socket);
            console.login(database, user, password, applicationName);
            return console;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new SQLException("cannot reach the PgBouncer console at " + host + ":" + port + ": " + e.getMessage(),
                    "08001", e);
        } catch (SQLException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    private void login(String database, String user, String password, String applicationName)
            throws IOException, SQLException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream b = new DataOutputStream(body);
        b.writeInt(PROTOCOL_3);
        for (String[] kv : new String[][] {{"user", user}, {"database", database}, {"application_name", applicationName}}) {
            cstring(b, kv[0]);
            cstring(b, kv[1]);
        }
        b.writeByte(0);
        out.writeInt(body.size() + 4);
        body.writeTo(out);
        out.flush();
        while (true) {
            int type = in.readUnsignedByte();
            byte[] message = readBody();
            switch (type) {
                case 'R' -> authenticate(message, user, password);
                case 'S' -> {
                    List<String> kv = cstrings(message, 0);
                    if (kv.size() >= 2 && kv.get(0).equals("server_version")) {
                        serverVersion = kv.get(1);
                    }
                }
                case 'K', 'N' -> { } // backend key data, notices: nothing to do
                case 'E' -> throw error(message);
                case 'Z' -> {
                    return;
                }
                default -> throw new SQLException("unexpected message '" + (char) type + "' while logging in", "08P01");
            }
        }
    }

    private void authenticate(byte[] message, String user, String password) throws IOException, SQLException {
        int kind = ((message[0] & 0xff) << 24) | ((message[1] & 0xff) << 16) | ((message[2] & 0xff) << 8) | (message[3] & 0xff);
        switch (kind) {
            case 0 -> { } // AuthenticationOk
            case 3 -> sendPassword(requirePassword(password));
            case 5 -> {
                byte[] salt = {message[4], message[5], message[6], message[7]};
                String inner = md5Hex((requirePassword(password) + user).getBytes(StandardCharsets.UTF_8));
                byte[] salted = new byte[inner.length() + 4];
                System.arraycopy(inner.getBytes(StandardCharsets.US_ASCII), 0, salted, 0, inner.length());
                System.arraycopy(salt, 0, salted, inner.length(), 4);
                sendPassword("md5" + md5Hex(salted));
            }
            case 10 -> throw new SQLException("the PgBouncer console asks for SCRAM, which pgpulse's console client does "
                    + "not speak; give the monitoring user an md5 or plain entry (or hba trust) for the console", "28000");
            default -> throw new SQLException("unsupported authentication request " + kind + " from the PgBouncer console",
                    "28000");
        }
    }

    private static String requirePassword(String password) throws SQLException {
        if (password == null) {
            throw new SQLException("the PgBouncer console asks for a password and none is configured", "28P01");
        }
        return password;
    }

    private void sendPassword(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeByte('p');
        out.writeInt(bytes.length + 5);
        out.write(bytes);
        out.writeByte(0);
        out.flush();
    }

    /** Runs one console command (SHOW POOLS, SHOW STATS, ...) and returns its rows as text. */
    Rows query(String command) throws SQLException {
        try {
            byte[] bytes = command.getBytes(StandardCharsets.UTF_8);
            out.writeByte('Q');
            out.writeInt(bytes.length + 5);
            out.write(bytes);
            out.writeByte(0);
            out.flush();
            List<String> columns = new ArrayList<>();
            List<String[]> rows = new ArrayList<>();
            SQLException failure = null;
            while (true) {
                int type = in.readUnsignedByte();
                byte[] message = readBody();
                switch (type) {
                    case 'T' -> columns = rowDescription(message);
                    case 'D' -> rows.add(dataRow(message));
                    case 'E' -> failure = error(message);
                    case 'C', 'N', 'S', 'I' -> { }
                    case 'Z' -> {
                        if (failure != null) {
                            throw failure;
                        }
                        return Rows.ofText(columns, rows);
                    }
                    default -> throw new SQLException("unexpected message '" + (char) type + "' after " + command, "08P01");
                }
            }
        } catch (IOException e) {
            throw new SQLException("the PgBouncer console connection broke: " + e.getMessage(), "08006", e);
        }
    }

    /** The server_version the console announced, e.g. {@code 1.18.0/bouncer}. */
    String serverVersion() {
        return serverVersion;
    }

    /** The major version from {@link #serverVersion()} (1 for 1.18.0), or 1 when it cannot be read. */
    int majorVersion() {
        String v = serverVersion.trim();
        int dot = v.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() {
        try {
            out.writeByte('X');
            out.writeInt(4);
            out.flush();
        } catch (IOException e) {
            // The console is gone already; closing the socket is all that is left.
        }
        closeQuietly(socket);
    }

    private byte[] readBody() throws IOException {
        int length = in.readInt();
        if (length < 4 || length > 64 * 1024 * 1024) {
            throw new IOException("implausible message length " + length);
        }
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return body;
    }

    private static List<String> rowDescription(byte[] m) {
        int count = ((m[0] & 0xff) << 8) | (m[1] & 0xff);
        List<String> names = new ArrayList<>(count);
        int pos = 2;
        for (int i = 0; i < count; i++) {
            int end = pos;
            while (m[end] != 0) {
                end++;
            }
            names.add(new String(m, pos, end - pos, StandardCharsets.UTF_8));
            pos = end + 1 + 18; // table oid, column number, type oid, size, modifier, format
        }
        return names;
    }

    private static String[] dataRow(byte[] m) {
        int count = ((m[0] & 0xff) << 8) | (m[1] & 0xff);
        String[] values = new String[count];
        int pos = 2;
        for (int i = 0; i < count; i++) {
            int len = ((m[pos] & 0xff) << 24) | ((m[pos + 1] & 0xff) << 16) | ((m[pos + 2] & 0xff) << 8) | (m[pos + 3] & 0xff);
            pos += 4;
            if (len >= 0) {
                values[i] = new String(m, pos, len, StandardCharsets.UTF_8);
                pos += len;
            }
        }
        return values;
    }

    private static SQLException error(byte[] m) {
        String state = null;
        String text = "";
        int pos = 0;
        while (pos < m.length && m[pos] != 0) {
            char field = (char) m[pos++];
            int end = pos;
            while (m[end] != 0) {
                end++;
            }
            String value = new String(m, pos, end - pos, StandardCharsets.UTF_8);
            pos = end + 1;
            if (field == 'C') {
                state = value;
            } else if (field == 'M') {
                text = value;
            }
        }
        return new SQLException("ERROR: " + text, state);
    }

    private static List<String> cstrings(byte[] m, int from) {
        List<String> out = new ArrayList<>();
        int pos = from;
        while (pos < m.length) {
            int end = pos;
            while (end < m.length && m[end] != 0) {
                end++;
            }
            out.add(new String(m, pos, end - pos, StandardCharsets.UTF_8));
            pos = end + 1;
        }
        return out;
    }

    private static void cstring(DataOutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }

    private static String md5Hex(byte[] input) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(input));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has MD5", e);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}
