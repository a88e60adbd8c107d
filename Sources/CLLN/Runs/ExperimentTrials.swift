import CLLNRuns
import Foundation

/// Bounded-range stress (spec §6.2) as a run of the run layer: scale the rewards until learning
/// fails. Trial i trains factor `factors[i / trialsPerFactor]`, seed (seed, i mod trialsPerFactor);
/// the report aggregates each factor into a ``StressExperiment/Row``.
public struct StressTrial: Trial {
    public static let kind = "stress"
    public var base: QLearningTrial
    public var factors: [Double]
    public var trialsPerFactor: Int

    /// `trialsPerFactor` trials for each reward scale factor of `factors`.
    public init(experiment: QLearningExperiment, factors: [Double], trialsPerFactor: Int, seed: UInt64) {
        base = QLearningTrial(experiment: experiment, seed: seed)
        self.factors = factors
        self.trialsPerFactor = trialsPerFactor
    }

    /// One trained trial: what the report needs of it.
    public struct Result: Codable, Sendable {
        public var factor: Double
        public var trial: Int
        public var seed: UInt64
        public var policy: [Int]
        /// Exact reward of the final policy on the unscaled task.
        public var reward: Double
        public var gatesAtMinimum: Int
        public var gatesAtMaximum: Int
        public var gates: Int
        public var outputsAtRails: Int
        public var outputs: Int
        enum CodingKeys: String, CodingKey {
            case factor, trial, seed, policy, reward, gatesAtMinimum = "gates_at_min", gatesAtMaximum = "gates_at_max", gates
            case outputsAtRails = "outputs_at_rails", outputs
        }
    }

    public var name: String { base.experiment.name }
    public var trialCount: Int { factors.count * trialsPerFactor }
    public var progressUnits: Int { base.experiment.config.steps }

    public func isResult(_ result: Result, ofTrial k: Int) -> Bool {
        result.seed == base.seed && result.trial == k % trialsPerFactor && result.factor == factors[k / trialsPerFactor]
    }

    public func validate(on backend: SolverBackend) throws {
        guard !factors.isEmpty, factors.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw LearningError.invalidHyperparameter("stress factors must be finite and > 0, at least one; e.g. 1,2,5")
        }
        guard trialsPerFactor >= 1 else {
            throw LearningError.invalidHyperparameter("trials per factor is \(trialsPerFactor); give at least 1")
        }
        try base.validate(on: backend)
    }

    public func run(_ k: Int, on backend: SolverBackend, context: TrialContext<NoCheckpoint>) throws -> Result {
        let experiment = base.experiment
        let factor = factors[k / trialsPerFactor], trial = k % trialsPerFactor
        let devices = try backend.trialDevices(for: experiment.topology)
        let trainer = try QLearningTrainer(
            topology: experiment.topology, environment: ScaledRewards(experiment.environment, factor: factor),
            config: experiment.config, solver: devices.solver, clampedSolver: devices.clampedSolver, readNoise: devices.readNoise)
        let r = try trainer.run(trial: trial, seed: base.seed, progress: context.progress)
        let bounds = experiment.topology.gateBounds
        var atRails = 0, outputs = 0
        for (s, values) in r.finalOutputs.enumerated() {
            let range = try experiment.topology.freeHeld(state: s).range
            atRails += values.filter { abs($0 - range.lowerBound) < 1e-3 || abs($0 - range.upperBound) < 1e-3 }.count
            outputs += values.count
        }
        return Result(
            factor: factor, trial: trial, seed: base.seed, policy: r.policy,
            reward: experiment.environment.exactAverageReward(policy: r.policy),
            gatesAtMinimum: r.finalGates.filter { $0 <= bounds.lowerBound + 1e-9 }.count,
            gatesAtMaximum: r.finalGates.filter { $0 >= bounds.upperBound - 1e-9 }.count,
            gates: r.finalGates.count, outputsAtRails: atRails, outputs: outputs)
    }

    /// One row per factor ("learned": mean score ≥ 0.9), `summary.json` and `stress.svg`.
    public func report(_ outcome: RunOutcome<Result, SolverBackend>, into folder: RunFolder) throws -> StressExperiment.Summary {
        guard let extremes = base.experiment.environment.enumeratePolicies() else {
            throw LearningError.mismatch("the policy space is too large to find the optimum")
        }
        let (optimum, worst) = (extremes.optimum, extremes.worst)
        let rows = factors.enumerated().map { index, factor in
            let trials = index * trialsPerFactor..<(index + 1) * trialsPerFactor
            let results = outcome.results.filter { trials.contains($0.trial) }.map(\.result)
            let ratios = results.map { $0.reward / optimum }
            let scores = results.map { ($0.reward - worst) / (optimum - worst) }
            func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }
            func share(_ part: (Result) -> Int, of whole: (Result) -> Int) -> Double {
                Double(results.map(part).reduce(0, +)) / Double(max(results.map(whole).reduce(0, +), 1))
            }
            let score = mean(scores)
            return StressExperiment.Row(
                factor: factor, trials: results.count, meanRatio: mean(ratios), minRatio: ratios.min() ?? .nan,
                bestCount: results.filter { $0.reward >= optimum - 1e-12 }.count, meanScore: score,
                gatesAtMinimum: share(\.gatesAtMinimum, of: \.gates), gatesAtMaximum: share(\.gatesAtMaximum, of: \.gates),
                outputsAtRails: share(\.outputsAtRails, of: \.outputs), learned: score >= 0.9,
                errors: outcome.failures.filter { trials.contains($0.trial) }.map { "trial \($0.trial % trialsPerFactor): \($0.error)" })
        }
        let summary = StressExperiment.Summary(
            preset: name, backend: outcome.backend.kind.rawValue, steps: base.experiment.config.steps,
            failsFromFactor: rows.first { !$0.learned }?.factor, factors: rows, backendInfo: outcome.backendInfo)
        try folder.writeJSON(summary, to: "summary.json")
        try folder.write(StressExperiment.chart(rows, name: name).svg(), to: "stress.svg")
        return summary
    }
}

/// Damage and recovery (spec §6.3) as a run of the run layer: trial i opens the fraction
/// `fractions[i]` of the edges (drawn from (seed, 1000 + i)) at `damageStep` and keeps training,
/// then trains the damaged network from scratch for the remaining steps as the control.
/// Measurements every T/200 steps (at least one batch).
public struct DamageTrial: Trial {
    public static let kind = "damage"
    public var base: QLearningTrial
    public var fractions: [Double]
    /// The step the damage happens at, on a batch boundary inside the run.
    public var damageStep: Int

    /// Damage at `at` rounded down to a batch boundary inside the run.
    public init(experiment: QLearningExperiment, fractions: [Double], at: Int, seed: UInt64) {
        var e = experiment
        e.config.measurementInterval = max(e.config.steps / 200, e.config.rule.batchSize)
        base = QLearningTrial(experiment: e, seed: seed)
        self.fractions = fractions
        damageStep = DamageExperiment.damageStep(at: at, config: e.config)
    }

    public struct Result: Codable, Sendable {
        public var seed: UInt64
        public var damageStep: Int
        public var row: DamageExperiment.Row
        enum CodingKeys: String, CodingKey { case seed, damageStep = "damage_step", row }
    }

    public var name: String { base.experiment.name }
    public var trialCount: Int { fractions.count }
    public var progressUnits: Int { 2 * base.experiment.config.steps - damageStep }

    public func isResult(_ result: Result, ofTrial k: Int) -> Bool {
        result.seed == base.seed && result.damageStep == damageStep && result.row.fraction == fractions[k]
    }

    public func validate(on backend: SolverBackend) throws {
        guard !fractions.isEmpty, fractions.allSatisfy({ $0.isFinite && $0 >= 0 && $0 < 1 }) else {
            throw LearningError.invalidHyperparameter("damage fractions must lie in [0, 1), at least one; e.g. 0.1,0.2")
        }
        guard base.experiment.config.steps >= 2 * base.experiment.config.rule.batchSize else {
            throw LearningError.invalidHyperparameter("damage needs at least two batches of steps (\(2 * base.experiment.config.rule.batchSize))")
        }
        try base.validate(on: backend)
    }

    public func run(_ k: Int, on backend: SolverBackend, context: TrialContext<NoCheckpoint>) throws -> Result {
        let experiment = base.experiment, config = experiment.config, fraction = fractions[k], seed = base.seed
        guard let optimum = experiment.environment.enumeratePolicies()?.optimum else {
            throw LearningError.mismatch("the policy space is too large to find the optimum")
        }
        var rng = SeededGenerator(seed: seed, stream: 1000 + UInt64(k))
        let count = Int((fraction * Double(experiment.topology.edgeCount)).rounded())
        let removed = Array(experiment.topology.edges.indices.shuffled(using: &rng).prefix(count)).sorted()
        var damaged = experiment.topology
        damaged.edges = experiment.topology.edges.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        do { try damaged.checkHeldCoverage(damaged.inputs) } catch {
            context.progress(progressUnits)
            return Result(seed: seed, damageStep: damageStep, row: .init(
                fraction: fraction, removedEdges: removed, outcome: "disconnected: \(error)", curve: []))
        }
        func train(trial: Int, config: QLearningConfig, damage: QLearningTrainer.Damage) throws -> TrialResult {
            let devices = try backend.trialDevices(for: experiment.topology)
            return try QLearningTrainer(
                topology: experiment.topology, environment: experiment.environment, config: config, solver: devices.solver,
                clampedSolver: devices.clampedSolver, readNoise: devices.readNoise
            ).run(trial: trial, seed: seed, damage: damage, progress: context.progress)
        }
        let run = try train(trial: 0, config: config, damage: .init(step: damageStep, edges: Set(removed)))
        let smoothed = DamageExperiment.smooth(run.curve)
        let before = smoothed.last { $0.step < damageStep }?.value
        let after = run.curve.first { $0.step > damageStep }?.runningAverageReward
        let recovered = before.flatMap { b in smoothed.first { $0.step > damageStep && $0.value >= 0.95 * b }?.step }

        var scratchConfig = config
        scratchConfig.steps = config.steps - damageStep
        let scratch = try train(trial: 1, config: scratchConfig, damage: .init(step: 0, edges: Set(removed)))
        let reached = before.flatMap { b in DamageExperiment.smooth(scratch.curve).first { $0.value >= 0.95 * b }?.step }
        return Result(seed: seed, damageStep: damageStep, row: .init(
            fraction: fraction, removedEdges: removed, outcome: recovered == nil ? "not recovered" : "recovered",
            rewardBefore: before, rewardAfter: after, stepsToRecover: recovered.map { $0 - damageStep },
            scratchStepsToReach: reached, finalRatio: run.reward / optimum, scratchFinalRatio: scratch.reward / optimum,
            curve: run.curve.map { [Double($0.step), $0.runningAverageReward] }))
    }

    /// `summary.json` (one row per fraction) and `damage.svg`.
    public func report(_ outcome: RunOutcome<Result, SolverBackend>, into folder: RunFolder) throws -> DamageExperiment.Summary {
        let rows = outcome.results.map(\.result.row)
        let summary = DamageExperiment.Summary(
            preset: name, backend: outcome.backend.kind.rawValue, steps: base.experiment.config.steps, damageStep: damageStep,
            fractions: rows, failedTrials: outcome.failures, backendInfo: outcome.backendInfo)
        try folder.writeJSON(summary, to: "summary.json")
        try folder.write(DamageExperiment.chart(rows, name: name, damageStep: damageStep).svg(), to: "damage.svg")
        return summary
    }
}

extension StressExperiment {
    public struct Summary: Codable, Sendable {
        public var preset: String
        public var backend: String
        public var steps: Int
        /// The first factor whose mean score is below 0.9.
        public var failsFromFactor: Double?
        public var factors: [Row]
        public var backendInfo: [String: String]
        enum CodingKeys: String, CodingKey {
            case preset, backend, steps, failsFromFactor = "fails_from_factor", factors, backendInfo = "backend_info"
        }
    }
}

extension DamageExperiment {
    public struct Summary: Codable, Sendable {
        public var preset: String
        public var backend: String
        public var steps: Int
        public var damageStep: Int
        public var fractions: [Row]
        public var failedTrials: [FailedTrial]
        public var backendInfo: [String: String]
        enum CodingKeys: String, CodingKey {
            case preset, backend, steps, damageStep = "damage_step", fractions, failedTrials = "failed_trials"
            case backendInfo = "backend_info"
        }
    }
}
