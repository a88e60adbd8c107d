import CLLN

// Physics checks shared by the test targets: what any equilibrium must satisfy, computed
// independently of the solver under test (edge by edge from `EdgeModel`).

/// Largest Kirchhoff current-law imbalance (A) over the free nodes: the net current leaving each
/// node not in `held`, summed edge by edge from the model at `voltages`.
public func kclResidual(_ t: Topology, parameters: [Double], voltages: [Double], held: HeldNodes) -> Double {
    var net = [Double](repeating: 0, count: t.nodeCount)
    for (e, edge) in t.edges.enumerated() {
        let i = EdgeModel.current(topology: t, edge: e, parameter: parameters[e], va: voltages[edge.a], vb: voltages[edge.b]).current
        net[edge.a] += i
        net[edge.b] -= i
    }
    let heldSet = Set(held.nodes)
    return (0..<t.nodeCount).filter { !heldSet.contains($0) }.map { abs(net[$0]) }.max() ?? 0
}

/// The maximum principle of a network of passive two-terminal elements: every node voltage lies
/// within the range of the held voltages.
public func obeysMaximumPrinciple(_ voltages: [Double], held: HeldNodes) -> Bool {
    voltages.allSatisfy { held.range.contains($0) }
}

/// Largest absolute difference of two voltage vectors; ∞ when their lengths differ (so that an
/// expectation fails instead of the test process trapping).
public func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
