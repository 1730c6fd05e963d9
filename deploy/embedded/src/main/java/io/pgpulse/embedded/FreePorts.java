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
        return distinct(1)[0];
    }

    /**
     * {@code count} different free ports. All are held open until every one is found: asking
     * one at a time can hand back the port just released.
     */
    static int[] distinct(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket();
                // Without SO_REUSEADDR the port lingers in TIME_WAIT and the real server cannot bind it.
                sockets[i].setReuseAddress(true);
                sockets[i].bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }
}
