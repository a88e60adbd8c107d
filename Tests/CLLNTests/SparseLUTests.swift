import CLLN
import Testing
import _CLLNLinearAlgebra

/// The UMFPACK path of `SparseLU`: kept (stale) factors as the preconditioner of a GMRES run to
/// LU accuracy, pinned variables through the capacitance-matrix correction, and renewal of the
/// factors when they stop paying — each against a fresh direct factorization of the same system.
@Suite struct SparseLUTests {
    /// A periodic side×side lattice Jacobian of a resistive network with unsymmetric edge
    /// derivatives (∂I/∂Va ≠ −∂I/∂Vb, as for a MOSFET edge) and a small conductance to ground.
    struct Lattice {
        let side: Int
        let pattern: SparsePattern
        let edges: [(Int, Int)]

        init(side: Int) {
            self.side = side
            var edges: [(Int, Int)] = []
            for r in 0..<side {
                for c in 0..<side {
                    edges.append((r * side + c, r * side + (c + 1) % side))
                    edges.append((r * side + c, ((r + 1) % side) * side + c))
                }
            }
            self.edges = edges
            pattern = SparsePattern(order: side * side, symmetricPairs: edges)
        }

        /// Values with per-edge conductances drawn from `rng`; `base`, when given, is perturbed
        /// by up to ±`spread` relative instead.
        func values(_ rng: inout SeededGenerator, base: [Double]? = nil, spread: Double = 0) -> [Double] {
            if let base { return base.map { $0 * (1 + rng.uniform(in: -spread...spread)) } }
            var v = [Double](repeating: 0, count: pattern.entryCount)
            func add(_ row: Int, _ column: Int, _ x: Double) { v[pattern.position(row: row, column: column)!] += x }
            for i in 0..<(side * side) { add(i, i, 1e-2) }
            for (a, b) in edges {
                let g = rng.uniform() < 0.1 ? 1e-5 : rng.uniform(in: 0.2...2)
                let dA = g * rng.uniform(in: 1...1.5), dB = -g * rng.uniform(in: 0.5...1)
                add(a, a, dA); add(a, b, dB); add(b, a, -dA); add(b, b, -dB)
            }
            return v
        }

        /// `values` with the rows and columns of `pinned` replaced by the identity's.
        func pinning(_ values: [Double], _ pinned: Set<Int>) -> [Double] {
            var v = values
            for j in 0..<pattern.order {
                for p in Int(pattern.columnStart[j])..<Int(pattern.columnStart[j + 1]) {
                    let i = Int(pattern.rowIndex[p])
                    if pinned.contains(i) || pinned.contains(j) { v[p] = i == j ? 1 : 0 }
                }
            }
            return v
        }
    }

    /// Solves with a new SparseLU (one fresh factorization).
    func direct(_ lattice: Lattice, _ values: [Double], _ rhs: [Double]) throws -> [Double] {
        let lu = try SparseLU(pattern: lattice.pattern)
        var (v, x) = (values, rhs)
        #expect(lu.factorAndSolve(values: &v, rhs: &x))
        return x
    }

    func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max()! / max(b.map(abs).max()!, 1e-300)
    }

    @Test func staleFactorsWithPinnedVariablesSolveTheHeldSystem() throws {
        let lattice = Lattice(side: 128)
        var rng = SeededGenerator(seed: 7)
        let lu = try SparseLU(pattern: lattice.pattern)
        try #require(lu.supportsPinning, "the 128×128 lattice must take the UMFPACK path")
        let n = lattice.pattern.order
        let first = lattice.values(&rng)
        var rhs = (0..<n).map { _ in rng.uniform(in: -1...1) }

        var (v, x) = (first, rhs)
        #expect(lu.factorAndSolve(values: &v, rhs: &x))
        #expect(lu.statistics.factorizations == 1)
        #expect(maxDifference(x, try direct(lattice, first, rhs)) < 1e-12)

        // A nearby matrix (±0.01 %), two variables pinned (the clamped phase on the free phase's factors).
        let pinned = [n / 3, 2 * n / 3 + 5]
        for i in pinned { rhs[i] = 0 }
        let second = lattice.values(&rng, base: first, spread: 1e-4)
        (v, x) = (second, rhs)
        #expect(lu.factorAndSolve(values: &v, rhs: &x, pinned: pinned))
        #expect(lu.statistics.factorizations == 1, "the stale factors serve the nearby pinned system")
        let pinnedSolves = lu.lastSolves
        for i in pinned { #expect(x[i] == 0) }
        #expect(maxDifference(x, try direct(lattice, lattice.pinning(second, Set(pinned)), rhs)) < 1e-11)

        // Unpinned again, the same factors (the next free phase). The correction makes the
        // factors as good a preconditioner for the pinned system: at most its k = 2 solves more.
        (v, x) = (second, rhs)
        #expect(lu.factorAndSolve(values: &v, rhs: &x))
        #expect(lu.statistics.factorizations == 1)
        #expect(lu.lastSolves > 1)
        #expect(pinnedSolves <= lu.lastSolves + pinned.count)
        #expect(maxDifference(x, try direct(lattice, second, rhs)) < 1e-11)

        // An unrelated matrix: the stale factors stop paying, and are renewed.
        let before = lu.statistics.factorizations
        let third = lattice.values(&rng)
        (v, x) = (third, rhs)
        #expect(lu.factorAndSolve(values: &v, rhs: &x, pinned: pinned))
        #expect(lu.statistics.factorizations == before + 1)
        for i in pinned { #expect(x[i] == 0) }
        #expect(maxDifference(x, try direct(lattice, lattice.pinning(third, Set(pinned)), rhs)) < 1e-11)

        // `refactor` renews the factors whatever their age; the answer is the direct one.
        (v, x) = (third, rhs)
        #expect(lu.factorAndSolve(values: &v, rhs: &x, refactor: true))
        #expect(lu.statistics.factorizations == before + 2)
        #expect(maxDifference(x, try direct(lattice, third, rhs)) < 1e-12)
    }
}
