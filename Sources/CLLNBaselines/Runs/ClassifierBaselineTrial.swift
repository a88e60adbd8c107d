import CLLN
import CLLNReport
import CLLNRuns
import Foundation

/// A digital classifier on a supervised task over several seeds, as a run of the run layer:
/// trial k trains with seed `seed + k` on the task's training set and scores its test set
/// (trials restart on `--resume`; finished ones are kept). The report writes `summary.json`,
/// `curves.csv` (every seed's curve) and `accuracy.svg`.
public struct ClassifierBaselineTrial: Trial {
    public static let kind = "classifier-baseline"
    public var classifier: ClassifierKind
    public var task: SupervisedTask
    public var settings: ClassifierSettings
    public var seed: UInt64
    public var seeds: Int

    public init(classifier: ClassifierKind, task: SupervisedTask, settings: ClassifierSettings, seed: UInt64 = 0, seeds: Int = 1) {
        self.classifier = classifier
        self.task = task
        self.settings = settings
        self.seed = seed
        self.seeds = seeds
    }

    public var name: String { "\(classifier.rawValue) on \(task.name)" }
    public var trialCount: Int { seeds }
    public func withTrialCount(_ count: Int) -> ClassifierBaselineTrial? {
        var other = self
        other.seeds = count
        return other
    }
    public var progressUnits: Int { settings.epochs }

    public func isResult(_ result: ClassifierResult, ofTrial k: Int) -> Bool {
        result.seed == seed &+ UInt64(k) && result.epochs == settings.epochs
    }

    public func validate(on backend: InProcessBackend) throws {
        guard (1...InputLimits.maximumTrials).contains(seeds) else {
            throw BaselineError.invalidConfig("seeds is \(seeds); give 1 to \(InputLimits.maximumTrials), e.g. --seeds 10")
        }
        _ = try ClassifierTrainer(task: task, kind: classifier, settings: settings)
    }

    public func run(_ k: Int, on backend: InProcessBackend, context: TrialContext<NoCheckpoint>) throws -> ClassifierResult {
        try ClassifierTrainer(task: task, kind: classifier, settings: settings).run(seed: seed &+ UInt64(k)) { context.progress($0) }
    }

    public func report(_ outcome: RunOutcome<ClassifierResult, InProcessBackend>, into folder: RunFolder) throws -> ClassifierBaselineSummary {
        let results = outcome.results.map(\.result)
        let summary = ClassifierBaselineSummary(
            classifier: classifier, task: task, settings: settings, seeds: results, failedTrials: outcome.failures)
        try folder.writeJSON(summary, to: "summary.json")
        var csv = CSVTable(header: ["seed", "epoch", "train_loss", "train_accuracy", "test_accuracy"])
        for r in results {
            for p in r.curve { csv.append(["\(r.seed)", "\(p.epoch)", "\(p.trainLoss)", "\(p.trainAccuracy)", "\(p.testAccuracy)"]) }
        }
        try folder.write(csv.text, to: "curves.csv")
        let chart = LineChart(
            title: "\(classifier.rawValue) on \(task.name): test accuracy", xLabel: "epoch", yLabel: "test accuracy",
            series: results.map { r in
                LineSeries(name: "seed \(r.seed)", x: r.curve.map { Double($0.epoch) }, y: r.curve.map(\.testAccuracy))
            })
        try folder.write(chart.svg(), to: "accuracy.svg")
        return summary
    }
}

/// The summary of a digital classifier's run: every seed's result, the test accuracy pooled over
/// seeds with its 95 % (Wilson) interval, the mean and range over seeds, and the task's data
/// (inputs, classes, split and split seed) so the figures sit beside the CLLN's on the same sets.
public struct ClassifierBaselineSummary: Codable, Sendable {
    public var classifier: ClassifierKind
    public var task: String
    public var data: String
    public var split: SplitMethod?
    public var splitSeed: UInt64
    public var trainCount: Int
    public var testCount: Int
    public var settings: ClassifierSettings
    public var seeds: [ClassifierResult]
    public var failedTrials: [FailedTrial]
    /// Test examples classified right, pooled over the finished seeds.
    public var testPooled: SuccessRate
    public var testAccuracyMean: Double
    public var testAccuracyMin: Double
    public var testAccuracyMax: Double
    public var trainAccuracyMean: Double
    public var parameterCount: Int
    public var wallSecondsMean: Double

    enum CodingKeys: String, CodingKey {
        case classifier, task, data, split, settings, seeds
        case splitSeed = "split_seed", trainCount = "train_count", testCount = "test_count", failedTrials = "failed_trials"
        case testPooled = "test_pooled", testAccuracyMean = "test_accuracy_mean", testAccuracyMin = "test_accuracy_min"
        case testAccuracyMax = "test_accuracy_max", trainAccuracyMean = "train_accuracy_mean", parameterCount = "parameters"
        case wallSecondsMean = "wall_s_mean"
    }

    public init(
        classifier: ClassifierKind, task: SupervisedTask, settings: ClassifierSettings, seeds: [ClassifierResult], failedTrials: [FailedTrial]
    ) {
        self.classifier = classifier
        self.task = task.name
        data = Self.dataDescription(task)
        split = task.splitMethod
        splitSeed = task.splitSeed
        trainCount = task.train.count
        testCount = task.test.count
        self.settings = settings
        self.seeds = seeds
        self.failedTrials = failedTrials
        let count = Double(max(seeds.count, 1))
        let accuracies = seeds.map(\.testAccuracy)
        testPooled = SuccessRate(successes: seeds.map(\.testCorrect).reduce(0, +), trials: seeds.count * task.test.count)
        testAccuracyMean = accuracies.reduce(0, +) / count
        testAccuracyMin = accuracies.min() ?? .nan
        testAccuracyMax = accuracies.max() ?? .nan
        trainAccuracyMean = seeds.map(\.trainAccuracy).reduce(0, +) / count
        parameterCount = seeds.first?.parameterCount ?? 0
        wallSecondsMean = seeds.map(\.wallSeconds).reduce(0, +) / count
    }

    /// "64 input voltages, 10 classes, 1437 training / 360 test examples (split scikit-learn, seed 0)".
    public static func dataDescription(_ task: SupervisedTask) -> String {
        "\(task.train.first?.inputs.count ?? 0) input voltages, \(task.classNames.count) classes, "
            + "\(task.train.count) training / \(task.test.count) test examples (split \(SplitMethod.label(task.splitMethod, seed: task.splitSeed)))"
    }
}
