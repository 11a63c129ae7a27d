package dev.gale.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.gale.OnCpuBackend;
import dev.gale.data.Dataset;
import dev.gale.data.ImageShift;
import dev.gale.data.Normalization;
import dev.gale.data.Synthetic;
import dev.gale.io.ModelFile;
import dev.gale.io.ModelFormatException;
import dev.gale.nn.Activation;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import dev.gale.train.Optimizer;
import dev.gale.train.Schedule;
import dev.gale.train.Trainer;
import dev.gale.train.TrainingHistory;
import dev.gale.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointResumeTest extends OnCpuBackend {

    private static final int EPOCHS = 6;

    @TempDir
    Path dir;

    private static Network network() {
        return Network.builder(5).dense(12, Activation.RELU).maxout(6, 2).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).l2(1e-3).seed(4).build();
    }

    private Trainer.Builder trainer(Optimizer optimizer) {
        return Trainer.builder(backend).optimizer(optimizer).schedule(Schedule.cosine(0.1)).batchSize(16)
                .epochs(EPOCHS).earlyStopping(EPOCHS).seed(5);
    }

    private Trainer checkpointing(Optimizer optimizer, Network network) {
        return trainer(optimizer).checkpoints(state -> save(network, state)).build();
    }

    @Test
    void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne() throws IOException {
        Dataset[] parts = Synthetic.blobs(60, 3, 5, 2, 3).holdOut(0.2, 1);
        for (Optimizer optimizer : new Optimizer[] {Optimizer.adam(0.01), Optimizer.nesterov(0.05, 0.9)}) {
            Network whole = network();
            TrainingHistory history = checkpointing(optimizer, whole).fit(whole, parts[0], parts[1]);
            assertEquals(EPOCHS, history.epochs().size());
            for (int resumeAt : new int[] {1, 3}) {
                CheckpointFile.Checkpoint checkpoint = CheckpointFile.load(dir.resolve("epoch-" + resumeAt + ".safetensors"));
                Network resumed = checkpoint.model().network();
                TrainingHistory rest = trainer(optimizer).build().fit(resumed, parts[0], parts[1], checkpoint.state());
                assertEquals(history.bestEpoch(), rest.bestEpoch());
                for (int e = 0; e < EPOCHS; e++) {
                    assertEquals(history.epochs().get(e).trainingLoss(), rest.epochs().get(e).trainingLoss());
                    assertEquals(history.epochs().get(e).validationLoss(), rest.epochs().get(e).validationLoss());
                }
                for (int l = 0; l < 3; l++) {
                    assertArrayEquals(whole.weights(l), resumed.weights(l), optimizer + " from epoch " + resumeAt);
                    assertArrayEquals(whole.bias(l), resumed.bias(l));
                }
            }
        }
    }

    @Test
    void aResumedRunOnMovedImagesEndsWithTheWeightsOfAnUninterruptedOne() throws IOException {
        // Six features as images of 2 x 3 pixels, each moved by one pixel half of the time.
        Dataset[] parts = Synthetic.blobs(60, 3, 6, 2, 3).holdOut(0.2, 1);
        ImageShift shift = new ImageShift(1, 0.5, 2, 3, 0);
        Optimizer optimizer = Optimizer.adam(0.01);
        Network whole = imageNetwork();
        TrainingHistory history = trainer(optimizer).augmentation(shift).checkpoints(state -> save(whole, state)).build()
                .fit(whole, parts[0], parts[1]);
        CheckpointFile.Checkpoint checkpoint = CheckpointFile.load(dir.resolve("epoch-2.safetensors"));
        Network resumed = checkpoint.model().network();
        TrainingHistory rest = trainer(optimizer).augmentation(shift).build()
                .fit(resumed, parts[0], parts[1], checkpoint.state());
        assertEquals(history.epochs().getLast().trainingLoss(), rest.epochs().getLast().trainingLoss());
        assertArrayEquals(whole.weights(0), resumed.weights(0), "resumed at epoch 2");
        Network unmoved = imageNetwork();
        TrainingHistory plain = trainer(optimizer).build().fit(unmoved, parts[0], parts[1]);
        assertNotEquals(plain.epochs().getFirst().trainingLoss(), history.epochs().getFirst().trainingLoss(),
                "the moved images are what the run trained on");
    }

    private static Network imageNetwork() {
        return Network.builder(6).dense(12, Activation.RELU).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(4).build();
    }

    private void save(Network network, TrainingState state) {
        try {
            CheckpointFile.save(dir.resolve("epoch-" + state.epochsDone() + ".safetensors"), network,
                    Normalization.none(), state, new JsonObject());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aRunResumedFromTheEpochThatStoppedItStaysStopped() {
        Dataset[] parts = Synthetic.blobs(60, 3, 5, 2, 3).holdOut(0.2, 1);
        Network network = network();
        List<TrainingState> states = new ArrayList<>();
        List<Network> weights = new ArrayList<>();
        Trainer.Builder builder = Trainer.builder(backend).optimizer(Optimizer.adam(0.05)).batchSize(16).epochs(60)
                .earlyStopping(1).seed(5);
        TrainingHistory history = builder.checkpoints(state -> {
            states.add(state);
            weights.add(network.copy());
        }).build().fit(network, parts[0], parts[1]);
        assertTrue(history.stoppedEarly(), "a patience of 1 stops this run early");
        Network resumed = weights.getLast();
        TrainingHistory rest = builder.checkpoints(null).build().fit(resumed, parts[0], parts[1], states.getLast());
        assertTrue(rest.stoppedEarly());
        assertEquals(history.epochs().size(), rest.epochs().size(), "no epoch is trained after the stop");
        assertArrayEquals(network.weights(0), resumed.weights(0), "the best weights are restored");
    }

    @Test
    void aModelFileIsNotACheckpoint() throws IOException {
        Path model = dir.resolve("model.safetensors");
        ModelFile.save(model, network(), Normalization.none());
        assertTrue(assertThrows(ModelFormatException.class, () -> CheckpointFile.load(model)).getMessage()
                .contains("not a checkpoint"));
    }

    @Test
    void aStopRequestEndsTheRunAtTheLastCompletedEpoch() {
        Dataset data = Synthetic.blobs(60, 3, 5, 2, 3);
        Network network = network();
        Trainer[] self = new Trainer[1];
        self[0] = Trainer.builder(backend).batchSize(8).epochs(EPOCHS).progress((epoch, done, rows, loss) -> {
            if (epoch == 2 && done >= rows / 2) {
                self[0].requestStop();
            }
        }).build();
        Network atEpoch2 = network.copy();
        TrainingHistory history = self[0].fit(network, data);
        assertTrue(history.interrupted());
        assertEquals(2, history.epochs().size());
        Trainer.builder(backend).batchSize(8).epochs(2).schedule(Schedule.constant()).build().fit(atEpoch2, data);
        assertArrayEquals(atEpoch2.weights(0), network.weights(0), "the network holds epoch 2's weights");
    }
}
