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
        default: GridWorld.named(name).map(gridWorld)
        }
    }

    /// The paper's presets and the grid-world presets (``GridWorld/names``).
    public static var allNames: [String] { names + GridWorld.names }

    /// A grid world (``GridWorld``) on ``gridNetwork(for:)``: T = 200,000 steps (the baselines'
    /// grid-world schedule), ε 0.1 → 0, the discounted target (``QTarget/discounted``) with
    /// γ = 0.95, α = 0.5 as written (state weight exponent 0), η = 0.1, B = 20, DGC = 0.1, gates
    /// 1.5 + 0.1·N(0,1), a measurement every 4,000 steps, 10 trials. (The paper's mean-normalized
    /// target loses the value of the goal within a few steps of distance: every trial ended on a
    /// policy that never reaches it.)
    ///
    /// The 7×7 map without slip uses γ = 0.98 and α = 1 (``gridGamma(for:)``): at γ = 0.95 its
    /// optimal table does not fit one output's voltage budget (see ``gridNetwork(for:)``).
    public static func gridWorld(_ grid: GridWorld) -> QLearningExperiment {
        let wide = isWideBudgetGrid(grid)
        var config = QLearningConfig(
            steps: 200_000, rule: CoupledLearningRule(alpha: wide ? 1 : 0.5, eta: 0.1, batchSize: 20, updateClip: 0.1),
            gamma: gridGamma(for: grid), epsilonStart: 0.1, epsilonEnd: 0, measurements: 50, stateWeightExponent: 0)
        config.measurementInterval = 4_000
        config.target = .discounted
        return QLearningExperiment(name: grid.name, topology: gridNetwork(for: grid), environment: grid, config: config, trials: 10)
    }

    /// The network of a grid world: the state one-hot on S input nodes (the state's node at
    /// ``gridOn`` V, the others at ``gridOff(for:)``) plus a rail held at ``gridRail`` V, each input
    /// wired by a MOSFET to each of the 4 outputs (one per action): (S + 1)·4 edges, no hidden
    /// nodes. Output a in state s settles near the conductance-weighted mean of the held voltages
    /// its edges see, so each state has its own edge to every output (a table in conductances);
    /// but the weights of one output sum to 1 over all inputs, so its deviations above the
    /// inactive level, summed over the states, stay below 1 − off: the inactive level must sit
    /// just under the values Q takes (near the optimal average reward under the discounted target).
    public static func gridNetwork(for grid: GridWorld) -> Topology {
        let s = grid.stateCount
        let off = gridOff(for: grid)
        let states = (0..<s).map { state in (0..<s).map { $0 == state ? gridOn : off } + [gridRail] }
        var t = Generators.layeredDense(
            layers: [s + 1, grid.actionCount], inputs: Array(0...s), outputs: Array((s + 1)..<(s + 1 + grid.actionCount)), states: states)
        t.name = "\(grid.name)-one-hot"
        return t
    }

    /// Voltage of the inactive state inputs in ``gridNetwork(for:)``: 0.15 V on the 5×5 map (0.1 V
    /// with slip), 0.05 V on the 7×7 map with slip (optimal average rewards 0.21 and 0.16 without
    /// slip; chosen on seeds 1000–1009 among 0.05/0.1/0.15/0.2 V with γ 0.95, α 0.5: 0 V lets
    /// every Q collapse toward 0 V, too high a level leaves no room for the table), and 0.1 V on
    /// the 7×7 map without slip with its γ 0.98, α 1 (chosen on base seeds 1000 and 2000 among
    /// 0.05–0.12 V and γ 0.95–0.99: just under its smallest optimal Q, 0.13 V).
    public static func gridOff(for grid: GridWorld) -> Double {
        if isWideBudgetGrid(grid) { return 0.1 }
        return grid.stateCount > 24 ? 0.05 : (grid.slip > 0 ? 0.1 : 0.15)
    }

    /// γ of a grid preset: 0.95, and 0.98 on the 7×7 map without slip. Under the discounted target
    /// Q* = ρ + (1 − γ)·h(s, a) (ρ the optimal average reward, h the bias), so a higher γ shrinks
    /// the table's spread: summed over the 31 states, one action's optimal Q above the smallest
    /// one is 1.19 V at γ 0.95, more than the 1 − off an output can spread over its inputs, and
    /// 0.54 V at γ 0.98 (the action gaps shrink alike, to a median 3 mV).
    public static func gridGamma(for grid: GridWorld) -> Double { isWideBudgetGrid(grid) ? 0.98 : 0.95 }

    /// The 7×7 map without slip, whose optimal table needs the higher γ to fit (``gridGamma(for:)``).
    /// With slip 0.2 the same settings did not help (seeds 1000: 0/10 best either way), so the
    /// slippery map keeps γ 0.95.
    static func isWideBudgetGrid(_ grid: GridWorld) -> Bool { grid.stateCount > 24 && grid.slip == 0 }

    /// Voltage of the active state's input in ``gridNetwork(for:)``.
    public static let gridOn = 1.0
    /// Voltage of the rail input in ``gridNetwork(for:)``.
    public static let gridRail = 0.2
}
