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
    public var worst: Double
    public var bestPolicy: [Int]
    public var optimalPolicyCount: Int
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

    enum CodingKeys: String, CodingKey { case name, topology, environment, config, trials, seed, checkpointEvery = "checkpoint_every" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(experiment.name, forKey: .name)
        try c.encode(experiment.topology, forKey: .topology)
        guard experiment.environment.isDeterministic else {
            throw EncodingError.invalidValue(experiment.environment.name, .init(
                codingPath: c.codingPath + [CodingKeys.environment],
                debugDescription: "\(experiment.environment.name) has random transitions, which worker processes cannot "
                    + "reproduce from its tables yet; run its SPICE trials in this process with --jobs 1"))
        }
        try c.encode(TabulatedEnvironment(experiment.environment), forKey: .environment)
        try c.encode(experiment.config, forKey: .config)
        try c.encode(experiment.trials, forKey: .trials)
        try c.encode(seed, forKey: .seed)
        try c.encode(checkpointEvery, forKey: .checkpointEvery)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        experiment = QLearningExperiment(
            name: try c.decode(String.self, forKey: .name), topology: try c.decode(Topology.self, forKey: .topology),
            environment: try c.decode(TabulatedEnvironment.self, forKey: .environment),
            config: try c.decode(QLearningConfig.self, forKey: .config), trials: try c.decode(Int.self, forKey: .trials))
        seed = try c.decode(UInt64.self, forKey: .seed)
        checkpointEvery = try c.decode(Int.self, forKey: .checkpointEvery)
    }

    public var name: String { experiment.name }
    public var trialCount: Int { experiment.trials }
    public var progressUnits: Int { experiment.config.steps }

    public func isResult(_ result: TrialResult, ofTrial k: Int) -> Bool {
        result.seed == seed && result.trial == k && result.finalGates.count == experiment.topology.edgeCount
    }

    /// The task must match the network and have an optimum the report can enumerate.
    public func validate(on backend: SolverBackend) throws {
        try experiment.validate()
        guard experiment.environment.policyCount <= Double(PolicyExtremes.enumerationLimit) else {  // the report enumerates them
            throw LearningError.mismatch("the policy space of \(experiment.environment.name) is too large to find the optimum by enumeration")
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
        let env = experiment.environment
        guard let extremes = env.enumeratePolicies() else {
            throw LearningError.mismatch("the policy space is too large to find the optimum by enumeration")
        }
        let results = outcome.results.map(\.result)
        let trials = results.map { r in
            TrainingSummary.Trial(
                trial: r.trial, seed: r.seed, policy: r.policy, isBest: r.reward >= extremes.optimum - 1e-12,
                reward: r.reward, ratio: r.reward / extremes.optimum, wallSeconds: r.wallSeconds,
                stepsPerSecond: Double(experiment.config.steps) / max(r.wallSeconds, 1e-9),
                freeSolves: r.freeSolves, clampedSolves: r.clampedSolves)
        }
        let bestCount = trials.filter(\.isBest).count
        let nearOptimalCount = trials.filter { $0.ratio >= TrainingSummary.nearOptimalRatio }.count
        let summary = TrainingSummary(
            preset: experiment.name, backend: outcome.backend.kind.rawValue, steps: experiment.config.steps, optimum: extremes.optimum,
            worst: extremes.worst, bestPolicy: extremes.bestPolicy, optimalPolicyCount: extremes.optimalPolicyCount,
            bestCount: bestCount, nearOptimalCount: nearOptimalCount,
            bestRate: SuccessRate(successes: bestCount, trials: trials.count),
            nearOptimalRate: SuccessRate(successes: nearOptimalCount, trials: trials.count),
            referenceQuirk: experiment.config.referenceQuirk, config: experiment.config, trials: trials,
            failedTrials: outcome.failures, backendInfo: outcome.backendInfo)
        try folder.writeJSON(summary, to: "summary.json")
        try TrainingPlots(experiment: experiment, results: results, extremes: extremes).write(to: folder.url)
        return summary
    }
}
