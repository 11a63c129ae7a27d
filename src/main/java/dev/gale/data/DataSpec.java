package dev.gale.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns what a user types after {@code --data} into datasets:
 * <ul>
 *   <li>{@code xor}, {@code spirals}, {@code blobs}: the synthetic sets, with a separately drawn test set;</li>
 *   <li>a folder: IDX files with the usual names ({@code train-images-idx3-ubyte[.gz]},
 *       {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
 *       also with a prefix such as EMNIST's {@code emnist-digits-});</li>
 *   <li>a {@code .csv} file: one set, no separate test set.</li>
 * </ul>
 * Features come as stored (pixels 0..255); {@link Normalization} is the caller's step.
 */
public final class DataSpec {

    /** The height and width of images whose pixels are a row's features, row by row. */
    public record ImageSize(int height, int width) {
    }

    /**
     * Training examples, and test examples when the source has a separate test set (else null);
     * {@code images} is the size of each example's image when the source says (IDX files), else null.
     */
    public record Source(String description, Dataset train, Dataset test, ImageSize images) {
        public Source(String description, Dataset train, Dataset test) {
            this(description, train, test, null);
        }

        /** The test set if there is one, else the training set. */
        public Dataset testOrTrain() {
            return test != null ? test : train;
        }
    }

    private static final long TEST_SEED_OFFSET = 1_000_003;
    /** The name endings of training images and labels, then test images and labels, in an IDX folder. */
    private static final List<String[]> IDX_STEMS = List.of(new String[] {"train-images-idx3-ubyte"},
            new String[] {"train-labels-idx1-ubyte"}, new String[] {"t10k-images-idx3-ubyte", "test-images-idx3-ubyte"},
            new String[] {"t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte"});

    private DataSpec() {
    }

    /**
     * Loads {@code spec}; {@code labelColumn} applies to CSV files, {@code classes} <= 0 takes the
     * class count from the labels (and refuses labels that leave most class numbers unused, as a stray
     * label does), {@code seed} draws the synthetic sets.
     */
    public static Source load(String spec, int labelColumn, int classes, long seed) throws IOException {
        switch (spec.toLowerCase(Locale.ROOT)) {
            case "xor" -> {
                return new Source("xor (4 examples)", Synthetic.xor(), Synthetic.xor());
            }
            case "spirals" -> {
                return new Source("spirals (3 arms of 300 points)", Synthetic.spirals(300, 3, 0.2, seed),
                        Synthetic.spirals(100, 3, 0.2, seed + TEST_SEED_OFFSET));
            }
            case "blobs" -> {
                // One draw split in two, so that both parts share the cluster centres.
                Dataset blobs = Synthetic.blobs(350, 4, 2, 5, seed);
                return new Source("blobs (4 Gaussian clusters in 2-D)", blobs.slice(0, 1000), blobs.slice(1000, 1400));
            }
            default -> {
            }
        }
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            return idxFolder(path, classes);
        }
        if (!Files.exists(path)) {
            throw new DataFormatException("no data at '" + spec + "': give a folder of IDX files, a .csv file, "
                    + "or one of xor, spirals, blobs");
        }
        if (spec.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return new Source(path.toString(), Csv.read(path, labelColumn, classes), null);
        }
        throw new DataFormatException(spec + " is neither a folder of IDX files nor a .csv file");
    }

    /** The files {@link #load} reads for {@code spec}: none for a synthetic set. */
    public static List<Path> files(String spec) throws IOException {
        if (Synthetic.NAMES.contains(spec.toLowerCase(Locale.ROOT))) {
            return List.of();
        }
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            List<Path> files = new ArrayList<>();
            for (String[] stems : IDX_STEMS) {
                Path file = find(path, stems);
                if (file != null) {
                    files.add(file);
                }
            }
            return files;
        }
        return Files.exists(path) ? List.of(path) : List.of();
    }

    /**
     * The names of {@code spec}'s classes in label order where Gale knows them, else an empty list.
     * Fashion-MNIST's are known: a folder is Fashion-MNIST when its training labels are the published
     * file, by the SHA-256 that {@code gale download} checks, wherever the copy came from.
     */
    public static List<String> classNames(String spec) throws IOException {
        Path folder = Path.of(spec);
        Path labels = Files.isDirectory(folder) ? find(folder, IDX_STEMS.get(1)) : null;
        boolean fashionMnist = labels != null && Download.contentSha256(Files.readAllBytes(labels))
                .equals(Download.FASHION_MNIST.get("train-labels-idx1-ubyte.gz"));
        return fashionMnist ? List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                "Bag", "Ankle boot") : List.of();
    }

    private static Source idxFolder(Path folder, int classes) throws IOException {
        Path trainImages = find(folder, IDX_STEMS.get(0));
        Path trainLabels = find(folder, IDX_STEMS.get(1));
        Path testImages = find(folder, IDX_STEMS.get(2));
        Path testLabels = find(folder, IDX_STEMS.get(3));
        if (trainImages == null || trainLabels == null) {
            throw new DataFormatException(folder + " has no train-images-idx3-ubyte[.gz] and "
                    + "train-labels-idx1-ubyte[.gz] files");
        }
        if ((testImages == null) != (testLabels == null)) {
            Path present = testImages != null ? testImages : testLabels;
            String missing = testImages != null ? "t10k-labels-idx1-ubyte[.gz]" : "t10k-images-idx3-ubyte[.gz]";
            throw new DataFormatException(folder + " has " + present.getFileName() + " but no " + missing
                    + ": add it, or remove " + present.getFileName() + " to train without a test set");
        }
        Idx.LabeledImages train = Idx.load(trainImages, trainLabels, classes);
        Dataset test = null;
        if (testImages != null) {
            Idx.LabeledImages tests = Idx.load(testImages, testLabels, train.examples().outputs());
            if (!tests.size().equals(train.size())) {
                throw new DataFormatException(testImages + " has images of " + tests.size().height() + " x "
                        + tests.size().width() + " pixels, " + trainImages + " of " + train.size().height() + " x "
                        + train.size().width());
            }
            test = tests.examples();
        }
        return new Source(folder + " (IDX)", train.examples(), test, train.size());
    }

    /** The file whose name ends with one of the stems, raw or gzipped; null when none does. */
    private static Path find(Path folder, String... stems) throws IOException {
        List<Path> matches = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String bare = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
                for (String stem : stems) {
                    if (bare.endsWith(stem) && Files.isRegularFile(file)) {
                        matches.add(file);
                    }
                }
            }
        }
        if (matches.size() > 1) {
            matches.sort(null);
            if (matches.size() == 2 && matches.get(1).toString().equals(matches.get(0) + ".gz")) {
                return matches.get(0);
            }
            throw new DataFormatException(folder + " has several files for " + stems[0] + ": " + matches
                    + "; give a folder with one data set");
        }
        return matches.isEmpty() ? null : matches.getFirst();
    }
}
