import Foundation
import _CLLNLinearAlgebra

/// The linear-algebra layout of one held-node set: which nodes are free, where each edge's four
/// Jacobian entries live, and the factorization workspace (dense LU, or sparse LU: KLU or UMFPACK,
/// from `_CLLNLinearAlgebra`). Built once per held-node set and reused by every solve with the
/// same set — and, on the UMFPACK path, by every solve that holds a superset of it: those solves
/// ``pinned`` the extra held nodes, so one factorization serves the free and the clamped phase.
final class HeldStructure {
    let freeNodes: [Int]
    /// Free-variable index of every node, −1 for held nodes.
    let freeIndex: [Int32]
    var count: Int { freeNodes.count }
    /// Per edge, positions in `values` of ∂r_a/∂v_a, ∂r_a/∂v_b, ∂r_b/∂v_a, ∂r_b/∂v_b (−1: absent).
    let positions: [Int32]
    /// Jacobian values: dense row-major n×n, or the sparse LU's column-compressed values.
    @exclusivity(unchecked) var values: [Double]
    @exclusivity(unchecked) var residual: [Double]
    @exclusivity(unchecked) var conductanceTotal: [Double]
    @exclusivity(unchecked) var step: [Double]
    @exclusivity(unchecked) var scaledResidual = Double.infinity
    /// Position in `values` of each free node's diagonal entry (filled by the solver).
    @exclusivity(unchecked) var diagonalPositions: [Int] = []
    /// Free-variable indices (sorted) held by the current solve on top of the structure's own
    /// held nodes: their residual is 0, their step exactly 0 (``factorAndSolve(iteration:forcing:refactor:)``).
    /// Only where ``supportsPinning``.
    var pinned: [Int] = []
    private let factorization: Factorization

    private enum Factorization {
        case dense(pivots: [Int])
        case sparse(SparseLU)
    }

    init(topology: Topology, held: [Int], open: Set<Int>, sparseThreshold: Int) throws {
        var index = [Int32](repeating: -1, count: topology.nodeCount)
        let heldSet = Set(held)
        var free: [Int] = []
        for node in 0..<topology.nodeCount where !heldSet.contains(node) {
            index[node] = Int32(free.count)
            free.append(node)
        }
        freeNodes = free
        freeIndex = index
        let n = free.count
        residual = [Double](repeating: 0, count: n)
        conductanceTotal = residual
        step = residual
        var positions = [Int32](repeating: -1, count: 4 * topology.edgeCount)
        if n <= sparseThreshold {
            for (e, edge) in topology.edges.enumerated() where !open.contains(e) {
                let ia = Int(index[edge.a]), ib = Int(index[edge.b])
                if ia >= 0 { positions[4 * e] = Int32(ia * n + ia) }
                if ia >= 0, ib >= 0 {
                    positions[4 * e + 1] = Int32(ia * n + ib)
                    positions[4 * e + 2] = Int32(ib * n + ia)
                }
                if ib >= 0 { positions[4 * e + 3] = Int32(ib * n + ib) }
            }
            values = [Double](repeating: 0, count: n * n)
            factorization = .dense(pivots: [Int](repeating: 0, count: n))
        } else {
            var pairs: [(Int, Int)] = []
            for (e, edge) in topology.edges.enumerated() where !open.contains(e) {
                let ia = Int(index[edge.a]), ib = Int(index[edge.b])
                if ia >= 0, ib >= 0 { pairs.append((ia, ib)) }
            }
            let pattern = SparsePattern(order: n, symmetricPairs: pairs)
            func position(row: Int, column: Int) -> Int32 {
                guard let p = pattern.position(row: row, column: column) else {
                    preconditionFailure("entry (\(row), \(column)) missing from the sparsity pattern")
                }
                return Int32(p)
            }
            for (e, edge) in topology.edges.enumerated() where !open.contains(e) {
                let ia = Int(index[edge.a]), ib = Int(index[edge.b])
                if ia >= 0 { positions[4 * e] = position(row: ia, column: ia) }
                if ia >= 0, ib >= 0 {
                    positions[4 * e + 1] = position(row: ia, column: ib)
                    positions[4 * e + 2] = position(row: ib, column: ia)
                }
                if ib >= 0 { positions[4 * e + 3] = position(row: ib, column: ib) }
            }
            values = [Double](repeating: 0, count: pattern.entryCount)
            do {
                factorization = .sparse(try SparseLU(pattern: pattern))
            } catch {
                throw SolverError.singular(iteration: 0)
            }
        }
        self.positions = positions
    }

    /// Whether solves holding more nodes may share this structure through ``pinned``.
    var supportsPinning: Bool {
        if case let .sparse(system) = factorization { system.supportsPinning } else { false }
    }

    /// Factorizations and solves with factors so far (dense: one each per system).
    var statistics: (factorizations: Int, solves: Int) {
        if case let .sparse(system) = factorization { system.statistics } else { (denseSystems, denseSystems) }
    }

    /// Solves with factors used by the last system (dense and KLU: 1).
    var lastSolves: Int {
        if case let .sparse(system) = factorization { system.lastSolves } else { 1 }
    }

    private var denseSystems = 0

    /// Solves `J · step = −residual` with the current Jacobian values (``pinned`` rows and
    /// columns replaced by the identity's). `forcing` (inexact Newton) lets an iterative
    /// refinement stop at relative residual `forcing` instead of LU accuracy; the Newton
    /// iteration's own residual test keeps the final answer exact. `refactor` renews the kept
    /// factors of the sparse path before solving.
    func factorAndSolve(iteration: Int, forcing: Double = 0, refactor: Bool = false) throws {
        let n = count
        for i in 0..<n { step[i] = -residual[i] }
        switch factorization {
        case .dense(var pivots):
            denseSystems += 1
            let ok = values.withUnsafeMutableBufferPointer { a in
                step.withUnsafeMutableBufferPointer { x in
                    pivots.withUnsafeMutableBufferPointer { piv in
                        DenseLU.factorAndSolve(n: n, a: a.baseAddress!, x: x.baseAddress!, pivots: piv.baseAddress!)
                    }
                }
            }
            guard ok else { throw SolverError.singular(iteration: iteration) }
        case let .sparse(system):
            guard system.factorAndSolve(values: &values, rhs: &step, forcing: forcing, refactor: refactor, pinned: pinned) else {
                throw SolverError.singular(iteration: iteration)
            }
        }
    }
}

/// ``DenseLU/factorAndSolve(n:a:x:pivots:)`` under the name the exact-gradient check calls.
func denseLUSolve(
    n: Int, a: UnsafeMutablePointer<Double>, x: UnsafeMutablePointer<Double>, pivots: UnsafeMutablePointer<Int>
) -> Bool {
    DenseLU.factorAndSolve(n: n, a: a, x: x, pivots: pivots)
}
