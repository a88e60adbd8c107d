import Foundation

/// How the Q-learning agent reads Q(s, a) off the network and how its clamped phase nudges it.
///
/// - ``perAction`` (the paper's): one output node per action; Q(s, a) is output a's free voltage
///   F_a under state s's inputs, and the clamp moves output a to (1 − η)·F_a + η·T, the other
///   outputs held at their free values.
/// - The group readouts (``arq``, ``mean``, ``variance``) condition the network on the candidate
///   action instead: the last input nodes carry its code (``ActionConditioning``: one-hot or binary,
///   on/off voltages; ``actionConditioned(_:actions:)`` adds the nodes), one free solve per
///   candidate, and Q(s, a) = g·S + b with S a statistic of the K output voltages o_1…o_K with
///   mean m (g, b: the conditioning's ``ActionConditioning/gain`` and ``ActionConditioning/offset``):
///   - ``arq``: S = √(Σ(o_k − m)²/K), the RMS after removing the mean (ARQ's goodness);
///   - ``mean``: S = m;
///   - ``variance``: S = Σ(o_k − m)²/K.
///
///   Each group clamp holds all K outputs so that the clamped outputs' statistic equals the nudged
///   value Q' = (1 − η)·Q + η·T whenever Q' is reachable (see ``clampedOutputs(free:action:target:eta:)``).
///
/// The target T is the paper's mean-normalized Bellman target for every readout,
/// T = R + γ·(max_a′ Q(S′, a′) − mean_a′ Q(S′, a′)) (``QLearningTrainer/target(reward:nextOutputs:gamma:)``
/// over the next state's candidate Q values): a state-wide offset of Q drops out, and the arq/variance
/// spreads are ≥ 0 like the target on tasks with non-negative rewards.
public enum Readout: String, Sendable, Hashable, Codable, CaseIterable {
    case perAction = "per-action"
    case arq
    case mean
    case variance

    /// Whether the candidate action enters as input voltages (every readout but ``perAction``).
    public var isActionConditioned: Bool { self != .perAction }

    /// The statistic of a group readout over K free output voltages (the mean for ``perAction``).
    public func statistic(outputs: [Double]) -> Double {
        let m = outputs.reduce(0, +) / Double(outputs.count)
        switch self {
        case .perAction, .mean: return m
        case .arq: return Self.meanSquareDeviation(outputs, mean: m).squareRoot()
        case .variance: return Self.meanSquareDeviation(outputs, mean: m)
        }
    }

    /// Q of one candidate from its K free output voltages: g × ``statistic(outputs:)`` + b with
    /// g = `gain`, b = `offset` (the trainer reads ``perAction``'s Q as `outputs[action]` instead).
    public func value(outputs: [Double], gain: Double = 1, offset: Double = 0) -> Double {
        gain * statistic(outputs: outputs) + offset
    }

    /// Clamp values of the outputs (in output order) for a step that took `action`, from the free
    /// outputs `free` (under the inputs the step was solved with) and the target T, nudge η.
    /// A group readout reads Q = g·S + b (S its statistic, g = `gain`, b = `offset`) and clamps the
    /// outputs so that their statistic becomes S' = (Q' − b)/g, Q' = (1 − η)·Q + η·T:
    /// - ``perAction``: output `action` at (1 − η)·F_a + η·T, the others at F (spec §3);
    /// - ``mean``: every output shifted by S' − S = η·(T − Q)/g, so the mean becomes S';
    /// - ``arq``: deviations about the mean m scaled by c = max(0, S'/S): m + c·(o_k − m), so the
    ///   RMS becomes S' (0 when S' < 0); with g = 1, b = 0, c = max(0, 1 − η + η·T/Q);
    /// - ``variance``: deviations scaled by c = √(max(0, S'/S)), so the variance becomes S'.
    ///
    /// For arq and variance a spread of S = 0 cannot be scaled: the outputs stay at their free values.
    public func clampedOutputs(free: [Double], action: Int, target: Double, eta: Double, gain: Double = 1, offset: Double = 0) -> [Double] {
        if self == .perAction {
            return free.indices.map { $0 == action ? (1 - eta) * free[$0] + eta * target : free[$0] }
        }
        let s = statistic(outputs: free)
        let q = gain * s + offset
        let nudged = ((1 - eta) * q + eta * target - offset) / gain
        if self == .mean { return free.map { $0 + nudged - s } }
        guard s > 0 else { return free }
        let ratio = max(0, nudged / s)
        let scale = self == .arq ? ratio : ratio.squareRoot()
        let m = free.reduce(0, +) / Double(free.count)
        return free.map { m + scale * ($0 - m) }
    }

    /// The network a group readout trains: `topology` plus `actions` action input nodes appended
    /// (named `a0`, `a1`, …; ``ActionConditioning/inputCount(actions:)`` of them for a task's
    /// actions), wired by `wiring`:
    /// - ``ActionConditioning/Wiring/inputs``: action node j like input node `inputs[j mod inputs.count]`,
    ///   one edge of the same element to each of that input's neighbours;
    /// - ``ActionConditioning/Wiring/outputs``: action node j with one edge to every output node, of
    ///   the element of that output's first edge.
    ///
    /// The new nodes are appended to `inputs` and every state encoding gets `actions` zeros (the
    /// trainer writes the candidate's code there); outputs (K) and the other edges are unchanged,
    /// so existing edge indices keep their meaning.
    public static func actionConditioned(
        _ topology: Topology, actions: Int, wiring: ActionConditioning.Wiring = .inputs
    ) -> Topology {
        var t = topology
        t.name = topology.name + "+actions"
        for j in 0..<actions {
            let node = t.nodeCount
            t.nodeNames.append("a\(j)")
            switch wiring {
            case .inputs:
                let copied = topology.inputs[j % topology.inputs.count]
                for edge in topology.edges where edge.a == copied || edge.b == copied {
                    t.edges.append(Edge(node, edge.a == copied ? edge.b : edge.a, element: edge.element))
                }
            case .outputs:
                for output in topology.outputs {
                    let element = topology.edges.first { $0.a == output || $0.b == output }?.element ?? .mosfet
                    t.edges.append(Edge(node, output, element: element))
                }
            }
            t.inputs.append(node)
        }
        t.states = topology.states.map { $0 + [Double](repeating: 0, count: actions) }
        return t
    }

    private static func meanSquareDeviation(_ values: [Double], mean m: Double) -> Double {
        values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)
    }
}

extension QLearningExperiment {
    /// This experiment with `readout`: the config's key set, and for a group readout the network
    /// extended by ``Readout/actionConditioned(_:actions:)`` with the action inputs of the config's
    /// ``QLearningConfig/actionConditioning`` code (one per task action for one-hot); set the code
    /// before calling this.
    /// ``Readout/perAction`` (stored as `nil`, the default) on a per-action experiment, or the
    /// readout it already has, returns it unchanged; switching an already conditioned experiment
    /// to another readout throws ``LearningError/invalidHyperparameter(_:)``.
    public func withReadout(_ readout: Readout) throws -> QLearningExperiment {
        let current = config.readout ?? .perAction
        if current == readout { return self }
        guard current == .perAction else {
            throw LearningError.invalidHyperparameter(
                "readout \(readout.rawValue) asked for an experiment already set to readout \(current.rawValue); give one readout")
        }
        var e = self
        e.config.readout = readout
        let conditioning = config.actionConditioning ?? .standard
        e.topology = Readout.actionConditioned(
            topology, actions: conditioning.inputCount(actions: environment.actionCount), wiring: conditioning.wiring)
        return e
    }
}

/// How a group readout (``Readout/isActionConditioned``) feeds the candidate action to the network
/// and maps its statistic to Q: config keys `action_code`, `action_wiring`, `action_voltage`, `action_off_voltage`,
/// `readout_gain`, `readout_offset`.
public struct ActionConditioning: Sendable, Hashable, Codable {
    /// The action's code on the action inputs.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable, ConfigChoice {
        public static let configKey = "action_code"
        /// One input per action: input a on for action a, the others off.
        case oneHot = "one-hot"
        /// ⌈log₂ A⌉ inputs (at least 1): input b on when bit b of the action index is 1.
        case binary
    }

    /// Where the action inputs attach (``Readout/actionConditioned(_:actions:wiring:)``).
    public enum Wiring: String, Sendable, Hashable, Codable, CaseIterable, ConfigChoice {
        public static let configKey = "action_wiring"
        /// Each action node wired like one of the network's inputs (far from the outputs).
        case inputs
        /// Each action node with one edge to every output node.
        case outputs
    }

    public var code: Code
    public var wiring: Wiring
    /// Voltage (V) of an input that is on.
    public var onVoltage: Double
    /// Voltage (V) of an input that is off (0 V: unipolar; −``onVoltage``: a symmetric ±V code).
    public var offVoltage: Double
    /// g in Q = g·S + b, S the readout's statistic (V, V² for variance): with ``offset`` b it sets
    /// which statistic a target of T asks for, (T − b)/g; the clamp stays the move of Q toward
    /// (1 − η)·Q + η·T.
    public var gain: Double
    /// b in Q = g·S + b: the Q of a zero spread (arq, variance), e.g. the task's lowest reward, so
    /// that the spread carries only Q − b.
    public var offset: Double

    enum CodingKeys: String, CodingKey {
        case code = "action_code", wiring = "action_wiring", onVoltage = "action_voltage", offVoltage = "action_off_voltage", gain = "readout_gain"
        case offset = "readout_offset"
    }

    public init(
        code: Code = .oneHot, wiring: Wiring = .inputs, onVoltage: Double = 1, offVoltage: Double = 0, gain: Double = 1, offset: Double = 0
    ) {
        self.code = code
        self.wiring = wiring
        self.onVoltage = onVoltage
        self.offVoltage = offVoltage
        self.gain = gain
        self.offset = offset
    }

    /// What a group readout uses when the config sets none of the keys.
    public static let standard = ActionConditioning()

    /// `base` (or ``standard`` when nil) with the given values replaced; nil when `base` is nil and no value is given.
    public static func overriding(
        _ base: ActionConditioning?, code: Code? = nil, wiring: Wiring? = nil, onVoltage: Double? = nil, offVoltage: Double? = nil, gain: Double? = nil,
        offset: Double? = nil
    ) -> ActionConditioning? {
        guard base != nil || code != nil || wiring != nil || onVoltage != nil || offVoltage != nil || gain != nil || offset != nil else { return nil }
        var c = base ?? .standard
        c.code = code ?? c.code
        c.wiring = wiring ?? c.wiring
        c.onVoltage = onVoltage ?? c.onVoltage
        c.offVoltage = offVoltage ?? c.offVoltage
        c.gain = gain ?? c.gain
        c.offset = offset ?? c.offset
        return c
    }

    /// The largest |voltage| an action input may be given (V).
    public static let voltageLimit = 10.0

    /// Number of action inputs for `actions` actions: A (one-hot) or ⌈log₂ A⌉, at least 1 (binary).
    public func inputCount(actions: Int) -> Int {
        switch code {
        case .oneHot: return actions
        case .binary:
            var bits = 1
            while 1 << bits < actions { bits += 1 }
            return bits
        }
    }

    /// The action inputs' voltages for `action` of `actions`, in action-input order.
    public func voltages(of action: Int, actions: Int) -> [Double] {
        (0..<inputCount(actions: actions)).map { j in
            let on = code == .oneHot ? j == action : (action >> j) & 1 == 1
            return on ? onVoltage : offVoltage
        }
    }

    /// The input values of (state, candidate action): the state's encoding with its last
    /// ``inputCount(actions:)`` entries replaced by the code of `action`.
    public func inputs(state: [Double], action: Int, actions: Int) -> [Double] {
        let code = voltages(of: action, actions: actions)
        var values = state
        values.replaceSubrange((values.count - code.count)..., with: code)
        return values
    }

    /// Throws ``LearningError/invalidHyperparameter(_:)`` naming the key of a bad value.
    public func validate() throws {
        for (key, v) in [("action_voltage", onVoltage), ("action_off_voltage", offVoltage)]
        where !(v.isFinite && abs(v) <= Self.voltageLimit) {
            throw LearningError.invalidHyperparameter(
                "\(key) must be a finite voltage within ±\(Self.voltageLimit) V (got \(v)), e.g. \(key) \(key == "action_voltage" ? "0.1" : "0")")
        }
        guard onVoltage != offVoltage else {
            throw LearningError.invalidHyperparameter(
                "action_voltage and action_off_voltage are both \(onVoltage) V, so the actions cannot be told apart; "
                    + "give them different values, e.g. action_voltage 1 and action_off_voltage 0")
        }
        guard gain.isFinite, gain > 0, gain <= 1e6 else {
            throw LearningError.invalidHyperparameter("readout_gain must be a finite number in (0, 1e6] (got \(gain)), e.g. readout_gain 1")
        }
        guard offset.isFinite, abs(offset) <= 1e6 else {
            throw LearningError.invalidHyperparameter("readout_offset must be a finite number within ±1e6 (got \(offset)), e.g. readout_offset 0")
        }
    }
}
