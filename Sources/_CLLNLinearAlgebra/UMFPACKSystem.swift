import CUMFPACK
import Foundation

/// Sparse LU of a Newton Jacobian for one sparsity pattern — the large-network half of
/// ``SparseLU`` (``KLUSystem`` keeps the small half, below ``minimumFlops``).
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
/// Newton Jacobian) and about 11 GMRES iterations for each later Newton system. The caller may
/// also demand fresh factors (`refactor`): the idealized solver renews them once per solve when
/// the lagged ones needed more than 3 solves for a Newton system, so the remaining systems of
/// that solve take 1–3 GMRES steps each.
///
/// **Pinned variables.** One factorization also serves systems that hold some of the variables
/// (the clamped phase holds the outputs on top of the free phase's inputs): their rows and
/// columns become the identity's, and the factors M of a full matrix precondition the pinned
/// system through the capacitance-matrix correction (W = M⁻¹E, G = EᵀW for the k pinned unit
/// columns E; k solves once per factorization and pinned set, then O(k·n) per application), which
/// is exactly the inverse of M restricted to the other variables. On the 100,352-edge lattice
/// update (`clln bench ideal-scale`), sharing and the renewal rule together cut the linear algebra
/// from ~1.2 factorizations + ~61 solves to ~1.1 factorizations + ~26 solves per update.
///
/// `clln bench solve --sizes 4096 65536 262144` (cold solves, 4 Newton iterations): KLU
/// 21–23 ms, 1.93–1.98 s, 29.5–30.1 s (growth N^1.71); this path 22–24 ms (KLU, below the
/// threshold), 0.67–0.72 s, 3.29–3.31 s (growth N^1.19). At 262 144 nodes ~95 % of the time
/// is the two factorizations and 33 preconditioned solves.
///
/// All SuiteSparse objects (symbolic, numeric) and workspaces are freed in `deinit`.
final class UMFPACKSystem {
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
    /// Numeric factorizations and solves with the factors (preconditioner applications) so far.
    private(set) var factorizations = 0
    private(set) var solves = 0
    /// Solves with the factors used by the last ``factorAndSolve(values:rhs:refactor:pinned:)``.
    private(set) var lastSolves = 0

    /// Pinned variables of the current system (sorted; see ``factorAndSolve(values:rhs:refactor:pinned:)``),
    /// as a mask, and the correction that makes the kept factors of the full matrix M solve the
    /// pinned system: W = M⁻¹E (one column per pinned variable) and G = EᵀM⁻¹E, row-major.
    private var pinned: [Int] = []
    private let isPinned: UnsafeMutablePointer<Bool>
    private var correctionFor: [Int]?
    private var correction: [UnsafeMutablePointer<Double>] = []
    private var capacitance: [Double] = []

    /// Runs UMFPACK's symbolic analysis of `pattern` (symmetric strategy, AMD ordering).
    init(pattern: SparsePattern) throws(LinearAlgebraError) {
        n = pattern.order
        nonzeros = pattern.entryCount
        columnStart = .allocate(capacity: n + 1)
        columnStart.initialize(from: pattern.columnStart, count: n + 1)
        rowIndex = .allocate(capacity: max(nonzeros, 1))
        rowIndex.initialize(from: pattern.rowIndex, count: nonzeros)
        control = .allocate(capacity: Int(UMFPACK_CONTROL))
        info = .allocate(capacity: Int(UMFPACK_INFO))
        wi = .allocate(capacity: max(n, 1))
        w = .allocate(capacity: max(5 * n, 1))
        b = .allocate(capacity: max(n, 1))
        x = .allocate(capacity: max(n, 1))
        r = .allocate(capacity: max(n, 1))
        isPinned = .allocate(capacity: max(n, 1))
        isPinned.initialize(repeating: false, count: max(n, 1))
        umfpack_di_defaults(control)
        control[Int(UMFPACK_STRATEGY)] = Double(UMFPACK_STRATEGY_SYMMETRIC)
        control[Int(UMFPACK_ORDERING)] = Double(UMFPACK_ORDERING_AMD)
        control[Int(UMFPACK_IRSTEP)] = 0  // refinement is the GMRES below, against the current matrix
        let status = umfpack_di_symbolic(
            Int32(n), Int32(n), columnStart, rowIndex, nil, &symbolic, control, info)
        guard status == UMFPACK_OK, symbolic != nil else { throw .analysisFailed(library: "UMFPACK", status: Int(status)) }
        estimatedFlops = info[Int(UMFPACK_FLOPS_ESTIMATE)]
    }

    deinit {
        if numeric != nil { umfpack_di_free_numeric(&numeric) }
        if symbolic != nil { umfpack_di_free_symbolic(&symbolic) }
        for v in basis { v.deallocate() }
        for z in directions { z.deallocate() }
        for c in correction { c.deallocate() }
        isPinned.deallocate()
        for p in [control, info, w, b, x, r] { p.deallocate() }
        wi.deallocate()
        columnStart.deallocate()
        rowIndex.deallocate()
    }

    /// Solves the system with matrix `values` (CSC, the structure's pattern) and right-hand side
    /// `rhs`, in place into `rhs`. False when the matrix is singular.
    ///
    /// `pinned` (sorted variable indices) solves instead the system whose pinned rows and columns
    /// are those of the identity — the same network with these nodes held — whose solution is 0
    /// at the pinned variables (exactly; `rhs` must be 0 there) and elsewhere solves the matrix
    /// restricted to the other variables. The factors stay those of a full matrix, so one
    /// factorization serves the free phase and the clamped one (which holds the outputs too): for
    /// pinned variables the preconditioner is M⁻¹ with the capacitance-matrix correction
    /// x = M⁻¹b − W G⁻¹ Eᵀ M⁻¹b (W = M⁻¹E, G = EᵀW, E the pinned unit columns; k solves per
    /// factorization and pinned set), which is the exact inverse of M restricted to the free variables.
    /// `refactor` factors `values` before solving, whatever the age of the kept factors.
    func factorAndSolve(values: inout [Double], rhs: inout [Double], refactor: Bool = false, pinned: [Int] = []) -> Bool {
        if pinned != self.pinned {
            for i in self.pinned { isPinned[i] = false }
            for i in pinned { isPinned[i] = true }
            self.pinned = pinned
        }
        let before = solves
        defer { lastSolves = solves - before }
        return values.withUnsafeBufferPointer { ax in
            rhs.withUnsafeMutableBufferPointer { out in solve(ax.baseAddress!, out.baseAddress!, refactor: refactor) }
        }
    }

    private enum Outcome { case done, stale }

    private func solve(_ ax: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, refactor: Bool) -> Bool {
        guard n > 0 else { return true }
        var fresh = false
        if numeric == nil || refactor {
            guard factor(ax) else { return false }
            fresh = true
        }
        if !prepareCorrection() {
            // The kept factors' restriction to the free variables is singular: renew them.
            guard !fresh, factor(ax), prepareCorrection() else { return false }
            fresh = true
        }
        b.update(from: out, count: n)
        for i in pinned { b[i] = 0 }
        let normB = norm(b)
        let normA = infinityNorm(ax)
        while true {
            applyInverse(b, into: x)
            switch gmres(ax, normA: normA, normB: normB, fresh: fresh) {
            case .done:
                out.update(from: x, count: n)
                return true
            case .stale:
                guard factor(ax), prepareCorrection() else { return false }
                fresh = true
            }
        }
    }

    /// Numeric factorization of `ax` with the kept symbolic analysis. False when singular.
    private func factor(_ ax: UnsafePointer<Double>) -> Bool {
        if numeric != nil { umfpack_di_free_numeric(&numeric) }
        factorizations += 1
        correctionFor = nil
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

    /// `dst = M⁻¹ src` with the kept factors of the full matrix (no refinement: that is done
    /// against the current matrix).
    private func applyFactors(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        solves += 1
        _ = umfpack_di_wsolve(UMFPACK_A, columnStart, rowIndex, nil, dst, src, numeric, control, info, wi, w)
    }

    /// W = M⁻¹E and G = EᵀW for the current pinned set, unless already made for these factors.
    /// False when G is singular (M restricted to the free variables is).
    private func prepareCorrection() -> Bool {
        guard !pinned.isEmpty, correctionFor != pinned else { return true }
        let k = pinned.count
        while correction.count < k { correction.append(.allocate(capacity: n)) }
        r.update(repeating: 0, count: n)
        capacitance = [Double](repeating: 0, count: k * k)
        for (column, i) in pinned.enumerated() {
            r[i] = 1
            applyFactors(r, into: correction[column])
            r[i] = 0
            for (row, l) in pinned.enumerated() { capacitance[row * k + column] = correction[column][l] }
        }
        var probe = capacitance
        var rhs = [Double](repeating: 1, count: k)
        var pivots = [Int](repeating: 0, count: k)
        guard DenseLU.factorAndSolve(n: k, a: &probe, x: &rhs, pivots: &pivots), rhs.allSatisfy(\.isFinite) else { return false }
        correctionFor = pinned
        return true
    }

    /// `dst = M⁻¹ src` for the current system: with pinned variables, the kept factors with the
    /// capacitance-matrix correction, and exact zeros at the pinned variables.
    private func applyInverse(_ src: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        applyFactors(src, into: dst)
        guard !pinned.isEmpty else { return }
        let k = pinned.count
        var g = capacitance
        var z = pinned.map { -dst[$0] }
        var pivots = [Int](repeating: 0, count: k)
        _ = DenseLU.factorAndSolve(n: k, a: &g, x: &z, pivots: &pivots)
        for (column, zc) in z.enumerated() {
            let wc = correction[column]
            for t in 0..<n { dst[t] += zc * wc[t] }
        }
        for i in pinned { dst[i] = 0 }
    }

    /// `dst = A v`, with the pinned rows and columns of A replaced by the identity's.
    private func multiply(_ ax: UnsafePointer<Double>, _ v: UnsafePointer<Double>, into dst: UnsafeMutablePointer<Double>) {
        dst.update(repeating: 0, count: n)
        for j in 0..<n {
            let vj = v[j]
            if vj == 0 || isPinned[j] { continue }
            for p in Int(columnStart[j])..<Int(columnStart[j + 1]) { dst[Int(rowIndex[p])] += ax[p] * vj }
        }
        for i in pinned { dst[i] = v[i] }
    }

    /// ‖A‖∞ of the current system (pinned rows and columns those of the identity).
    private func infinityNorm(_ ax: UnsafePointer<Double>) -> Double {
        r.update(repeating: 0, count: n)
        for j in 0..<n where !isPinned[j] {
            for p in Int(columnStart[j])..<Int(columnStart[j + 1]) { r[Int(rowIndex[p])] += abs(ax[p]) }
        }
        for i in pinned { r[i] = 1 }
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
