import Foundation

/// A training configuration file (YAML or JSON): a base preset plus overrides, optionally with
/// your own topology file and task. Every key but `preset` is optional:
/// ```yaml
/// preset: four-state          # four-state | navigation
/// topology: my-network.json   # relative to this file; needs the task's states and actions
/// environment:                # a table task ...
///   kind: table
///   rewards: [[0.1, 0.2], [0.3, 0.0]]
///   transitions: [[0, 1], [0, 1]]
///   noise: 0.01
/// # ... or a grid: {kind: grid, rows: 3, columns: 4, goal: 2, base: 0.4, bonus: 0.05, shaping: 1e-5, reset: 5}
/// steps: 20000
/// trials: 10
/// alpha: 0.3
/// eta: 0.1
/// gamma: 0.5
/// batch: 50
/// clip: 0.1
/// epsilon_start: 0.05
/// epsilon_end: 0
/// initial_gate_mean: 1.5
/// initial_gate_spread: 0.1
/// measurements: 300
/// measurement_interval: 1000  # measure every 1000 steps instead (finer curves)
/// reference_quirk: false
/// state_weight_exponent: 1    # each step's update × (1/states)^p, as the reference code (0: α as written)
/// ```
public struct ExperimentConfigFile: Codable, Sendable {
    public struct Environment: Codable, Sendable {
        public var kind: String
        public var rewards: [[Double]]?
        public var transitions: [[Int]]?
        public var noise: Double?
        public var reset: Int?
        public var rows: Int?
        public var columns: Int?
        public var goal: Int?
        public var base: Double?
        public var bonus: Double?
        public var shaping: Double?
    }

    public var preset: String?
    public var topology: String?
    public var environment: Environment?
    public var steps: Int?
    public var trials: Int?
    public var alpha: Double?
    public var eta: Double?
    public var gamma: Double?
    public var batch: Int?
    public var clip: Double?
    public var epsilonStart: Double?
    public var epsilonEnd: Double?
    public var initialGateMean: Double?
    public var initialGateSpread: Double?
    public var measurements: Int?
    public var measurementInterval: Int?
    public var referenceQuirk: Bool?
    public var stateWeightExponent: Double?

    enum CodingKeys: String, CodingKey {
        case preset, topology, environment, steps, trials, alpha, eta, gamma, batch, clip
        case epsilonStart = "epsilon_start", epsilonEnd = "epsilon_end", initialGateMean = "initial_gate_mean"
        case initialGateSpread = "initial_gate_spread", measurements
        case measurementInterval = "measurement_interval", referenceQuirk = "reference_quirk"
        case stateWeightExponent = "state_weight_exponent"
    }

    /// Reads a config file.
    public static func load(_ url: URL) throws -> ExperimentConfigFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopologyFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decodeFile(data, path: url.path)
    }

    /// The experiment this file describes; relative topology paths resolve against `directory`.
    public func experiment(relativeTo directory: URL, name: String) throws -> QLearningExperiment {
        let presetName = preset ?? "four-state"
        guard var e = ExperimentPresets.named(presetName) else {
            throw LearningError.mismatch("unknown preset \"\(presetName)\"; use \(ExperimentPresets.names.joined(separator: " or "))")
        }
        e.name = name
        if let environment {
            switch environment.kind {
            case "table":
                guard let rewards = environment.rewards, let transitions = environment.transitions else {
                    throw LearningError.mismatch("a table environment needs \"rewards\" and \"transitions\"")
                }
                let table = TableEnvironment(
                    name: name, rewards: rewards, transitions: transitions, rewardNoise: environment.noise ?? 0,
                    resetPeriod: environment.reset)
                try table.validate()
                e.environment = table
            case "grid":
                let d = GridNavigation()
                let grid = GridNavigation(
                    rows: environment.rows ?? d.rows, columns: environment.columns ?? d.columns, goal: environment.goal ?? d.goal,
                    base: environment.base ?? d.base, bonus: environment.bonus ?? d.bonus, shaping: environment.shaping ?? d.shaping,
                    rewardNoise: environment.noise ?? 0, resetPeriod: environment.reset ?? d.resetPeriod)
                try grid.validate()
                e.environment = grid
                if topology == nil {
                    // The preset's dense network with the grid's state encodings.
                    e.topology.states = (0..<grid.stateCount).map(grid.encoding(state:))
                }
            default:
                throw LearningError.mismatch("environment kind \"\(environment.kind)\" is unknown; use table or grid")
            }
        }
        if let topology {
            let url = topology.hasPrefix("/") ? URL(fileURLWithPath: topology) : directory.appendingPathComponent(topology)
            e.topology = try TopologyPresets.named(topology) ?? Topology.load(contentsOf: url)
        }
        var c = e.config
        c.steps = steps ?? c.steps
        c.rule.alpha = alpha ?? c.rule.alpha
        c.rule.eta = eta ?? c.rule.eta
        c.rule.batchSize = batch ?? c.rule.batchSize
        c.rule.updateClip = clip ?? c.rule.updateClip
        c.gamma = gamma ?? c.gamma
        c.epsilonStart = epsilonStart ?? c.epsilonStart
        c.epsilonEnd = epsilonEnd ?? c.epsilonEnd
        c.initialGateMean = initialGateMean ?? c.initialGateMean
        c.initialGateSpread = initialGateSpread ?? c.initialGateSpread
        c.measurements = measurements ?? c.measurements
        c.measurementInterval = measurementInterval ?? c.measurementInterval
        c.referenceQuirk = referenceQuirk ?? c.referenceQuirk
        c.stateWeightExponent = stateWeightExponent ?? c.stateWeightExponent
        try c.validate()
        e.config = c
        e.trials = trials ?? e.trials
        try e.topology.validate()
        return e
    }
}
