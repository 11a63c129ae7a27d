package dev.gale.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a server on 127.0.0.1: the official Fashion-MNIST host is not reachable from the test machines. */
class DownloadTest {

    private static final byte[] LABELS = IdxTest.idx(new int[] {3}, new byte[] {0, 1, 2});

    @TempDir
    Path dir;

    private HttpServer server;
    private URI base;

    @BeforeEach
    void serve() throws IOException {
        byte[] zipped = IdxTest.gzip(LABELS);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/data/", exchange -> {
            boolean known = exchange.getRequestURI().getPath().endsWith("/labels.gz");
            exchange.sendResponseHeaders(known ? 200 : 404, known ? zipped.length : -1);
            if (known) {
                exchange.getResponseBody().write(zipped);
            }
            exchange.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/data/");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aFileWithTheRightChecksumIsKept() throws IOException {
        String sha = Download.contentSha256(LABELS);
        Download.all(base, Map.of("labels.gz", sha), dir.resolve("cache"));
        Path file = dir.resolve("cache/labels.gz");
        assertArrayEquals(new int[] {0, 1, 2}, Idx.labels(file));
        Download.all(URI.create("http://127.0.0.1:1/unreachable/"), Map.of("labels.gz", sha), dir.resolve("cache"));
        assertTrue(Files.exists(file), "a verified file is not fetched again");
    }

    @Test
    void aChecksumMismatchIsRejectedAndNothingIsKept() {
        IOException e = assertThrows(IOException.class,
                () -> Download.all(base, Map.of("labels.gz", "0".repeat(64)), dir));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("labels.gz")));
    }

    @Test
    void httpErrorsAndUnreachableHostsAreReported() {
        assertTrue(assertThrows(IOException.class, () -> Download.all(base, Map.of("other.gz", "0".repeat(64)), dir))
                .getMessage().contains("HTTP 404"));
        assertThrows(IOException.class, () -> Download.fetch(URI.create("http://127.0.0.1:1/x.gz"),
                dir.resolve("x.gz"), "0".repeat(64)));
    }

    @Test
    void theFashionMnistChecksumsMatchTheDebianPackageWhenInstalled() throws IOException {
        Path debian = Path.of("/usr/share/datasets/fashion-mnist");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(debian),
                "dataset-fashion-mnist is not installed: checksums not compared");
        for (Map.Entry<String, String> file : Download.FASHION_MNIST.entrySet()) {
            assertTrue(Download.contentSha256(Files.readAllBytes(debian.resolve(file.getKey()))).equals(file.getValue()),
                    file.getKey());
        }
    }
}
