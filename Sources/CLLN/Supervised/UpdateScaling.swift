import Foundation

/// Adam-style scaling of batch updates (the reference's `NOR = 2`): with g the accumulated update
/// of batch t,
///
///     m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,
///     m̂ = m / (1 − β₁ᵗ),       v̂ = v / (1 − β₂ᵗ),
///     scaled = step · m̂ / (√v̂ + ε)          (per edge)
///
/// so every edge moves by about `step` per batch in the direction its updates agree on, whatever
/// their magnitude; the ±DGC clip is applied afterwards.
public struct AdamScaler: Sendable, Hashable, Codable {
    public var parameters: AdamParameters
    /// First and second moments, per edge.
    public private(set) var m: [Double]
    public private(set) var v: [Double]
    /// Batches scaled so far.
    public private(set) var t = 0

    public init(parameters: AdamParameters, count: Int) {
        self.parameters = parameters
        m = [Double](repeating: 0, count: count)
        v = m
    }

    /// Scales one batch's accumulated update and advances the moments.
    public mutating func scale(_ update: [Double]) -> [Double] {
        precondition(update.count == m.count, "update has \(update.count) entries, the scaler \(m.count)")
        t += 1
        let (b1, b2) = (parameters.beta1, parameters.beta2)
        let c1 = 1 - pow(b1, Double(t)), c2 = 1 - pow(b2, Double(t))
        var scaled = update
        for e in update.indices {
            let g = update[e]
            m[e] = b1 * m[e] + (1 - b1) * g
            v[e] = b2 * v[e] + (1 - b2) * g * g
            scaled[e] = parameters.step * (m[e] / c1) / ((v[e] / c2).squareRoot() + parameters.epsilon)
        }
        return scaled
    }
}

/// Per-example learning-rate factors from the examples' errors: w = |error|^p, and with batch
/// normalization w / ⟨w⟩, where ⟨w⟩ is the mean over the training examples seen so far of their
/// most recent w (so the learning rate keeps its scale as the errors shrink).
public struct ErrorWeights: Sendable, Hashable, Codable {
    public var exponent: Double
    public var normalized: Bool
    private var latest: [Double?]
    private var sum = 0.0
    private var seen = 0

    public init(exponent: Double, normalized: Bool, count: Int) {
        self.exponent = exponent
        self.normalized = normalized
        latest = [Double?](repeating: nil, count: count)
    }

    /// Examples tracked.
    public var count: Int { latest.count }

    /// Whether the factor is always 1 (no weighting).
    public var isTrivial: Bool { exponent == 0 && !normalized }

    /// Records example `i`'s current error and returns its learning-rate factor.
    public mutating func factor(example i: Int, error: Double) -> Double {
        let w = pow(abs(error), exponent)
        guard normalized else { return w }
        if let old = latest[i] { sum -= old } else { seen += 1 }
        latest[i] = w
        sum += w
        guard w > 0 else { return 0 }
        return w / (sum / Double(seen))
    }
}

/// Accumulates the local rule over a batch with the supervised options' per-example and per-edge
/// factors, and applies it:
///
///     Δp_e += (α/η) · f_example · (p_e − lower_e)^q · s_e · h_e · (ΔV_free,e² − ΔV_clamped,e²)
///
/// (s_e as in ``LocalRuleAccumulator``: 1 for a MOSFET gate; h_e the option's `hiddenAlphaScale`
/// on edges with neither end at an output node, 1 on the others). At the end of a batch: optional
/// Adam scaling, clip to ±DGC, add, clip to the parameter bounds.
public struct SupervisedAccumulator: Sendable {
    public private(set) var pending: [Double]
    /// Examples accumulated since the last batch (including unclamped, hinge-satisfied ones).
    public private(set) var steps = 0
    private var edgeFactor: [Double]
    private var edgeFactorValid = false
    /// Settable so that a trainer can continue from saved moments (``SupervisedTrainer/restore(_:)``).
    public internal(set) var adam: AdamScaler?
    private let edgeA: [Int]
    private let edgeB: [Int]
    /// h_e: `hiddenAlphaScale` on inner edges, 1 on edges at an output node.
    private let innerScale: [Double]

    public init(topology: Topology, options: SupervisedOptions) {
        pending = [Double](repeating: 0, count: topology.edgeCount)
        edgeFactor = pending
        let outputs = Set(topology.outputs)
        innerScale = topology.edges.map { outputs.contains($0.a) || outputs.contains($0.b) ? 1 : options.hiddenAlphaScale }
        adam = options.normalization == .adam ? AdamScaler(parameters: options.adam, count: topology.edgeCount) : nil
        edgeA = topology.edges.map(\.a)
        edgeB = topology.edges.map(\.b)
    }

    /// Per-edge factor (p − lower)^q · s (constant within a batch, since gates change only between batches).
    static func edgeFactors(topology: Topology, parameters: [Double], updateExponent q: Double) -> [Double] {
        topology.edges.indices.map { e in
            let s = LocalRuleAccumulator.sensitivity(topology: topology, edge: e, parameter: parameters[e])
            guard q != 0 else { return s }
            return s * pow(max(parameters[e] - topology.parameterBounds(edge: e).lowerBound, 0), q)
        }
    }

    /// Adds one example: `weight` is its learning-rate factor; `clamped` nil means no nudge.
    public mutating func accumulate(
        topology: Topology, parameters: [Double], free: [Double], clamped: [Double]?, rule: CoupledLearningRule,
        options: SupervisedOptions, weight: Double
    ) {
        steps += 1
        guard let clamped, weight != 0 else { return }
        if !edgeFactorValid {
            edgeFactor = zip(Self.edgeFactors(topology: topology, parameters: parameters, updateExponent: options.updateExponent), innerScale)
                .map { $0 * $1 }
            edgeFactorValid = true
        }
        let scale = rule.alpha / rule.eta * weight
        for e in pending.indices {
            let df = free[edgeA[e]] - free[edgeB[e]]
            let dc = clamped[edgeA[e]] - clamped[edgeB[e]]
            pending[e] += scale * edgeFactor[e] * (df * df - dc * dc)
        }
    }

    /// Applies the batch to `parameters` and resets. Returns the largest change of a parameter.
    @discardableResult
    public mutating func apply(to parameters: inout [Double], topology: Topology, rule: CoupledLearningRule) -> Double {
        let update = adam?.scale(pending) ?? pending
        var largest = 0.0
        for e in parameters.indices {
            let bounds = topology.parameterBounds(edge: e)
            let step = min(max(update[e], -rule.updateClip), rule.updateClip)
            let next = min(max(parameters[e] + step, bounds.lowerBound), bounds.upperBound)
            largest = max(largest, abs(next - parameters[e]))
            parameters[e] = next
        }
        for e in pending.indices { pending[e] = 0 }
        steps = 0
        edgeFactorValid = false
        return largest
    }
}
