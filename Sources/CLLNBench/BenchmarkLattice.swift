/// A benchmark request that cannot be run; refused before any work starts.
public enum BenchmarkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A lattice size (node count) that is not L² with L in ``BenchmarkLattice/sides``.
    case latticeSize(Int)
    /// A `bench spice-scale` size (edges) that is not 2n² with n in ``SpiceScaleBenchmark/sides``.
    case scaleSize(Int)

    public var description: String {
        switch self {
        case let .latticeSize(nodes):
            let (low, high) = (BenchmarkLattice.sides.lowerBound, BenchmarkLattice.sides.upperBound)
            return "a benchmark lattice has L×L nodes with \(low) ≤ L ≤ \(high) (\(low * low) to \(high * high) nodes), "
                + "not \(nodes): give perfect squares such as 256, 4096 or 65536"
        case let .scaleSize(edges):
            let (low, high) = (SpiceScaleBenchmark.sides.lowerBound, SpiceScaleBenchmark.sides.upperBound)
            return "a spice-scale size is an edge count 2n² with \(low) ≤ n ≤ \(high) (\(2 * low * low) to \(2 * high * high) edges), "
                + "not \(edges): give sizes such as 18, 200, 800, 3200, 20000 or 100352"
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
