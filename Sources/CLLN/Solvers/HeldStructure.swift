import CKLU
import CUMFPACK
import Foundation

/// The linear-algebra layout of one held-node set: which nodes are free, where each edge's four
/// Jacobian entries live, and the factorization workspace (dense LU, KLU or UMFPACK). Built once per
/// held-node set and reused by every solve with the same set.
final class HeldStructure {
    let freeNodes: [Int]
    /// Free-variable index of every node, −1 for held nodes.
    let freeIndex: [Int32]
    var count: Int { freeNodes.count }
    /// Per edge, positions in `values` of ∂r_a/∂v_a, ∂r_a/∂v_b, ∂r_b/∂v_a, ∂r_b/∂v_b (−1: absent).
    let positions: [Int32]
    /// Jacobian values: dense row-major n×n, or the sparse LU's column-compressed values.
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
        case multifrontal(SparseLUSystem)
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
            rowIndex.reserveCapacity(rows.reduce(0) { $0 + $1.count })
            for j in 0..<n {
                rows[j].sort()
                var previous = -1
                for r in rows[j] where r != previous {
                    rowIndex.append(Int32(r))
                    previous = r
                }
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
            // Small factorizations: KLU (no BLAS start-up, cheap refactor); large ones: UMFPACK
            // with kept factors (see SparseLUSystem for the measurements behind the split).
            let multifrontal = try SparseLUSystem(columnStart: columnStart, rowIndex: rowIndex)
            factorization = multifrontal.estimatedFlops < SparseLUSystem.minimumFlops
                ? .sparse(try KLUSystem(columnStart: columnStart, rowIndex: rowIndex))
                : .multifrontal(multifrontal)
        }
        self.positions = positions
    }

    /// Solves `J · step = −residual` with the current Jacobian values. `forcing` (inexact
    /// Newton) lets an iterative refinement stop at relative residual `forcing` instead of LU
    /// accuracy; the Newton iteration's own residual test keeps the final answer exact.
    func factorAndSolve(iteration: Int, forcing: Double = 0) throws {
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
        case let .multifrontal(system):
            system.forcing = forcing
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

/// SuiteSparse KLU for one sparsity pattern whose factorization is small (below
/// ``SparseLUSystem/minimumFlops``, where KLU beats UMFPACK): the symbolic analysis (BTF + AMD ordering) is done
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

/// Sparse LU of the Newton Jacobian for one sparsity pattern — the large-network half of the
/// sparse path of ``IdealSolver`` (``KLUSystem`` keeps the small half, below ``minimumFlops``).
///
/// **Choice: SuiteSparse UMFPACK (multifrontal, dense kernels through the system BLAS, which
/// must be an optimized one: OpenBLAS, `libopenblas0-pthread`), symmetric strategy, AMD
/// ordering; the factors are kept and, while cheap to correct, reused as the preconditioner of
/// a GMRES that is run to LU accuracy.**
///
/// One numeric factorization of the 512×512 periodic-lattice Jacobian (n = 262 140, 1.31 M
/// nonzeros; structurally symmetric, numerically unsymmetric), measured on the project's
/// 2-core machine:
///
/// | method                                                | factorization | flops   |
/// | ----------------------------------------------------- | ------------- | ------- |
/// | KLU, BTF + AMD, `klu_refactor` (the previous path)    | 6.4–8.1 s     |         |
/// | UMFPACK symmetric + AMD, reference BLAS               | 10.3–11.2 s   | 8.0e9   |
/// | UMFPACK symmetric + METIS, reference BLAS             | 5.6–7.9 s     | 9.5e9   |
/// | UMFPACK symmetric + CHOLMOD nested dissection, OpenBLAS | 0.68–0.86 s | 9.1e9   |
/// | UMFPACK symmetric + METIS, OpenBLAS                   | 0.82–1.03 s   | 9.5e9   |
/// | UMFPACK symmetric + AMD, OpenBLAS (chosen)            | 0.65–0.85 s   | 8.0e9   |
///
/// Any fill-reducing ordering of a 2-D lattice leaves Θ(n log n) fill and Θ(n^1.5) flops
/// (nested dissection does not beat AMD on this torus), so what decides is the flop rate: KLU is
/// left-looking with no dense kernels (≈ 1 Gflop/s); UMFPACK does the bulk in dense frontal
/// matrices (≈ 11 Gflop/s on OpenBLAS, ≈ 1 on the reference BLAS). The symmetric strategy
/// orders A+Aᵀ and prefers diagonal pivots, which suits this column diagonally dominant
/// Jacobian. `umfpack_di_symbolic` runs once per pattern (per held-node set),
/// `umfpack_di_numeric` whenever a factorization is due.
///
/// **Reuse.** Even so, a factorization per linear system (five per cold solve) would cost
/// 3.5–4 s at 262 144 nodes, while one solve with kept factors costs ≈ 0.035 s. So the current
/// system is solved by right-preconditioned GMRES (flexible storage, modified Gram–Schmidt)
/// with the factors of an earlier Jacobian (an earlier Newton iteration, or an earlier solve
/// of the same held set) until the normwise backward error is that of a backward-stable LU
/// solve, ‖b − A x‖ ≤ 16 ε (‖A‖∞ ‖x‖ + ‖b‖): the answer is as exact as a direct solve whatever
/// the age of the factors (voltages agree with the dense path to 1e-16, same iteration counts).
/// After each GMRES iteration the observed rate predicts the cost of finishing; when that
/// exceeds a new factorization (a deterministic cost model from UMFPACK's flop and fill
/// counts, so results never depend on timing), the matrix is refactored and solved directly.
/// A fresh factorization is checked the same way, with up to 8 GMRES (refinement) steps.
/// A cold lattice solve thus does two factorizations (the linearized start and the first
/// Newton Jacobian) and about 11 GMRES iterations for each later Newton system.
///
/// `clln bench solve --sizes 4096 65536 262144` (cold solves, 4 Newton iterations): KLU
/// 21–23 ms, 1.93–1.98 s, 29.5–30.1 s (growth N^1.71); this path 22–24 ms (KLU, below the
/// threshold), 0.67–0.72 s, 3.29–3.31 s (growth N^1.19). At 262 144 nodes ~95 % of the time
/// is the two factorizations and 33 preconditioned solves.
///
/// All SuiteSparse objects (symbolic, numeric) and workspaces are freed in `deinit`.
final class SparseLUSystem {
    /// Normwise backward error required of every solve, in units of ε (LU with partial
    /// pivoting typically achieves a few ε).
    private static let backwardError = 16 * Double.ulpOfOne
    /// Relative residual at which GMRES may stop (inexact Newton); 0 demands LU accuracy.
    var forcing = 0.0
    /// Largest Krylov space before the factors are renewed.
    private static let maxKrylov = 30
    /// GMRES steps that may polish the solution of a fresh factorization.
    private static let maxRefinement = 8
    /// Cost of one flop of the numeric factorization relative to one stored entry visited by a
    /// solve (dense BLAS kernels vs. sparse triangular solves; measured 0.049 here).
    private static let flopCost = 0.05

    /// Estimated factorization flops below which ``KLUSystem`` is used instead (measured
    /// crossover: a 64×64 lattice, ≈1.1e7 flops, is faster with KLU; 128×128, ≈1.0e8, with UMFPACK).
    static let minimumFlops = 3e7

    /// UMFPACK's flop estimate for one factorization, from the symbolic analysis.
    private(set) var estimatedFlops = 0.0
    private let n: Int
    private let nonzeros: Int
    private let columnStart: UnsafeMutablePointer<Int32>
    private let rowIndex: UnsafeMutablePointer<Int32>
    private let control: UnsafeMutablePointer<Double>
    private let info: UnsafeMutablePointer<Double>
    private var symbolic: UnsafeMutableRawPointer?
    private var numeric: UnsafeMutableRawPointer?
    private let wi: UnsafeMutablePointer<Int32>
    private let w: UnsafeMutablePointer<Double>
    private let b: UnsafeMutablePointer<Double>
    private let x: UnsafeMutablePointer<Double>
    private let r: UnsafeMutablePointer<Double>
    /// Krylov basis v₀, v₁, … and preconditioned directions zⱼ = M⁻¹vⱼ, allocated on first use.
    private var basis: [UnsafeMutablePointer<Double>] = []
    private var directions: [UnsafeMutablePointer<Double>] = []
    /// Cost model (in entries visited): one numeric factorization, one solve with the factors.
    private var factorCost = 0.0
    private var solveCost = 0.0

    init(columnStart: [Int32], rowIndex: [Int32]) throws {
        n = columnStart.count - 1
        nonzeros = rowIndex.count
        self.columnStart = .allocate(capacity: n + 1)
        self.columnStart.initialize(from: columnStart, count: n + 1)
        self.rowIndex = .allocate(capacity: max(nonzeros, 1))
        self.rowIndex.initialize(from: rowIndex, count: nonzeros)
        control = .allocate(capacity: Int(UMFPACK_CONTROL))
        info = .allocate(capacity: Int(UMFPACK_INFO))
        wi = .allocate(capacity: max(n, 1))
        w = .allocate(capacity: max(5 * n, 1))
        b = .allocate(capacity: max(n, 1))
        x = .allocate(capacity: max(n, 1))
        r = .allocate(capacity: max(n, 1))
        umfpack_di_defaults(control)
        control[Int(UMFPACK_STRATEGY)] = Double(UMFPACK_STRATEGY_SYMMETRIC)
        control[Int(UMFPACK_ORDERING)] = Double(UMFPACK_ORDERING_AMD)
        control[Int(UMFPACK_IRSTEP)] = 0  // refinement is the GMRES below, against the current matrix
        let status = umfpack_di_symbolic(
            Int32(n), Int32(n), self.columnStart, self.rowIndex, nil, &symbolic, control, info)
        guard status == UMFPACK_OK, symbolic != nil else { throw SolverError.singular(iteration: 0) }
        estimatedFlops = info[Int(UMFPACK_FLOPS_ESTIMATE)]
    }

    deinit {
        if numeric != nil { umfpack_di_free_numeric(&numeric) }
        if symbolic != nil { umfpack_di_free_symbolic(&symbolic) }
        for v in basis { v.deallocate() }
        for z in directions { z.deallocate() }
        for p in [control, info, w, b, x, r] { p.deallocate() }
        wi.deallocate()
        columnStart.deallocate()
        rowIndex.deallocate()
    }

    /// Solves the system with matrix `values` (CSC, the structure's pattern) and right-hand side
    /// `rhs`, in place into `rhs`. False when the matrix is singular.
    func factorAndSolve(values: inout [Double], rhs: inout [Double]) -> Bool {
        values.withUnsafeBufferPointer { ax in
            rhs.withUnsafeMutableBufferPointer { out in solve(ax.baseAddress!, out.baseAddress!) }
        }
    }

    private enum Outcome { case done, stale }

    private func solve(_ ax: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) -> Bool {
        guard n > 0 else { return true }
        var fresh = false
        if numeric == nil {
            guard factor(ax) else { return false }
            fresh = true
        }
        b.update(from: out, count: n)
        let normB = norm(b)
        let normA = infinityNorm(ax)
        while true {
            applyInverse(b, into: x)
            switch gmres(ax, normA: normA, normB: normB, fresh: fresh) {
            case .done:
                out.update(from: x, count: n)
                return true
            case .stale:
                guard factor(ax) else { return false }
                fresh = true
            }
        }
    }

    /// Numeric factorization of `ax` with the kept symbolic analysis. False when singular.
    private func factor(_ ax: UnsafePointer<Double>) -> Bool {
        if numeric != nil { umfpack_di_free_numeric(&numeric) }
        let status = umfpack_di_numeric(columnStart, rowIndex, ax, symbolic, &numeric, control, info)
        guard status == UMFPACK_OK, numeric != nil else {
            if numeric != nil { umfpack_di_free_numeric(&numeric) }
            return false
        }
        let fill = max(info[Int(UMFPACK_LNZ)], 0) + max(info[Int(UMFPACK_UNZ)], 0)
        factorCost = Self.flopCost * max(info[Int(UMFPACK_FLOPS)], 0) + fill
        solveCost = fill + Double(nonzeros) + 4 * Double(n)
        return true
    }

    /// `dst = M⁻¹ src` with the kept factors (no refinement: that is done against the current matrix).
    private func applyInverse(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        _ = umfpack_di_wsolve(UMFPACK_A, columnStart, rowIndex, nil, dst, src, numeric, control, info, wi, w)
    }

    /// `dst = A v`.
    private func multiply(_ ax: UnsafePointer<Double>, _ v: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        dst.update(repeating: 0, count: n)
        for j in 0..<n {
            let vj = v[j]
            if vj == 0 { continue }
            for p in Int(columnStart[j])..<Int(columnStart[j + 1]) { dst[Int(rowIndex[p])] += ax[p] * vj }
        }
    }

    private func infinityNorm(_ ax: UnsafePointer<Double>) -> Double {
        r.update(repeating: 0, count: n)
        for p in 0..<nonzeros { r[Int(rowIndex[p])] += abs(ax[p]) }
        var m = 0.0
        for i in 0..<n { m = max(m, r[i]) }
        return m
    }

    private func norm(_ v: UnsafePointer<Double>) -> Double {
        var scale = 0.0
        for i in 0..<n { scale = max(scale, abs(v[i])) }
        guard scale > 0, scale.isFinite else { return scale == 0 ? 0 : .nan }
        var sum = 0.0
        let inverse = 1 / scale
        for i in 0..<n {
            let t = v[i] * inverse
            sum += t * t
        }
        return scale * sum.squareRoot()
    }

    private func vector(_ list: inout [UnsafeMutablePointer<Double>], _ index: Int) -> UnsafeMutablePointer<Double> {
        while list.count <= index { list.append(.allocate(capacity: n)) }
        return list[index]
    }

    /// Improves `x` (initially M⁻¹b) by right-preconditioned GMRES on the current matrix until
    /// the backward error bound holds. `.stale` when renewing the factors is predicted to be
    /// cheaper than converging with them (never for fresh factors, which end with the best `x`).
    private func gmres(_ ax: UnsafePointer<Double>, normA: Double, normB: Double, fresh: Bool) -> Outcome {
        multiply(ax, x, into: r)
        for i in 0..<n { r[i] = b[i] - r[i] }
        let beta = norm(r)
        var target = max(Self.backwardError * (normA * norm(x) + normB), forcing * normB)
        if beta <= target { return .done }
        guard beta.isFinite, target.isFinite else { return fresh ? .done : .stale }
        let limit = min(fresh ? Self.maxRefinement : Self.maxKrylov, n)
        var h = [Double](repeating: 0, count: (limit + 1) * limit)  // column-major, leading dim limit+1
        var cs = [Double](repeating: 0, count: limit)
        var sn = [Double](repeating: 0, count: limit)
        var g = [Double](repeating: 0, count: limit + 1)
        g[0] = beta
        let v0 = vector(&basis, 0)
        for i in 0..<n { v0[i] = r[i] / beta }
        var k = 0
        var estimate = beta
        for j in 0..<limit {
            let vj = vector(&basis, j)
            let zj = vector(&directions, j)
            applyInverse(vj, into: zj)
            let next = vector(&basis, j + 1)
            multiply(ax, zj, into: next)
            let column = j * (limit + 1)
            for i in 0...j {
                let vi = basis[i]
                var dot = 0.0
                for t in 0..<n { dot += next[t] * vi[t] }
                h[column + i] = dot
                for t in 0..<n { next[t] -= dot * vi[t] }
            }
            let subdiagonal = norm(next)
            h[column + j + 1] = subdiagonal
            if subdiagonal > 0, subdiagonal.isFinite {
                let inverse = 1 / subdiagonal
                for t in 0..<n { next[t] *= inverse }
            }
            for i in 0..<j {
                let a = h[column + i], c = h[column + i + 1]
                h[column + i] = cs[i] * a + sn[i] * c
                h[column + i + 1] = -sn[i] * a + cs[i] * c
            }
            let a = h[column + j], c = h[column + j + 1]
            let radius = (a * a + c * c).squareRoot()
            if radius == 0 || !radius.isFinite { break }
            cs[j] = a / radius
            sn[j] = c / radius
            h[column + j] = radius
            h[column + j + 1] = 0
            g[j + 1] = -sn[j] * g[j]
            g[j] = cs[j] * g[j]
            k = j + 1
            estimate = abs(g[j + 1])
            if estimate <= target || !(subdiagonal > 0) { break }
            if !fresh, j >= 1 {
                // Predicted iterations to reach the bound at the average rate so far; renew the
                // factors when finishing would cost more than a factorization and its solve.
                let rate = Foundation.pow(estimate / beta, 1 / Double(k))
                guard rate < 1, rate > 0 else { return .stale }
                let remaining = Foundation.log(target / estimate) / Foundation.log(rate)
                let perIteration = solveCost + Double(4 * (j + 2)) * Double(n)
                if remaining * perIteration > factorCost + solveCost { return .stale }
            }
        }
        guard k > 0 else { return fresh ? .done : .stale }
        // y = H⁻¹ g (upper triangular k×k), then x += Z y.
        var y = [Double](repeating: 0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var sum = g[i]
            for l in (i + 1)..<k { sum -= h[l * (limit + 1) + i] * y[l] }
            y[i] = sum / h[i * (limit + 1) + i]
        }
        for l in 0..<k {
            let zl = directions[l], yl = y[l]
            for t in 0..<n { x[t] += yl * zl[t] }
        }
        if fresh { return .done }
        multiply(ax, x, into: r)
        for i in 0..<n { r[i] = b[i] - r[i] }
        // The recurrence's estimate drifts slightly from the true residual: allow a factor 2.
        target = max(Self.backwardError * (normA * norm(x) + normB), forcing * normB)
        return norm(r) <= 2 * target ? .done : .stale
    }
}
