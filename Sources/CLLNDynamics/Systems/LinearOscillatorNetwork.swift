/// Overdamped coupled linear oscillators (the paper's Eq. 23, first-order form of Appendix B):
///
///     dxᵢ/dt = −γ xᵢ + Σⱼ kᵢⱼ xⱼ
///
/// with a fixed leak γ > 0 and tunable couplings kᵢⱼ, including on-site stiffnesses kᵢᵢ. Reciprocal
/// networks tie kᵢⱼ = kⱼᵢ; then −γ + k is symmetric and the network relaxes down a quadratic
/// Lyapunov function, while non-reciprocal couplings give damped oscillations and phase lags.
public struct LinearOscillatorNetwork: DynamicalSystem {
    public let stateCount: Int
    public let leak: Double
    let graph: PairwiseCouplings

    /// - Parameters:
    ///   - edges: undirected pairs; every node also gets a tunable on-site term kᵢᵢ.
    ///   - reciprocal: one parameter per pair (kᵢⱼ = kⱼᵢ) or one per direction.
    public init(nodeCount: Int, edges: [(Int, Int)], reciprocal: Bool, leak: Double = 1) {
        stateCount = nodeCount
        self.leak = leak
        var couplings = CouplingGraph.couplings(edges: edges, reciprocal: reciprocal)
        let firstOnSite = (couplings.map(\.parameter).max() ?? -1) + 1
        couplings += (0..<nodeCount).map { Coupling(target: $0, source: $0, parameter: firstOnSite + $0) }
        graph = PairwiseCouplings(couplings)
    }

    public var label: String { graph.isReciprocal ? "reciprocal linear oscillator network" : "non-reciprocal linear oscillator network" }
    public var parameterCount: Int { graph.parameterCount }
    public var isReciprocal: Bool { graph.isReciprocal }

    public func rates(_ x: [Double], parameters k: [Double], into rates: inout [Double]) {
        for i in 0..<stateCount { rates[i] = -leak * x[i] }
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            rates[c.target] += k[c.parameter] * x[c.source]
        }
    }

    public func addStateVJP(_ v: [Double], at x: [Double], parameters k: [Double], to result: inout [Double]) {
        for i in 0..<stateCount { result[i] -= leak * v[i] }
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            result[c.source] += v[c.target] * k[c.parameter]
        }
    }

    public func addParameterVJP(_ v: [Double], at x: [Double], parameters k: [Double], scale: Double, to result: inout [Double]) {
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            result[c.parameter] += scale * v[c.target] * x[c.source]
        }
    }

    public func nodes(touchedBy index: Int) -> [Int] { graph.nodes(touchedBy: index) }
    public func parameterName(_ index: Int) -> String { graph.name(index, symbol: "k") }
}

extension LinearOscillatorNetwork: PairwiseCoupled {
    public var couplings: [Coupling] { graph.couplings }
}
