package dev.gale.run;

import dev.gale.data.DataSpec;
import dev.gale.data.ImageShift;
import dev.gale.data.InputLimits;
import dev.gale.train.Optimizer;
import dev.gale.train.Schedule;

/**
 * What decides the weights a training run ends with, in the words of {@code gale train}'s options.
 * A checkpoint stores them, so that a resumed run continues the run it came from whatever the new
 * command line says. Settings that cannot be trained are refused here, before any data is read.
 */
public record TrainSettings(String data, int labelColumn, int classes, double valSplit, String normalize, String layers,
                            String activation, String output, String loss, double l2, double dropout,
                            String optimizer, double lr,
                            double momentum, double weightDecay, String schedule, int batch, int epochs, int earlyStop,
                            long seed, boolean shuffle, String augment, String init) {

    public TrainSettings {
        if (augment == null) {
            // Checkpoints written before the option existed trained without it.
            augment = NO_AUGMENTATION;
        }
        if (data == null) {
            throw new IllegalArgumentException("--data SPEC is required: a folder of IDX files, a .csv file, "
                    + "or xor, spirals, blobs");
        }
        if (classes < 0) {
            throw new IllegalArgumentException("--classes must be 0 (from the labels) or a count, got " + classes);
        }
        if (!(valSplit >= 0 && valSplit < 1)) {
            throw new IllegalArgumentException("--val-split must be a fraction in [0, 1), got " + valSplit);
        }
        if (batch <= 0 || epochs <= 0 || earlyStop < 0) {
            throw new IllegalArgumentException("--batch and --epochs must be positive and --early-stop >= 0, got "
                    + batch + ", " + epochs + " and " + earlyStop);
        }
        if (earlyStop > 0 && valSplit == 0) {
            throw new IllegalArgumentException("--early-stop needs a validation set: give --val-split a fraction > 0");
        }
        optimizerOf(optimizer, lr, momentum, weightDecay);
        scheduleOf(schedule);
        shiftOf(augment);
        new Architecture(layers, activation, output, loss, l2, dropout);
    }

    /** What {@code --augment} says when training images are used as they are. */
    public static final String NO_AUGMENTATION = "none";

    /** The settings {@code gale train --data DATA} runs with. */
    public static Builder builder(String data) {
        return new Builder(data);
    }

    public Architecture architecture() {
        return new Architecture(layers, activation, output, loss, l2, dropout);
    }

    public Optimizer buildOptimizer() {
        return optimizerOf(optimizer, lr, momentum, weightDecay);
    }

    public Schedule buildSchedule() {
        return scheduleOf(schedule);
    }

    /**
     * The augmentation for images of {@code size} whose raw 0 the network sees as {@code background};
     * null for none. Refuses data that is not known to be images.
     */
    public ImageShift imageShift(DataSpec.ImageSize size, float background) {
        Shift shift = shiftOf(augment);
        if (shift == null) {
            return null;
        }
        if (size == null) {
            throw new IllegalArgumentException("--augment " + augment + " moves images, and " + data
                    + " does not say that its rows are images: use a folder of IDX files, or leave --augment out");
        }
        return new ImageShift(shift.pixels(), shift.probability(), size.height(), size.width(), background);
    }

    private record Shift(int pixels, double probability) {
    }

    /** none, or shift:PIXELS[:PROBABILITY]; null for none. */
    private static Shift shiftOf(String text) {
        if (text.equals(NO_AUGMENTATION)) {
            return null;
        }
        String[] parts = text.split(":", -1);
        if (!parts[0].equals("shift") || parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("unknown --augment '" + InputLimits.excerpt(text)
                    + "'; use none or shift:PIXELS[:PROBABILITY], e.g. shift:1:0.5");
        }
        int pixels = Architecture.parseInt(parts[1], "--augment shift:PIXELS");
        double probability = parts.length > 2 ? Architecture.parseDouble(parts[2], "--augment shift:PIXELS:PROBABILITY") : 1;
        ImageShift.requireValid(pixels, probability);
        return new Shift(pixels, probability);
    }

    /** sgd, momentum, nesterov, adam, adamw or cg, with the settings each takes. */
    private static Optimizer optimizerOf(String name, double lr, double momentum, double weightDecay) {
        if (name == null) {
            throw new IllegalArgumentException("--optimizer is required: sgd, momentum, nesterov, adam, adamw or cg");
        }
        return switch (name) {
            case "sgd" -> Optimizer.sgd(lr);
            case "momentum" -> Optimizer.momentum(lr, momentum);
            case "nesterov" -> Optimizer.nesterov(lr, momentum);
            case "adam" -> Optimizer.adam(lr);
            case "adamw" -> Optimizer.adamW(lr, weightDecay);
            case "cg" -> Optimizer.conjugateGradient();
            default -> throw new IllegalArgumentException("unknown --optimizer '" + name
                    + "'; use sgd, momentum, nesterov, adam, adamw or cg");
        };
    }

    /** constant, cosine[:FLOOR] or step:EVERY:GAMMA. */
    private static Schedule scheduleOf(String text) {
        if (text == null) {
            throw new IllegalArgumentException("--schedule is required: constant, cosine[:FLOOR] or step:EVERY:GAMMA");
        }
        String[] parts = text.split(":");
        return switch (parts[0]) {
            case "constant" -> Schedule.constant();
            case "cosine" -> Schedule.cosine(parts.length > 1 ? Architecture.parseDouble(parts[1], "--schedule cosine:FLOOR") : 0);
            case "step" -> {
                if (parts.length != 3) {
                    throw new IllegalArgumentException("--schedule step needs step:EVERY:GAMMA, e.g. step:5:0.5");
                }
                yield Schedule.step(Architecture.parseInt(parts[1], "--schedule step:EVERY"),
                        Architecture.parseDouble(parts[2], "--schedule step:EVERY:GAMMA"));
            }
            default -> throw new IllegalArgumentException("unknown --schedule '" + text
                    + "'; use constant, cosine[:FLOOR] or step:EVERY:GAMMA");
        };
    }

    /**
     * Settings one at a time, starting from {@code gale train}'s defaults (CliTest holds the two
     * together).
     */
    public static final class Builder {
        private final String data;
        private int labelColumn = 0;
        private int classes = 0;
        private double valSplit = 0.1;
        private String normalize = "scale";
        private String layers = "256,128";
        private String activation = "relu";
        private String output = "softmax";
        private String loss;
        private double l2 = 0;
        private double dropout = 0;
        private String optimizer = "adam";
        private double lr = 0.001;
        private double momentum = 0.9;
        private double weightDecay = 0.01;
        private String schedule = "constant";
        private int batch = 128;
        private int epochs = 10;
        private int earlyStop = 0;
        private long seed = 1;
        private boolean shuffle = true;
        private String augment = NO_AUGMENTATION;
        private String init;

        private Builder(String data) {
            this.data = data;
        }

        public Builder labelColumn(int column) {
            this.labelColumn = column;
            return this;
        }

        /** Classes of the labels 0..classes-1; 0 (the default) takes the count from the largest label. */
        public Builder classes(int count) {
            this.classes = count;
            return this;
        }

        public Builder valSplit(double fraction) {
            this.valSplit = fraction;
            return this;
        }

        public Builder normalize(String kind) {
            this.normalize = kind;
            return this;
        }

        public Builder layers(String widths) {
            this.layers = widths;
            return this;
        }

        public Builder activation(String name) {
            this.activation = name;
            return this;
        }

        public Builder output(String name) {
            this.output = name;
            return this;
        }

        public Builder loss(String name) {
            this.loss = name;
            return this;
        }

        public Builder l2(double lambda) {
            this.l2 = lambda;
            return this;
        }

        /** Inverted dropout at this rate on every hidden layer's outputs in training. */
        public Builder dropout(double rate) {
            this.dropout = rate;
            return this;
        }

        public Builder optimizer(String name) {
            this.optimizer = name;
            return this;
        }

        public Builder lr(double rate) {
            this.lr = rate;
            return this;
        }

        public Builder momentum(double mu) {
            this.momentum = mu;
            return this;
        }

        public Builder weightDecay(double decay) {
            this.weightDecay = decay;
            return this;
        }

        public Builder schedule(String text) {
            this.schedule = text;
            return this;
        }

        public Builder batch(int rows) {
            this.batch = rows;
            return this;
        }

        public Builder epochs(int count) {
            this.epochs = count;
            return this;
        }

        public Builder earlyStop(int patience) {
            this.earlyStop = patience;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        public Builder shuffle(boolean value) {
            this.shuffle = value;
            return this;
        }

        /** none, or shift:PIXELS[:PROBABILITY]: see {@link ImageShift}. */
        public Builder augment(String text) {
            this.augment = text;
            return this;
        }

        public Builder init(String modelFile) {
            this.init = modelFile;
            return this;
        }

        public TrainSettings build() {
            return new TrainSettings(data, labelColumn, classes, valSplit, normalize, layers, activation, output, loss, l2,
                    dropout, optimizer, lr, momentum, weightDecay, schedule, batch, epochs, earlyStop, seed, shuffle, augment, init);
        }
    }
}
