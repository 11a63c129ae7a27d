package dev.gale.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.OnCpuBackend;
import dev.gale.compute.Backend;
import dev.gale.compute.cpu.CpuBackend;
import dev.gale.data.Dataset;
import dev.gale.data.Synthetic;
import dev.gale.nn.Activation;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TrainerTest extends OnCpuBackend {

    private static Network blobNetwork(long seed) {
        return Network.builder(5).dense(12, Activation.RELU).dropout(0.25).maxout(6, 2).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).l2(1e-3).seed(seed).build();
    }

    @Test
    void sameSeedGivesBitIdenticalWeights() {
        Dataset data = Synthetic.blobs(40, 3, 5, 2, 3);
        List<Network> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            Network network = blobNetwork(9);
            Trainer.builder(backend).optimizer(Optimizer.adam(0.01)).batchSize(16).epochs(4).seed(21).build()
                    .fit(network, data);
            runs.add(network);
        }
        for (int l = 0; l < 3; l++) {
            assertArrayEquals(runs.get(0).weights(l), runs.get(1).weights(l), "weights of layer " + l);
            assertArrayEquals(runs.get(0).bias(l), runs.get(1).bias(l), "biases of layer " + l);
        }
    }

    @Test
    void theValidationCostOfAnEpochIsThatOfTheNetworkWithoutDropout() {
        Dataset data = Synthetic.blobs(40, 3, 5, 2, 3);
        Dataset validation = Synthetic.blobs(10, 3, 5, 2, 4);
        Network network = blobNetwork(9);
        List<EpochReport> reports = new ArrayList<>();
        Trainer.builder(backend).optimizer(Optimizer.adam(0.01)).batchSize(16).epochs(2).listener(reports::add).build()
                .fit(network, data, validation);
        Evaluation after = Evaluator.evaluate(backend, network, validation);
        assertEquals(after.loss(), reports.getLast().validationLoss(), 1e-6 * after.loss());
        assertEquals(after.accuracy(), reports.getLast().validationAccuracy());
    }

    @Test
    void dropoutDrawsTheSameMasksOnAnyThreadCount() {
        Dataset data = Synthetic.blobs(40, 3, 5, 2, 3);
        List<Network> runs = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            Network network = blobNetwork(9);
            try (Backend cpu = new CpuBackend(threads)) {
                Trainer.builder(cpu).optimizer(Optimizer.adam(0.01)).batchSize(16).epochs(3).seed(21).build()
                        .fit(network, data);
            }
            runs.add(network);
        }
        for (int l = 0; l < 3; l++) {
            assertArrayEquals(runs.get(0).weights(l), runs.get(1).weights(l), "weights of layer " + l);
        }
    }

    @Test
    void theShuffleSeedChangesTheRun() {
        Dataset data = Synthetic.blobs(40, 3, 5, 2, 3);
        Network a = blobNetwork(9);
        Network b = blobNetwork(9);
        Trainer.builder(backend).batchSize(16).epochs(2).seed(1).build().fit(a, data);
        Trainer.builder(backend).batchSize(16).epochs(2).seed(2).build().fit(b, data);
        assertFalse(java.util.Arrays.equals(a.weights(0), b.weights(0)));
    }

    @Test
    void aTailBatchMakesOneEpochSeeEveryExampleOnce() {
        // 10 rows in batches of 4: steps of 4, 4 and 2. One SGD epoch without shuffling equals
        // three hand-made full-batch steps on those slices.
        Dataset data = Synthetic.blobs(5, 2, 5, 2, 8);
        Network batched = Network.builder(5).dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(2).build();
        Network stepped = batched.copy();
        Trainer.builder(backend).optimizer(Optimizer.sgd(0.3)).batchSize(4).epochs(1).shuffle(false).build()
                .fit(batched, data);
        for (int[] range : new int[][] {{0, 4}, {4, 8}, {8, 10}}) {
            Dataset slice = data.slice(range[0], range[1]);
            Trainer.builder(backend).optimizer(Optimizer.sgd(0.3)).batchSize(slice.rows()).epochs(1).shuffle(false)
                    .build().fit(stepped, slice);
        }
        assertArrayEquals(stepped.weights(0), batched.weights(0));
        assertArrayEquals(stepped.bias(0), batched.bias(0));
    }

    @Test
    void earlyStoppingKeepsTheBestValidationEpoch() {
        // A wide network on 30 noisy points overfits: validation cost turns up and training stops.
        Dataset train = Synthetic.blobs(10, 3, 5, 0.6, 4);
        Dataset validation = Synthetic.blobs(100, 3, 5, 0.6, 5);
        Network network = Network.builder(5).dense(128, Activation.RELU).dense(128, Activation.RELU)
                .dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(6).build();
        int patience = 4;
        TrainingHistory history = Trainer.builder(backend).optimizer(Optimizer.adam(0.01)).batchSize(10)
                .epochs(300).earlyStopping(patience).build().fit(network, train, validation);

        assertTrue(history.stoppedEarly(), "expected the run to stop early");
        assertEquals(history.bestEpoch() + patience + 1, history.epochs().size());
        double best = history.epochs().stream().mapToDouble(EpochReport::validationLoss).min().orElseThrow();
        assertEquals(best, history.epochs().get(history.bestEpoch()).validationLoss());
        assertEquals(best, Evaluator.evaluate(backend, network, validation).loss(), 1e-6,
                "the network holds the best epoch's weights");
    }

    @Test
    void aDivergingRunStopsWithAHintAndKeepsTheLastGoodEpoch() {
        Dataset data = LearningTest.lowRank(64, 6, 2, 3);
        Network network = Network.builder(6).dense(6, Activation.IDENTITY).loss(Loss.MEAN_SQUARED_ERROR).seed(4).build();
        Network initial = network.copy();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () ->
                Trainer.builder(backend).optimizer(Optimizer.sgd(1e6)).batchSize(8).epochs(5).build().fit(network, data));
        assertTrue(e.getMessage().contains("lower the learning rate"), e.getMessage());
        assertArrayEquals(initial.weights(0), network.weights(0), "no epoch completed, so the weights are the initial ones");
    }

    @Test
    void aNonFiniteWeightStopsTheRunEvenWhenTheCostStaysFinite() {
        Dataset data = Synthetic.blobs(20, 3, 5, 2, 1);
        Network network = blobNetwork(1);
        // A ReLU unit biased to minus infinity outputs 0 and gets no gradient: the cost never shows it.
        network.bias(0)[0] = Float.NEGATIVE_INFINITY;
        float[] epochCosts = new float[1];
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> Trainer.builder(backend)
                .epochs(2).progress((epoch, done, rows, loss) -> epochCosts[0] = loss).build().fit(network, data));
        assertTrue(Float.isFinite(epochCosts[0]), "the cost stayed finite: " + epochCosts[0]);
        assertTrue(e.getMessage().contains("layer 0 bias 0"), e.getMessage());
    }

    @Test
    void aCostFarAboveItsStartStopsTheRunThoughFinite() {
        Dataset data = Synthetic.blobs(20, 3, 5, 2, 1);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> Trainer.builder(backend)
                .optimizer(Optimizer.sgd(1e4)).batchSize(8).epochs(3).build().fit(blobNetwork(1), data));
        assertTrue(e.getMessage().contains("lower the learning rate"), e.getMessage());
        Matcher cost = Pattern.compile("the cost became (\\S+) in").matcher(e.getMessage());
        assertTrue(cost.find() && Double.isFinite(Double.parseDouble(cost.group(1))), e.getMessage());
    }

    @Test
    void dataOfTheWrongShapeIsRejected() {
        Network network = blobNetwork(1);
        Dataset wrong = Synthetic.blobs(10, 3, 4, 2, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.builder(backend).build().fit(network, wrong));
        assertTrue(e.getMessage().contains("4 features"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Evaluator.evaluate(backend, network, wrong));
        assertThrows(IllegalArgumentException.class,
                () -> Trainer.builder(backend).earlyStopping(3).build().fit(network, Synthetic.blobs(10, 3, 5, 2, 1)));
    }

    @Test
    void schedulesScaleTheLearningRate() {
        List<Double> rates = new ArrayList<>();
        Dataset data = Synthetic.blobs(10, 3, 5, 2, 1);
        Trainer.builder(backend).optimizer(Optimizer.sgd(0.1)).schedule(Schedule.step(2, 0.5)).epochs(5)
                .listener(report -> rates.add(report.learningRate())).build().fit(blobNetwork(1), data);
        assertEquals(List.of(0.1, 0.1, 0.05, 0.05, 0.025), rates);
        Schedule cosine = Schedule.cosine(0.1);
        assertEquals(1.0, cosine.factor(0, 11), 1e-12);
        assertEquals(0.55, cosine.factor(5, 11), 1e-12);
        assertEquals(0.1, cosine.factor(10, 11), 1e-12);
        assertEquals(1.0, Schedule.constant().factor(7, 9));
    }
}
