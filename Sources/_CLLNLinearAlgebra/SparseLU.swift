/// Why a sparse factorization could not be set up.
public enum LinearAlgebraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The symbolic analysis (ordering) of a pattern failed; `status` is the library's code.
    case analysisFailed(library: String, status: Int)

    public var description: String {
        switch self {
        case let .analysisFailed(library, status):
            "\(library): the symbolic analysis of the sparsity pattern failed (status \(status))"
        }
    }
}

/// Sparse LU for one sparsity pattern, refactored numerically for each new set of values:
/// SuiteSparse KLU when the factorization is small, UMFPACK with kept factors and a GMRES when it
/// is large (the split is UMFPACK's flop estimate against ``UMFPACKSystem/minimumFlops``).
public final class SparseLU {
    private enum System {
        case klu(KLUSystem)
        case umfpack(UMFPACKSystem)
    }

    private let system: System

    /// Runs the symbolic analysis of `pattern` and picks KLU or UMFPACK by its flop estimate.
    public init(pattern: SparsePattern) throws(LinearAlgebraError) {
        let multifrontal = try UMFPACKSystem(pattern: pattern)
        system = multifrontal.estimatedFlops < UMFPACKSystem.minimumFlops
            ? .klu(try KLUSystem(pattern: pattern))
            : .umfpack(multifrontal)
    }

    /// Whether ``factorAndSolve(values:rhs:forcing:refactor:pinned:)`` takes pinned variables
    /// (UMFPACK; KLU refactors every system anyway).
    public var supportsPinning: Bool {
        if case .umfpack = system { true } else { false }
    }

    /// Numeric factorizations and solves with factors so far (KLU: one each per system).
    public var statistics: (factorizations: Int, solves: Int) {
        switch system {
        case let .klu(klu): (klu.systems, klu.systems)
        case let .umfpack(umfpack): (umfpack.factorizations, umfpack.solves)
        }
    }

    /// Solves with factors used by the last system (KLU: 1).
    public var lastSolves: Int {
        switch system {
        case .klu: 1
        case let .umfpack(umfpack): umfpack.lastSolves
        }
    }

    /// Solves the system with matrix `values` (CSC, in the pattern's order) and right-hand side
    /// `rhs`, in place into `rhs`. `forcing` (inexact Newton, UMFPACK only) lets the GMRES stop
    /// at relative residual `forcing` instead of LU accuracy. `refactor` renews kept factors
    /// first. `pinned` (sorted; only where ``supportsPinning``) solves the system with those rows
    /// and columns replaced by the identity's (``UMFPACKSystem/factorAndSolve(values:rhs:refactor:pinned:)``).
    /// False when the matrix is singular.
    public func factorAndSolve(
        values: inout [Double], rhs: inout [Double], forcing: Double = 0, refactor: Bool = false, pinned: [Int] = []
    ) -> Bool {
        switch system {
        case let .klu(klu):
            precondition(pinned.isEmpty, "KLU systems take no pinned variables")
            return klu.factorAndSolve(values: &values, rhs: &rhs)
        case let .umfpack(umfpack):
            umfpack.forcing = forcing
            return umfpack.factorAndSolve(values: &values, rhs: &rhs, refactor: refactor, pinned: pinned)
        }
    }
}
