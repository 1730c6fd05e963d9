package io.pgpulse.collector.target;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Lists the databases of a cluster that accept connections (templates left out), for discovery. */
public final class DatabaseLister {

    private DatabaseLister() {
    }

    /** The database names, over a short-lived connection to {@code seed}. */
    public static List<String> databases(TargetConfig seed) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", seed.user());
        if (seed.password() != null) {
            props.setProperty("password", seed.password());
        }
        props.setProperty("ApplicationName", SnapshotCollector.APPLICATION_NAME);
        props.setProperty("connectTimeout", Long.toString(SnapshotCollector.CONNECT_TIMEOUT.toSeconds()));
        props.setProperty("socketTimeout", Long.toString(SnapshotCollector.SOCKET_TIMEOUT.toSeconds()));
        props.setProperty("options", "-c statement_timeout=" + SnapshotCollector.STATEMENT_TIMEOUT.toMillis());
        if (seed.sslmode() != null) {
            props.setProperty("sslmode", seed.sslmode());
        }
        try (Connection conn = DriverManager.getConnection(seed.jdbcUrl(), props);
             PreparedStatement ps = conn.prepareStatement(SqlResource.DATABASES);
             ResultSet rs = ps.executeQuery()) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        }
    }
}
