import CLLN
import Foundation

/// Timing of the idealized solver (`clln bench solve`).
public enum SolveBenchmark {
    /// One measured configuration.
    public struct Row: Codable, Sendable {
        public var case_: String
        public var nodes: Int
        public var edges: Int
        public var solves: Int
        public var microsecondsPerSolve: Double
        public var meanIterations: Double
        public var linearAlgebra: String
        enum CodingKeys: String, CodingKey {
            case case_ = "case", nodes, edges, solves, microsecondsPerSolve = "us_per_solve"
            case meanIterations = "mean_iterations", linearAlgebra = "linear_algebra"
        }
    }

    /// The full report with the growth exponent of the lattice series.
    public struct Report: Codable, Sendable {
        public var rows: [Row]
        /// Least-squares slope of log(time) against log(nodes) over the large lattices.
        public var growthExponent: Double?
        enum CodingKeys: String, CodingKey { case rows, growthExponent = "growth_exponent" }
    }

    /// An L×L periodic lattice driven at four nodes, (0,0), (0,L/2), (L/2,0), (L/2,L/2), held at
    /// (1, 0, 1, 0): the four-state geometry scaled up.
    public static func drivenLattice(side: Int) -> Topology {
        let h = side / 2
        return Generators.lattice(
            shape: [side, side], periodic: true, inputs: [0, h, h * side, h * side + h], states: [[1, 0, 1, 0]])
    }

    /// Warm and cold 16-node four-state solves (`smallSolves` and a quarter of it), then cold
    /// solves of periodic lattices with `latticeNodes` nodes each. Gates are uniform in [1.5, 3]
    /// from `seed`. A size that is not a square of a side in ``BenchmarkLattice/sides`` is a
    /// ``BenchmarkError``, thrown before anything is timed.
    public static func run(latticeNodes: [Int], smallSolves: Int = 200_000, seed: UInt64 = 1) throws -> Report {
        let sides = try latticeNodes.map { nodes throws(BenchmarkError) in try BenchmarkLattice.side(nodes: nodes) }
        var rows: [Row] = []
        var rng = SeededGenerator(seed: seed)
        let four = TopologyPresets.fourState
        let solver = try IdealSolver(topology: four)
        let gateSets = (0..<64).map { _ in four.edges.map { _ in rng.uniform(in: 1.5...3) } }
        let free = try gateSets.map { try solver.solve(parameters: $0, held: four.freeHeld(state: 0)) }
        let clampedHeld = try gateSets.indices.map { i in
            try four.clampedHeld(state: 0, outputValues: four.outputs.map { 0.9 * free[i].voltages[$0] + 0.1 * 0.2 })
        }
        var iterations = 0
        var elapsed = try time {
            for i in 0..<smallSolves {
                let j = i & 63
                iterations += try solver.solve(parameters: gateSets[j], held: clampedHeld[j], warmStart: free[j].voltages).iterations
            }
        }
        rows.append(Row(case_: "four-state warm (clamped from free, eta 0.1)", nodes: 16, edges: 32, solves: smallSolves,
                        microsecondsPerSolve: elapsed / Double(smallSolves) * 1e6,
                        meanIterations: Double(iterations) / Double(smallSolves), linearAlgebra: "dense"))
        iterations = 0
        let coldSolves = smallSolves / 4
        let held = try four.freeHeld(state: 0)
        elapsed = try time {
            for i in 0..<coldSolves { iterations += try solver.solve(parameters: gateSets[i & 63], held: held).iterations }
        }
        rows.append(Row(case_: "four-state cold (free)", nodes: 16, edges: 32, solves: coldSolves,
                        microsecondsPerSolve: elapsed / Double(coldSolves) * 1e6,
                        meanIterations: Double(iterations) / Double(coldSolves), linearAlgebra: "dense"))
        var points: [(Double, Double)] = []
        for (nodes, side) in zip(latticeNodes, sides) {
            let lattice = drivenLattice(side: side)
            let big = try IdealSolver(topology: lattice)
            let gates = lattice.edges.map { _ in rng.uniform(in: 1.5...3) }
            let heldBig = try lattice.freeHeld(state: 0)
            let repeats = nodes <= 4096 ? 20 : (nodes <= 65_536 ? 3 : 1)
            _ = try big.solve(parameters: gates, held: heldBig)  // symbolic analysis, warm caches
            iterations = 0
            let t = try time { for _ in 0..<repeats { iterations += try big.solve(parameters: gates, held: heldBig).iterations } }
            let perSolve = t / Double(repeats)
            rows.append(Row(case_: "periodic lattice \(side)x\(side) cold", nodes: lattice.nodeCount, edges: lattice.edgeCount,
                            solves: repeats, microsecondsPerSolve: perSolve * 1e6,
                            meanIterations: Double(iterations) / Double(repeats),
                            linearAlgebra: lattice.nodeCount - 4 > big.options.sparseThreshold ? "sparse (KLU/UMFPACK)" : "dense"))
            points.append((log(Double(lattice.nodeCount)), log(perSolve)))
        }
        return Report(rows: rows, growthExponent: points.count >= 2 ? slope(points) : nil)
    }

    private static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    /// The exponent p of time ~ edges^p (least-squares slope of log ms against log edges) over the
    /// rows whose size lies in `range`, with those sizes; nil when they hold fewer than two sizes.
    static func growth<Row>(
        of rows: [Row], within range: ClosedRange<Int>, edges: (Row) -> Int, milliseconds: (Row) -> Double
    ) -> (edges: [Int], exponent: Double)? {
        let fit = rows.filter { range.contains(edges($0)) }
        guard Set(fit.map(edges)).count >= 2 else { return nil }
        return (fit.map(edges), slope(fit.map { (log(Double(edges($0))), log(milliseconds($0))) }))
    }

    /// Least-squares slope of y against x.
    static func slope(_ points: [(Double, Double)]) -> Double {
        let mx = points.map(\.0).reduce(0, +) / Double(points.count)
        let my = points.map(\.1).reduce(0, +) / Double(points.count)
        let num = points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +)
        let den = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        return num / den
    }
}
