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
/// readout: arq                # per-action (default) | arq | mean | variance (Readout; adds action inputs)
/// action_code: one-hot        # group readouts only (ActionConditioning): one-hot | binary
/// action_wiring: inputs       # action nodes wired like the inputs | one edge to every output
/// action_voltage: 1           # V of an action input that is on
/// action_off_voltage: 0       # V of one that is off (−action_voltage: a symmetric code)
/// readout_gain: 1             # Q = gain × the readout's statistic + offset
/// readout_offset: 0
/// target: discounted          # the Bellman target (QTarget): mean-normalized (the paper's) | discounted
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

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, rewards, transitions, noise, reset, rows, columns, goal, base, bonus, shaping
        }

        public init(from decoder: Decoder) throws {
            try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "\"environment\"")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try c.decode(String.self, forKey: .kind)
            rewards = try c.decodeIfPresent([[Double]].self, forKey: .rewards)
            transitions = try c.decodeIfPresent([[Int]].self, forKey: .transitions)
            noise = try c.decodeIfPresent(Double.self, forKey: .noise)
            reset = try c.decodeIfPresent(Int.self, forKey: .reset)
            rows = try c.decodeIfPresent(Int.self, forKey: .rows)
            columns = try c.decodeIfPresent(Int.self, forKey: .columns)
            goal = try c.decodeIfPresent(Int.self, forKey: .goal)
            base = try c.decodeIfPresent(Double.self, forKey: .base)
            bonus = try c.decodeIfPresent(Double.self, forKey: .bonus)
            shaping = try c.decodeIfPresent(Double.self, forKey: .shaping)
        }
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
    public var readout: Readout?
    public var actionCode: ActionConditioning.Code?
    public var actionWiring: ActionConditioning.Wiring?
    public var actionVoltage: Double?
    public var actionOffVoltage: Double?
    public var readoutGain: Double?
    public var readoutOffset: Double?
    /// The Bellman target (``QTarget``); nil keeps the preset's.
    public var target: QTarget?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case preset, topology, environment, steps, trials, alpha, eta, gamma, batch, clip
        case epsilonStart = "epsilon_start", epsilonEnd = "epsilon_end", initialGateMean = "initial_gate_mean"
        case initialGateSpread = "initial_gate_spread", measurements
        case measurementInterval = "measurement_interval", referenceQuirk = "reference_quirk"
        case stateWeightExponent = "state_weight_exponent", readout
        case actionCode = "action_code", actionWiring = "action_wiring", actionVoltage = "action_voltage", actionOffVoltage = "action_off_voltage"
        case readoutGain = "readout_gain", readoutOffset = "readout_offset", target
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "a Q-learning config")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        preset = try c.decodeIfPresent(String.self, forKey: .preset)
        topology = try c.decodeIfPresent(String.self, forKey: .topology)
        environment = try c.decodeIfPresent(Environment.self, forKey: .environment)
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        trials = try c.decodeIfPresent(Int.self, forKey: .trials)
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha)
        eta = try c.decodeIfPresent(Double.self, forKey: .eta)
        gamma = try c.decodeIfPresent(Double.self, forKey: .gamma)
        batch = try c.decodeIfPresent(Int.self, forKey: .batch)
        clip = try c.decodeIfPresent(Double.self, forKey: .clip)
        epsilonStart = try c.decodeIfPresent(Double.self, forKey: .epsilonStart)
        epsilonEnd = try c.decodeIfPresent(Double.self, forKey: .epsilonEnd)
        initialGateMean = try c.decodeIfPresent(Double.self, forKey: .initialGateMean)
        initialGateSpread = try c.decodeIfPresent(Double.self, forKey: .initialGateSpread)
        measurements = try c.decodeIfPresent(Int.self, forKey: .measurements)
        measurementInterval = try c.decodeIfPresent(Int.self, forKey: .measurementInterval)
        referenceQuirk = try c.decodeIfPresent(Bool.self, forKey: .referenceQuirk)
        stateWeightExponent = try c.decodeIfPresent(Double.self, forKey: .stateWeightExponent)
        readout = try c.decodeIfPresent(Readout.self, forKey: .readout)
        actionCode = try c.decodeIfPresent(ActionConditioning.Code.self, forKey: .actionCode)
        actionWiring = try c.decodeIfPresent(ActionConditioning.Wiring.self, forKey: .actionWiring)
        actionVoltage = try c.decodeIfPresent(Double.self, forKey: .actionVoltage)
        actionOffVoltage = try c.decodeIfPresent(Double.self, forKey: .actionOffVoltage)
        readoutGain = try c.decodeIfPresent(Double.self, forKey: .readoutGain)
        readoutOffset = try c.decodeIfPresent(Double.self, forKey: .readoutOffset)
        target = try c.decodeIfPresent(QTarget.self, forKey: .target)
    }

    /// Reads a config file.
    public static func load(_ url: URL) throws -> ExperimentConfigFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopologyFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decodeFile(data, path: url.path) { ExperimentConfigError.malformed(path: url.path, reason: $0) }
    }

    /// The experiment this file describes; relative topology paths resolve against `directory`.
    public func experiment(relativeTo directory: URL, name: String) throws -> QLearningExperiment {
        let presetName = preset ?? "four-state"
        guard var e = ExperimentPresets.named(presetName) else {
            throw ExperimentConfigError.unknownPreset(presetName)
        }
        e.name = name
        if let environment {
            switch environment.kind {
            case "table":
                guard let rewards = environment.rewards, let transitions = environment.transitions else {
                    throw LearningError.invalidTask("a table environment needs \"rewards\" and \"transitions\" (states × actions tables)")
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
                throw LearningError.invalidTask("environment kind \"\(environment.kind)\" is unknown; use kind: table or kind: grid")
            }
        }
        if let topology {
            let url = topology.hasPrefix("/") ? URL(fileURLWithPath: topology) : directory.appendingPathComponent(topology)
            e.topology = try TopologyPresets.named(topology) ?? Topology.load(contentsOf: url)
        }
        var c = e.config
        c.steps = steps ?? c.steps
        c.rule = c.rule.overriding(alpha: alpha, eta: eta, batchSize: batch, updateClip: clip)
        c.gamma = gamma ?? c.gamma
        c.epsilonStart = epsilonStart ?? c.epsilonStart
        c.epsilonEnd = epsilonEnd ?? c.epsilonEnd
        c.initialGateMean = initialGateMean ?? c.initialGateMean
        c.initialGateSpread = initialGateSpread ?? c.initialGateSpread
        c.measurements = measurements ?? c.measurements
        c.measurementInterval = measurementInterval ?? c.measurementInterval
        c.referenceQuirk = referenceQuirk ?? c.referenceQuirk
        c.stateWeightExponent = stateWeightExponent ?? c.stateWeightExponent
        if let target { c.target = target == .meanNormalized ? nil : target }
        try c.validate()
        // The code decides how many action inputs withReadout adds; e.validate() checks it.
        c.actionConditioning = ActionConditioning.overriding(
            c.actionConditioning, code: actionCode, wiring: actionWiring, onVoltage: actionVoltage, offVoltage: actionOffVoltage, gain: readoutGain,
            offset: readoutOffset)
        e.config = c
        e.trials = trials ?? e.trials
        if let readout { e = try e.withReadout(readout) }
        try e.validate()
        return e
    }
}

/// A Q-learning config file that cannot be read.
public enum ExperimentConfigError: Error, CustomStringConvertible, Equatable {
    case malformed(path: String, reason: String)
    case unknownPreset(String)

    public var description: String {
        switch self {
        case let .malformed(path, reason): "\(path) is not a valid Q-learning config: \(reason)"
        case let .unknownPreset(name):
            "preset \"\(name)\" is unknown; use preset: \(ExperimentPresets.names.joined(separator: " or "))"
        }
    }
}

extension QLearningExperiment {
    /// Checks the experiment before any trial starts: trials, hyperparameters, the task, the
    /// network, and that network and task fit (one state encoding per state, one output per action).
    public func validate() throws {
        guard (1...InputLimits.maximumTrials).contains(trials) else {
            throw LearningError.invalidHyperparameter(
                "trials must be a whole number in 1...\(InputLimits.maximumTrials) (got \(trials)), e.g. trials 10")
        }
        try config.validate()
        try environment.validate()
        try topology.validate()
        try QLearningTrainer.checkFit(topology: topology, environment: environment, readout: config.readout ?? .perAction)
    }
}
