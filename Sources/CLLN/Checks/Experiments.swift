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
    public var isDeterministic: Bool { base.isDeterministic }
    public func transitionProbabilities(state: Int, action: Int) -> [(state: Int, probability: Double)] {
        base.transitionProbabilities(state: state, action: action)
    }
    /// Deterministic tasks: the default draws (scaled mean, scaled noise); random ones: the base
    /// task's draw with its reward scaled.
    public func sampleStep(state: Int, action: Int, rng: inout SeededGenerator) -> (reward: Double, next: Int) {
        guard !base.isDeterministic else {
            return (meanReward(state: state, action: action) + (rewardNoise > 0 ? rewardNoise * rng.gaussian() : 0),
                    nextState(state: state, action: action))
        }
        let step = base.sampleStep(state: state, action: action, rng: &rng)
        return (factor * step.reward, step.next)
    }
}

/// Rows, summary and chart of the stress experiment (``StressTrial``).
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

/// Rows, summary and chart of the damage experiment (``DamageTrial``).
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
