package dev.gale.spark;

import dev.gale.compute.Collective;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A ring all-reduce over TCP: worker r sends to worker r + 1 and receives from worker r - 1 (modulo
 * the count). The values, with the scalar as one more element, are cut into as many chunks as there
 * are workers; N - 1 reduce-scatter steps leave each worker with one chunk summed over all, and N - 1
 * all-gather steps hand every summed chunk round. Each worker sends and receives 2 (N - 1) / N of the
 * values per call, whatever N is.
 *
 * <p>Chunk c is summed in the fixed order worker c, c + 1, ..., and the worker that finishes it sends
 * the same bits to all others: every worker ends with identical values, run after run. Every wait
 * is bounded: a peer that moves no byte within the timeout, or closes its connection, ends the call
 * with a one-line {@link PeerFailedException}.
 */
public final class TcpRing implements Collective, AutoCloseable {

    /** Long enough for a slow worker's step, short enough that a dead one fails the run within a minute. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final int rank;
    private final int workers;
    private final long timeoutNanos;
    private final SocketChannel next;
    private final SocketChannel previous;
    private final String nextName;
    private final String previousName;
    private final Selector selector;
    private final SelectionKey nextKey;
    private final SelectionKey previousKey;
    private float[] values = new float[0];
    private ByteBuffer outgoing = ByteBuffer.allocate(0);
    private ByteBuffer incoming = ByteBuffer.allocate(0);

    private TcpRing(int rank, int workers, Duration timeout, SocketChannel next, SocketChannel previous,
                    String nextName, String previousName) throws IOException {
        this.rank = rank;
        this.workers = workers;
        this.timeoutNanos = timeout.toNanos();
        this.next = next;
        this.previous = previous;
        this.nextName = nextName;
        this.previousName = previousName;
        this.selector = Selector.open();
        next.configureBlocking(false);
        previous.configureBlocking(false);
        nextKey = next.register(selector, 0);
        previousKey = previous.register(selector, 0);
    }

    /** A server socket on a free port of every interface, for the previous worker to connect to. */
    public static ServerSocketChannel listen() throws IOException {
        return ServerSocketChannel.open().bind(new InetSocketAddress(0));
    }

    /**
     * Joins the ring as worker {@code rank} of {@code addresses.size()}: connects to the next worker's
     * address and accepts the previous worker on {@code server}, each within {@code timeout}. Every
     * worker must be listening before any connects.
     */
    public static TcpRing connect(ServerSocketChannel server, int rank, List<InetSocketAddress> addresses,
                                  Duration timeout) {
        int workers = addresses.size();
        if (workers < 2 || rank < 0 || rank >= workers) {
            throw new IllegalArgumentException("a ring needs at least 2 workers and a rank among them, got rank "
                    + rank + " of " + workers);
        }
        int after = (rank + 1) % workers;
        int before = (rank + workers - 1) % workers;
        String nextName = name(after, addresses.get(after));
        String previousName = name(before, addresses.get(before));
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        SocketChannel next = null;
        SocketChannel previous = null;
        try {
            next = SocketChannel.open();
            try {
                next.socket().connect(addresses.get(after), millis);
                next.socket().setTcpNoDelay(true);
                // Says who connects, so that a stray connection is not taken for the previous worker.
                next.write(ByteBuffer.allocate(Integer.BYTES).putInt(0, rank));
            } catch (IOException e) {
                throw new PeerFailedException(nextName + " cannot be reached: " + e.getMessage());
            }
            server.socket().setSoTimeout(millis);
            try {
                Socket accepted = server.socket().accept();
                previous = accepted.getChannel();
                accepted.setTcpNoDelay(true);
                accepted.setSoTimeout(millis);
                byte[] hello = accepted.getInputStream().readNBytes(Integer.BYTES);
                int from = hello.length == Integer.BYTES ? ByteBuffer.wrap(hello).getInt() : -1;
                if (from != before) {
                    throw new PeerFailedException("worker " + rank + " expected " + previousName
                            + " to connect, but a connection said worker " + from);
                }
            } catch (SocketTimeoutException e) {
                throw new PeerFailedException(previousName + " did not answer within " + seconds(timeout));
            } catch (IOException e) {
                throw new PeerFailedException(previousName + " failed to connect: " + e.getMessage());
            }
            return new TcpRing(rank, workers, timeout, next, previous, nextName, previousName);
        } catch (IOException e) {
            closeQuietly(next);
            closeQuietly(previous);
            throw new PeerFailedException("worker " + rank + " cannot join the ring: " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(next);
            closeQuietly(previous);
            throw e;
        }
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public float allReduce(float[] data, int offset, int count, float scalar) {
        int length = count + 1;
        if (values.length != length) {
            values = new float[length];
            int largest = Math.ceilDiv(length, workers) + 1;
            outgoing = ByteBuffer.allocateDirect(largest * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            incoming = ByteBuffer.allocateDirect(largest * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        System.arraycopy(data, offset, values, 0, count);
        values[count] = scalar;
        for (int s = 0; s < workers - 1; s++) {
            exchange(chunk(rank - s), chunk(rank - s - 1), true);
        }
        for (int s = 0; s < workers - 1; s++) {
            exchange(chunk(rank + 1 - s), chunk(rank - s), false);
        }
        System.arraycopy(values, 0, data, offset, count);
        return values[count];
    }

    /** Chunk c (any integer, taken modulo the workers) as {@code [from, to)} packed in a long. */
    private long chunk(int c) {
        int index = Math.floorMod(c, workers);
        long from = (long) values.length * index / workers;
        long to = (long) values.length * (index + 1) / workers;
        return from << 32 | to;
    }

    /** Sends chunk {@code send} to the next worker while receiving chunk {@code receive} from the previous one. */
    private void exchange(long send, long receive, boolean add) {
        int sendFrom = (int) (send >>> 32);
        int sendTo = (int) send;
        int receiveFrom = (int) (receive >>> 32);
        int receiveTo = (int) receive;
        outgoing.clear();
        for (int i = sendFrom; i < sendTo; i++) {
            outgoing.putFloat(values[i]);
        }
        outgoing.flip();
        incoming.clear().limit((receiveTo - receiveFrom) * Float.BYTES);
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (outgoing.hasRemaining() || incoming.hasRemaining()) {
                int sent = outgoing.hasRemaining() ? next.write(outgoing) : 0;
                int received = incoming.hasRemaining() ? previous.read(incoming) : 0;
                if (received < 0) {
                    throw new PeerFailedException(previousName + " closed its connection (its task ended)");
                }
                if (sent > 0 || received > 0) {
                    deadline = System.nanoTime() + timeoutNanos;
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new PeerFailedException(incoming.hasRemaining()
                            ? previousName + " did not answer within " + seconds(Duration.ofNanos(timeoutNanos))
                            : nextName + " took no data within " + seconds(Duration.ofNanos(timeoutNanos)));
                }
                if (Thread.interrupted()) {
                    throw new PeerFailedException("worker " + rank + " was interrupted while exchanging gradients");
                }
                nextKey.interestOps(outgoing.hasRemaining() ? SelectionKey.OP_WRITE : 0);
                previousKey.interestOps(incoming.hasRemaining() ? SelectionKey.OP_READ : 0);
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new PeerFailedException("the connection between worker " + rank + ", " + nextName + " and "
                    + previousName + " failed: " + e.getMessage());
        }
        incoming.flip();
        for (int i = receiveFrom; i < receiveTo; i++) {
            float value = incoming.getFloat();
            values[i] = add ? value + values[i] : value;
        }
    }

    @Override
    public void close() {
        closeQuietly(selector);
        closeQuietly(next);
        closeQuietly(previous);
    }

    private static String name(int rank, InetSocketAddress address) {
        return "worker " + rank + " at " + address.getHostString() + ":" + address.getPort();
    }

    private static String seconds(Duration timeout) {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing is the last thing a failed or finished ring does; there is nothing left to tell.
        }
    }
}
