import CLLNReport
import CLLNRuns
import Foundation

/// The machine-readable summary of a supervised `clln train` run. `train_metric` and
/// `test_metric` are means over the finished trials.
public struct SupervisedSummary: Sendable, Codable {
    public struct Trial: Sendable, Codable {
        public var trial: Int
        public var seed: UInt64
        public var trainMetric: Double
        public var testMetric: Double
        public var trainLoss: Double
        public var testLoss: Double
        /// The test metric before training (epoch 0).
        public var initialTestMetric: Double
        public var solvedAtEpoch: Int?
        public var wallSeconds: Double
        public var epochSeconds: Double
        enum CodingKeys: String, CodingKey {
            case trial, seed, trainMetric = "train_metric", testMetric = "test_metric", trainLoss = "train_loss"
            case testLoss = "test_loss", initialTestMetric = "initial_test_metric", solvedAtEpoch = "solved_at_epoch"
            case wallSeconds = "wall_s", epochSeconds = "epoch_s"
        }
    }

    public struct Settings: Sendable, Codable {
        public var alpha: Double
        /// α of the last epoch when α decays (`alpha_final`), else absent.
        public var alphaFinal: Double?
        public var eta: Double
        public var batch: Int
        public var clip: Double
        public var shuffle: Bool
        public var initialGates: String
        public var splitSeed: UInt64
        public var options: SupervisedOptions
        enum CodingKeys: String, CodingKey {
            case alpha, alphaFinal = "alpha_final", eta, batch, clip, shuffle, initialGates = "initial_gates", splitSeed = "split_seed", options
        }
    }

    public var preset: String
    public var task: String
    public var backend: String
    public var epochs: Int
    public var metric: SupervisedMetric
    public var trainMetric: Double
    public var testMetric: Double
    /// Classification: trials whose training set ends fully classified right.
    public var solvedCount: Int?
    /// Classification: the test examples classified right, pooled over the finished trials, with
    /// the 95 % (Wilson) interval of the rate.
    public var testPooled: SuccessRate?
    /// Regression: the final test MSE over the test MSE before training, per trial: mean, least
    /// and largest (1 = nothing learned).
    public var testMSERatio: Double?
    public var testMSERatioRange: [Double]?
    public var wallSeconds: Double
    /// Mean seconds per epoch of the training pass (free + clamped solves, updates), and of one
    /// evaluation of both sets.
    public var epochSeconds: Double
    public var evalSeconds: Double
    public var network: String
    public var nodes: Int
    public var edges: Int
    public var trainCount: Int
    public var testCount: Int
    public var settings: Settings
    public var trials: [Trial]
    public var failedTrials: [FailedTrial]
    public var backendInfo: [String: String]

    enum CodingKeys: String, CodingKey {
        case preset, task, backend, epochs, metric, trainMetric = "train_metric", testMetric = "test_metric"
        case solvedCount = "solved_count", testPooled = "test_pooled", testMSERatio = "test_mse_ratio"
        case testMSERatioRange = "test_mse_ratio_range", wallSeconds = "wall_s", epochSeconds = "epoch_s", evalSeconds = "eval_s"
        case network, nodes, edges, trainCount = "train_count", testCount = "test_count", settings, trials
        case failedTrials = "failed_trials", backendInfo = "backend_info"
    }
}

/// The trials of a supervised task as a run of the run layer: trial k draws its initial gates
/// and shuffles from (seed, k) and trains every epoch; the report is `summary.json`, the CSV
/// tables and the SVG plots.
public struct SupervisedTrial: Trial {
    public static let kind = "supervised"
    public var task: SupervisedTask
    /// Base seed: trial k draws its initial gates and shuffles from (seed, k).
    public var seed: UInt64

    public init(task: SupervisedTask, seed: UInt64) {
        self.task = task
        self.seed = seed
    }

    public var name: String { task.name }
    public var trialCount: Int { task.trials }
    public var progressUnits: Int { max(task.epochs, 1) }

    public func isResult(_ result: SupervisedTrialResult, ofTrial k: Int) -> Bool {
        result.seed == seed && result.trial == k && result.epochs == task.epochs && result.finalGates.count == task.topology.edgeCount
    }

    /// Trains trial `k` (the clamped phase on the chip's twin network when it has one, read noise
    /// on every measured voltage); `progress` advances once per epoch.
    public func run(_ k: Int, on backend: SolverBackend, context: TrialContext<NoCheckpoint>) throws -> SupervisedTrialResult {
        try train(k, devices: try backend.trialDevices(for: task.topology)) { context.progress(1) }
    }

    func train(_ k: Int, devices: TrialDevices, progress: () -> Void) throws -> SupervisedTrialResult {
        let start = ContinuousClock.now
        var rng = SeededGenerator(seed: seed, stream: UInt64(k))
        let trainer = try SupervisedTrainer(
            topology: task.topology, rule: task.rule, solver: devices.solver, options: task.options,
            clampedSolver: devices.clampedSolver, readNoise: devices.readNoise, noiseSeed: seed &+ UInt64(k) &* 0x9E37_79B9_7F4A_7C15)
        var gates = task.initialGates.draw(for: task.topology, rng: &rng)
        let initialGates = gates
        var trainCache: [[Double]?] = []
        var testCache: [[Double]?] = []
        var history: [SupervisedEpochRecord] = []
        var solvedAt: Int?
        var initialTestOutputs: [[Double]] = []
        var lastTest = SetScore(loss: .nan, metric: .nan, predicted: [])
        var lastTestOutputs: [[Double]] = []
        var trainTime = 0.0, evalTime = 0.0, evaluations = 0

        func evaluate(epoch: Int, nudged: Int, trainSeconds: Double) throws {
            let t0 = ContinuousClock.now
            let trainOut = try trainer.outputs(for: task.train, parameters: gates, warmStarts: &trainCache)
            let testOut = try trainer.outputs(for: task.test, parameters: gates, warmStarts: &testCache)
            let trainScore = task.score(outputs: trainOut, examples: task.train, classes: task.trainClasses)
            lastTest = task.score(outputs: testOut, examples: task.test, classes: task.testClasses)
            lastTestOutputs = testOut
            if epoch == 0 { initialTestOutputs = testOut }
            let seconds = (ContinuousClock.now - t0).seconds
            evalTime += seconds
            evaluations += 1
            history.append(SupervisedEpochRecord(
                epoch: epoch, trainLoss: trainScore.loss, trainMetric: trainScore.metric, testLoss: lastTest.loss,
                testMetric: lastTest.metric, nudged: nudged, trainSeconds: trainSeconds, evalSeconds: seconds))
            if task.metric == .accuracy, solvedAt == nil, trainScore.metric == 1 { solvedAt = epoch }
        }

        try evaluate(epoch: 0, nudged: 0, trainSeconds: 0)
        for epoch in stride(from: 1, through: task.epochs, by: 1) {
            let t0 = ContinuousClock.now
            let stats = try trainer.train(
                epoch: task.train, parameters: &gates, rng: &rng, shuffle: task.shuffle, alpha: task.alpha(epoch: epoch))
            let seconds = (ContinuousClock.now - t0).seconds
            trainTime += seconds
            if epoch % max(task.evaluateEvery, 1) == 0 || epoch == task.epochs {
                try evaluate(epoch: epoch, nudged: stats.nudged, trainSeconds: seconds)
            }
            progress()
        }
        let last = history[history.count - 1]
        return SupervisedTrialResult(
            trial: k, seed: seed, epochs: task.epochs, trainLoss: last.trainLoss, trainMetric: last.trainMetric,
            testLoss: last.testLoss, testMetric: last.testMetric, solvedAtEpoch: solvedAt, history: history,
            initialGates: initialGates, finalGates: gates, testOutputs: lastTestOutputs, initialTestOutputs: initialTestOutputs,
            testPredicted: lastTest.predicted, wallSeconds: (ContinuousClock.now - start).seconds,
            epochSeconds: task.epochs > 0 ? trainTime / Double(task.epochs) : 0, evalSeconds: evalTime / Double(max(evaluations, 1)),
            freeSolves: trainer.freeSolves, clampedSolves: trainer.clampedSolves)
    }

    /// Collects the finished trials, writes summary.json, the CSV tables and the SVG plots, and
    /// returns the summary.
    public func report(_ outcome: RunOutcome<SupervisedTrialResult, SolverBackend>, into folder: RunFolder) throws -> SupervisedSummary {
        let results = outcome.results.map(\.result)
        func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
        let layers = task.topology.name
        let correct = results.reduce(0) { total, r in total + zip(r.testPredicted, task.testClasses).filter { $0 == $1 }.count }
        let ratios = results.compactMap { r in r.history.first.map { r.testMetric / $0.testMetric } }
        let summary = SupervisedSummary(
            preset: task.name, task: task.summary, backend: outcome.backend.kind.rawValue, epochs: task.epochs, metric: task.metric,
            trainMetric: mean(results.map(\.trainMetric)), testMetric: mean(results.map(\.testMetric)),
            solvedCount: task.metric == .accuracy ? results.filter { $0.trainMetric == 1 }.count : nil,
            testPooled: task.metric == .accuracy ? SuccessRate(successes: correct, trials: results.count * task.test.count) : nil,
            testMSERatio: task.metric == .mse && !ratios.isEmpty ? mean(ratios) : nil,
            testMSERatioRange: task.metric == .mse && !ratios.isEmpty ? [ratios.min()!, ratios.max()!] : nil,
            wallSeconds: outcome.wallSeconds, epochSeconds: mean(results.map(\.epochSeconds)), evalSeconds: mean(results.map(\.evalSeconds)),
            network: layers, nodes: task.topology.nodeCount, edges: task.topology.edgeCount,
            trainCount: task.train.count, testCount: task.test.count,
            settings: .init(
                alpha: task.rule.alpha, alphaFinal: task.alphaFinal, eta: task.rule.eta, batch: task.rule.batchSize, clip: task.rule.updateClip,
                shuffle: task.shuffle, initialGates: task.initialGates.description, splitSeed: task.splitSeed, options: task.options),
            trials: results.map {
                .init(trial: $0.trial, seed: $0.seed, trainMetric: $0.trainMetric, testMetric: $0.testMetric, trainLoss: $0.trainLoss,
                      testLoss: $0.testLoss, initialTestMetric: $0.history.first?.testMetric ?? .nan, solvedAtEpoch: $0.solvedAtEpoch, wallSeconds: $0.wallSeconds, epochSeconds: $0.epochSeconds)
            },
            failedTrials: outcome.failures, backendInfo: outcome.backendInfo)
        try folder.writeJSON(summary, to: "summary.json")
        try SupervisedPlots(task: task, results: results).write(to: folder.url)
        return summary
    }
}
