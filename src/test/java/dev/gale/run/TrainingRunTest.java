package dev.gale.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gale.OnCpuBackend;
import dev.gale.data.Normalization;
import dev.gale.io.ModelFile;
import dev.gale.io.ModelFormatException;
import dev.gale.io.Safetensors;
import dev.gale.nn.Network;
import dev.gale.train.EpochReport;
import dev.gale.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRunTest extends OnCpuBackend {

    @TempDir
    Path dir;

    private Path checkpoint(JsonObject settings) throws IOException {
        Network network = new Architecture("4", "relu", "softmax", null, 0, 0).build(2, 3, 1);
        Path file = dir.resolve("last.safetensors");
        CheckpointFile.save(file, network, Normalization.none(),
                new TrainingState(0, 0, new float[0][], -1, Double.POSITIVE_INFINITY, null, List.of()), settings);
        return file;
    }

    @Test
    void aCheckpointWithoutUsableSettingsIsOneClearError() throws IOException {
        Path empty = checkpoint(new JsonObject());
        assertTrue(assertThrows(ModelFormatException.class, () -> TrainingRun.resume(empty,
                TrainingRun.Outputs.of(dir.resolve("m.safetensors")))).getMessage().contains("no training settings"));

        JsonObject bad = new JsonObject();
        JsonObject train = new Gson().toJsonTree(TrainSettings.builder("spirals").build()).getAsJsonObject();
        train.addProperty("valSplit", 2.0);
        bad.add("train", train);
        Path unusable = checkpoint(bad);
        String message = assertThrows(ModelFormatException.class, () -> TrainingRun.resume(unusable,
                TrainingRun.Outputs.of(dir.resolve("m.safetensors")))).getMessage();
        assertTrue(message.contains("unusable training settings") && message.contains("--val-split"), message);
    }

    @Test
    void aCheckpointClaimingBillionsOfOptimizerTensorsIsRefusedBeforeAllocating() throws IOException {
        Path file = checkpoint(new JsonObject());
        Safetensors.Contents contents = Safetensors.read(file);
        Map<String, String> metadata = new HashMap<>(contents.metadata());
        JsonObject state = JsonParser.parseString(metadata.get("gale.checkpoint")).getAsJsonObject();
        state.addProperty("optimizer_tensors", Integer.MAX_VALUE);
        metadata.put("gale.checkpoint", state.toString());
        Safetensors.write(file, contents.tensors(), metadata);
        String message = assertThrows(ModelFormatException.class, () -> CheckpointFile.load(file)).getMessage();
        assertTrue(message.contains("2147483647 optimizer tensors"), message);
    }

    @Test
    void aRunIsALibraryCallThatEndsLikeTheCommand() throws IOException {
        TrainSettings settings = TrainSettings.builder("spirals").layers("16").lr(0.01).epochs(3).build();
        TrainingRun.Outputs outputs = TrainingRun.Outputs.of(dir.resolve("m.safetensors")).log(dir.resolve("log.csv"));
        int[] epochs = {0};
        TrainingRun.Result result = TrainingRun.start(settings, outputs).run(backend, new TrainingRun.Listener() {
            @Override
            public void epochDone(EpochReport report) {
                epochs[0]++;
            }
        });
        assertEquals(3, epochs[0]);
        assertEquals("test", result.evaluatedPart());
        assertEquals(result.evaluation().confusion().accuracy(), result.evaluation().accuracy());
        Network saved = ModelFile.load(outputs.model()).network();
        assertEquals(result.network().toString(), saved.toString());
        assertTrue(Files.isRegularFile(outputs.checkpoint()));
        assertEquals(4, Files.readAllLines(outputs.log()).size());
    }
}
