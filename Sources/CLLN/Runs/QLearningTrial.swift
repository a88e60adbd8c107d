import CLLNReport
import CLLNRuns
import Foundation

/// The machine-readable summary of a `clln train` run.
public struct TrainingSummary: Codable, Sendable {
    public struct Trial: Codable, Sendable {
        public var trial: Int
        public var seed: UInt64
        public var policy: [Int]
        public var isBest: Bool
        public var reward: Double
        public var ratio: Double
        public var wallSeconds: Double
        public var stepsPerSecond: Double
        public var freeSolves: Int
        public var clampedSolves: Int
        enum CodingKeys: String, CodingKey {
            case trial, seed, policy, isBest = "is_best", reward, ratio, wallSeconds = "wall_s"
            case stepsPerSecond = "steps_per_s", freeSolves = "free_solves", clampedSolves = "clamped_solves"
        }
    }

    public var preset: String
    public var backend: String
    public var steps: Int
    public var optimum: Double
    /// The worst policy's score and the number of optimal policies: known when the policies were
    /// enumerated (nil for tasks scored by value iteration, e.g. the grid worlds).
    public var worst: Double?
    public var bestPolicy: [Int]
    public var optimalPolicyCount: Int?
    public var bestCount: Int
    /// Trials whose final reward is within 1% of the optimum (ratio ≥ ``nearOptimalRatio``).
    public var nearOptimalCount: Int
    /// ``bestCount`` and ``nearOptimalCount`` with the intervals of their per-trial rates.
    public var bestRate: SuccessRate
    public var nearOptimalRate: SuccessRate
    public var referenceQuirk: Bool
    public var config: QLearningConfig
    public var trials: [Trial]
    public var failedTrials: [FailedTrial]
    /// Backend details (ngspice version, model card) when relevant.
    public var backendInfo: [String: String]

    /// The ratio to the optimum from which a trial counts as near-optimal (within 1%).
    public static let nearOptimalRatio = 0.99

    enum CodingKeys: String, CodingKey {
        case preset, backend, steps, optimum, worst, bestPolicy = "best_policy", optimalPolicyCount = "optimal_policy_count"
        case bestCount = "best_count", nearOptimalCount = "near_optimal_count", referenceQuirk = "reference_quirk"
        case bestRate = "best_rate", nearOptimalRate = "near_optimal_rate"
        case config, trials, failedTrials = "failed_trials", backendInfo = "backend_info"
    }
}

/// The trials of a Q-learning experiment as a run of the run layer: trial k trains from
/// (seed, k) and checkpoints at batch boundaries every `checkpointEvery` steps; the report is
/// `summary.json`, `curves.csv`, `gates.csv` and the SVG plots.
public struct QLearningTrial: Trial {
    public static let kind = "q-learning"
    public var experiment: QLearningExperiment
    /// Base seed: trial k draws from (seed, k).
    public var seed: UInt64
    /// Steps between checkpoints of a running trial.
    public var checkpointEvery: Int

    public init(experiment: QLearningExperiment, seed: UInt64, checkpointEvery: Int = 20_000) {
        self.experiment = experiment
        self.seed = seed
        self.checkpointEvery = checkpointEvery
    }

    enum CodingKeys: String, CodingKey {
        case name, topology, environment, gridWorld = "grid_world", config, trials, seed, checkpointEvery = "checkpoint_every"
    }

    /// A deterministic task travels as its tables (``TabulatedEnvironment``), a ``GridWorld`` as
    /// itself (its random transitions are drawn by its own ``GridWorld/sampleStep(state:action:rng:)``
    /// from the trial's generator, so a worker process draws exactly what this process would).
    /// Other tasks with random transitions cannot be sent: their SPICE trials need `--jobs 1`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(experiment.name, forKey: .name)
        try c.encode(experiment.topology, forKey: .topology)
        if let grid = experiment.environment as? GridWorld {
            try c.encode(grid, forKey: .gridWorld)
        } else {
            guard experiment.environment.isDeterministic else {
                throw EncodingError.invalidValue(experiment.environment.name, .init(
                    codingPath: c.codingPath + [CodingKeys.environment],
                    debugDescription: "\(experiment.environment.name) has random transitions, which worker processes cannot "
                        + "reproduce from its tables; run its SPICE trials in this process with --jobs 1"))
            }
            try c.encode(TabulatedEnvironment(experiment.environment), forKey: .environment)
        }
        try c.encode(experiment.config, forKey: .config)
        try c.encode(experiment.trials, forKey: .trials)
        try c.encode(seed, forKey: .seed)
        try c.encode(checkpointEvery, forKey: .checkpointEvery)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let environment: any TabularEnvironment = try c.decodeIfPresent(GridWorld.self, forKey: .gridWorld)
            ?? c.decode(TabulatedEnvironment.self, forKey: .environment)
        experiment = QLearningExperiment(
            name: try c.decode(String.self, forKey: .name), topology: try c.decode(Topology.self, forKey: .topology),
            environment: environment,
            config: try c.decode(QLearningConfig.self, forKey: .config), trials: try c.decode(Int.self, forKey: .trials))
        seed = try c.decode(UInt64.self, forKey: .seed)
        checkpointEvery = try c.decode(Int.self, forKey: .checkpointEvery)
    }

    public var name: String { experiment.name }
    public var trialCount: Int { experiment.trials }
    public func withTrialCount(_ count: Int) -> QLearningTrial? {
        var other = self
        other.experiment.trials = count
        return other
    }
    public var progressUnits: Int { experiment.config.steps }

    public func isResult(_ result: TrialResult, ofTrial k: Int) -> Bool {
        result.seed == seed && result.trial == k && result.finalGates.count == experiment.topology.edgeCount
    }

    /// The task must match the network and have an optimum the report can score policies
    /// against: enumerable, or found by value iteration (``TabularEnvironment/optimalPolicy(enumerationLimit:maximumIterations:)``).
    public func validate(on backend: SolverBackend) throws {
        try experiment.validate()
        let env = experiment.environment
        guard env.policyCount <= Double(PolicyExtremes.enumerationLimit) || (env.resetPeriod == nil && env.optimalPolicy() != nil) else {
            throw LearningError.mismatch(
                "\(env.name) has too many policies to enumerate and no optimum by value iteration (periodic resets or "
                    + "start states with different optimal gains); use a smaller task")
        }
    }

    public func run(_ k: Int, on backend: SolverBackend, context: TrialContext<TrialCheckpoint>) throws -> TrialResult {
        if let c = context.resumeFrom { context.progress(c.step) }
        let devices = try backend.trialDevices(for: experiment.topology)
        let trainer = try QLearningTrainer(
            topology: experiment.topology, environment: experiment.environment, config: experiment.config,
            solver: devices.solver, clampedSolver: devices.clampedSolver, readNoise: devices.readNoise)
        return try trainer.run(
            trial: k, seed: seed, resume: context.resumeFrom, checkpointEvery: checkpointEvery,
            checkpoint: context.saveCheckpoint, progress: context.progress)
    }

    /// Collects finished trials into the summary and writes summary.json, curves.csv,
    /// gates.csv and the SVG plots.
    public func report(_ outcome: RunOutcome<TrialResult, SolverBackend>, into folder: RunFolder) throws -> TrainingSummary {
        let scores = try PolicyScores(experiment.environment)
        let results = outcome.results.map(\.result)
        let trials = results.map { r in
            TrainingSummary.Trial(
                trial: r.trial, seed: r.seed, policy: r.policy, isBest: r.reward >= scores.optimum - 1e-12,
                reward: r.reward, ratio: r.reward / scores.optimum, wallSeconds: r.wallSeconds,
                stepsPerSecond: Double(experiment.config.steps) / max(r.wallSeconds, 1e-9),
                freeSolves: r.freeSolves, clampedSolves: r.clampedSolves)
        }
        let bestCount = trials.filter(\.isBest).count
        let nearOptimalCount = trials.filter { $0.ratio >= TrainingSummary.nearOptimalRatio }.count
        let summary = TrainingSummary(
            preset: experiment.name, backend: outcome.backend.kind.rawValue, steps: experiment.config.steps, optimum: scores.optimum,
            worst: scores.worst, bestPolicy: scores.bestPolicy, optimalPolicyCount: scores.optimalPolicyCount,
            bestCount: bestCount, nearOptimalCount: nearOptimalCount,
            bestRate: SuccessRate(successes: bestCount, trials: trials.count),
            nearOptimalRate: SuccessRate(successes: nearOptimalCount, trials: trials.count),
            referenceQuirk: experiment.config.referenceQuirk, config: experiment.config, trials: trials,
            failedTrials: outcome.failures, backendInfo: outcome.backendInfo)
        try folder.writeJSON(summary, to: "summary.json")
        try TrainingPlots(experiment: experiment, results: results, scores: scores).write(to: folder.url)
        return summary
    }
}

/// What a report scores policies against: the optimum and a best policy, and where the policies
/// were enumerated (at most ``PolicyExtremes/enumerationLimit``, the paper's tasks: the same
/// numbers as before value iteration existed) also the worst score and the number of optimal
/// policies; larger tasks take the optimum of ``TabularEnvironment/optimalPolicy(enumerationLimit:maximumIterations:)``.
public struct PolicyScores: Sendable, Hashable {
    public var optimum: Double
    public var bestPolicy: [Int]
    public var worst: Double?
    public var optimalPolicyCount: Int?
    public var method: OptimalPolicy.Method

    /// Throws ``LearningError/mismatch(_:)`` when the task has no computable optimum.
    public init(_ environment: any TabularEnvironment) throws {
        if let extremes = environment.enumeratePolicies() {
            (optimum, bestPolicy, worst, optimalPolicyCount) = (extremes.optimum, extremes.bestPolicy, extremes.worst, extremes.optimalPolicyCount)
            method = .enumeration
        } else if let optimal = environment.optimalPolicy() {
            (optimum, bestPolicy, worst, optimalPolicyCount, method) = (optimal.optimum, optimal.policy, nil, nil, optimal.method)
        } else {
            throw LearningError.mismatch("\(environment.name) has no computable optimum (too many policies, no value-iteration optimum)")
        }
    }
}
