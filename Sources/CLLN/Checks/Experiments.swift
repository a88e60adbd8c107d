import CLLNReport
import Foundation

/// A task whose rewards (means, noise and measurement labels) are multiplied by `factor`.
public struct ScaledRewards: TabularEnvironment {
    public var base: any TabularEnvironment
    public var factor: Double
    public init(_ base: any TabularEnvironment, factor: Double) {
        self.base = base
        self.factor = factor
    }
    public var name: String { "\(base.name)×\(factor)" }
    public var stateCount: Int { base.stateCount }
    public var actionCount: Int { base.actionCount }
    public var rewardNoise: Double { base.rewardNoise * factor }
    public var resetPeriod: Int? { base.resetPeriod }
    public func meanReward(state: Int, action: Int) -> Double { factor * base.meanReward(state: state, action: action) }
    public func nextState(state: Int, action: Int) -> Int { base.nextState(state: state, action: action) }
    public func measurementLabels(state: Int) -> [Double] { base.measurementLabels(state: state).map { factor * $0 } }
}

/// Makes a fresh solver for a topology (one per trial).
public typealias SolverFactory = (Topology) throws -> any EquilibriumSolver

/// Bounded-range stress (spec §6.2): scale the rewards until learning fails.
public enum StressExperiment {
    public struct Row: Codable, Sendable {
        public var factor: Double
        public var trials: Int
        /// Mean and minimum of (exact reward of the final policy / optimum), unscaled.
        public var meanRatio: Double
        public var minRatio: Double
        public var bestCount: Int
        /// Mean of (reward − worst) / (optimum − worst): 1 for the best policy, 0 for the worst.
        /// The ratio alone flatters tasks with a large base reward (navigation: 0.91 never reaching the goal).
        public var meanScore: Double
        /// Fractions of all final gates at GMN and at GMX.
        public var gatesAtMinimum: Double
        public var gatesAtMaximum: Double
        /// Fraction of final free output voltages within 1 mV of the held range's ends.
        public var outputsAtRails: Double
        public var learned: Bool
        public var errors: [String]
        enum CodingKeys: String, CodingKey {
            case factor, trials, meanRatio = "mean_ratio", minRatio = "min_ratio", bestCount = "best_count", meanScore = "mean_score"
            case gatesAtMinimum = "gates_at_min", gatesAtMaximum = "gates_at_max", outputsAtRails = "outputs_at_rails"
            case learned, errors
        }
    }

    /// Trains `trials` trials per factor; "learned" means a mean score ≥ 0.9.
    public static func run(
        experiment: QLearningExperiment, factors: [Double], trials: Int, seed: UInt64, makeSolver: SolverFactory,
        progress: (String) -> Void = { _ in }
    ) throws -> [Row] {
        guard let extremes = experiment.environment.enumeratePolicies() else {
            throw LearningError.mismatch("the policy space is too large to find the optimum")
        }
        let (optimum, worst) = (extremes.optimum, extremes.worst)
        let bounds = experiment.topology.gateBounds
        return factors.map { factor in
            var ratios: [Double] = []
            var scores: [Double] = []
            var best = 0
            var atMin = 0, atMax = 0, gates = 0, atRails = 0, outputs = 0
            var errors: [String] = []
            for trial in 0..<trials {
                do {
                    let trainer = try QLearningTrainer(
                        topology: experiment.topology, environment: ScaledRewards(experiment.environment, factor: factor),
                        config: experiment.config, solver: makeSolver(experiment.topology))
                    let r = try trainer.run(trial: trial, seed: seed)
                    let reward = experiment.environment.exactAverageReward(policy: r.policy)
                    ratios.append(reward / optimum)
                    scores.append((reward - worst) / (optimum - worst))
                    if reward >= optimum - 1e-12 { best += 1 }
                    atMin += r.finalGates.filter { $0 <= bounds.lowerBound + 1e-9 }.count
                    atMax += r.finalGates.filter { $0 >= bounds.upperBound - 1e-9 }.count
                    gates += r.finalGates.count
                    for (s, values) in r.finalOutputs.enumerated() {
                        let range = try experiment.topology.freeHeld(state: s).range
                        atRails += values.filter { abs($0 - range.lowerBound) < 1e-3 || abs($0 - range.upperBound) < 1e-3 }.count
                        outputs += values.count
                    }
                } catch {
                    errors.append("trial \(trial): \(error)")
                }
            }
            let mean = ratios.isEmpty ? .nan : ratios.reduce(0, +) / Double(ratios.count)
            let score = scores.isEmpty ? .nan : scores.reduce(0, +) / Double(scores.count)
            progress(String(format: "factor %g: mean ratio %.3f, score %.3f", factor, mean, score))
            return Row(
                factor: factor, trials: ratios.count, meanRatio: mean, minRatio: ratios.min() ?? .nan, bestCount: best, meanScore: score,
                gatesAtMinimum: Double(atMin) / Double(max(gates, 1)), gatesAtMaximum: Double(atMax) / Double(max(gates, 1)),
                outputsAtRails: Double(atRails) / Double(max(outputs, 1)), learned: score >= 0.9, errors: errors)
        }
    }

    /// Performance and saturation fractions vs the reward factor (log x).
    public static func chart(_ rows: [Row], name: String) -> LineChart {
        var chart = LineChart(title: "\(name): bounded-range stress", xLabel: "reward scale factor", yLabel: "fraction")
        chart.xLog = true
        let x = rows.map(\.factor)
        chart.series = [
            LineSeries(name: "mean reward / optimum", x: x, y: rows.map(\.meanRatio)),
            LineSeries(name: "score (worst 0, best 1)", x: x, y: rows.map(\.meanScore)),
            LineSeries(name: "gates at GMN", x: x, y: rows.map(\.gatesAtMinimum)),
            LineSeries(name: "gates at GMX", x: x, y: rows.map(\.gatesAtMaximum)),
            LineSeries(name: "outputs at the rails", x: x, y: rows.map(\.outputsAtRails)),
        ]
        chart.horizontalLines = [ReferenceLine(value: 0.9, label: "learning threshold: score 0.9")]
        return chart
    }
}

/// Damage and recovery (spec §6.3): open a fraction of the edges mid-training and keep training.
public enum DamageExperiment {
    public struct Row: Codable, Sendable {
        public var fraction: Double
        public var removedEdges: [Int]
        /// "recovered", "not recovered", or why the damage could not be applied (a disconnected network).
        public var outcome: String
        /// Running average reward over the windows just before and right after the damage.
        public var rewardBefore: Double?
        public var rewardAfter: Double?
        /// Steps after the damage until the smoothed running average is back within 95% of `rewardBefore`.
        public var stepsToRecover: Int?
        /// The damaged network trained from scratch for the same number of steps: steps to reach the
        /// same level, and its final exact reward ratio.
        public var scratchStepsToReach: Int?
        public var finalRatio: Double?
        public var scratchFinalRatio: Double?
        public var curve: [[Double]]
        enum CodingKeys: String, CodingKey {
            case fraction, removedEdges = "removed_edges", outcome, rewardBefore = "reward_before", rewardAfter = "reward_after"
            case stepsToRecover = "steps_to_recover", scratchStepsToReach = "scratch_steps_to_reach"
            case finalRatio = "final_ratio", scratchFinalRatio = "scratch_final_ratio", curve
        }
    }

    /// Runs one trial per fraction with measurements every T/200 steps, damage at step `at`
    /// (rounded to a batch boundary), and the from-scratch control.
    public static func run(
        experiment: QLearningExperiment, fractions: [Double], at: Int, seed: UInt64, makeSolver: SolverFactory,
        progress: (String) -> Void = { _ in }
    ) throws -> [Row] {
        guard let optimum = experiment.environment.enumeratePolicies()?.optimum else {
            throw LearningError.mismatch("the policy space is too large to find the optimum")
        }
        var config = experiment.config
        config.measurementInterval = max(config.steps / 200, config.rule.batchSize)
        let damageStep = Self.damageStep(at: at, config: config)
        return try fractions.enumerated().map { index, fraction in
            var rng = SeededGenerator(seed: seed, stream: 1000 + UInt64(index))
            let count = Int((fraction * Double(experiment.topology.edgeCount)).rounded())
            let removed = Array(experiment.topology.edges.indices.shuffled(using: &rng).prefix(count)).sorted()
            var damaged = experiment.topology
            damaged.edges = experiment.topology.edges.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
            do { try damaged.checkHeldCoverage(damaged.inputs) } catch {
                progress("fraction \(fraction): not applied (\(error))")
                return Row(fraction: fraction, removedEdges: removed, outcome: "disconnected: \(error)", curve: [])
            }
            let trainer = try QLearningTrainer(
                topology: experiment.topology, environment: experiment.environment, config: config,
                solver: makeSolver(experiment.topology))
            let run = try trainer.run(trial: 0, seed: seed, damage: .init(step: damageStep, edges: Set(removed)))
            let smoothed = smooth(run.curve)
            let before = smoothed.last { $0.step < damageStep }?.value
            let after = run.curve.first { $0.step > damageStep }?.runningAverageReward
            let recovered = before.flatMap { b in smoothed.first { $0.step > damageStep && $0.value >= 0.95 * b }?.step }

            var scratchConfig = config
            scratchConfig.steps = config.steps - damageStep
            let scratch = try QLearningTrainer(
                topology: experiment.topology, environment: experiment.environment, config: scratchConfig,
                solver: makeSolver(experiment.topology)
            ).run(trial: 1, seed: seed, damage: .init(step: 0, edges: Set(removed)))
            let reached = before.flatMap { b in smooth(scratch.curve).first { $0.value >= 0.95 * b }?.step }
            let row = Row(
                fraction: fraction, removedEdges: removed, outcome: recovered == nil ? "not recovered" : "recovered",
                rewardBefore: before, rewardAfter: after, stepsToRecover: recovered.map { $0 - damageStep },
                scratchStepsToReach: reached, finalRatio: run.reward / optimum, scratchFinalRatio: scratch.reward / optimum,
                curve: run.curve.map { [Double($0.step), $0.runningAverageReward] })
            progress("fraction \(fraction): \(row.outcome)" + (row.stepsToRecover.map { " in \($0) steps" } ?? ""))
            return row
        }
    }

    /// The step the damage happens at: `at` rounded down to a batch boundary inside the run.
    public static func damageStep(at: Int, config: QLearningConfig) -> Int {
        let batch = config.rule.batchSize
        return min(max((at / batch) * batch, batch), config.steps - batch)
    }

    /// Running average reward smoothed over three measurement windows.
    static func smooth(_ curve: [Measurement]) -> [(step: Int, value: Double)] {
        let finite = curve.filter { $0.runningAverageReward.isFinite }
        return finite.indices.map { i in
            let window = finite[max(0, i - 2)...i]
            return (finite[i].step, window.map(\.runningAverageReward).reduce(0, +) / Double(window.count))
        }
    }

    /// Reward vs step with the damage marked, one curve per fraction.
    public static func chart(_ rows: [Row], name: String, damageStep: Int) -> LineChart {
        var chart = LineChart(title: "\(name): damage and recovery", xLabel: "training step", yLabel: "running average reward")
        chart.series = rows.filter { !$0.curve.isEmpty }.map { row in
            LineSeries(name: String(format: "%.0f%% edges removed", 100 * row.fraction),
                       x: row.curve.map { $0[0] }, y: row.curve.map { $0[1] })
        }
        chart.verticalLines = [ReferenceLine(value: Double(damageStep), label: "damage at step \(damageStep)")]
        return chart
    }
}
