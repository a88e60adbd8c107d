import CLLN
import CLLNBench
import Foundation
import Testing
import _CLLNTestSupport

@Suite struct IdealSolverTests {
    static let fixtureFiles = ["reference-solves.json", "generated-solves.json"]

    @Test(arguments: fixtureFiles)
    func agreesWithTheReferenceSolver(file: String) throws {
        let cases = try Fixture.solveCases(file)
        #expect(cases.count >= 20)
        for c in cases {
            let t = TopologyPresets.named(c.preset)!
            let held = HeldNodes(nodes: c.held_nodes, values: c.held_values)
            let solution = try IdealSolver(topology: t).solve(parameters: c.gates, held: held)
            let worst = zip(solution.voltages, c.voltages).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-8, "\(c.preset): max |ΔV| = \(worst)")
            #expect(kclResidual(t, parameters: c.gates, voltages: solution.voltages, held: held) < 1e-11 * t.device.k)
        }
    }

    @Test func kirchhoffAndMaximumPrincipleOnRandomCases() throws {
        var rng = SeededGenerator(seed: 3)
        for t in [TopologyPresets.fourState, TopologyPresets.navigation] {
            let solver = try IdealSolver(topology: t)
            for _ in 0..<200 {
                let gates = randomGates(t, &rng)
                let state = rng.index(t.states.count)
                var held = try t.freeHeld(state: state)
                if rng.uniform() < 0.5 {
                    held = try t.clampedHeld(state: state, outputValues: t.outputs.map { _ in rng.uniform(in: held.range) })
                }
                let v = try solver.solve(parameters: gates, held: held).voltages
                #expect(kclResidual(t, parameters: gates, voltages: v, held: held) < 1e-11 * t.device.k)
                #expect(obeysMaximumPrinciple(v, held: held))
            }
        }
    }

    @Test func swappingEdgeOrientationChangesNothing() throws {
        var rng = SeededGenerator(seed: 4)
        let t = TopologyPresets.fourState
        var flipped = t
        flipped.edges = t.edges.map { Edge($0.b, $0.a) }
        for _ in 0..<20 {
            let gates = randomGates(t, &rng)
            let held = try t.freeHeld(state: rng.index(4))
            let a = try IdealSolver(topology: t).solve(parameters: gates, held: held).voltages
            let b = try IdealSolver(topology: flipped).solve(parameters: gates, held: held).voltages
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 })
        }
    }

    @Test func warmAndColdStartsAgree() throws {
        var rng = SeededGenerator(seed: 5)
        let t = TopologyPresets.navigation
        let solver = try IdealSolver(topology: t)
        for _ in 0..<50 {
            let gates = randomGates(t, &rng)
            let held = try t.freeHeld(state: rng.index(9))
            let cold = try solver.solve(parameters: gates, held: held)
            let nudged = try t.clampedHeld(state: 0, outputValues: t.outputs.map { 0.9 * cold.voltages[$0] + 0.05 })
            let warm = try solver.solve(parameters: gates, held: nudged, warmStart: cold.voltages)
            let coldAgain = try solver.solve(parameters: gates, held: nudged)
            #expect(zip(warm.voltages, coldAgain.voltages).allSatisfy { abs($0 - $1) < 1e-11 })
        }
    }

    @Test func sparseAndDensePathsAgree() throws {
        var rng = SeededGenerator(seed: 6)
        let t = SolveBenchmark.drivenLattice(side: 12)
        var sparseOptions = IdealSolver.Options()
        sparseOptions.sparseThreshold = 0
        var denseOptions = IdealSolver.Options()
        denseOptions.sparseThreshold = 1000
        let sparse = try IdealSolver(topology: t, options: sparseOptions)
        let dense = try IdealSolver(topology: t, options: denseOptions)
        for _ in 0..<5 {
            let gates = randomGates(t, &rng)
            let held = try t.freeHeld(state: 0)
            let a = try sparse.solve(parameters: gates, held: held)
            let b = try dense.solve(parameters: gates, held: held)
            #expect(zip(a.voltages, b.voltages).allSatisfy { abs($0 - $1) < 1e-11 })
            #expect(kclResidual(t, parameters: gates, voltages: a.voltages, held: held) < 1e-11 * t.device.k)
        }
    }

    @Test func lowGatesAtTheFloorStillConverge() throws {
        var rng = SeededGenerator(seed: 7)
        let t = TopologyPresets.fourState
        let solver = try IdealSolver(topology: t)
        for _ in 0..<100 {
            let gates = randomGates(t, &rng, 1...1.5)
            let held = try t.freeHeld(state: rng.index(4))
            let s = try solver.solve(parameters: gates, held: held)
            #expect(kclResidual(t, parameters: gates, voltages: s.voltages, held: held) < 1e-11 * t.device.k)
            #expect(obeysMaximumPrinciple(s.voltages, held: held))
        }
    }

    @Test func diagnosticsReportSaturationAndFloor() throws {
        let t = TopologyPresets.fourState
        let held = try t.freeHeld(state: 0)
        let high = try IdealSolver(topology: t).solve(parameters: t.uniformParameters(gate: 5), held: held)
        #expect(high.saturatedEdges.isEmpty && high.floorEdges.isEmpty)
        let low = try IdealSolver(topology: t).solve(parameters: t.uniformParameters(gate: 1.0), held: held)
        #expect(!low.floorEdges.isEmpty)
        let (_, saturated) = EdgeModel.classify(topology: t, parameters: t.uniformParameters(gate: 1.0), voltages: low.voltages)
        #expect(saturated == low.saturatedEdges)
    }

    @Test func badInputsAreRaisedNotHidden() throws {
        let t = TopologyPresets.fourState
        let solver = try IdealSolver(topology: t)
        let gates = t.uniformParameters(gate: 2)
        #expect(throws: SolverError.nonFiniteInput("the voltage held at node 0")) {
            try solver.solve(parameters: gates, held: HeldNodes(nodes: [0, 2, 8, 10], values: [.nan, 0, 1, 0]))
        }
        #expect(throws: SolverError.nonFiniteInput("edge 3's parameter")) {
            var g = gates
            g[3] = .infinity
            return try solver.solve(parameters: g, held: t.freeHeld(state: 0))
        }
        var limited = IdealSolver.Options()
        limited.maxIterations = 0
        #expect(throws: SolverError.self) {
            try IdealSolver(topology: t, options: limited).solve(parameters: gates, held: t.freeHeld(state: 0))
        }
        #expect(throws: TopologyError.self) {
            try solver.solve(parameters: gates, held: HeldNodes(nodes: [99], values: [1]))
        }
    }

    @Test func removingEdgesThatIsolateANodeIsReported() throws {
        let t = TopologyPresets.fourState
        let solver = try IdealSolver(topology: t)
        // Node 5's four edges: 5→9 (10), 5→6 (11), 1→5 (2), 4→5 (9).
        try solver.removeEdges([10, 11, 2, 9])
        #expect(throws: TopologyError.floatingComponent(nodes: [5])) {
            try solver.solve(parameters: t.uniformParameters(gate: 2), held: t.freeHeld(state: 0))
        }
    }

    @Test func mixedElementsObeyKirchhoff() throws {
        let (a, b, c, d) = (Node("a"), Node("b"), Node("c"), Node("d"))
        let t = try Topology(name: "mixed") {
            Mosfet(a, b)
            DiodeResistor(from: b, to: c)
            DigitalPotentiometer(c, d)
            ExpGateMosfet(a, c)
            Mosfet(b, d)
            Input(a, d)
            State(1, 0)
        }
        let p = [2.5, 1e-3, 40, log(3.0), 2]
        let held = try t.freeHeld(state: 0)
        let s = try IdealSolver(topology: t).solve(parameters: p, held: held)
        #expect(kclResidual(t, parameters: p, voltages: s.voltages, held: held) < 1e-16)
        #expect(s.voltages[1] > s.voltages[2])  // the diode conducts forward here
    }
}

/// The reuse path of large solves — kept symbolic analyses and factors per held-node set, the
/// free phase warm-started from the previous free solution, the clamped phase from this free one,
/// as `clln bench ideal-scale` and training run it — against a fresh solver's cold solve.
@Suite struct IdealSolverReuseTests {
    @Test(arguments: [
        (SpiceScaleBenchmark.Family.lattice, 20),  // 396 free nodes: KLU
        (.lattice, 40),  // 1,596 free nodes: UMFPACK with kept factors and GMRES, the clamped phase on the free phase's (outputs pinned)
        (.dense, 10),  // 20 free nodes: dense LU
    ])
    func reusedSolverAgreesWithFreshSolves(family: SpiceScaleBenchmark.Family, side: Int) throws {
        let t = SpiceScaleBenchmark.network(family, side: side)
        let rule = CoupledLearningRule(alpha: 1, eta: 0.5, batchSize: 1, updateClip: 0.05)
        let reused = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 11)
        var gates = t.edges.map { _ in rng.uniform(in: 1.5...3) }
        var previousFree: [Double]?
        var worst = 0.0
        for _ in 0..<12 {
            let held = HeldNodes(nodes: t.inputs, values: t.inputs.map { _ in rng.uniform() })
            let free = try reused.solve(parameters: gates, held: held, warmStart: previousFree)
            let nudged = rule.clampValues(free: t.outputs.map { free.voltages[$0] }, labels: t.outputs.map { _ in rng.uniform(in: 0.2...0.8) })
            let clampedHeld = HeldNodes(nodes: t.inputs + t.outputs, values: held.values + nudged)
            let clamped = try reused.solve(parameters: gates, held: clampedHeld, warmStart: free.voltages)
            worst = max(worst, try distanceFromFreshSolve(free, topology: t, parameters: gates, held: held),
                        try distanceFromFreshSolve(clamped, topology: t, parameters: gates, held: clampedHeld))
            applyLocalRule(to: &gates, topology: t, free: free, clamped: clamped, rule: rule)
            previousFree = free.voltages
        }
        #expect(worst <= 1e-11, "max |ΔV| between the reused and fresh solves: \(worst) V")
    }

    /// Training's warm starts (`SupervisedTrainer`, `bench ideal-scale`): each example's free
    /// phase from its own previous solution, with kept factors from another example's update (the
    /// UMFPACK path), the clamped phase on its free phase's factors; the answers are a fresh
    /// solver's cold solves to 1e-11 V, and the forcing relaxed near the tolerance still ends
    /// every solve at it.
    @Test func perExampleWarmStartsAgreeWithFreshSolves() throws {
        let t = SpiceScaleBenchmark.network(.lattice, side: 40)
        let rule = CoupledLearningRule(alpha: 1, eta: 0.5, batchSize: 1, updateClip: 0.05)
        let reused = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 12)
        var gates = t.edges.map { _ in rng.uniform(in: 1.5...3) }
        let inputs = (0..<3).map { _ in t.inputs.map { _ in rng.uniform() } }
        let targets = (0..<3).map { _ in t.outputs.map { _ in rng.uniform(in: 0.2...0.8) } }
        var warm: [[Double]?] = [nil, nil, nil]
        var worst = 0.0
        var clampedFactorizations = 0
        for update in 0..<9 {
            let k = update % 3
            let held = HeldNodes(nodes: t.inputs, values: inputs[k])
            let free = try reused.solve(parameters: gates, held: held, warmStart: warm[k])
            let afterFree = reused.linearAlgebraCounts.factorizations
            let nudged = rule.clampValues(free: t.outputs.map { free.voltages[$0] }, labels: targets[k])
            let clampedHeld = HeldNodes(nodes: t.inputs + t.outputs, values: inputs[k] + nudged)
            let clamped = try reused.solve(parameters: gates, held: clampedHeld, warmStart: free.voltages)
            clampedFactorizations += reused.linearAlgebraCounts.factorizations - afterFree
            worst = max(worst, try distanceFromFreshSolve(free, topology: t, parameters: gates, held: held),
                        try distanceFromFreshSolve(clamped, topology: t, parameters: gates, held: clampedHeld))
            applyLocalRule(to: &gates, topology: t, free: free, clamped: clamped, rule: rule)
            warm[k] = free.voltages
        }
        #expect(clampedFactorizations < 9, "the clamped phases run on their free phase's factors")
        #expect(worst <= 1e-11, "max |ΔV| between the reused and fresh solves: \(worst) V")
    }
}

/// Checks KCL and the maximum principle on `solution`, and returns its largest |ΔV| from a
/// fresh solver's cold solve of the same problem.
private func distanceFromFreshSolve(_ solution: Equilibrium, topology t: Topology, parameters: [Double], held: HeldNodes) throws -> Double {
    #expect(kclResidual(t, parameters: parameters, voltages: solution.voltages, held: held) < 1e-11 * t.device.k)
    #expect(obeysMaximumPrinciple(solution.voltages, held: held))
    let fresh = try IdealSolver(topology: t).solve(parameters: parameters, held: held)
    return zip(solution.voltages, fresh.voltages).map { abs($0 - $1) }.max()!
}

/// One update of the local rule from a free and a clamped solution.
private func applyLocalRule(to gates: inout [Double], topology t: Topology, free: Equilibrium, clamped: Equilibrium, rule: CoupledLearningRule) {
    var accumulator = LocalRuleAccumulator(edgeCount: t.edgeCount)
    accumulator.accumulate(topology: t, parameters: gates, free: free.voltages, clamped: clamped.voltages, rule: rule)
    accumulator.apply(to: &gates, topology: t, rule: rule)
}
