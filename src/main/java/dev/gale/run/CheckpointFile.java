package dev.gale.run;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.gale.data.Normalization;
import dev.gale.io.ModelFile;
import dev.gale.io.ModelFormatException;
import dev.gale.io.Safetensors;
import dev.gale.nn.Network;
import dev.gale.train.EpochReport;
import dev.gale.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model file plus what resuming needs: the optimizer state as tensors {@code optimizer.I} (I in
 * {@link TrainingState#optimizerState()} order), the best weights so far as {@code best.layers.N.*}
 * under early stopping, and the metadata key {@code gale.checkpoint}: completed epochs, steps, the
 * best epoch and loss, the epoch reports and the run's settings (an opaque JSON object the caller
 * chooses). A checkpoint is also a model file: evaluate and {@code --init} accept it.
 */
public final class CheckpointFile {

    /** A saved run: its model (the last completed epoch), where training stood, and its settings. */
    public record Checkpoint(ModelFile.Model model, TrainingState state, JsonObject settings) {
    }

    private static final String KEY = "gale.checkpoint";

    private CheckpointFile() {
    }

    /** Writes atomically, so that a crash leaves the previous checkpoint whole. */
    public static void save(Path file, Network network, Normalization normalization, TrainingState state,
                            JsonObject settings) throws IOException {
        Map<String, Safetensors.Tensor> tensors = ModelFile.tensors(network, "layers.");
        float[][] optimizer = state.optimizerState();
        for (int i = 0; i < optimizer.length; i++) {
            tensors.put("optimizer." + i, new Safetensors.Tensor(new long[] {optimizer[i].length}, optimizer[i]));
        }
        if (state.best() != null) {
            tensors.putAll(ModelFile.tensors(state.best(), "best.layers."));
        }
        JsonObject json = new JsonObject();
        json.addProperty("epochs_done", state.epochsDone());
        json.addProperty("step", state.step());
        json.addProperty("optimizer_tensors", optimizer.length);
        json.addProperty("best_epoch", state.bestEpoch());
        json.addProperty("best_loss", Double.toString(state.bestLoss()));
        JsonArray reports = new JsonArray();
        for (EpochReport r : state.reports()) {
            JsonArray row = new JsonArray();
            row.add(r.epoch());
            for (double v : new double[] {r.learningRate(), r.trainingLoss(), r.trainingAccuracy(), r.validationLoss(),
                r.validationAccuracy()}) {
                row.add(Double.toString(v));
            }
            row.add(r.nanos());
            reports.add(row);
        }
        json.add("reports", reports);
        json.add("settings", settings);
        Map<String, String> metadata = ModelFile.metadata(network, normalization);
        metadata.put(KEY, json.toString());
        Safetensors.write(file, tensors, metadata);
    }

    public static Checkpoint load(Path file) throws IOException {
        Safetensors.Contents contents = Safetensors.read(file);
        ModelFile.Model model = ModelFile.fromContents(file, contents);
        String text = contents.metadata().get(KEY);
        if (text == null) {
            throw new ModelFormatException(file + " is a model, not a checkpoint: it has no training state to resume");
        }
        try {
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            int count = json.get("optimizer_tensors").getAsInt();
            if (count < 0 || count > contents.tensors().size()) {
                throw new ModelFormatException(file + " says it holds " + count + " optimizer tensors, but the file has "
                        + contents.tensors().size() + " tensors in all");
            }
            float[][] optimizer = new float[count][];
            for (int i = 0; i < optimizer.length; i++) {
                Safetensors.Tensor tensor = contents.tensors().get("optimizer." + i);
                if (tensor == null) {
                    throw new ModelFormatException(file + ": optimizer tensor " + i + " is missing");
                }
                optimizer[i] = tensor.data();
            }
            Network best = null;
            if (contents.tensors().containsKey("best.layers.0.weight")) {
                best = model.network().copy();
                ModelFile.readParameters(file, contents, best, "best.layers.");
            }
            List<EpochReport> reports = new ArrayList<>();
            for (JsonElement element : json.getAsJsonArray("reports")) {
                JsonArray row = element.getAsJsonArray();
                double[] v = new double[5];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Double.parseDouble(row.get(1 + i).getAsString());
                }
                reports.add(new EpochReport(row.get(0).getAsInt(), v[0], v[1], v[2], v[3], v[4], row.get(6).getAsLong()));
            }
            TrainingState state = new TrainingState(json.get("epochs_done").getAsInt(), json.get("step").getAsLong(),
                    optimizer, json.get("best_epoch").getAsInt(), Double.parseDouble(json.get("best_loss").getAsString()),
                    best, reports);
            return new Checkpoint(model, state, json.getAsJsonObject("settings"));
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NullPointerException
                 | ClassCastException | IllegalArgumentException e) {
            throw new ModelFormatException(file + " has corrupt checkpoint metadata");
        }
    }
}
