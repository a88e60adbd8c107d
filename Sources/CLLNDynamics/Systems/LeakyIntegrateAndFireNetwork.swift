import Foundation

/// Rate-based leaky integrate-and-fire neurons (the paper's Eq. 30):
///
///     dxᵢ/dt = −λᵢ xᵢ + Σⱼ Wᵢⱼ σ(xⱼ) + bᵢ,   σ(x) = 1 / (1 + e^(−x))
///
/// Three sets of tunable parameters, stored in this order: synaptic weights W on directed
/// synapses (non-reciprocal), biases b and leaks λ (node parameters, touching only their node).
/// Leaks are kept ≥ ``minimumLeak`` so every neuron stays leaky.
public struct LeakyIntegrateAndFireNetwork: DynamicalSystem {
    public let stateCount: Int
    /// Directed synapses (target, source); weight i is parameter i.
    public let synapses: [(target: Int, source: Int)]
    public let minimumLeak = 0.05

    public init(neuronCount: Int, synapses: [(target: Int, source: Int)]) {
        stateCount = neuronCount
        self.synapses = synapses
    }

    public var label: String { "leaky integrate-and-fire network" }
    public var parameterCount: Int { synapses.count + 2 * stateCount }
    public var isReciprocal: Bool { false }
    public var biasOffset: Int { synapses.count }
    public var leakOffset: Int { synapses.count + stateCount }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    public func rates(_ x: [Double], parameters θ: [Double], into rates: inout [Double]) {
        for i in 0..<stateCount { rates[i] = -θ[leakOffset + i] * x[i] + θ[biasOffset + i] }
        for index in 0..<synapses.count {
            let synapse = synapses[index]
            rates[synapse.target] += θ[index] * Self.sigmoid(x[synapse.source])
        }
    }

    public func addStateVJP(_ v: [Double], at x: [Double], parameters θ: [Double], to result: inout [Double]) {
        for i in 0..<stateCount { result[i] -= v[i] * θ[leakOffset + i] }
        for index in 0..<synapses.count {
            let synapse = synapses[index]
            let s = Self.sigmoid(x[synapse.source])
            result[synapse.source] += v[synapse.target] * θ[index] * s * (1 - s)
        }
    }

    public func addParameterVJP(_ v: [Double], at x: [Double], parameters θ: [Double], scale: Double, to result: inout [Double]) {
        for index in 0..<synapses.count {
            let synapse = synapses[index]
            result[index] += scale * v[synapse.target] * Self.sigmoid(x[synapse.source])
        }
        for i in 0..<stateCount {
            result[biasOffset + i] += scale * v[i]
            result[leakOffset + i] -= scale * v[i] * x[i]
        }
    }

    public func nodes(touchedBy index: Int) -> [Int] {
        if index < synapses.count { return Array(Set([synapses[index].target, synapses[index].source])).sorted() }
        return [(index - synapses.count) % stateCount]
    }

    public func parameterName(_ index: Int) -> String {
        if index < synapses.count { return "W[\(synapses[index].target)←\(synapses[index].source)]" }
        if index < leakOffset { return "bias[\(index - biasOffset)]" }
        return "leak[\(index - leakOffset)]"
    }

    public func project(_ parameters: inout [Double]) {
        for i in leakOffset..<parameterCount { parameters[i] = max(minimumLeak, parameters[i]) }
    }
}

extension LeakyIntegrateAndFireNetwork: PairwiseCoupled {
    /// The synapses; weight i is parameter i.
    public var couplings: [Coupling] {
        synapses.enumerated().map { Coupling(target: $0.element.target, source: $0.element.source, parameter: $0.offset) }
    }
}
