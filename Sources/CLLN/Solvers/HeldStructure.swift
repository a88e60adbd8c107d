import CKLU
import Foundation

/// The linear-algebra layout of one held-node set: which nodes are free, where each edge's four
/// Jacobian entries live, and the factorization workspace (dense LU or KLU). Built once per
/// held-node set and reused by every solve with the same set.
final class HeldStructure {
    let freeNodes: [Int]
    /// Free-variable index of every node, −1 for held nodes.
    let freeIndex: [Int32]
    var count: Int { freeNodes.count }
    /// Per edge, positions in `values` of ∂r_a/∂v_a, ∂r_a/∂v_b, ∂r_b/∂v_a, ∂r_b/∂v_b (−1: absent).
    let positions: [Int32]
    /// Jacobian values: dense row-major n×n, or KLU's column-compressed values.
    var values: [Double]
    var residual: [Double]
    var conductanceTotal: [Double]
    var step: [Double]
    var scaledResidual = Double.infinity
    /// Position in `values` of each free node's diagonal entry (filled by the solver).
    var diagonalPositions: [Int] = []
    private let factorization: Factorization

    private enum Factorization {
        case dense(pivots: [Int])
        case sparse(KLUSystem)
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
            var rows = [[Int]](repeating: [], count: n)  // rows[j]: row indices in column j
            for j in 0..<n { rows[j].append(j) }
            for (e, edge) in topology.edges.enumerated() where !open.contains(e) {
                let ia = Int(index[edge.a]), ib = Int(index[edge.b])
                if ia >= 0, ib >= 0 {
                    rows[ib].append(ia)
                    rows[ia].append(ib)
                }
            }
            var columnStart = [Int32](repeating: 0, count: n + 1)
            var rowIndex: [Int32] = []
            for j in 0..<n {
                let sorted = Array(Set(rows[j])).sorted()
                rowIndex += sorted.map(Int32.init)
                columnStart[j + 1] = Int32(rowIndex.count)
            }
            func position(row: Int, column: Int) -> Int32 {
                var lo = Int(columnStart[column]), hi = Int(columnStart[column + 1]) - 1
                while lo <= hi {
                    let mid = (lo + hi) / 2
                    let r = Int(rowIndex[mid])
                    if r == row { return Int32(mid) }
                    if r < row { lo = mid + 1 } else { hi = mid - 1 }
                }
                preconditionFailure("entry (\(row), \(column)) missing from the sparsity pattern")
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
            values = [Double](repeating: 0, count: rowIndex.count)
            factorization = .sparse(try KLUSystem(columnStart: columnStart, rowIndex: rowIndex))
        }
        self.positions = positions
    }

    /// Solves `J · step = −residual` with the current Jacobian values.
    func factorAndSolve(iteration: Int) throws {
        let n = count
        for i in 0..<n { step[i] = -residual[i] }
        switch factorization {
        case .dense(var pivots):
            let ok = values.withUnsafeMutableBufferPointer { a in
                step.withUnsafeMutableBufferPointer { x in
                    pivots.withUnsafeMutableBufferPointer { piv in
                        denseLUSolve(n: n, a: a.baseAddress!, x: x.baseAddress!, pivots: piv.baseAddress!)
                    }
                }
            }
            guard ok else { throw SolverError.singular(iteration: iteration) }
        case let .sparse(system):
            guard system.factorAndSolve(values: &values, rhs: &step) else {
                throw SolverError.singular(iteration: iteration)
            }
        }
    }
}

/// In-place LU with partial pivoting of the row-major n×n matrix `a`, then solves for `x`
/// (overwritten). Returns false for a singular matrix.
func denseLUSolve(
    n: Int, a: UnsafeMutablePointer<Double>, x: UnsafeMutablePointer<Double>, pivots: UnsafeMutablePointer<Int>
) -> Bool {
    for col in 0..<n {
        var pivot = col
        var best = abs(a[col * n + col])
        for row in (col + 1)..<max(n, col + 1) where abs(a[row * n + col]) > best {
            best = abs(a[row * n + col])
            pivot = row
        }
        guard best > 0, best.isFinite else { return false }
        pivots[col] = pivot
        if pivot != col {
            for j in 0..<n { swap(&a[col * n + j], &a[pivot * n + j]) }
            swap(&x[col], &x[pivot])
        }
        let inverse = 1 / a[col * n + col]
        for row in (col + 1)..<max(n, col + 1) {
            let factor = a[row * n + col] * inverse
            if factor == 0 { continue }
            a[row * n + col] = factor
            for j in (col + 1)..<n { a[row * n + j] -= factor * a[col * n + j] }
            x[row] -= factor * x[col]
        }
    }
    for row in stride(from: n - 1, through: 0, by: -1) {
        var sum = x[row]
        for j in (row + 1)..<max(n, row + 1) { sum -= a[row * n + j] * x[j] }
        x[row] = sum / a[row * n + row]
    }
    return true
}

/// SuiteSparse KLU for one sparsity pattern: the symbolic analysis (BTF + AMD ordering) is done
/// once; each Newton iteration refactors numerically with the same ordering.
final class KLUSystem {
    private var columnStart: [Int32]
    private var rowIndex: [Int32]
    private var common = klu_common()
    private var symbolic: UnsafeMutablePointer<klu_symbolic>?
    private var numeric: UnsafeMutablePointer<klu_numeric>?

    init(columnStart: [Int32], rowIndex: [Int32]) throws {
        self.columnStart = columnStart
        self.rowIndex = rowIndex
        klu_defaults(&common)
        let n = Int32(columnStart.count - 1)
        symbolic = self.columnStart.withUnsafeMutableBufferPointer { ap in
            self.rowIndex.withUnsafeMutableBufferPointer { ai in
                klu_analyze(n, ap.baseAddress, ai.baseAddress, &common)
            }
        }
        guard symbolic != nil else { throw SolverError.singular(iteration: 0) }
    }

    deinit {
        if numeric != nil { klu_free_numeric(&numeric, &common) }
        if symbolic != nil { klu_free_symbolic(&symbolic, &common) }
    }

    /// Factors the matrix with `values` and solves in place into `rhs`. False when singular.
    func factorAndSolve(values: inout [Double], rhs: inout [Double]) -> Bool {
        let n = Int32(columnStart.count - 1)
        return columnStart.withUnsafeMutableBufferPointer { ap in
            rowIndex.withUnsafeMutableBufferPointer { ai in
                values.withUnsafeMutableBufferPointer { ax in
                    if numeric != nil {
                        // Same pattern: refactor with the kept pivot order; fall back to a full
                        // numeric factorization when that pivot order has become poor.
                        if klu_refactor(ap.baseAddress, ai.baseAddress, ax.baseAddress, symbolic, numeric, &common) == 0
                            || klu_rcond(symbolic, numeric, &common) == 0 || common.rcond < 1e-12
                        {
                            klu_free_numeric(&numeric, &common)
                        }
                    }
                    if numeric == nil {
                        numeric = klu_factor(ap.baseAddress, ai.baseAddress, ax.baseAddress, symbolic, &common)
                    }
                    guard numeric != nil, common.status == KLU_OK else { return false }
                    return rhs.withUnsafeMutableBufferPointer { b in
                        klu_solve(symbolic, numeric, n, 1, b.baseAddress, &common) == 1
                    }
                }
            }
        }
    }
}
