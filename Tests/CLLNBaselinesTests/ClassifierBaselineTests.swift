import CLLN
import CLLNRuns
import Foundation
import Testing

@testable import CLLNBaselines

@Suite struct ClassifierBaselineTests {
    static func iris(split: SplitMethod? = nil) throws -> SupervisedTask {
        var config = SupervisedConfig(task: "iris")
        config.split = split
        return try config.makeTask()
    }

    /// The gradient of the batch's mean cross-entropy against central differences of the loss
    /// computed in Double from the network's scores.
    @Test func crossEntropyGradientMatchesFiniteDifferences() throws {
        let trainer = try ClassifierTrainer(task: Self.iris(), kind: .mlp, settings: ClassifierSettings(hidden: [5]))
        var rng = SeededGenerator(seed: 9)
        let network = MLP(sizes: [6, 5, 3], rng: &rng)
        let rows = 4
        let inputs = (0..<(rows * 6)).map { _ in Float(rng.uniform(in: 0...1)) }
        let classes = [0, 2, 1, 2]
        func loss(_ n: MLP) -> Double {
            let scores = n.forward(inputs, batch: rows).last!.map(Double.init)
            return classes.enumerated().reduce(0.0) { total, item in
                let row = Array(scores[(item.offset * 3)..<(item.offset * 3 + 3)])
                let top = row.max()!
                return total - (row[item.element] - top - log(row.reduce(0) { $0 + exp($1 - top) }))
            } / Double(rows)
        }
        let gradient = trainer.crossEntropyGradient(network, inputs: inputs, classes: classes)
        for k in 0..<network.parameterCount {
            var plus = network, minus = network
            plus.parameters[k] += 1e-2
            minus.parameters[k] -= 1e-2
            let numeric = (loss(plus) - loss(minus)) / 2e-2
            #expect(abs(numeric - Double(gradient[k])) < 2e-3 * max(1, abs(numeric)), "parameter \(k)")
        }
    }

    /// The penalty reaches the weights and not the biases.
    @Test func weightDecayCoversWeightsOnly() throws {
        let trainer = try ClassifierTrainer(task: Self.iris(), kind: .mlp, settings: ClassifierSettings(hidden: [5]))
        var rng = SeededGenerator(seed: 1)
        let network = MLP(sizes: [6, 5, 3], rng: &rng)
        let positions = trainer.weightPositions(network)
        #expect(positions.count == 6 * 5 + 5 * 3 && Set(positions).count == positions.count)
        #expect(Set(0..<network.parameterCount).subtracting(positions) == Set(30..<35).union(50..<53))
    }

    /// Same seed, same result to the bit; another seed, other initial weights and order.
    @Test func reproducibleFromTheSeed() throws {
        var settings = ClassifierSettings.defaults(.mlp, trainingExamples: 120)
        settings.epochs = 20
        let trainer = try ClassifierTrainer(task: Self.iris(), kind: .mlp, settings: settings)
        let a = trainer.run(seed: 3), b = trainer.run(seed: 3), c = trainer.run(seed: 4)
        #expect(a.curve == b.curve && a.testCorrect == b.testCorrect)
        #expect(a.curve != c.curve)
    }

    /// Both classifiers learn Iris on scikit-learn's split (a linear classifier separates it but
    /// for a few versicolor/virginica flowers), and the trial's summary pools the test sets.
    @Test func classifiersLearnIrisAndPoolTheirTestSets() throws {
        let task = try Self.iris(split: .scikitLearn)
        for kind in ClassifierKind.allCases {
            let settings = ClassifierSettings.defaults(kind, trainingExamples: task.train.count)
            #expect(settings.epochs == 2000)
            let trial = ClassifierBaselineTrial(classifier: kind, task: task, settings: settings, seed: 0, seeds: 2)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(kind.rawValue)-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let summary = try RunScheduler(jobs: 2).run(trial, on: InProcessBackend(), in: RunFolder(folder))
            #expect(summary.seeds.count == 2 && summary.testCount == 30 && summary.split == .scikitLearn)
            #expect(summary.testPooled.trials == 60 && summary.testPooled.successes == summary.seeds.map(\.testCorrect).reduce(0, +))
            #expect(summary.testAccuracyMin >= 0.9 && summary.trainAccuracyMean >= 0.95, "\(kind): \(summary.seeds.map(\.testAccuracy))")
            #expect(summary.parameterCount == (kind == .linear ? 6 * 3 + 3 : 6 * 64 + 64 + 64 * 3 + 3))
            for file in ["summary.json", "curves.csv", "accuracy.svg"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
            }
        }
    }

    @Test func badSettingsAndTasksAreRefused() throws {
        let iris = try Self.iris()
        var bad: [ClassifierSettings] = []
        for change in [{ (s: inout ClassifierSettings) in s.epochs = 0 }, { $0.learningRate = .nan }, { $0.batchSize = 0 },
                       { $0.weightDecay = -1 }, { $0.hidden = [0] }] {
            var s = ClassifierSettings.defaults(.mlp, trainingExamples: 120)
            change(&s)
            bad.append(s)
        }
        for settings in bad {
            #expect(throws: BaselineError.self) { try ClassifierTrainer(task: iris, kind: .mlp, settings: settings) }
        }
        #expect(throws: BaselineError.self) { try ClassifierTrainer(task: iris, kind: .linear, settings: ClassifierSettings(hidden: [8])) }
        #expect(throws: BaselineError.self) { try ClassifierTrainer(task: iris, kind: .mlp, settings: ClassifierSettings(hidden: [])) }
        let regression = try SupervisedConfig(task: "regression").makeTask()
        #expect(throws: BaselineError.self) { try ClassifierTrainer(task: regression, kind: .linear, settings: .defaults(.linear, trainingExamples: 1)) }
    }

    /// The comparison's rows mirror their runs: the CLLN's pooled test set and gates, the
    /// classifier's; and no linear classifier separates XOR (at most 3 of its 4 cases), which the
    /// CLLN's nonlinear network can.
    @Test func comparisonRowsMirrorTheirRunsAndALinearClassifierCannotDoXOR() throws {
        var task = try SupervisedTasks.xor()
        (task.trials, task.epochs) = (2, 300)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("compare-xor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let clln = try RunScheduler(jobs: 2).run(
            SupervisedTrial(task: task, seed: 0), on: SolverBackend(), in: RunFolder(folder.appendingPathComponent("clln")))
        let linear = try RunScheduler(jobs: 2).run(
            ClassifierBaselineTrial(classifier: .linear, task: task, settings: .defaults(.linear, trainingExamples: 4), seed: 0, seeds: 2),
            on: InProcessBackend(), in: RunFolder(folder.appendingPathComponent("linear")))
        let rows = [ClassificationCompareRow(clln: clln), ClassificationCompareRow(agent: .linear, classifier: linear)]
        #expect(rows[0].testPooled == clln.testPooled && rows[0].parameters == 32 && rows[0].seeds == 2)
        #expect(rows[1].testPooled == linear.testPooled && rows[1].parameters == 4 * 2 + 2)  // x₁, x₂ and the two rails
        #expect(linear.seeds.allSatisfy { $0.testCorrect <= 3 }, "\(linear.seeds.map(\.testCorrect))")
        let summary = ClassificationCompareSummary(task: task, seeds: 2, seed: 0, cllnBackend: "ideal", rows: rows)
        #expect(summary.csv.split(separator: "\n").count == 3 && summary.text.contains("linear"))
        try summary.write(to: folder)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("accuracy.svg").path))
    }
}
