@testable import CLLN
import Foundation
import Testing
import _CLLNTestSupport

/// Sessions (single solves as the points of a paused `dc` sweep, warm-started from the previous
/// solve of the same held nodes) give the operating points of independent `op`s.
@Suite(.serialized) struct SpiceSessionTests {
    /// A 10×10 periodic lattice (100 nodes, 200 edges).
    static func lattice() -> Topology {
        Generators.lattice(shape: [10, 10], periodic: true, inputs: [0, 5, 50, 55], outputs: [72, 77], states: [[1, 0, 1, 0]])
    }

    /// Training-like sequences (free, clamped, gates nudged; then a jump to new random gates) on
    /// both cards: sessions equal independent operating points to 1e-9 V, also while a second
    /// session solver runs its own sessions in between.
    @Test(arguments: ["nmos-ideal", "ald1106"])
    func sessionsEqualIndependentOperatingPoints(model: String) throws {
        let t = Self.lattice()
        let card = try ModelCard.named(model)
        var on = SpiceSolver.Options(diagnostics: false)
        on.sessions = true
        var off = on
        off.sessions = false
        let session = try SpiceSolver(topology: t, model: card, options: on)
        let other = try SpiceSolver(topology: t, model: card, options: on)
        let reference = try SpiceSolver(topology: t, model: card, options: off)
        #expect(session.usesSessions && !reference.usesSessions)
        #expect(try SpiceSolver(topology: t, model: card).usesSessions, "200 MOSFET edges use sessions by default")
        var rng = SeededGenerator(seed: 8)
        var gates = t.edges.map { _ in rng.uniform(in: 1.5...3) }
        for step in 0..<10 {
            if step == 6 { gates = t.edges.map { _ in rng.uniform(in: 1...5.4) } }
            let inputs = t.inputs.map { _ in rng.uniform() }
            let free = HeldNodes(nodes: t.inputs, values: inputs)
            let clamped = HeldNodes(nodes: t.inputs + t.outputs, values: inputs + t.outputs.map { _ in rng.uniform(in: 0.2...0.8) })
            for held in [free, clamped] {
                let a = try session.solve(parameters: gates, held: held).voltages
                let b = try reference.solve(parameters: gates, held: held).voltages
                #expect(maxDifference(a, b) <= 1e-9, "\(model) step \(step) held \(held.nodes)")
                if step == 3 { _ = try other.solve(parameters: gates.map { $0 + 0.1 }, held: held) }
            }
            gates = gates.map { min(max($0 + rng.uniform(in: -0.05...0.05), 1), 5.5) }
        }
    }

    /// Sessions on small networks (the default since they take less than half the CPU time of
    /// single `op`s there) give independent operating points
    /// to 1e-9 V: the 18-edge lattice on PyCLLN's card and the 16-node preset on the default
    /// card, through training-like free/clamped sequences.
    @Test(arguments: [("lattice", "pyclln-ald1106"), ("four-state", "nmos-ideal")])
    func sessionsOnSmallNetworksEqualIndependentOperatingPoints(network: String, model: String) throws {
        let t = network == "lattice"
            ? Generators.lattice(shape: [3, 3], periodic: true, inputs: [0, 1, 3, 4], outputs: [6, 8], states: [[1, 0, 1, 0]])
            : TopologyPresets.fourState
        let card = try ModelCard.named(model)
        var off = SpiceSolver.Options(diagnostics: false)
        off.sessions = false
        let session = try SpiceSolver(topology: t, model: card, options: .init(diagnostics: false, sessions: true))
        let reference = try SpiceSolver(topology: t, model: card, options: off)
        #expect(session.usesSessions && !reference.usesSessions)
        var rng = SeededGenerator(seed: 21)
        var gates = t.edges.map { _ in rng.uniform(in: 1.5...3) }
        for step in 0..<12 {
            let inputs = t.inputs.map { _ in rng.uniform() }
            let free = HeldNodes(nodes: t.inputs, values: inputs)
            let a = try session.solve(parameters: gates, held: free).voltages
            #expect(maxDifference(a, try reference.solve(parameters: gates, held: free).voltages) <= 1e-9, "\(network) step \(step) free")
            let nudged = t.outputs.map { 0.5 * a[$0] + 0.5 * rng.uniform(in: 0.2...0.8) }
            let clamped = HeldNodes(nodes: t.inputs + t.outputs, values: inputs + nudged)
            let b = try session.solve(parameters: gates, held: clamped).voltages
            #expect(maxDifference(b, try reference.solve(parameters: gates, held: clamped).voltages) <= 1e-9, "\(network) step \(step) clamped")
            gates = gates.map { min(max($0 + rng.uniform(in: -0.05...0.05), 1), 5.5) }
        }
        // Precise tolerances on the default card; `pyclln-ald1106` (series resistance) keeps the standard ones.
        let tolerances = model == "nmos-ideal" ? SpiceSolver.preciseSessionTolerances : SpiceSolver.sessionTolerances
        let options = session.sessionNetlistOptions.spiceOptions
        #expect(options == SpiceSolver.batchSpiceOptions(options, tolerances: tolerances), "\(options)")
    }

    /// A session's points depend on its history (each Newton run starts from the previous point),
    /// so a solver's results must not depend on other solvers' sessions: a solver run while two
    /// others run sessions in between (three held-node sets each, on both cards) gives bit for
    /// bit the voltages of the same solver run alone.
    @Test(arguments: ["nmos-ideal", "pyclln-ald1106"])
    func otherSolversSessionsDoNotChangeASolversResults(model: String) throws {
        let t = TopologyPresets.fourState
        let card = try ModelCard.named(model)
        func sequence(_ k: Int) throws -> [(gates: [Double], held: HeldNodes)] {
            var rng = SeededGenerator(seed: 40 + UInt64(k))
            var gates = t.edges.map { _ in rng.uniform(in: 1.5...3) }
            return try (0..<30).map { i in
                gates = gates.map { min(max($0 + rng.uniform(in: -0.05...0.05), 1), 5.5) }
                let state = i % t.states.count
                let held = i % 3 == 0
                    ? try t.freeHeld(state: state)
                    : try t.clampedHeld(state: state, outputValues: t.outputs.map { _ in rng.uniform(in: 0.2...0.8) })
                return (gates, i % 3 == 2 ? HeldNodes(nodes: held.nodes.reversed(), values: held.values.reversed()) : held)
            }
        }
        let mine = try sequence(0)
        let alone = try SpiceSolver(topology: t, model: card, options: .init(diagnostics: false))
        let expected = try mine.map { try alone.solve(parameters: $0.gates, held: $0.held).voltages }

        let solver = try SpiceSolver(topology: t, model: card, options: .init(diagnostics: false))
        let others = try (1...2).map { _ in try SpiceSolver(topology: t, model: card, options: .init(diagnostics: false)) }
        let theirs = try (1...2).map(sequence)
        #expect(solver.usesSessions && others.allSatisfy(\.usesSessions))
        for (i, problem) in mine.enumerated() {
            let voltages = try solver.solve(parameters: problem.gates, held: problem.held).voltages
            #expect(voltages == expected[i], "\(model) solve \(i): \(maxDifference(voltages, expected[i])) V")
            for (other, sequence) in zip(others, theirs) {
                _ = try other.solve(parameters: sequence[i].gates, held: sequence[i].held)
            }
        }
    }

    /// Where every transistor is in triode (gates ≥ 4 V, nodes within [0, 1] V), a session on the
    /// `nmos-ideal` card equals the idealized model to 1e-9 V.
    @Test func sessionsAgreeWithTheIdealizedModelInTriode() throws {
        let t = Self.lattice()
        var options = SpiceSolver.Options(diagnostics: false)
        options.sessions = true
        let spice = try SpiceSolver(topology: t, options: options)
        let ideal = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<4 {
            let gates = t.edges.map { _ in rng.uniform(in: 4...5.5) }
            let held = HeldNodes(nodes: t.inputs, values: t.inputs.map { _ in rng.uniform() })
            let a = try spice.solve(parameters: gates, held: held).voltages
            let b = try ideal.solve(parameters: gates, held: held).voltages
            #expect(maxDifference(a, b) <= 1e-9)
        }
    }

    /// The session form: external gate and held sources, the sweep source, `.save none`.
    /// The Newton iterations counted per session point are ngspice's matrix loads: a point
    /// repeated with unchanged inputs starts at its own solution and takes exactly two (one
    /// load to take the step, one to confirm convergence), a cold first point more, a point after
    /// changed gates at least two.
    @Test func sessionPointsCountNewtonIterations() throws {
        let t = Self.lattice()
        let card = try ModelCard.named("ald1106")
        let solver = try SpiceSolver(topology: t, model: card, options: .init(diagnostics: false, sessions: true))
        var rng = SeededGenerator(seed: 9)
        var gates = t.edges.map { _ in rng.uniform(in: 1.5...3) }
        let held = HeldNodes(nodes: t.inputs, values: t.inputs.map { _ in rng.uniform() })
        let netlist = try NetlistCompiler.compile(t, parameters: gates, held: held, phaseLabel: "free", options: solver.sessionNetlistOptions)
        let names = t.edges.indices.map(SpiceNames.gateSource) + held.nodes.map(SpiceNames.heldSource)
        let inputs = NgspiceEngine.ExternalInputs(names: names, values: gates + held.values)
        let engine = try NgspiceEngine.isolatedCopy()
        var voltages = [Double](repeating: 0, count: t.nodeCount)
        let id = try engine.withLock {
            let id = try engine.loadCircuit(netlist.lines, probe: SpiceNames.dcProbe(source: SpiceNames.sweepSource))
            try engine.beginSession(id, sweepSource: SpiceNames.sweepSource, inputs: inputs, nodeCount: t.nodeCount, into: &voltages)
            return id
        }
        let first = engine.sessionPoints
        try engine.withLock { try engine.stepSession(id, nodeCount: t.nodeCount, into: &voltages) }
        let repeated = engine.sessionPoints.since(first)
        gates = gates.map { $0 + 0.05 }
        inputs.values = gates + held.values
        try engine.withLock { try engine.stepSession(id, nodeCount: t.nodeCount, into: &voltages) }
        let changed = engine.sessionPoints.since(first).since(repeated)
        #expect(first.firstPoints == 1 && first.points == 0)
        #expect(first.firstPointIterations > 2, "a cold first point: \(first)")
        #expect(repeated == .init(firstPoints: 0, firstPointIterations: 0, points: 1, iterations: 2))
        #expect(changed.points == 1 && changed.iterations >= 2)
        #expect(engine.sessionPoints.since(first) == .init(firstPoints: 0, firstPointIterations: 0, points: 2, iterations: 2 + changed.iterations))
    }

    /// A solver counts the session points of its own engines only: one cold first point per
    /// held-node set, then one point per solve, at least two Newton iterations each; another
    /// solver's solves in between leave its counts alone, and a solver on engines that served
    /// an earlier solver starts from zero.
    @Test func solversCountTheirOwnSessionPoints() throws {
        let t = Self.lattice()
        let card = try ModelCard.named("ald1106")
        let options = SpiceSolver.Options(diagnostics: false, sessions: true)
        var rng = SeededGenerator(seed: 10)
        let gates = t.edges.map { _ in rng.uniform(in: 1.5...3) }
        func problems() -> [HeldNodes] {
            let inputs = t.inputs.map { _ in rng.uniform() }
            return [HeldNodes(nodes: t.inputs, values: inputs),
                    HeldNodes(nodes: t.inputs + t.outputs, values: inputs + t.outputs.map { _ in rng.uniform(in: 0.2...0.8) })]
        }
        do {  // a's and b's engines go back to the pool at the end of this block
            let a = try SpiceSolver(topology: t, model: card, options: options)
            let b = try SpiceSolver(topology: t, model: card, options: options)
            #expect(a.sessionPointCounts == .init())
            for held in problems() { _ = try a.solve(parameters: gates, held: held) }
            let afterFirst = a.sessionPointCounts
            #expect(afterFirst.firstPoints == 2 && afterFirst.points == 0 && afterFirst.firstPointIterations >= 4, "\(afterFirst)")
            for _ in 0..<3 {
                for held in problems() {
                    _ = try a.solve(parameters: gates, held: held)
                    let before = a.sessionPointCounts
                    _ = try b.solve(parameters: gates, held: held)
                    #expect(a.sessionPointCounts == before, "b's points are not a's")
                }
            }
            let later = a.sessionPointCounts.since(afterFirst)
            #expect(later.firstPoints == 0 && later.points == 6 && later.iterations >= 12, "\(later)")
            #expect(b.sessionPointCounts.firstPoints == 2 && b.sessionPointCounts.points == 4)
        }
        let reused = try SpiceSolver(topology: t, model: card, options: options)
        _ = try reused.solve(parameters: gates, held: problems()[0])
        let counts = reused.sessionPointCounts
        #expect(counts.firstPoints == 1 && counts.points == 0 && counts.iterations == 0, "\(counts)")
    }

    /// From ``SpiceSolver/coarseBatchMinimumEdges`` edges a session solver runs a batch as session
    /// points (no sweep circuit, no cold `op`); they agree with the `op` path's batch sweep.
    @Test func largeSessionBatchesRunAsSessionPoints() throws {
        let side = 71  // 10,082 edges, just above the threshold
        let t = Generators.lattice(
            shape: [side, side], periodic: true, inputs: [0, side / 2, side * (side / 2), side * (side / 2) + side / 2],
            outputs: [side * (side / 4) + side / 4])
        #expect(t.edgeCount >= SpiceSolver.coarseBatchMinimumEdges)
        let card = try ModelCard.named("nmos-ideal")
        var rng = SeededGenerator(seed: 12)
        let gates = t.edges.map { _ in rng.uniform(in: 1.5...3) }
        let held = (0..<3).map { _ in HeldNodes(nodes: t.inputs, values: t.inputs.map { _ in rng.uniform() }) }
        let session = try SpiceSolver(topology: t, model: card, options: SpiceSolver.Options(diagnostics: false, sessions: true))
        let sweep = try SpiceSolver(topology: t, model: card, options: SpiceSolver.Options(diagnostics: false, sessions: false))
        let points = try session.solveBatch(parameters: gates, held: held, warmStarts: [])
        let counts = session.sessionPointCounts
        #expect(counts.firstPoints + counts.points == held.count, "\(counts)")
        let swept = try sweep.solveBatch(parameters: gates, held: held, warmStarts: [])
        for k in held.indices {
            #expect(maxDifference(points[k].voltages, swept[k].voltages) < 1e-9)
            #expect(obeysMaximumPrinciple(points[k].voltages, held: held[k]))
        }
    }

    @Test func sessionNetlistDeclaresExternalSources() throws {
        let t = Self.lattice()
        let solver = try SpiceSolver(topology: t)
        let netlist = try NetlistCompiler.compile(
            t, parameters: t.edges.map { _ in 2 }, held: try t.freeHeld(state: 0), phaseLabel: "session",
            options: solver.sessionNetlistOptions)
        #expect(netlist.lines.contains("vg0 g0 0 external"))
        #expect(netlist.lines.contains("vh0 n0 0 external"))
        #expect(netlist.lines.contains(".save none"))
        #expect(netlist.lines.contains { $0.hasPrefix("vsw ") })
    }
}
