import CLLNReport
import Foundation

/// A count of successful trials with the 95% Wilson score interval of the per-trial success rate:
/// what a handful of trials says about how often the experiment succeeds (7 of 10 is consistent
/// with any rate from 40% to 89%).
public struct SuccessRate: Codable, Sendable, Hashable {
    public var successes: Int
    public var trials: Int
    /// Bounds of the 95% interval of the per-trial rate.
    public var low: Double
    public var high: Double

    public init(successes: Int, trials: Int) {
        self.successes = successes
        self.trials = trials
        guard trials > 0 else {
            (low, high) = (0, 1)
            return
        }
        let z = 1.959963984540054, n = Double(trials), p = Double(successes) / n
        let denominator = 1 + z * z / n
        let center = (p + z * z / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denominator
        (low, high) = (max(0, center - half), min(1, center + half))
    }

    /// "7/10 (95% interval of the rate: 40–89%)".
    public var description: String {
        "\(successes)/\(trials) (95% interval of the rate: " + String(format: "%.0f–%.0f%%)", 100 * low, 100 * high)
    }
}

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

    /// A trial that stopped on an error (kept so that no finished trial is lost).
    public struct FailedTrial: Codable, Sendable {
        public var trial: Int
        public var error: String
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

/// Runs the trials of a Q-learning experiment with checkpoints and results under one folder:
/// `trials/trial-K.json` (written atomically when trial K finishes), `checkpoints/trial-K.json`
/// (the latest batch-boundary state of an unfinished trial), and the report files.
public struct TrainingRun: Sendable {
    public var experiment: QLearningExperiment
    public var seed: UInt64
    public var folder: URL
    /// Steps between checkpoints of a running trial.
    public var checkpointEvery: Int

    public init(experiment: QLearningExperiment, seed: UInt64, folder: URL, checkpointEvery: Int = 20_000) {
        self.experiment = experiment
        self.seed = seed
        self.folder = folder
        self.checkpointEvery = checkpointEvery
    }

    func trialFile(_ k: Int) -> URL { folder.appendingPathComponent("trials/trial-\(k).json") }
    func checkpointFile(_ k: Int) -> URL { folder.appendingPathComponent("checkpoints/trial-\(k).json") }
    func failureFile(_ k: Int) -> URL { folder.appendingPathComponent("trials/trial-\(k).error.txt") }

    /// Records that trial `k` stopped outside the trainer (its worker process died), unless it
    /// left a result or its own error message.
    public func recordCrash(_ k: Int, description: String) {
        guard finishedTrial(k) == nil, !FileManager.default.fileExists(atPath: failureFile(k).path) else { return }
        try? AtomicFile.write(description + "\n", to: failureFile(k))
    }

    /// The finished result of trial `k`, if its file exists and belongs to this run.
    public func finishedTrial(_ k: Int) -> TrialResult? {
        guard let data = try? Data(contentsOf: trialFile(k)),
            let result = try? JSONOutput.decode(TrialResult.self, from: data),
            result.seed == seed, result.trial == k, result.finalGates.count == experiment.topology.edgeCount
        else { return nil }
        return result
    }

    /// Runs trial `k` on `solver` (resuming from its checkpoint when `resume`), writes its
    /// result file, and returns it. A solver failure is recorded in `trial-K.error.txt` and thrown.
    @discardableResult
    public func runTrial(
        _ k: Int, solver: any EquilibriumSolver, clampedSolver: (any EquilibriumSolver)? = nil, readNoise: Double = 0,
        resume: Bool, progress: (Int) -> Void = { _ in }
    ) throws -> TrialResult {
        var checkpoint: TrialCheckpoint?
        if resume, let data = try? Data(contentsOf: checkpointFile(k)) {
            checkpoint = try? JSONOutput.decode(TrialCheckpoint.self, from: data)
            if let c = checkpoint { progress(c.step) }
        }
        let trainer = try QLearningTrainer(
            topology: experiment.topology, environment: experiment.environment, config: experiment.config, solver: solver,
            clampedSolver: clampedSolver, readNoise: readNoise)
        do {
            let result = try trainer.run(
                trial: k, seed: seed, resume: checkpoint, checkpointEvery: checkpointEvery,
                checkpoint: { try AtomicFile.write(try JSONOutput.encode($0), to: checkpointFile(k)) },
                progress: progress)
            try AtomicFile.write(try JSONOutput.encode(result), to: trialFile(k))
            try? FileManager.default.removeItem(at: checkpointFile(k))
            try? FileManager.default.removeItem(at: failureFile(k))
            return result
        } catch {
            try? AtomicFile.write("\(error)\n", to: failureFile(k))
            throw error
        }
    }

    /// Collects finished trials into the summary and writes summary.json, curves.csv,
    /// gates.csv and the SVG plots.
    public func writeReport(backend: String, backendInfo: [String: String] = [:]) throws -> TrainingSummary {
        let env = experiment.environment
        guard let extremes = env.enumeratePolicies() else {
            throw LearningError.mismatch("the policy space is too large to find the optimum by enumeration")
        }
        var results: [TrialResult] = []
        var failed: [TrainingSummary.FailedTrial] = []
        for k in 0..<experiment.trials {
            if let r = finishedTrial(k) {
                results.append(r)
            } else if let text = try? String(contentsOf: failureFile(k), encoding: .utf8) {
                failed.append(.init(trial: k, error: text.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
        }
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
            preset: experiment.name, backend: backend, steps: experiment.config.steps, optimum: extremes.optimum,
            worst: extremes.worst, bestPolicy: extremes.bestPolicy, optimalPolicyCount: extremes.optimalPolicyCount,
            bestCount: bestCount, nearOptimalCount: nearOptimalCount,
            bestRate: SuccessRate(successes: bestCount, trials: trials.count),
            nearOptimalRate: SuccessRate(successes: nearOptimalCount, trials: trials.count),
            referenceQuirk: experiment.config.referenceQuirk, config: experiment.config, trials: trials,
            failedTrials: failed, backendInfo: backendInfo)
        try AtomicFile.write(try JSONOutput.encode(summary), to: folder.appendingPathComponent("summary.json"))
        try TrainingPlots(experiment: experiment, results: results, extremes: extremes).write(to: folder)
        return summary
    }
}
