import CLLN
import Foundation

/// Shared helpers of the core tests.
enum Fixture {
    /// The URL of a file in Tests/CLLNTests/Fixtures.
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    }

    struct SolveCase: Decodable {
        var preset: String
        var held_nodes: [Int]
        var held_values: [Double]
        var gates: [Double]
        var voltages: [Double]
    }

    struct SolveCases: Decodable { var cases: [SolveCase] }

    static func solveCases(_ file: String) throws -> [SolveCase] {
        try JSONDecoder().decode(SolveCases.self, from: Data(contentsOf: url(file))).cases
    }
}

/// Largest KCL imbalance (A) over the free nodes, computed edge by edge from the model.
func kclResidual(_ t: Topology, parameters: [Double], voltages: [Double], held: HeldNodes) -> Double {
    var net = [Double](repeating: 0, count: t.nodeCount)
    for (e, edge) in t.edges.enumerated() {
        let i = EdgeModel.current(topology: t, edge: e, parameter: parameters[e], va: voltages[edge.a], vb: voltages[edge.b]).current
        net[edge.a] += i
        net[edge.b] -= i
    }
    let heldSet = Set(held.nodes)
    return (0..<t.nodeCount).filter { !heldSet.contains($0) }.map { abs(net[$0]) }.max() ?? 0
}

/// Random gates uniform in `range`.
func randomGates(_ t: Topology, _ rng: inout SeededGenerator, _ range: ClosedRange<Double> = 1...5.5) -> [Double] {
    t.edges.map { _ in rng.uniform(in: range) }
}
