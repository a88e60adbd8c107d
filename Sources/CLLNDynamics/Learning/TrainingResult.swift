/// The outcome of ``DynamicsTrainer/train(progress:)``.
public struct TrainingResult: Sendable {
    public var task: DynamicsTask
    public var rule: UpdateRule
    /// Mean episode cost ∫c dt at the start of each iteration.
    public var costs: [Double]
    /// cos(Δθ_local, −∇C) at each iteration.
    public var alignments: [Double]
    /// Mean episode cost after the last update.
    public var finalCost: Double
    public var finalParameters: [Double]
    /// Free runs of every episode before and after training.
    public var before: [Trajectory]
    public var after: [Trajectory]
    public var metricsBefore: [String: Double]
    public var metricsAfter: [String: Double]
    /// Stiffness of the first episode's free run after training.
    public var stiffness: EpisodeSolver.Stiffness
    /// Seconds spent training (iterations and the final evaluation; task metrics excluded).
    public var wallSeconds: Double

    public var initialCost: Double { costs.first ?? finalCost }

    /// Mean of the finite alignments.
    public var meanAlignment: Double {
        let finite = alignments.filter(\.isFinite)
        return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
    }

    public var summary: TrainingSummary {
        let finite = alignments.filter(\.isFinite)
        return TrainingSummary(
            task: task.name, rule: rule.rawValue, seed: task.seed, iterations: costs.count,
            costInitial: initialCost, costFinal: finalCost, reductionFactor: initialCost / finalCost,
            alignmentMean: meanAlignment,
            alignmentPositiveFraction: finite.isEmpty ? .nan : Double(finite.filter { $0 > 0 }.count) / Double(finite.count),
            eta: task.nudge, supervisor: task.supervisor.rawValue, learningRate: task.learningRate, timeStep: task.timeStep,
            stateCount: task.system.stateCount, parameterCount: task.system.parameterCount,
            reciprocal: task.system.isReciprocal, wallSeconds: wallSeconds,
            metricsBefore: metricsBefore, metricsAfter: metricsAfter, stiffness: stiffness)
    }
}

/// The JSON summary of a training run (`summary.json`, `clln dynamics train --json`).
public struct TrainingSummary: Sendable, Codable {
    public var task: String
    public var rule: String
    public var seed: UInt64
    public var iterations: Int
    public var costInitial: Double
    public var costFinal: Double
    /// cost_initial / cost_final.
    public var reductionFactor: Double
    public var alignmentMean: Double
    /// Share of iterations with positive alignment (the PAR condition asks for "on average").
    public var alignmentPositiveFraction: Double
    public var eta: Double
    /// ``Supervisor`` raw value: "force" or "clamp".
    public var supervisor: String
    public var learningRate: Double
    public var timeStep: Double
    public var stateCount: Int
    public var parameterCount: Int
    public var reciprocal: Bool
    public var wallSeconds: Double
    public var metricsBefore: [String: Double]
    public var metricsAfter: [String: Double]
    public var stiffness: EpisodeSolver.Stiffness

    enum CodingKeys: String, CodingKey {
        case task, rule, seed, iterations, eta, supervisor, reciprocal, stiffness
        case costInitial = "cost_initial", costFinal = "cost_final", reductionFactor = "reduction_factor"
        case alignmentMean = "alignment_mean", alignmentPositiveFraction = "alignment_positive_fraction"
        case learningRate = "learning_rate", timeStep = "time_step"
        case stateCount = "state_count", parameterCount = "parameter_count"
        case wallSeconds = "wall_s", metricsBefore = "metrics_before", metricsAfter = "metrics_after"
    }
}
