import Foundation

/// Kuramoto phase oscillators with tunable, possibly non-reciprocal couplings (the paper's Eq. 26):
///
///     dθᵢ/dt = ωᵢ + Σⱼ Kᵢⱼ sin(θⱼ − θᵢ)
///
/// Intrinsic frequencies ωᵢ are fixed. With reciprocal couplings the coupling terms cancel in
/// pairs, so the mean phase velocity is exactly mean(ω) whatever K is (Appendix C).
public struct KuramotoNetwork: DynamicalSystem {
    public let frequencies: [Double]
    let graph: PairwiseCouplings

    public init(frequencies: [Double], edges: [(Int, Int)], reciprocal: Bool) {
        self.frequencies = frequencies
        graph = PairwiseCouplings(CouplingGraph.couplings(edges: edges, reciprocal: reciprocal))
    }

    public var label: String { "Kuramoto network" }
    public var stateCount: Int { frequencies.count }
    public var parameterCount: Int { graph.parameterCount }
    public var isReciprocal: Bool { graph.isReciprocal }

    public func rates(_ x: [Double], parameters k: [Double], into rates: inout [Double]) {
        for i in 0..<stateCount { rates[i] = frequencies[i] }
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            rates[c.target] += k[c.parameter] * sin(x[c.source] - x[c.target])
        }
    }

    public func addStateVJP(_ v: [Double], at x: [Double], parameters k: [Double], to result: inout [Double]) {
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            let slope = v[c.target] * k[c.parameter] * cos(x[c.source] - x[c.target])
            result[c.source] += slope
            result[c.target] -= slope
        }
    }

    public func addParameterVJP(_ v: [Double], at x: [Double], parameters k: [Double], scale: Double, to result: inout [Double]) {
        let couplings = graph.couplings
        for index in 0..<couplings.count {
            let c = couplings[index]
            result[c.parameter] += scale * v[c.target] * sin(x[c.source] - x[c.target])
        }
    }

    public func nodes(touchedBy index: Int) -> [Int] { graph.nodes(touchedBy: index) }
    public func parameterName(_ index: Int) -> String { graph.name(index, symbol: "K") }
}

extension KuramotoNetwork: PairwiseCoupled {
    public var couplings: [Coupling] { graph.couplings }
}
