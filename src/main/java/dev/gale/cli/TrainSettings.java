package dev.gale.cli;

/**
 * What decides the weights a training run ends with. A checkpoint stores them, so that
 * {@code --resume} continues the run it came from whatever the new command line says.
 */
record TrainSettings(String data, int labelColumn, double valSplit, String normalize, String layers,
                     String activation, String output, String loss, double l2, String optimizer, double lr,
                     double momentum, double weightDecay, String schedule, int batch, int epochs, int earlyStop,
                     long seed, boolean shuffle, String init) {
}
