import Foundation

/// Exact gradients of the idealized model by the adjoint (implicit-function) method.
///
/// At an equilibrium the free nodes satisfy r(v, p) = 0, so dv/dp = −J⁻¹ ∂r/∂p with J = ∂r/∂v.
/// For a cost C(v) the gradient is dC/dp = −λᵀ ∂r/∂p with Jᵀλ = ∂C/∂v: one transposed solve for
/// all parameters. Exact up to the solve's tolerance wherever no edge sits exactly on a kink
/// (the conductance floor has zero derivative in the parameter).
public enum ExactGradient {
    /// dC/dp for C = ½ Σₙ (V[outputₙ] − Lₙ)² at `voltages`, the equilibrium for `held`.
    /// Outputs that are held contribute nothing (their voltage does not depend on p).
    public static func outputCost(
        topology: Topology, parameters: [Double], held: HeldNodes, voltages: [Double], outputs: [Int], labels: [Double],
        removed: Set<Int> = []
    ) throws -> [Double] {
        let heldSet = Set(held.nodes)
        var index = [Int](repeating: -1, count: topology.nodeCount)
        var n = 0
        for node in 0..<topology.nodeCount where !heldSet.contains(node) {
            index[node] = n
            n += 1
        }
        var transposed = [Double](repeating: 0, count: n * n)  // row-major Jᵀ
        var partials: [(a: Int, b: Int, dIdP: Double)] = []
        for (e, edge) in topology.edges.enumerated() {
            guard !removed.contains(e) else {
                partials.append((-1, -1, 0))
                continue
            }
            let d = EdgeModel.current(topology: topology, edge: e, parameter: parameters[e],
                                      va: voltages[edge.a], vb: voltages[edge.b])
            let (ia, ib) = (index[edge.a], index[edge.b])
            // J[i][j] lands at Jᵀ[j][i].
            if ia >= 0 { transposed[ia * n + ia] += d.dIdA }
            if ia >= 0, ib >= 0 {
                transposed[ib * n + ia] += d.dIdB
                transposed[ia * n + ib] -= d.dIdA
            }
            if ib >= 0 { transposed[ib * n + ib] -= d.dIdB }
            partials.append((ia, ib, d.dIdP))
        }
        var lambda = [Double](repeating: 0, count: n)
        for (node, label) in zip(outputs, labels) where index[node] >= 0 { lambda[index[node]] = voltages[node] - label }
        var pivots = [Int](repeating: 0, count: n)
        let ok = transposed.withUnsafeMutableBufferPointer { a in
            lambda.withUnsafeMutableBufferPointer { x in
                pivots.withUnsafeMutableBufferPointer { p in
                    n == 0 || denseLUSolve(n: n, a: a.baseAddress!, x: x.baseAddress!, pivots: p.baseAddress!)
                }
            }
        }
        guard ok else { throw SolverError.singular(iteration: 0) }
        return partials.map { p in
            let la = p.a >= 0 ? lambda[p.a] : 0
            let lb = p.b >= 0 ? lambda[p.b] : 0
            return -(la - lb) * p.dIdP
        }
    }
}
