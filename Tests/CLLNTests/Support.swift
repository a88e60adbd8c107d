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

/// The held nodes of a random state: free on even `trial`s, clamped at uniform random output
/// values on odd ones.
func alternatingHeld(_ t: Topology, trial: Int, _ rng: inout SeededGenerator) throws -> HeldNodes {
    let state = rng.index(t.states.count)
    return trial % 2 == 0
        ? try t.freeHeld(state: state)
        : try t.clampedHeld(state: state, outputValues: t.outputs.map { _ in rng.uniform() })
}

/// Random gates uniform in `range`.
func randomGates(_ t: Topology, _ rng: inout SeededGenerator, _ range: ClosedRange<Double> = 1...5.5) -> [Double] {
    t.edges.map { _ in rng.uniform(in: range) }
}
