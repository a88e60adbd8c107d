/// A benchmark request that cannot be run; refused before any work starts.
public enum BenchmarkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A lattice size (node count) that is not L² with L in ``BenchmarkLattice/sides``.
    case latticeSize(Int)

    public var description: String {
        switch self {
        case let .latticeSize(nodes):
            let (low, high) = (BenchmarkLattice.sides.lowerBound, BenchmarkLattice.sides.upperBound)
            return "a benchmark lattice has L×L nodes with \(low) ≤ L ≤ \(high) (\(low * low) to \(high * high) nodes), "
                + "not \(nodes): give perfect squares such as 256, 4096 or 65536"
        }
    }
}

/// The sizes of the periodic L×L lattices the benchmarks time.
public enum BenchmarkLattice {
    /// Allowed sides L: from the four-state lattice (4×4) to 1024×1024 (about a million nodes, four
    /// times the largest lattice timed by default).
    public static let sides = 4...1024

    /// The side L of a lattice of `nodes` = L² nodes; ``BenchmarkError/latticeSize(_:)`` when
    /// `nodes` is not such a square.
    public static func side(nodes: Int) throws(BenchmarkError) -> Int {
        guard (sides.lowerBound * sides.lowerBound...sides.upperBound * sides.upperBound).contains(nodes) else {
            throw .latticeSize(nodes)
        }
        let side = Int(Double(nodes).squareRoot().rounded())
        guard side * side == nodes else { throw .latticeSize(nodes) }
        return side
    }
}
