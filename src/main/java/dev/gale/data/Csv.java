package dev.gale.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated examples: one integer class label per row in a chosen column, every other column a
 * numeric feature. A first line with a non-numeric field is a header and is skipped.
 */
public final class Csv {

    /** The label column of a file without labels: every column is a feature, for prediction. */
    public static final int NO_LABEL = Integer.MIN_VALUE;

    private Csv() {
    }

    /** Fields on the first non-blank line; 0 for an empty file. */
    public static int columns(Path file) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank()) {
                    return line.split(",", -1).length;
                }
            }
            return 0;
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file + " does not exist");
        }
    }

    /**
     * Reads {@code file}; {@code labelColumn} counts from 0, negative values from the end (-1 is the
     * last column). {@code classes} <= 0 means one more than the largest label. With
     * {@link #NO_LABEL}, every column is a feature and the targets are {@code classes} zeros per row.
     */
    public static Dataset read(Path file, int labelColumn, int classes) throws IOException {
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int columns = -1;
        int label = -1;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(",", -1);
                if (columns < 0) {
                    columns = fields.length;
                    if (columns < (labelColumn == NO_LABEL ? 1 : 2)) {
                        throw new DataFormatException(file + ": line " + lineNumber
                                + " has one column; a CSV needs a label and at least one feature");
                    }
                    label = labelColumn == NO_LABEL ? -1 : labelColumn < 0 ? columns + labelColumn : labelColumn;
                    if (labelColumn != NO_LABEL && (label < 0 || label >= columns)) {
                        throw new DataFormatException(file + " has " + columns + " columns; label column "
                                + labelColumn + " is not one of them");
                    }
                    if (isHeader(fields)) {
                        continue;
                    }
                }
                if (fields.length != columns) {
                    throw new DataFormatException(file + ": line " + lineNumber + " has " + fields.length
                            + " fields, the first row has " + columns);
                }
                float[] features = new float[label < 0 ? columns : columns - 1];
                for (int c = 0, f = 0; c < columns; c++) {
                    if (c == label) {
                        labels.add(parseLabel(file, lineNumber, fields[c]));
                    } else {
                        features[f++] = parseFeature(file, lineNumber, c, fields[c]);
                    }
                }
                rows.add(features);
            }
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file + " does not exist");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new DataFormatException(file + " is not a UTF-8 text file");
        }
        if (rows.isEmpty()) {
            throw new DataFormatException(file + " holds no examples");
        }
        int inputs = rows.getFirst().length;
        float[] features = new float[rows.size() * inputs];
        int[] labelArray = new int[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, features, r * inputs, inputs);
            labelArray[r] = label < 0 ? 0 : labels.get(r);
        }
        if (label < 0) {
            return new Dataset(features, new float[rows.size() * Math.max(classes, 1)], rows.size(), inputs,
                    Math.max(classes, 1));
        }
        return Labels.classification(features, labelArray, classes, file.toString());
    }

    private static boolean isHeader(String[] fields) {
        for (String field : fields) {
            try {
                Double.parseDouble(field.strip());
            } catch (NumberFormatException e) {
                return true;
            }
        }
        return false;
    }

    private static int parseLabel(Path file, int line, String field) throws DataFormatException {
        String text = field.strip();
        try {
            double value = Double.parseDouble(text);
            if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) value;
        } catch (NumberFormatException e) {
            throw new DataFormatException(file + ": line " + line + " has label '" + text
                    + "'; labels must be integer class numbers 0, 1, 2, ...");
        }
    }

    private static float parseFeature(Path file, int line, int column, String field) throws DataFormatException {
        String text = field.strip();
        float value;
        try {
            value = Float.parseFloat(text);
        } catch (NumberFormatException e) {
            throw new DataFormatException(file + ": line " + line + ", column " + (column + 1) + " is '" + text
                    + "', not a number");
        }
        if (!Float.isFinite(value)) {
            throw new DataFormatException(file + ": line " + line + ", column " + (column + 1) + " is " + text
                    + "; features must be finite numbers");
        }
        return value;
    }
}
