/// Generalized Lotka–Volterra competition with invasion (the paper's Eq. 32, after Hu et al. 2022),
/// with unit growth rates and carrying capacities:
///
///     dxᵢ/dt = xᵢ (1 − xᵢ − Σⱼ αᵢⱼ xⱼ) + λ
///
/// The interaction matrix α (directed, αᵢⱼ > 0: j harms i) is tunable; λ is a small fixed
/// invasion (immigration) rate that keeps extinct species re-invadable.
public struct LotkaVolterraNetwork: DynamicalSystem {
    public let stateCount: Int
    public let invasionRate: Double
    let graph: PairwiseCouplings

    /// All ordered pairs interact, one parameter αᵢⱼ each.
    public init(speciesCount: Int, invasionRate: Double = 1e-6) {
        stateCount = speciesCount
        self.invasionRate = invasionRate
        graph = PairwiseCouplings(CouplingGraph.couplings(edges: CouplingGraph.complete(nodeCount: speciesCount), reciprocal: false))
    }

    public var label: String { "generalized Lotka–Volterra community" }
    public var parameterCount: Int { graph.parameterCount }
    public var isReciprocal: Bool { false }

    public func rates(_ x: [Double], parameters α: [Double], into rates: inout [Double]) {
        for i in 0..<stateCount { rates[i] = 1 - x[i] }  // per-capita growth, completed below
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            rates[c.target] -= α[c.parameter] * x[c.source]
        }
        for i in 0..<stateCount { rates[i] = x[i] * rates[i] + invasionRate }
    }

    public func addStateVJP(_ v: [Double], at x: [Double], parameters α: [Double], to result: inout [Double]) {
        for i in 0..<stateCount { result[i] += v[i] * (1 - 2 * x[i]) }
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            result[c.target] -= v[c.target] * α[c.parameter] * x[c.source]
            result[c.source] -= v[c.target] * α[c.parameter] * x[c.target]
        }
    }

    public func addParameterVJP(_ v: [Double], at x: [Double], parameters α: [Double], scale: Double, to result: inout [Double]) {
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            result[c.parameter] -= scale * v[c.target] * x[c.target] * x[c.source]
        }
    }

    public func nodes(touchedBy index: Int) -> [Int] { graph.nodes(touchedBy: index) }
    public func parameterName(_ index: Int) -> String { graph.name(index, symbol: "α") }
}

extension LotkaVolterraNetwork: PairwiseCoupled {
    public var couplings: [Coupling] { graph.couplings }
}
