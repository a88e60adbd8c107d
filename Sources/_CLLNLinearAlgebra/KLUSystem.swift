import CKLU

/// SuiteSparse KLU for one sparsity pattern whose factorization is small (below
/// ``UMFPACKSystem/minimumFlops``, where KLU beats UMFPACK): the symbolic analysis (BTF + AMD
/// ordering) is done once; each Newton iteration refactors numerically with the same ordering.
final class KLUSystem {
    private var columnStart: [Int32]
    private var rowIndex: [Int32]
    private var common = klu_common()
    private var symbolic: UnsafeMutablePointer<klu_symbolic>?
    private var numeric: UnsafeMutablePointer<klu_numeric>?

    /// Runs KLU's symbolic analysis of `pattern`.
    init(pattern: SparsePattern) throws(LinearAlgebraError) {
        columnStart = pattern.columnStart
        rowIndex = pattern.rowIndex
        klu_defaults(&common)
        let n = Int32(pattern.order)
        symbolic = columnStart.withUnsafeMutableBufferPointer { ap in
            rowIndex.withUnsafeMutableBufferPointer { ai in
                klu_analyze(n, ap.baseAddress, ai.baseAddress, &common)
            }
        }
        guard symbolic != nil else { throw .analysisFailed(library: "KLU", status: Int(common.status)) }
    }

    deinit {
        if numeric != nil { klu_free_numeric(&numeric, &common) }
        if symbolic != nil { klu_free_symbolic(&symbolic, &common) }
    }

    /// Systems factored and solved so far.
    private(set) var systems = 0

    /// Factors the matrix with `values` and solves in place into `rhs`. False when singular.
    func factorAndSolve(values: inout [Double], rhs: inout [Double]) -> Bool {
        systems += 1
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
