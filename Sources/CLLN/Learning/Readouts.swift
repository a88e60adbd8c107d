import Foundation

/// How the Q-learning agent reads Q(s, a) off the network and how its clamped phase nudges it.
///
/// - ``perAction`` (the paper's): one output node per action; Q(s, a) is output a's free voltage
///   F_a under state s's inputs, and the clamp moves output a to (1 − η)·F_a + η·T, the other
///   outputs held at their free values.
/// - The group readouts (``arq``, ``mean``, ``variance``) condition the network on the candidate
///   action instead: the last A input nodes carry its one-hot code (``actionOn`` V on input a, 0 V
///   on the others; ``actionConditioned(_:actions:)`` adds them), one free solve per candidate,
///   and Q(s, a) is a statistic of the K output voltages o_1…o_K with mean m:
///   - ``arq``: Q = √(Σ(o_k − m)²/K), the RMS after removing the mean (ARQ's goodness);
///   - ``mean``: Q = m;
///   - ``variance``: Q = Σ(o_k − m)²/K.
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

    /// Voltage (V) of the candidate action's input in the one-hot code; the other action inputs sit at 0 V.
    public static let actionOn = 1.0

    /// Whether the candidate action enters as input voltages (every readout but ``perAction``).
    public var isActionConditioned: Bool { self != .perAction }

    /// The input values of (state, candidate action) for a group readout: the state's encoding with
    /// its last `actions` entries replaced by the one-hot code of `action`.
    public static func conditionedInputs(state: [Double], action: Int, actions: Int) -> [Double] {
        var values = state
        for a in 0..<actions { values[values.count - actions + a] = a == action ? actionOn : 0 }
        return values
    }

    /// Q of one candidate from its K free output voltages: the statistic of a group readout (the
    /// trainer reads ``perAction``'s Q as `outputs[action]` instead; here it gives the mean).
    public func value(outputs: [Double]) -> Double {
        let m = outputs.reduce(0, +) / Double(outputs.count)
        switch self {
        case .perAction, .mean: return m
        case .arq: return Self.meanSquareDeviation(outputs, mean: m).squareRoot()
        case .variance: return Self.meanSquareDeviation(outputs, mean: m)
        }
    }

    /// Clamp values of the outputs (in output order) for a step that took `action`, from the free
    /// outputs `free` (under the inputs the step was solved with) and the target T, nudge η:
    /// - ``perAction``: output `action` at (1 − η)·F_a + η·T, the others at F (spec §3);
    /// - ``mean``: every output shifted by η·(T − Q): o_k + η·(T − m), so the mean becomes Q';
    /// - ``arq``: deviations about the mean scaled by c = max(0, 1 − η + η·T/Q): m + c·(o_k − m),
    ///   so the RMS becomes c·Q = Q' (0 when Q' < 0);
    /// - ``variance``: deviations scaled by c = √(max(0, Q'/Q)), so the variance becomes c²·Q = Q'.
    ///
    /// For arq and variance a spread of Q = 0 cannot be scaled: the outputs stay at their free values.
    public func clampedOutputs(free: [Double], action: Int, target: Double, eta: Double) -> [Double] {
        switch self {
        case .perAction:
            return free.indices.map { $0 == action ? (1 - eta) * free[$0] + eta * target : free[$0] }
        case .mean:
            let shift = eta * (target - value(outputs: free))
            return free.map { $0 + shift }
        case .arq, .variance:
            let q = value(outputs: free)
            guard q > 0 else { return free }
            let ratio = max(0, 1 - eta + eta * target / q)
            let scale = self == .arq ? ratio : ratio.squareRoot()
            let m = free.reduce(0, +) / Double(free.count)
            return free.map { m + scale * ($0 - m) }
        }
    }

    /// The network a group readout trains: `topology` plus `actions` input nodes appended (named
    /// `a0`, `a1`, …). Action node j is wired like input node `inputs[j mod inputs.count]`: one
    /// edge of the same element to each of that input's neighbours. The new nodes are appended to
    /// `inputs` and every state encoding gets `actions` zeros (the trainer writes the candidate's
    /// code there); outputs (K) and the other edges are unchanged, so existing edge indices keep
    /// their meaning.
    public static func actionConditioned(_ topology: Topology, actions: Int) -> Topology {
        var t = topology
        t.name = topology.name + "+actions"
        for j in 0..<actions {
            let node = t.nodeCount
            t.nodeNames.append("a\(j)")
            let copied = topology.inputs[j % topology.inputs.count]
            for edge in topology.edges where edge.a == copied || edge.b == copied {
                t.edges.append(Edge(node, edge.a == copied ? edge.b : edge.a, element: edge.element))
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
    /// extended by ``Readout/actionConditioned(_:actions:)`` with one input per task action.
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
        e.topology = Readout.actionConditioned(topology, actions: environment.actionCount)
        return e
    }
}
