import Foundation

/// Hyperparameters of coupled learning (spec §2).
public struct CoupledLearningRule: Sendable, Hashable, Codable {
    /// Learning rate α.
    public var alpha: Double
    /// Nudge η: clamped outputs sit at (1 − η)·F + η·L.
    public var eta: Double
    /// Steps accumulated before the gates change (B).
    public var batchSize: Int
    /// Per-edge clip of an accumulated update, ±DGC.
    public var updateClip: Double

    enum CodingKeys: String, CodingKey {
        case alpha, eta, batchSize = "batch_size", updateClip = "update_clip"
    }

    public init(alpha: Double, eta: Double, batchSize: Int, updateClip: Double) {
        self.alpha = alpha
        self.eta = eta
        self.batchSize = batchSize
        self.updateClip = updateClip
    }

    /// This rule with each given value in place of its own (nil keeps it): the one override of
    /// `alpha`, `eta`, `batch` and `clip` for config files and command lines.
    public func overriding(alpha: Double? = nil, eta: Double? = nil, batchSize: Int? = nil, updateClip: Double? = nil) -> CoupledLearningRule {
        CoupledLearningRule(
            alpha: alpha ?? self.alpha, eta: eta ?? self.eta, batchSize: batchSize ?? self.batchSize, updateClip: updateClip ?? self.updateClip)
    }

    /// Clamp values of the outputs: (1 − η)·F + η·L.
    public func clampValues(free: [Double], labels: [Double]) -> [Double] {
        zip(free, labels).map { (1 - eta) * $0 + eta * $1 }
    }

    /// Checks the values are usable.
    public func validate() throws {
        guard alpha.isFinite, alpha > 0 else {
            throw LearningError.invalidHyperparameter("alpha (the learning rate α) must be a positive finite number (got \(alpha)), e.g. alpha 0.3")
        }
        guard eta > 0, eta <= 1 else {
            throw LearningError.invalidHyperparameter("eta (the nudge η) must lie in (0, 1] (got \(eta)), e.g. eta 0.1")
        }
        guard batchSize >= 1 else {
            throw LearningError.invalidHyperparameter("batch size must be ≥ 1 (got \(batchSize)): set batch to a whole number ≥ 1, e.g. batch 50")
        }
        guard updateClip > 0, updateClip.isFinite else {
            throw LearningError.invalidHyperparameter("clip (the per-edge update clip DGC) must be a positive finite number (got \(updateClip)), e.g. clip 0.1")
        }
    }
}

/// Problems with a learning set-up.
public enum LearningError: Error, CustomStringConvertible, Equatable {
    case invalidHyperparameter(String)
    case mismatch(String)
    case checkpoint(String)
    /// A task (environment) description that cannot be used.
    case invalidTask(String)

    public var description: String {
        switch self {
        case let .invalidHyperparameter(why): "invalid hyperparameter: \(why)"
        case let .mismatch(why): "topology and task do not fit: \(why)"
        case let .checkpoint(why): "cannot resume: \(why)"
        case let .invalidTask(why): "invalid task: \(why)"
        }
    }
}

/// The local rule and its batch accumulator: every edge needs only its own two voltage drops.
///
/// Per edge i, with ΔV = V_a − V_b: `Δp_i += (α/η) · (ΔV_free² − ΔV_clamped²) · s_i`, where
/// `s_i = (∂G_i/∂p_i)/k` (``ElementModel/sensitivity(parameter:k:)``) makes the rule the same
/// gradient-like step for every element kind (s = 1 for a MOSFET's gate voltage, the spec's rule;
/// U_G for an exp-gate MOSFET's log-gate; 1/k for a diode-resistor's conductance). At the end of a batch each accumulated update is
/// clipped to ±DGC, added, and the parameter clipped to its bounds ([GMN, GMX] for gates).
public struct LocalRuleAccumulator: Sendable, Codable, Hashable {
    /// Updates accumulated since the last batch.
    public private(set) var pending: [Double]
    /// Steps accumulated since the last batch.
    public private(set) var steps = 0

    public init(edgeCount: Int) {
        pending = [Double](repeating: 0, count: edgeCount)
    }

    /// Adds one free/clamped pair's contribution, multiplied by `weight`.
    public mutating func accumulate(
        topology: Topology, parameters: [Double], free: [Double], clamped: [Double], rule: CoupledLearningRule,
        weight: Double = 1
    ) {
        accumulate(
            topology: topology, sensitivities: Self.sensitivities(topology: topology, parameters: parameters), free: free,
            clamped: clamped, rule: rule, weight: weight)
    }

    /// ``accumulate(topology:parameters:free:clamped:rule:weight:)`` with the edges' sensitivities
    /// given (``sensitivities(topology:parameters:)`` of the current parameters: computed once per
    /// batch, since the parameters change only between batches). Same result to the last bit.
    public mutating func accumulate(
        topology: Topology, sensitivities: [Double], free: [Double], clamped: [Double], rule: CoupledLearningRule,
        weight: Double = 1
    ) {
        let scale = rule.alpha / rule.eta * weight
        for (e, edge) in topology.edges.enumerated() {
            let df = free[edge.a] - free[edge.b]
            let dc = clamped[edge.a] - clamped[edge.b]
            pending[e] += scale * (df * df - dc * dc) * sensitivities[e]
        }
        steps += 1
    }

    /// (∂G/∂p)/k for edge `e` (``ElementModel/sensitivity(parameter:k:)`` with the topology's
    /// nominal k): how the parameter moves the conductance, in MOSFET units.
    public static func sensitivity(topology: Topology, edge e: Int, parameter p: Double) -> Double {
        topology.edges[e].element.model.sensitivity(parameter: p, k: topology.device.k)
    }

    /// ``sensitivity(topology:edge:parameter:)`` of every edge, in edge order.
    public static func sensitivities(topology: Topology, parameters: [Double]) -> [Double] {
        topology.edges.indices.map { sensitivity(topology: topology, edge: $0, parameter: parameters[$0]) }
    }

    /// Applies the batch: clip each update to ±DGC, add, clip to the parameter bounds, reset.
    public mutating func apply(to parameters: inout [Double], topology: Topology, rule: CoupledLearningRule, frozen: Set<Int> = []) {
        for e in parameters.indices where !frozen.contains(e) {
            let bounds = topology.parameterBounds(edge: e)
            let step = min(max(pending[e], -rule.updateClip), rule.updateClip)
            parameters[e] = min(max(parameters[e] + step, bounds.lowerBound), bounds.upperBound)
        }
        for e in pending.indices { pending[e] = 0 }
        steps = 0
    }
}
