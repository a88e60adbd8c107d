import CLLN
import Foundation
import Testing
import _CLLNTestSupport

/// KLU and Sparse 1.3 solve the same circuits to the same operating points: the same library,
/// the solvers' default options for each (KLU: `klu` in place of Sparse's `pivtol`). On a library without KLU (ngspice 39)
/// the option is ignored and the test states so in the log.
@Suite(.serialized) struct SpiceLinearSolverTests {
    static let engine = Result { try NgspiceEngine.shared() }

    /// Free and clamped phases under random gates in [1, 5.5] V (saturation and cut-off
    /// included), both gate styles on the presets, and random connected graphs.
    @Test(arguments: ["four-state", "navigation", "random-40", "random-200"])
    func kluAgreesWithSparse(network: String) throws {
        let engine = try Self.engine.get()
        print("ngspice \(engine.version): linear solver \(engine.linearSolver.rawValue)"
              + (engine.linearSolver == .klu ? "" : " (no KLU: `klu` is ignored, both runs use Sparse 1.3)"))
        let t = try Self.topology(network)
        let model = try ModelCard.standard()
        let sparseOptions = SpiceSolver.defaultSpiceOptions(model: model, linearSolver: .sparse)
        // Both gate styles of single `op`s, and sessions (points of paused sweeps; gate sources).
        for (gateStyle, sessions) in GateStyle.allCasesForTests.map({ ($0, false) }) + [(GateStyle.sources, true)] {
            var sparseSettings = SpiceSolver.Options(spiceOptions: sparseOptions, gateStyle: gateStyle)
            sparseSettings.sessions = sessions
            var kluSettings = SpiceSolver.Options(
                spiceOptions: SpiceSolver.defaultSpiceOptions(model: model, linearSolver: .klu), gateStyle: gateStyle)
            kluSettings.sessions = sessions
            let sparse = try SpiceSolver(topology: t, model: model, options: sparseSettings)
            let klu = try SpiceSolver(topology: t, model: model, options: kluSettings)
            var rng = SeededGenerator(seed: 21)
            for trial in 0..<6 {
                let gates = randomGates(t, &rng)
                let held = try alternatingHeld(t, trial: trial, &rng)
                let a = try sparse.solve(parameters: gates, held: held).voltages
                let b = try klu.solve(parameters: gates, held: held).voltages
                #expect(maxDifference(a, b) <= 1e-9, "\(network) \(gateStyle) sessions \(sessions) trial \(trial)")
                if !sessions && engine.linearSolver == .klu && trial == 5 {
                    // Right after the shared engine's last `op` (other suites print to it too).
                    #expect(engine.recentOutput.contains { $0.contains("Using KLU") }, "ngspice confirms KLU in its banner")
                }
            }
        }
    }

    /// The solvers' default options carry `klu` exactly when the library has it and the network
    /// has at least `kluMinimumNodes` nodes (Sparse 1.3 is faster on small ones).
    @Test func defaultOptionsTurnKLUOnWhereTheLibraryHasItForLargeNetworks() throws {
        let engine = try Self.engine.get()
        let small = try SpiceSolver(topology: TopologyPresets.fourState)
        #expect(small.linearSolver == .sparse && !small.netlistOptions.spiceOptions.split(separator: " ").contains("klu"))
        let side = 23  // 529 nodes
        var large = Generators.lattice(shape: [side, side], periodic: true, inputs: [0, side * side - 1])
        large.states = [[1, 0]]
        let solver = try SpiceSolver(topology: large)
        let words = solver.netlistOptions.spiceOptions.split(separator: " ")
        #expect(solver.linearSolver == engine.linearSolver)
        #expect(words.contains("klu") == (engine.linearSolver == .klu))
        #expect(solver.batchNetlistOptions.spiceOptions.split(separator: " ").contains("klu") == (engine.linearSolver == .klu))
    }

    static func topology(_ name: String) throws -> Topology {
        if let preset = TopologyPresets.named(name) { return preset }
        let nodes = Int(name.dropFirst("random-".count))!
        return try Generators.randomGraph(
            nodes: nodes, averageDegree: 4, seed: UInt64(nodes), inputs: [0, 1, 2], outputs: [nodes - 2, nodes - 1],
            states: [[1, 0, 0.5], [0, 1, 0.2]])
    }
}
