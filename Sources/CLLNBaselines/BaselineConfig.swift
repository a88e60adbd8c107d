import CLLN
import Foundation

/// The digital baselines.
public enum BaselineAgentKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Tabular Q-learning (tabular tasks only).
    case tabular
    /// Backprop DQN: MLP, replay, target network, Huber loss, Adam.
    case dqn
    /// Backprop-free local agent (AD/ARQ style): per-cell TD errors, spread readout.
    case local
}

/// The networks' sizes and optimiser (DQN and the local agent).
public struct NetworkSettings: Sendable, Codable, Hashable {
    /// Hidden layer widths (DQN); the local agent uses the first as every cell's width.
    public var hidden: [Int]
    /// Cells of the local agent.
    public var cells: Int
    /// Output units D of each local cell (its value is their spread).
    public var readoutWidth: Int
    public var learningRate: Double
    public var batchSize: Int
    public var replayCapacity: Int
    /// Steps stored before training starts.
    public var learningStarts: Int
    /// A gradient step every this many steps.
    public var trainEvery: Int
    /// Steps between copies of the online network(s) into the target.
    public var targetUpdate: Int
    /// DQN: Double DQN's target (van Hasselt et al. 2016), `r + γ·Q_target(s′, argmax_a Q_online(s′, a))`,
    /// instead of `r + γ·max_a Q_target(s′, a)`.
    public var doubleQ: Bool

    enum CodingKeys: String, CodingKey {
        case hidden, cells, readoutWidth = "readout_width", learningRate = "learning_rate", batchSize = "batch_size"
        case replayCapacity = "replay_capacity", learningStarts = "learning_starts", trainEvery = "train_every"
        case targetUpdate = "target_update", doubleQ = "double_q"
    }

    public init(hidden: [Int] = [64, 64], cells: Int = 2, readoutWidth: Int = 16, learningRate: Double = 1e-3, batchSize: Int = 64,
                replayCapacity: Int = 50_000, learningStarts: Int = 1_000, trainEvery: Int = 1, targetUpdate: Int = 500, doubleQ: Bool = false) {
        self.hidden = hidden
        self.cells = cells
        self.readoutWidth = readoutWidth
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.replayCapacity = replayCapacity
        self.learningStarts = learningStarts
        self.trainEvery = trainEvery
        self.targetUpdate = targetUpdate
        self.doubleQ = doubleQ
    }

    /// Decodes settings written before `double_q` existed as `double_q: false`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            hidden: try c.decode([Int].self, forKey: .hidden), cells: try c.decode(Int.self, forKey: .cells),
            readoutWidth: try c.decode(Int.self, forKey: .readoutWidth), learningRate: try c.decode(Double.self, forKey: .learningRate),
            batchSize: try c.decode(Int.self, forKey: .batchSize), replayCapacity: try c.decode(Int.self, forKey: .replayCapacity),
            learningStarts: try c.decode(Int.self, forKey: .learningStarts), trainEvery: try c.decode(Int.self, forKey: .trainEvery),
            targetUpdate: try c.decode(Int.self, forKey: .targetUpdate), doubleQ: try c.decodeIfPresent(Bool.self, forKey: .doubleQ) ?? false)
    }
}

/// Everything one baseline run needs besides the task and seed. ε falls linearly from
/// `epsilonStart` at step 0 to `epsilonEnd` at `epsilonDecaySteps`, then stays there (the CLLN
/// presets' schedule when `epsilonDecaySteps` = `steps`).
public struct BaselineConfig: Sendable, Codable, Hashable {
    public var steps: Int
    public var gamma: Double
    public var epsilonStart: Double
    public var epsilonEnd: Double
    public var epsilonDecaySteps: Int
    /// Step size α of tabular Q-learning.
    public var alpha: Double
    public var network: NetworkSettings
    /// Points of the learning curve (evenly spaced, plus step 0).
    public var measurements: Int
    /// Greedy episodes per curve point (continuous tasks).
    public var evaluationEpisodes: Int

    enum CodingKeys: String, CodingKey {
        case steps, gamma, epsilonStart = "epsilon_start", epsilonEnd = "epsilon_end", epsilonDecaySteps = "epsilon_decay_steps"
        case alpha, network, measurements, evaluationEpisodes = "evaluation_episodes"
    }

    public init(steps: Int, gamma: Double, epsilonStart: Double, epsilonEnd: Double, epsilonDecaySteps: Int, alpha: Double = 0.1,
                network: NetworkSettings = NetworkSettings(), measurements: Int = 50, evaluationEpisodes: Int = 10) {
        self.steps = steps
        self.gamma = gamma
        self.epsilonStart = epsilonStart
        self.epsilonEnd = epsilonEnd
        self.epsilonDecaySteps = epsilonDecaySteps
        self.alpha = alpha
        self.network = network
        self.measurements = measurements
        self.evaluationEpisodes = evaluationEpisodes
    }

    /// ε at step t.
    public func epsilon(at t: Int) -> Double {
        guard epsilonDecaySteps > 0, t < epsilonDecaySteps else { return epsilonEnd }
        return epsilonStart + (epsilonEnd - epsilonStart) * Double(t) / Double(epsilonDecaySteps)
    }

    /// The defaults of `agent` on the named task: the CLLN presets' steps and ε on four-state
    /// (100,000; 0.05 → 0) and navigation (300,000; 0.1 → 0); 200,000 steps with ε 0.1 → 0 on the
    /// grid worlds; on CartPole 200,000 steps with ε 1 → 0.05 over the first half and a gradient
    /// step (Adam 2.5e-4) every 4 steps (the local agent: 60,000 steps, ε over the first third,
    /// Adam 1e-3 every step; it collapses to one action with the slower schedule); on MountainCar 150,000 steps, ε 1 → 0.05 over the first
    /// third. γ = 0.9 and tabular α = 0.5 on the tabular tasks, γ = 0.99 on the continuous ones.
    public static func defaults(agent: BaselineAgentKind, task: String) -> BaselineConfig {
        switch task {
        case "four-state":
            return BaselineConfig(
                steps: 100_000, gamma: 0.9, epsilonStart: 0.05, epsilonEnd: 0, epsilonDecaySteps: 100_000, alpha: 0.5,
                network: NetworkSettings(hidden: [32], learningRate: 1e-3))
        case "navigation":
            return BaselineConfig(
                steps: 300_000, gamma: 0.9, epsilonStart: 0.1, epsilonEnd: 0, epsilonDecaySteps: 300_000, alpha: 0.5,
                network: NetworkSettings(hidden: [32], learningRate: 1e-3))
        case "cartpole" where agent == .local:
            return BaselineConfig(steps: 60_000, gamma: 0.99, epsilonStart: 1, epsilonEnd: 0.05, epsilonDecaySteps: 20_000)
        case "cartpole":
            return BaselineConfig(
                steps: 200_000, gamma: 0.99, epsilonStart: 1, epsilonEnd: 0.05, epsilonDecaySteps: 100_000,
                network: NetworkSettings(learningRate: 2.5e-4, trainEvery: 4))
        case "mountaincar":
            return BaselineConfig(steps: 150_000, gamma: 0.99, epsilonStart: 1, epsilonEnd: 0.05, epsilonDecaySteps: 50_000)
        default:
            return BaselineConfig(
                steps: 200_000, gamma: 0.9, epsilonStart: 0.1, epsilonEnd: 0, epsilonDecaySteps: 200_000, alpha: 0.5,
                network: NetworkSettings(hidden: [64], learningRate: 1e-3))
        }
    }

    /// Throws a ``BaselineError/invalidConfig(_:)`` naming the bad value and the fix.
    public func validate() throws(BaselineError) {
        func check(_ ok: Bool, _ message: String) throws(BaselineError) { if !ok { throw .invalidConfig(message) } }
        try check((1...InputLimits.maximumSteps).contains(steps), "steps is \(steps); give 1 to \(InputLimits.maximumSteps), e.g. --steps 50000")
        try check(gamma.isFinite && gamma >= 0 && gamma < 1, "gamma is \(gamma); give a discount in [0, 1), e.g. 0.99")
        for (key, value) in [("epsilon_start", epsilonStart), ("epsilon_end", epsilonEnd)] {
            try check(value.isFinite && (0...1).contains(value), "\(key) is \(value); give a probability in [0, 1]")
        }
        try check(epsilonDecaySteps >= 0, "epsilon_decay_steps is \(epsilonDecaySteps); give a step count ≥ 0")
        try check(alpha.isFinite && alpha > 0 && alpha <= 1, "alpha is \(alpha); give a step size in (0, 1], e.g. 0.1")
        try check((1...InputLimits.maximumMeasurements).contains(measurements), "measurements is \(measurements); give 1 to \(InputLimits.maximumMeasurements)")
        try check((1...10_000).contains(evaluationEpisodes), "evaluation_episodes is \(evaluationEpisodes); give 1 to 10000")
        let n = network
        try check(!n.hidden.isEmpty && n.hidden.allSatisfy { (1...4_096).contains($0) }, "hidden widths are \(n.hidden); give 1 to 4096 units per layer, e.g. [64, 64]")
        try check((1...16).contains(n.cells), "cells is \(n.cells); give 1 to 16")
        try check((2...4_096).contains(n.readoutWidth), "readout_width is \(n.readoutWidth); give 2 to 4096 units (its spread is the value)")
        try check(n.learningRate.isFinite && n.learningRate > 0 && n.learningRate < 1, "learning_rate is \(n.learningRate); give a rate in (0, 1), e.g. 0.001")
        try check((1...65_536).contains(n.batchSize), "batch_size is \(n.batchSize); give 1 to 65536")
        try check((1...10_000_000).contains(n.replayCapacity), "replay_capacity is \(n.replayCapacity); give 1 to 10000000")
        try check(n.learningStarts >= 1, "learning_starts is \(n.learningStarts); give ≥ 1")
        try check(n.trainEvery >= 1, "train_every is \(n.trainEvery); give ≥ 1")
        try check(n.targetUpdate >= 1, "target_update is \(n.targetUpdate); give ≥ 1")
    }
}

/// Bad input to a baseline run; the message names the value and the fix.
public enum BaselineError: InputError, Equatable {
    case invalidConfig(String)
    /// The agent cannot run on the task (tabular Q on a continuous task).
    case unsupported(String)

    public var description: String {
        switch self {
        case let .invalidConfig(why): "invalid baseline setting: \(why)"
        case let .unsupported(why): "unsupported: \(why)"
        }
    }
}
