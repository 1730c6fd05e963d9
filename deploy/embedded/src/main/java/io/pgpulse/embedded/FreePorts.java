package io.pgpulse.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Finds TCP ports on the loopback interface that nobody listens on right now.
 *
 * <p>The port is released before the caller binds it, so another process could take it in
 * between; callers that can retry on "address in use" do so.
 */
final class FreePorts {

    private FreePorts() {
    }

    static int next() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            // Without SO_REUSEADDR the port lingers in TIME_WAIT and the real server cannot bind it.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }
}
