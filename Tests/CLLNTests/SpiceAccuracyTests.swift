import CLLN
import CLLNBench
import Foundation
import Testing
import _CLLNTestSupport

/// The numerical contract of the SPICE backend: it equals `ngspice -b` on its own netlist, and
/// the idealized solver wherever no transistor saturates. Options: the compiler's default
/// `.options gmin=1e-18 reltol=1e-6` and `is=0` on the `nmos-ideal` card remove the junction and
/// gmin leakage (~1e-9 V at ngspice's defaults) and tighten Newton's test, leaving < 1e-12 V;
/// the solver adds `pivtol=1e-25` (speed only).
@Suite(.serialized) struct SpiceAccuracyTests {
    static let presets = ["four-state", "navigation"]

    /// Random gates in [1, 5.5] (saturation included). Each compared solve follows a solve with
    /// other gates and inputs, so it runs on values changed in place; `ngspice -b` loads afresh.
    @Test(arguments: presets, GateStyle.allCasesForTests)
    func agreesWithNgspiceBatchMode(preset: String, gateStyle: GateStyle) throws {
        let t = TopologyPresets.named(preset)!
        let solver = try SpiceSolver(topology: t, options: .init(gateStyle: gateStyle))
        var rng = SeededGenerator(seed: 11)
        for state in [0, t.states.count - 1] {
            for clamped in [false, true] {
                let held = clamped
                    ? try t.clampedHeld(state: state, outputValues: t.outputs.map { _ in rng.uniform() })
                    : try t.freeHeld(state: state)
                _ = try solver.solve(parameters: randomGates(t, &rng), held: held)
                let gates = randomGates(t, &rng)
                let solution = try solver.solve(parameters: gates, held: held)
                let reference = try NgspiceBatch.operatingPoint(solver.netlist(parameters: gates, held: held))
                #expect(maxDifference(solution.voltages, reference) <= 1e-9, "\(preset) state \(state) clamped \(clamped)")
            }
        }
    }

    /// A card the per-edge threshold form cannot express (bulk tied to the source): the solver
    /// falls back to gate sources, and still equals `ngspice -b` — on its netlist with Newton's
    /// tolerances tightened (reltol 1e-12, abstol 1e-18, vntol 1e-15): at the netlist's reltol
    /// 1e-6, `ngspice -b`'s own `op` ends ~1.8e-8 V from that operating point on this card.
    @Test func cardsWithoutThresholdFormFallBackToGateSources() throws {
        let t = TopologyPresets.fourState
        let card = try ModelCard(
            name: "bulk-at-source", origin: "test",
            text: "*@ bulk=source\n.model {{model}} nmos level=1 vto={{vto}} kp={{kp}} gamma=0.4 lambda=0 is=0")
        let solver = try SpiceSolver(topology: t, model: card)
        #expect(solver.netlistOptions.gateStyle == .sources)
        #expect(throws: NetlistError.self) {
            try SpiceSolver(topology: t, model: card, options: .init(gateStyle: .thresholdPerEdge))
        }
        var rng = SeededGenerator(seed: 18)
        let held = try t.freeHeld(state: 2)
        _ = try solver.solve(parameters: randomGates(t, &rng), held: held)
        let gates = randomGates(t, &rng)
        let tight = SpiceSolver.batchSpiceOptions(
            solver.netlistOptions.spiceOptions, tolerances: ["reltol": "1e-12", "abstol": "1e-18", "vntol": "1e-15"])
        let referenceSolver = try SpiceSolver(topology: t, model: card, options: .init(spiceOptions: tight, sessions: false))
        let reference = try NgspiceBatch.operatingPoint(referenceSolver.netlist(parameters: gates, held: held))
        let difference = maxDifference(try solver.solve(parameters: gates, held: held).voltages, reference)
        #expect(difference <= 1e-9, "\(difference) V")
    }

    /// Bulk at the drain (`bulk=drain`, the edge's `a` end, as the published scikit-digits trainer
    /// wires its devices): a symmetric level-1 device is the same transistor whichever end the
    /// netlist calls its drain, so the network equals the one with every edge reversed and the
    /// bulk at the source (`b`, now the same node), to 1e-9 V, free and clamped. The bulk
    /// junctions keep IS = 1e-14 A, so they conduct where `a` rises above `b`.
    @Test func bulkAtTheDrainEqualsReversedEdgesWithBulkAtTheSource() throws {
        let t = TopologyPresets.fourState
        var reversed = t
        reversed.edges = t.edges.map { Edge($0.b, $0.a, element: $0.element) }
        let text = ".model {{model}} nmos level=1 vto={{vto}} kp={{kp}} gamma=1.09 phi=0.95 lambda=0.2"
        let drain = try SpiceSolver(topology: t, model: try ModelCard(name: "bulk-at-drain", origin: "test", text: "*@ bulk=drain\n" + text))
        let source = try SpiceSolver(
            topology: reversed, model: try ModelCard(name: "bulk-at-source", origin: "test", text: "*@ bulk=source\n" + text))
        #expect(drain.netlistOptions.gateStyle == .sources)
        let netlist = try drain.netlist(parameters: [Double](repeating: 2, count: t.edgeCount), held: try t.freeHeld(state: 0))
        let first = t.edges[0]
        #expect(netlist.text.contains("\(SpiceNames.mosfet(edge: 0)) \(SpiceNames.node(first.a)) \(SpiceNames.gateNode(edge: 0)) \(SpiceNames.node(first.b)) \(SpiceNames.node(first.a)) "))
        var rng = SeededGenerator(seed: 23)
        for trial in 0..<6 {
            let gates = randomGates(t, &rng)
            let held = try alternatingHeld(t, trial: trial, &rng)
            let a = try drain.solve(parameters: gates, held: held).voltages
            let b = try source.solve(parameters: gates, held: held).voltages
            #expect(maxDifference(a, b) <= 1e-9, "trial \(trial)")
        }
    }

    /// Cards that fix their `vto` and have body effect, channel-length modulation and series
    /// resistance (`ald1106`, `pyclln-ald1106`), bulk at ground: the per-edge threshold form
    /// (the default there) equals the gate-source form, free and clamped, on both presets, with
    /// gates changed in place, and equals `ngspice -b` on its own netlist.
    @Test(arguments: ["ald1106", "pyclln-ald1106"], presets)
    func thresholdFormIsExactWithBodyEffect(card name: String, preset: String) throws {
        let t = TopologyPresets.named(preset)!
        let card = try ModelCard.named(name)
        let threshold = try SpiceSolver(topology: t, model: card)
        let sources = try SpiceSolver(topology: t, model: card, options: .init(gateStyle: .sources))
        #expect(threshold.netlistOptions.gateStyle == .thresholdPerEdge)
        var rng = SeededGenerator(seed: 19)
        for trial in 0..<6 {
            let gates = randomGates(t, &rng)
            let held = try alternatingHeld(t, trial: trial, &rng)
            let a = try threshold.solve(parameters: gates, held: held).voltages
            #expect(maxDifference(a, try sources.solve(parameters: gates, held: held).voltages) <= 1e-9, "\(name) \(preset) \(trial)")
            if trial == 5 {
                #expect(maxDifference(a, try NgspiceBatch.operatingPoint(threshold.netlist(parameters: gates, held: held))) <= 1e-9)
            }
        }
    }

    /// Gates ≥ 2.5 V with every voltage in [0, 1] keep every channel in the triode region
    /// (U_G − V_T ≥ 1.8 V > max(Va, Vb)), where the level-1 MOSFET is the idealized edge.
    @Test(arguments: presets)
    func agreesWithTheIdealSolverWhereNothingSaturates(preset: String) throws {
        let t = TopologyPresets.named(preset)!
        let spice = try SpiceSolver(topology: t)
        let ideal = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 12)
        for _ in 0..<20 {
            let gates = randomGates(t, &rng, 2.5...5.5)
            let state = rng.index(t.states.count)
            let held = rng.uniform() < 0.5
                ? try t.freeHeld(state: state)
                : try t.clampedHeld(state: state, outputValues: t.outputs.map { _ in rng.uniform() })
            let solution = try spice.solve(parameters: gates, held: held)
            #expect(solution.saturatedEdges.isEmpty && solution.floorEdges.isEmpty)
            #expect(maxDifference(solution.voltages, try ideal.solve(parameters: gates, held: held).voltages) <= 1e-9)
        }
    }

    /// A larger circuit (the 256-node benchmark lattice), where ngspice's sparse ordering matters.
    @Test func agreesWithTheIdealSolverOnALargerLattice() throws {
        let t = try SpiceBenchmark.lattice(nodes: 256)
        let spice = try SpiceSolver(topology: t)
        let ideal = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 17)
        let gates = randomGates(t, &rng, 2.5...5.5)
        for held in [try t.freeHeld(state: 0), try t.clampedHeld(state: 3, outputValues: [0.2, 0.4, 0.6, 0.8])] {
            let solution = try spice.solve(parameters: gates, held: held)
            #expect(maxDifference(solution.voltages, try ideal.solve(parameters: gates, held: held).voltages) <= 1e-9)
        }
    }

    /// The default `pivtol=1e-25` (a speed fix) changes no result: compare with ngspice's default
    /// pivot threshold on random gates, saturation and cut-off included.
    @Test(arguments: presets)
    func pivotThresholdChangesNothing(preset: String) throws {
        let t = TopologyPresets.named(preset)!
        let model = try ModelCard.standard()
        let fast = try SpiceSolver(topology: t, model: model)
        let plain = try SpiceSolver(topology: t, model: model, options: .init(spiceOptions: NetlistOptions(model: model).spiceOptions))
        // With KLU (large networks only) the solver drops pivtol (Sparse only).
        #expect(fast.netlistOptions.spiceOptions.contains("pivtol=1e-25") == (fast.linearSolver == .sparse))
        var rng = SeededGenerator(seed: 16)
        for _ in 0..<20 {
            let gates = randomGates(t, &rng, 1...5.5)
            let held = try t.freeHeld(state: rng.index(t.states.count))
            let difference = maxDifference(
                try fast.solve(parameters: gates, held: held).voltages, try plain.solve(parameters: gates, held: held).voltages)
            #expect(difference <= 1e-12)
        }
    }

    /// Low gates saturate some channels: the backend lists them, and there the two models differ.
    @Test func reportsSaturatedEdges() throws {
        let t = TopologyPresets.fourState
        let spice = try SpiceSolver(topology: t)
        let ideal = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 13)
        let gates = randomGates(t, &rng, 1.2...1.8)
        let held = try t.freeHeld(state: 0)
        let solution = try spice.solve(parameters: gates, held: held)
        #expect(!solution.saturatedEdges.isEmpty)
        for e in solution.saturatedEdges {
            let (va, vb) = (solution.voltages[t.edges[e].a], solution.voltages[t.edges[e].b])
            let overdrive = gates[e] - t.device.thresholdVoltage
            #expect(min(va, vb) < overdrive && overdrive < max(va, vb))
        }
        #expect(maxDifference(solution.voltages, try ideal.solve(parameters: gates, held: held).voltages) > 1e-6)
    }

    /// Every update mode and gate style, switching between the free and clamped circuits with
    /// gates changing, gives the idealized solution (nothing saturates).
    @Test(arguments: SpiceUpdateMode.allCases, GateStyle.allCasesForTests)
    func switchingCircuitsKeepsEachCircuitsValues(updateMode: SpiceUpdateMode, gateStyle: GateStyle) throws {
        let t = TopologyPresets.fourState
        let spice = try SpiceSolver(topology: t, options: .init(gateStyle: gateStyle, updateMode: updateMode))
        let ideal = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 14)
        var gates = randomGates(t, &rng, 2.5...5.5)
        for step in 0..<12 {
            if step % 3 == 0 { gates[rng.index(t.edgeCount)] = rng.uniform(in: 2.5...5.5) }
            let state = rng.index(t.states.count)
            let held = step % 2 == 0
                ? try t.freeHeld(state: state)
                : try t.clampedHeld(state: state, outputValues: t.outputs.map { _ in rng.uniform() })
            let solution = try spice.solve(parameters: gates, held: held)
            #expect(maxDifference(solution.voltages, try ideal.solve(parameters: gates, held: held).voltages) <= 1e-9)
        }
    }

    @Test func removedEdgesLeaveTheCircuit() throws {
        let t = TopologyPresets.fourState
        let spice = try SpiceSolver(topology: t)
        let ideal = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 15)
        let gates = randomGates(t, &rng, 2.5...5.5)
        let held = try t.freeHeld(state: 1)
        _ = try spice.solve(parameters: gates, held: held)
        let removed: Set = [1, 6, 17, 30]
        try spice.removeEdges(removed)
        try ideal.removeEdges(removed)
        let solution = try spice.solve(parameters: gates, held: held)
        #expect(maxDifference(solution.voltages, try ideal.solve(parameters: gates, held: held).voltages) <= 1e-9)
        let transistors = try spice.netlist(parameters: gates, held: held).lines.filter { $0.hasPrefix("m") }
        #expect(transistors.count == t.edgeCount - removed.count)
    }
}

extension GateStyle {
    static let allCasesForTests: [GateStyle] = [.thresholdPerEdge, .sources]
}
