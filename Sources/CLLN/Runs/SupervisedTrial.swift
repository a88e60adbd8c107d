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
        /// The test metric before training (epoch 0); absent in summaries written before it was recorded.
        public var initialTestMetric: Double?
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
        /// [GMN, GMX]: the range the gates are clipped to (V).
        public var gateBounds: [Double]
        public var splitSeed: UInt64
        /// How the data set was divided (`split`) when not by the default stratified split.
        public var split: SplitMethod?
        public var options: SupervisedOptions
        enum CodingKeys: String, CodingKey {
            case alpha, alphaFinal = "alpha_final", eta, batch, clip, shuffle, initialGates = "initial_gates"
            case gateBounds = "gate_bounds", splitSeed = "split_seed", split, options
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
/// and shuffles from (seed, k) and trains every epoch, saving a ``Checkpoint`` after an epoch
/// once `checkpointSeconds` have passed since the last one; the report is `summary.json`, the
/// CSV tables and the SVG plots.
public struct SupervisedTrial: Trial {
    public static let kind = "supervised"
    public var task: SupervisedTask
    /// Base seed: trial k draws its initial gates and shuffles from (seed, k).
    public var seed: UInt64
    /// Least seconds of a trial's time between two checkpoints (and before the first): after an
    /// epoch a checkpoint is saved when this much has passed; 0 saves after every epoch but the
    /// last. A killed trial loses at most this long plus one epoch. (Measured, debug build: a
    /// checkpoint of the 20,000-edge `lattice-teacher` is 0.48 MB of JSON, 1.7 MB with Adam
    /// moments, written in 10 ms (30 ms), ~0.1 % of its 7.6 s transistor-level epoch; one of
    /// `xor` takes ~2 ms, 4× its 0.4 ms epoch, hence a spacing in seconds rather than epochs.)
    public var checkpointSeconds: Double

    public init(task: SupervisedTask, seed: UInt64, checkpointSeconds: Double = 10) {
        self.task = task
        self.seed = seed
        self.checkpointSeconds = checkpointSeconds
    }

    public var name: String { task.name }
    public var trialCount: Int { task.trials }
    public func withTrialCount(_ count: Int) -> SupervisedTrial? {
        var longer = self
        longer.task.trials = count
        return longer
    }
    public var progressUnits: Int { max(task.epochs, 1) }

    public func isResult(_ result: SupervisedTrialResult, ofTrial k: Int) -> Bool {
        result.seed == seed && result.trial == k && result.epochs == task.epochs && result.finalGates.count == task.topology.edgeCount
            && result.testOutputs.count == task.test.count && (result.task ?? task.name) == task.name
            && (result.splitSeed ?? task.splitSeed) == task.splitSeed
    }

    /// Trial `k` after `epochsDone` of its `epochs` epochs: all that its remaining epochs read, so
    /// that a resumed trial ends as the uninterrupted one would. On the idealized solver that is
    /// bit for bit given the warm starts, which are kept when they hold at most
    /// ``SupervisedTrial/warmStartLimit`` numbers (tested on the dense and KLU paths; the UMFPACK
    /// path of large networks keeps factors between solves); without them the first solves after
    /// a resume start cold and their solutions differ within the solver's tolerance (1e-13 V),
    /// which later updates carry on (measured in the final gates: 2e-15 V after 3 more `xor`
    /// epochs; 1.2e-11 V after 13 more epochs of `lattice-teacher` side 40, α 100, whose test
    /// MSE moved by 1e-11 of itself). SPICE ignores warm starts and starts a session's solve
    /// from its previous one, so there the solutions after a resume differ within ngspice's
    /// tolerances. The initial gates are drawn again from (seed, k).
    public struct Checkpoint: Sendable, Codable {
        /// What the checkpoint belongs to: a trial resumes only from its own.
        public var owner: Owner
        /// Epochs trained; the trial continues with epoch `epochsDone + 1`.
        public var epochsDone: Int
        public var gates: [Double]
        /// The trial's generator (shuffles) after epoch `epochsDone`.
        public var rng: SeededGenerator
        public var learning: SupervisedTrainer.LearningState
        public var history: [SupervisedEpochRecord]
        public var solvedAtEpoch: Int?
        public var initialTestOutputs: [[Double]]
        /// The last evaluation of the test set: its score and outputs.
        public var lastTest: SetScore
        public var lastTestOutputs: [[Double]]
        /// Seconds so far: training passes, evaluations (and their count), the whole trial.
        public var trainSeconds: Double
        public var evalSeconds: Double
        public var evaluations: Int
        public var wallSeconds: Double
        /// The evaluations' warm starts per training and test example, when kept.
        public var trainWarmStarts: [[Double]?]?
        public var testWarmStarts: [[Double]?]?

        /// A trial of a run, as far as a checkpoint can tell: its task (by name), trial, seed,
        /// epoch count, edge and example counts.
        public struct Owner: Sendable, Codable, Hashable, CustomStringConvertible {
            public var task: String
            public var trial: Int
            public var seed: UInt64
            public var epochs: Int
            public var edges: Int
            public var trainCount: Int
            public var testCount: Int

            public var description: String {
                "\(task) trial \(trial), seed \(seed), \(epochs) epochs, \(edges) edges, \(trainCount)/\(testCount) examples"
            }
        }
    }

    /// The training and test sets as this trial's devices label them: the task's own, or for a
    /// teacher–student task (``SupervisedTask/teacherParameters``) the teacher's free outputs on
    /// `solver` (noiseless), so that the task is realizable on every backend and chip. The task's
    /// own labels are the idealized solver's teacher outputs, so an idealized solver without
    /// device mismatch keeps them instead of solving the teacher again.
    public func labeledSets(on solver: any EquilibriumSolver) throws -> (train: [SupervisedExample], test: [SupervisedExample]) {
        guard let teacher = task.teacherParameters else { return (task.train, task.test) }
        if let ideal = solver as? IdealSolver, ideal.mismatch == nil { return (task.train, task.test) }
        let examples = task.train + task.test
        let solutions = try solver.solveBatch(
            parameters: teacher, held: examples.map { HeldNodes(nodes: task.topology.inputs, values: $0.inputs) }, warmStarts: [])
        let labeled = zip(examples, solutions).map { example, solution in
            SupervisedExample(
                inputs: example.inputs,
                targets: SupervisedClamp.logicalOutputs(
                    nodes: task.topology.outputs.map { solution.voltages[$0] }, differential: task.options.differential))
        }
        return (Array(labeled.prefix(task.train.count)), Array(labeled.dropFirst(task.train.count)))
    }

    /// Trial `k` of this run as its checkpoints name it.
    func owner(ofTrial k: Int) -> Checkpoint.Owner {
        Checkpoint.Owner(
            task: task.name, trial: k, seed: seed, epochs: task.epochs, edges: task.topology.edgeCount,
            trainCount: task.train.count, testCount: task.test.count)
    }

    /// Most numbers (node voltages) of warm starts a checkpoint keeps: the trainer's, and the
    /// evaluations' of both sets, nodes × (2 × training + test examples). 65,536 numbers are
    /// ~1.5 MB of JSON: `xor`, `regression`, `iris` and `lattice-teacher` up to side 26 keep
    /// them; the digits tasks and the 100×100 lattice do not.
    public static let warmStartLimit = 1 << 16

    /// Whether checkpoints of this task keep warm starts (``warmStartLimit``).
    var keepsWarmStarts: Bool {
        task.topology.nodeCount * (2 * task.train.count + task.test.count) <= Self.warmStartLimit
    }

    /// Trains trial `k` (the clamped phase on the chip's twin network when it has one, read noise
    /// on every measured voltage), or continues it from `context.resumeFrom`; `progress` advances
    /// once per epoch, and a resumed trial first reports the epochs its checkpoint holds.
    public func run(_ k: Int, on backend: SolverBackend, context: TrialContext<Checkpoint>) throws -> SupervisedTrialResult {
        try train(
            k, devices: try backend.trialDevices(for: task.topology), resume: context.resumeFrom, checkpoint: context.saveCheckpoint,
            progress: context.progress)
    }

    /// Throws ``LearningError/checkpoint(_:)`` unless `c` is trial `k`'s of this run.
    func check(_ c: Checkpoint, trial k: Int) throws {
        guard c.owner == owner(ofTrial: k) else {
            throw LearningError.checkpoint(
                "the checkpoint (\(c.owner)) belongs to another run than this one (\(owner(ofTrial: k))); rerun without --resume, "
                    + "or with another --out folder")
        }
        guard c.epochsDone >= 1, c.epochsDone <= task.epochs, c.gates.count == task.topology.edgeCount, !c.history.isEmpty,
            c.lastTestOutputs.count == task.test.count, c.learning.errorWeights.count == task.train.count
        else { throw LearningError.checkpoint("the checkpoint of trial \(k) is inconsistent (epochs done, gates, history or outputs)") }
    }

    func train(
        _ k: Int, devices: TrialDevices, resume: Checkpoint? = nil, checkpoint save: (Checkpoint) throws -> Void = { _ in },
        progress: (Int) -> Void = { _ in }
    ) throws -> SupervisedTrialResult {
        let start = ContinuousClock.now
        var rng = SeededGenerator(seed: seed, stream: UInt64(k))
        let trainer = try SupervisedTrainer(
            topology: task.topology, rule: task.rule, solver: devices.solver, options: task.options,
            clampedSolver: devices.clampedSolver, readNoise: devices.readNoise, noiseSeed: seed &+ UInt64(k) &* 0x9E37_79B9_7F4A_7C15)
        let sets = try labeledSets(on: devices.solver)
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
        var previousWall = 0.0
        func wall() -> Double { previousWall + (ContinuousClock.now - start).seconds }

        func evaluate(epoch: Int, nudged: Int, trainSeconds: Double) throws {
            let t0 = ContinuousClock.now
            let trainOut = try trainer.outputs(for: sets.train, parameters: gates, warmStarts: &trainCache)
            let testOut = try trainer.outputs(for: sets.test, parameters: gates, warmStarts: &testCache)
            let trainScore = task.score(outputs: trainOut, examples: sets.train, classes: task.trainClasses)
            lastTest = task.score(outputs: testOut, examples: sets.test, classes: task.testClasses)
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

        func checkpoint(after epoch: Int) -> Checkpoint {
            var learning = trainer.learningState
            if !keepsWarmStarts { learning.warmStarts = nil }
            return Checkpoint(
                owner: owner(ofTrial: k), epochsDone: epoch, gates: gates, rng: rng,
                learning: learning, history: history, solvedAtEpoch: solvedAt, initialTestOutputs: initialTestOutputs,
                lastTest: lastTest, lastTestOutputs: lastTestOutputs, trainSeconds: trainTime, evalSeconds: evalTime,
                evaluations: evaluations, wallSeconds: wall(), trainWarmStarts: keepsWarmStarts ? trainCache : nil,
                testWarmStarts: keepsWarmStarts ? testCache : nil)
        }

        var firstEpoch = 1
        if let c = resume {
            try check(c, trial: k)
            try trainer.restore(c.learning)
            (gates, rng, history, solvedAt) = (c.gates, c.rng, c.history, c.solvedAtEpoch)
            (initialTestOutputs, lastTest, lastTestOutputs) = (c.initialTestOutputs, c.lastTest, c.lastTestOutputs)
            (trainTime, evalTime, evaluations, previousWall) = (c.trainSeconds, c.evalSeconds, c.evaluations, c.wallSeconds)
            (trainCache, testCache) = (c.trainWarmStarts ?? [], c.testWarmStarts ?? [])
            firstEpoch = c.epochsDone + 1
            progress(c.epochsDone)
        } else {
            try evaluate(epoch: 0, nudged: 0, trainSeconds: 0)
        }
        var lastSave = ContinuousClock.now
        for epoch in stride(from: firstEpoch, through: task.epochs, by: 1) {
            let t0 = ContinuousClock.now
            let stats = try trainer.train(
                epoch: sets.train, parameters: &gates, rng: &rng, shuffle: task.shuffle, alpha: task.alpha(epoch: epoch))
            let seconds = (ContinuousClock.now - t0).seconds
            trainTime += seconds
            if epoch % max(task.evaluateEvery, 1) == 0 || epoch == task.epochs {
                try evaluate(epoch: epoch, nudged: stats.nudged, trainSeconds: seconds)
            }
            if epoch < task.epochs, (ContinuousClock.now - lastSave).seconds >= checkpointSeconds {
                try save(checkpoint(after: epoch))
                lastSave = ContinuousClock.now
            }
            progress(1)
        }
        let last = history[history.count - 1]
        return SupervisedTrialResult(
            task: task.name, splitSeed: task.splitSeed, trial: k, seed: seed, epochs: task.epochs, trainLoss: last.trainLoss, trainMetric: last.trainMetric,
            testLoss: last.testLoss, testMetric: last.testMetric, solvedAtEpoch: solvedAt, history: history,
            initialGates: initialGates, finalGates: gates, testOutputs: lastTestOutputs, initialTestOutputs: initialTestOutputs,
            testPredicted: lastTest.predicted, testTargets: task.teacherParameters == nil ? nil : sets.test.map(\.targets),
            wallSeconds: wall(),
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
                shuffle: task.shuffle, initialGates: task.initialGates.description,
                gateBounds: [task.topology.gateBounds.lowerBound, task.topology.gateBounds.upperBound], splitSeed: task.splitSeed, split: task.splitMethod, options: task.options),
            trials: results.map {
                .init(trial: $0.trial, seed: $0.seed, trainMetric: $0.trainMetric, testMetric: $0.testMetric, trainLoss: $0.trainLoss,
                      testLoss: $0.testLoss, initialTestMetric: $0.history.first?.testMetric, solvedAtEpoch: $0.solvedAtEpoch, wallSeconds: $0.wallSeconds, epochSeconds: $0.epochSeconds)
            },
            failedTrials: outcome.failures, backendInfo: outcome.backendInfo)
        try folder.writeJSON(summary, to: "summary.json")
        try SupervisedPlots(task: task, results: results).write(to: folder.url)
        return summary
    }
}
