import Foundation

/// A reinforcement-learning experiment: network, task and hyperparameters.
public struct QLearningExperiment: Sendable {
    public var name: String
    public var topology: Topology
    public var environment: any TabularEnvironment
    public var config: QLearningConfig
    public var trials: Int

    public init(name: String, topology: Topology, environment: any TabularEnvironment, config: QLearningConfig, trials: Int) {
        self.name = name
        self.topology = topology
        self.environment = environment
        self.config = config
        self.trials = trials
    }
}

/// The paper's two experiments with the reference's hyperparameters (spec §4, §5).
public enum ExperimentPresets {
    public static let names = ["four-state", "navigation"]

    /// Experiment A: T = 100,000, α = 0.3, η = 0.1, γ = 0.5, ε 0.05 → 0, B = 50, DGC = 0.1,
    /// gates 1.5 + 0.1·N(0,1), M = 300 measurements, 10 trials; each step's update weighted 1/4
    /// as in the reference code (see ``QLearningConfig/stateWeightExponent``).
    public static var fourState: QLearningExperiment {
        QLearningExperiment(
            name: "four-state", topology: TopologyPresets.fourState, environment: TableEnvironment.fourState,
            config: QLearningConfig(
                steps: 100_000, rule: CoupledLearningRule(alpha: 0.3, eta: 0.1, batchSize: 50, updateClip: 0.1),
                gamma: 0.5, epsilonStart: 0.05, epsilonEnd: 0, measurements: 300, stateWeightExponent: 1),
            trials: 10)
    }

    /// Experiment B: T = 300,000, α = 10, η = 0.1, γ = 0.5, ε 0.1 → 0, B = 50, DGC = 0.1,
    /// gates 1.5 + 0.1·N(0,1), M = 50 measurements, resets every 5 steps, 10 trials; each step's
    /// update weighted 1/9 as in the reference code (see ``QLearningConfig/stateWeightExponent``).
    public static var navigation: QLearningExperiment {
        QLearningExperiment(
            name: "navigation", topology: TopologyPresets.navigation, environment: GridNavigation(),
            config: QLearningConfig(
                steps: 300_000, rule: CoupledLearningRule(alpha: 10, eta: 0.1, batchSize: 50, updateClip: 0.1),
                gamma: 0.5, epsilonStart: 0.1, epsilonEnd: 0, measurements: 50, stateWeightExponent: 1),
            trials: 10)
    }

    /// Learning-rule variants: one set of rule settings applied to either preset (the same keys
    /// and values for both; the network, task, steps and measurements stay the preset's).
    public enum Rule: String, CaseIterable, Sendable {
        /// The reference's hyperparameters: the presets as they are.
        case faithful
        /// One setting for both presets, the best compromise the rule search found (README, "One rule
        /// for both presets"; sweeps/rule-search-*.yaml): α as written (no 1/states weighting) with
        /// α = 0.24, η = 0.046, γ = 0.87, B = 93, DGC = 0.033, ε 0.14 → 0.001, initial gates
        /// 2.44 + 0.1·N(0,1). On unseen seeds: four-state best policy 91/100, navigation within 1%
        /// 99/100 (the search's 98/98 target is not reached). `presets/balanced-*.yaml` hold the same.
        case balanced

        /// `config` with this variant's settings.
        public func apply(to config: QLearningConfig) -> QLearningConfig {
            var c = config
            switch self {
            case .faithful: break
            case .balanced:
                c.stateWeightExponent = 0
                c.rule.alpha = 0.24
                c.rule.eta = 0.046
                c.gamma = 0.87
                c.rule.batchSize = 93
                c.rule.updateClip = 0.033
                c.epsilonStart = 0.14
                c.epsilonEnd = 0.001
                c.initialGateMean = 2.44
            }
            return c
        }
    }

    /// A preset with a rule variant; the variant's name is appended to the experiment's
    /// (`four-state-balanced`) unless it is the faithful one.
    public static func named(_ name: String, rule: Rule) -> QLearningExperiment? {
        guard var e = named(name) else { return nil }
        e.config = rule.apply(to: e.config)
        if rule != .faithful { e.name += "-\(rule.rawValue)" }
        return e
    }

    public static func named(_ name: String) -> QLearningExperiment? {
        switch name {
        case "four-state": fourState
        case "navigation": navigation
        default: nil
        }
    }
}
