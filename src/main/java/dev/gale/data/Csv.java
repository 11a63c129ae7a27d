package dev.gale.data;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Comma-separated examples: one integer class label per row in a chosen column, every other column a
 * numeric feature. A first line of names alone, not one of them a number, is a header and is skipped.
 * A file is read twice, a cell at a time: once for its shape, which must fit the heap, then for its
 * values, into arrays of exactly that size; no line or cell is ever held whole.
 */
public final class Csv {

    /** The label column of a file without labels: every column is a feature, for prediction. */
    public static final int NO_LABEL = Integer.MIN_VALUE;

    /**
     * The most columns a line may have: more features than any data set Gale is meant for (a 1024 x 1024
     * image), so that a file without line breaks fails here rather than as a first layer too big to allocate.
     */
    private static final int MAX_COLUMNS = 1 << 20;

    /**
     * The longest cell: a float written out digit by digit, the longest number text, needs under 160
     * characters, and a column name is shorter still.
     */
    private static final int MAX_CELL = 1000;

    private Csv() {
    }

    /** What the first pass finds: the columns of the first line, whether it is a header, the examples. */
    private record Shape(int columns, boolean header, long rows) {
    }

    /** Fields on the first non-blank line; 0 for an empty file. */
    public static int columns(Path file) throws IOException {
        try (Cells cells = Cells.open(file)) {
            return cells.nextLine() ? firstLine(file, cells).columns() : 0;
        }
    }

    /**
     * Reads {@code file}; {@code labelColumn} counts from 0, negative values from the end (-1 is the
     * last column). {@code classes} <= 0 means one more than the largest label. With
     * {@link #NO_LABEL}, every column is a feature and the targets are {@code classes} zeros per row.
     */
    public static Dataset read(Path file, int labelColumn, int classes) throws IOException {
        Shape shape = shape(file);
        int columns = shape.columns();
        if (labelColumn != NO_LABEL && columns == 1) {
            throw new DataFormatException(file + " has one column; a CSV needs a label and at least one feature");
        }
        if (shape.rows() == 0) {
            throw new DataFormatException(file + " holds no examples");
        }
        int label = labelColumn == NO_LABEL ? -1 : labelColumn < 0 ? columns + labelColumn : labelColumn;
        if (labelColumn != NO_LABEL && (label < 0 || label >= columns)) {
            throw new DataFormatException(file + " has " + columns + " columns; label column " + labelColumn
                    + " is not one of them");
        }
        int inputs = label < 0 ? columns : columns - 1;
        float[] features = new float[InputLimits.arrayLength(shape.rows() * inputs, Float.BYTES,
                file + "'s " + shape.rows() + " examples of " + inputs + " features", DataFormatException::new)];
        int rows = (int) shape.rows();
        int[] labels = new int[rows];
        try (Cells cells = Cells.open(file)) {
            if (shape.header()) {
                cells.nextLine();
            }
            for (int r = 0; r < rows; r++) {
                if (!cells.nextLine()) {
                    throw changedWhileRead(file);
                }
                for (int c = 0, f = 0; c < columns; c++) {
                    String cell = cells.nextCell();
                    if (cell == null) {
                        throw changedWhileRead(file);
                    }
                    if (c == label) {
                        labels[r] = parseLabel(file, cells.line(), cell);
                    } else {
                        features[r * inputs + f++] = parseFeature(file, cells.line(), c, cell);
                    }
                }
            }
        }
        if (label >= 0) {
            return Labels.classification(features, labels, classes, file.toString());
        }
        int outputs = Math.max(classes, 1);
        float[] targets = new float[InputLimits.arrayLength((long) rows * outputs, Float.BYTES,
                file + "'s targets, " + rows + " examples x " + outputs, DataFormatException::new)];
        return new Dataset(features, targets, rows, inputs, outputs);
    }

    /** The first pass: every line has the first line's number of cells. */
    private static Shape shape(Path file) throws IOException {
        try (Cells cells = Cells.open(file)) {
            if (!cells.nextLine()) {
                return new Shape(0, false, 0);
            }
            Shape first = firstLine(file, cells);
            long rows = first.rows();
            while (cells.nextLine()) {
                int fields = 0;
                while (cells.nextCell() != null) {
                    fields++;
                }
                if (fields != first.columns()) {
                    throw new DataFormatException(file + ": line " + cells.line() + " has " + fields
                            + " fields, the first row has " + first.columns());
                }
                rows++;
            }
            return new Shape(first.columns(), first.header(), rows);
        }
    }

    /** The line {@code cells} is on, the first: names alone make a header, numbers alone an example. */
    private static Shape firstLine(Path file, Cells cells) throws IOException {
        int columns = 0;
        int numberColumn = 0;
        String name = null;
        int nameColumn = 0;
        for (String cell; (cell = cells.nextCell()) != null; ) {
            if (++columns > MAX_COLUMNS) {
                throw new DataFormatException(file + ": line " + cells.line() + " has more than " + MAX_COLUMNS
                        + " columns; is it a file without line breaks?");
            }
            if (!isNumber(cell)) {
                if (name == null) {
                    name = cell;
                    nameColumn = columns;
                }
            } else if (numberColumn == 0) {
                numberColumn = columns;
            }
        }
        if (name != null && numberColumn > 0) {
            throw new DataFormatException(file + ": line " + cells.line() + ", column " + nameColumn + " is '"
                    + InputLimits.excerpt(name) + "', not a number, but column " + numberColumn + " is a number;"
                    + " a header line holds names only, an example numbers only");
        }
        boolean header = name != null;
        return new Shape(columns, header, header ? 0 : 1);
    }

    private static DataFormatException changedWhileRead(Path file) {
        return new DataFormatException(file + " changed while it was read; read it again once it is written");
    }

    private static boolean isNumber(String cell) {
        try {
            Double.parseDouble(cell);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static int parseLabel(Path file, int line, String cell) throws DataFormatException {
        try {
            double value = Double.parseDouble(cell);
            if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) value;
        } catch (NumberFormatException e) {
            throw new DataFormatException(file + ": line " + line + " has label '" + InputLimits.excerpt(cell)
                    + "'; labels must be integer class numbers 0, 1, 2, ...");
        }
    }

    private static float parseFeature(Path file, int line, int column, String cell) throws DataFormatException {
        float value;
        try {
            value = Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            throw new DataFormatException(file + ": line " + line + ", column " + (column + 1) + " is '"
                    + InputLimits.excerpt(cell) + "', not a number");
        }
        if (!Float.isFinite(value)) {
            throw new DataFormatException(file + ": line " + line + ", column " + (column + 1) + " is "
                    + InputLimits.excerpt(cell) + "; features must be finite numbers");
        }
        return value;
    }

    /**
     * A CSV file's cells, a line at a time, blank lines skipped; each cell stripped of surrounding white
     * space. Lines end at \n, \r\n or \r.
     */
    private static final class Cells implements Closeable {
        private final Path file;
        private final BufferedReader reader;
        private final char[] buffer = new char[1 << 16];
        private int position;
        private int limit;
        private final StringBuilder cell = new StringBuilder();
        private int line;
        private int column;
        private boolean lineEnded = true;
        private boolean fileEnded;
        /** The first cell of the line, read ahead to tell a blank line; null once returned. */
        private String firstCell;

        private Cells(Path file, BufferedReader reader) {
            this.file = file;
            this.reader = reader;
        }

        static Cells open(Path file) throws IOException {
            try {
                return new Cells(file, Files.newBufferedReader(file, StandardCharsets.UTF_8));
            } catch (NoSuchFileException e) {
                throw new DataFormatException(file + " does not exist");
            }
        }

        /** Moves past the rest of this line to the next one that is not blank; false at the end of the file. */
        boolean nextLine() throws IOException {
            while (!lineEnded) {
                readCell();
            }
            while (!fileEnded) {
                line++;
                column = 0;
                String first = readCell();
                if (!first.isEmpty() || !lineEnded) {
                    firstCell = first;
                    return true;
                }
            }
            return false;
        }

        /** The next cell of this line; null after its last. */
        String nextCell() throws IOException {
            if (firstCell != null) {
                String first = firstCell;
                firstCell = null;
                return first;
            }
            return lineEnded ? null : readCell();
        }

        /** The number of the line the last cell is on, from 1. */
        int line() {
            return line;
        }

        private String readCell() throws IOException {
            column++;
            cell.setLength(0);
            int c = read();
            while (c != ',' && c != '\n' && c != '\r' && c != -1) {
                if (cell.length() == MAX_CELL) {
                    throw new DataFormatException(file + ": line " + line + ", column " + column + " is longer than "
                            + MAX_CELL + " characters ('" + InputLimits.excerpt(cell) + "'); a cell holds one number"
                            + " or name");
                }
                cell.append((char) c);
                c = read();
            }
            lineEnded = c != ',';
            fileEnded = c == -1;
            if (c == '\r' && (position < limit || fill()) && buffer[position] == '\n') {
                position++;
            }
            return cell.toString().strip();
        }

        private int read() throws IOException {
            return position < limit || fill() ? buffer[position++] : -1;
        }

        private boolean fill() throws IOException {
            try {
                limit = Math.max(reader.read(buffer), 0);
            } catch (MalformedInputException e) {
                throw new DataFormatException(file + " is not a UTF-8 text file");
            }
            position = 0;
            return limit > 0;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
