package dev.gale.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Fetches data files into a cache folder. A file is kept only when the SHA-256 of its content
 * (after gunzip, so that a recompressed copy of the same data passes) matches the expected one.
 */
public final class Download {

    /** Zalando's Fashion-MNIST files and the SHA-256 of each one's IDX content. */
    public static final String FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    public static final Map<String, String> FASHION_MNIST = fashionMnist();

    private Download() {
    }

    private static Map<String, String> fashionMnist() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888");
        files.put("train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9");
        files.put("t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b");
        files.put("t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");
        return Map.copyOf(files);
    }

    /** Downloads every file of {@code files} (name to content SHA-256) from {@code base} into {@code folder}, skipping verified ones. */
    public static void all(URI base, Map<String, String> files, Path folder) throws IOException {
        Files.createDirectories(folder);
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path target = folder.resolve(file.getKey());
            if (Files.isRegularFile(target) && contentSha256(Files.readAllBytes(target)).equals(file.getValue())) {
                continue;
            }
            fetch(base.resolve(file.getKey()), target, file.getValue());
        }
    }

    /** Downloads {@code source} to {@code target}; on any failure nothing is left at {@code target}. */
    public static void fetch(URI source, Path target, String sha256) throws IOException {
        byte[] body;
        try (HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build()) {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(source).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException("cannot download " + source + ": HTTP " + response.statusCode());
            }
            body = response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("download of " + source + " interrupted");
        } catch (IOException e) {
            throw new IOException("cannot download " + source + ": " + e, e);
        }
        String actual = contentSha256(body);
        if (!actual.equals(sha256)) {
            throw new IOException("the download of " + source + " is damaged or not the expected file: SHA-256 "
                    + actual + ", expected " + sha256);
        }
        Path temporary = Files.createTempFile(target.toAbsolutePath().getParent(), ".download", ".tmp");
        try {
            Files.write(temporary, body);
            try {
                // The cache may be shared; temporary files start private.
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: its default permissions apply.
            }
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** SHA-256 in hex of the bytes, gunzipped first when they are gzip. */
    static String contentSha256(byte[] bytes) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
        boolean gzip = bytes.length > 2 && (bytes[0] & 0xFF) == 0x1F && (bytes[1] & 0xFF) == 0x8B;
        try (InputStream in = gzip ? new GZIPInputStream(new ByteArrayInputStream(bytes)) : new ByteArrayInputStream(bytes)) {
            byte[] chunk = new byte[1 << 16];
            for (int n; (n = in.read(chunk)) > 0; ) {
                digest.update(chunk, 0, n);
            }
        } catch (IOException e) {
            return "not-readable-gzip";
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
