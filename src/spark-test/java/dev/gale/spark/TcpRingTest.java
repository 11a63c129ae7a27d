package dev.gale.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TcpRingTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void everyWorkerEndsWithTheSameSumBitForBit() throws Exception {
        int workers = 3;
        // Not a multiple of the workers, so that the chunks differ in length.
        int count = 1_001;
        float[][] values = new float[workers][count];
        SplittableRandom random = new SplittableRandom(3);
        for (float[] row : values) {
            for (int i = 0; i < count; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        float[][] reduced = new float[workers][];
        float[] scalars = new float[workers];
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int r = 0; r < workers; r++) {
            ServerSocketChannel server = TcpRing.listen();
            servers.add(server);
            addresses.add(new InetSocketAddress(LOOPBACK, ((InetSocketAddress) server.getLocalAddress()).getPort()));
        }
        ExecutorService threads = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                int rank = r;
                done.add(threads.submit(() -> {
                    try (TcpRing ring = TcpRing.connect(servers.get(rank), rank, addresses, Duration.ofSeconds(10))) {
                        // Twice, as a run's steps reuse the ring's buffers.
                        for (int round = 0; round < 2; round++) {
                            reduced[rank] = values[rank].clone();
                            scalars[rank] = ring.allReduce(reduced[rank], 0, count, rank + 0.5f);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdownNow();
            for (ServerSocketChannel server : servers) {
                server.close();
            }
        }
        for (int r = 1; r < workers; r++) {
            assertArrayEquals(reduced[0], reduced[r], "worker " + r + " holds worker 0's bits");
            assertEquals(scalars[0], scalars[r]);
        }
        assertEquals(0.5f + 1.5f + 2.5f, scalars[0]);
        for (int i = 0; i < count; i++) {
            double exact = 0;
            double magnitude = 0;
            for (float[] row : values) {
                exact += row[i];
                magnitude += Math.abs(row[i]);
            }
            // Two float32 additions, each rounding by at most 2^-24 of a partial sum <= the magnitude.
            assertEquals(exact, reduced[0][i], 2 * 0x1p-24 * magnitude, "element " + i);
        }
    }

    @Test
    void aPeerThatNeverAnswersFailsTheCallWithinTheTimeout() throws Exception {
        Duration timeout = Duration.ofSeconds(1);
        try (ServerSocketChannel server = TcpRing.listen();
             ServerSocket silent = new ServerSocket(0, 1, LOOPBACK)) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            List<InetSocketAddress> addresses = List.of(new InetSocketAddress(LOOPBACK, port),
                    new InetSocketAddress(LOOPBACK, silent.getLocalPort()));
            // Worker 1 connects and introduces itself, as a live one would, then never sends a value.
            try (Socket peer = new Socket(LOOPBACK, port)) {
                OutputStream out = peer.getOutputStream();
                out.write(ByteBuffer.allocate(Integer.BYTES).putInt(1).array());
                out.flush();
                try (TcpRing ring = TcpRing.connect(server, 0, addresses, timeout)) {
                    long start = System.nanoTime();
                    PeerFailedException e = assertThrows(PeerFailedException.class,
                            () -> ring.allReduce(new float[100], 0, 100, 1f));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    assertEquals("worker 1 at " + LOOPBACK.getHostName() + ":" + silent.getLocalPort()
                            + " did not answer within 1 s", e.getMessage());
                    assertFalse(e.getMessage().contains("\n"));
                    // The wait is the timeout; a second of slack covers a busy machine's scheduling.
                    assertTrue(seconds >= 1 && seconds < 2, "failed after " + seconds + " s");
                }
            }
        }
    }

    @Test
    void aPeerThatClosesItsConnectionFailsTheCallAtOnce() throws IOException {
        try (ServerSocketChannel server = TcpRing.listen();
             ServerSocket other = new ServerSocket(0, 1, LOOPBACK)) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            List<InetSocketAddress> addresses = List.of(new InetSocketAddress(LOOPBACK, port),
                    new InetSocketAddress(LOOPBACK, other.getLocalPort()));
            Socket peer = new Socket(LOOPBACK, port);
            peer.getOutputStream().write(ByteBuffer.allocate(Integer.BYTES).putInt(1).array());
            try (TcpRing ring = TcpRing.connect(server, 0, addresses, Duration.ofSeconds(30))) {
                peer.close();
                long start = System.nanoTime();
                PeerFailedException e = assertThrows(PeerFailedException.class,
                        () -> ring.allReduce(new float[100], 0, 100, 1f));
                assertTrue(e.getMessage().startsWith("worker 1 at "), e.getMessage());
                assertTrue(System.nanoTime() - start < 5e9, "a closed connection is not waited on");
            }
        }
    }
}
