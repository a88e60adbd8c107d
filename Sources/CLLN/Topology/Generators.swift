import Foundation

/// Topology generators: plain functions of their parameters. Names are derived from the
/// parameters, so the same parameters always give the same topology and netlist.
public enum Generators {
    /// An N-dimensional square lattice of `shape` (e.g. `[4, 4]`), nodes numbered row-major
    /// (last coordinate fastest: node = 4·row + col for 4×4). Edges, in order: for each node in
    /// index order, for each dimension in order, the edge to the next node along that dimension
    /// (wrapping when `periodic`). This is exactly the reference's numbering (spec §4).
    /// Along a periodic dimension of size 2 the wrap edge would repeat an edge and is omitted.
    public static func lattice(
        shape: [Int], periodic: Bool, inputs: [Int] = [], outputs: [Int] = [], states: [[Double]] = []
    ) -> Topology {
        let count = shape.reduce(1, *)
        var strides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        var edges: [Edge] = []
        var seen = Set<[Int]>()
        for node in 0..<max(count, 0) {
            for d in shape.indices {
                let coordinate = (node / strides[d]) % shape[d]
                var next = coordinate + 1
                if next == shape[d] {
                    guard periodic else { continue }
                    next = 0
                }
                let neighbour = node + (next - coordinate) * strides[d]
                guard neighbour != node, seen.insert([min(node, neighbour), max(node, neighbour)]).inserted else { continue }
                edges.append(Edge(node, neighbour))
            }
        }
        let name = "lattice-" + shape.map(String.init).joined(separator: "x") + (periodic ? "-periodic" : "")
        return Topology(name: name, nodeCount: count, edges: edges, inputs: inputs, outputs: outputs, states: states)
    }

    /// A layered dense network: layer sizes `layers` (e.g. `[6, 4, 4, 1]`), nodes numbered layer
    /// by layer; every node of a layer linked to every node of the next, in the order: layer by
    /// layer, for each node u of the lower layer, each node v of the next (spec §5). When
    /// `periodic`, the last layer is also linked to the first (u in the last layer, v in the first).
    public static func layeredDense(
        layers: [Int], periodic: Bool = false, inputs: [Int] = [], outputs: [Int] = [], states: [[Double]] = []
    ) -> Topology {
        var offsets = [0]
        for size in layers { offsets.append(offsets.last! + size) }
        var edges: [Edge] = []
        let pairs = Array(zip(layers.indices.dropLast(), layers.indices.dropFirst()))
            + (periodic && layers.count > 2 ? [(layers.count - 1, 0)] : [])
        for (lower, upper) in pairs {
            for u in offsets[lower]..<offsets[lower + 1] {
                for v in offsets[upper]..<offsets[upper + 1] { edges.append(Edge(u, v)) }
            }
        }
        let name = "dense-" + layers.map(String.init).joined(separator: "-") + (periodic ? "-periodic" : "")
        return Topology(name: name, nodeCount: offsets.last!, edges: edges, inputs: inputs, outputs: outputs, states: states)
    }

    /// A random connected graph of `nodes` nodes with average degree `averageDegree` (≥ 2) and
    /// every degree ≥ 2: a random Hamiltonian cycle, then distinct random chords until the edge
    /// count is round(nodes · averageDegree / 2). Deterministic in `seed`.
    public static func randomGraph(
        nodes: Int, averageDegree: Double, seed: UInt64, inputs: [Int] = [], outputs: [Int] = [], states: [[Double]] = []
    ) throws -> Topology {
        guard nodes >= 3 else { throw GeneratorError.tooFewNodes(nodes) }
        let maxEdges = nodes * (nodes - 1) / 2
        let target = Int((Double(nodes) * averageDegree / 2).rounded())
        guard averageDegree >= 2, target <= maxEdges else {
            throw GeneratorError.impossibleDegree(averageDegree, nodes: nodes)
        }
        var rng = SeededGenerator(seed: seed)
        var order = Array(0..<nodes)
        order.shuffle(using: &rng)
        var edges: [Edge] = []
        var seen = Set<Int>()
        func add(_ a: Int, _ b: Int) -> Bool {
            guard a != b, seen.insert(min(a, b) * nodes + max(a, b)).inserted else { return false }
            edges.append(Edge(min(a, b), max(a, b)))
            return true
        }
        for i in 0..<nodes { _ = add(order[i], order[(i + 1) % nodes]) }
        while edges.count < target { _ = add(rng.index(nodes), rng.index(nodes)) }
        let name = "random-\(nodes)-c\(averageDegree)-seed\(seed)"
        return Topology(name: name, nodeCount: nodes, edges: edges, inputs: inputs, outputs: outputs, states: states)
    }
}

/// Impossible generator parameters.
public enum GeneratorError: Error, CustomStringConvertible {
    case tooFewNodes(Int)
    case impossibleDegree(Double, nodes: Int)

    public var description: String {
        switch self {
        case let .tooFewNodes(n): "a random graph with every degree ≥ 2 needs at least 3 nodes (got \(n))"
        case let .impossibleDegree(c, n):
            "average degree \(c) is impossible for \(n) nodes; use a degree between 2 and \(n - 1)"
        }
    }
}
