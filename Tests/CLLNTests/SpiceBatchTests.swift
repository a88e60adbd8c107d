import CLLN
import Foundation
import Testing
import _CLLNTestSupport

/// Batches of solves under the same gates: SPICE runs them as the points of one `dc` sweep with
/// `external` held sources; every other backend loops over single solves. Contract: a batch
/// equals the single solves within 1e-9 V.
@Suite(.serialized) struct SpiceBatchTests {
    /// Every state of the preset as one batch, free and clamped phases, gates in [1, 5.5]
    /// (saturation and cut-off included). Several gate draws on one solver, so later batches run
    /// on gates changed in place (`altermod`) in the loaded batch circuit.
    @Test(arguments: SpiceAccuracyTests.presets)
    func batchEqualsSingleSolves(preset: String) throws {
        let t = TopologyPresets.named(preset)!
        let solver = try SpiceSolver(topology: t)
        var rng = SeededGenerator(seed: 31)
        var worst = 0.0
        for _ in 0..<5 {
            let gates = randomGates(t, &rng)
            for clamped in [false, true] {
                let held = try t.states.indices.map { state in
                    clamped
                        ? try t.clampedHeld(state: state, outputValues: t.outputs.map { _ in rng.uniform() })
                        : try t.freeHeld(state: state)
                }
                let batch = try solver.solveBatch(parameters: gates, held: held, warmStarts: [])
                #expect(batch.count == held.count)
                for (solution, problem) in zip(batch, held) {
                    let single = try solver.solve(parameters: gates, held: problem)
                    worst = max(worst, maxDifference(solution.voltages, single.voltages))
                    #expect(solution.saturatedEdges == single.saturatedEdges)
                }
            }
        }
        #expect(worst <= 1e-9, "\(preset): batch vs single solves \(worst) V")
    }

    /// Gates at 2.5 V keep every channel in triode, where SPICE equals the idealized model.
    @Test func batchEqualsTheIdealSolverWithoutSaturation() throws {
        let t = TopologyPresets.fourState
        let spice = try SpiceSolver(topology: t)
        let ideal = try IdealSolver(topology: t)
        let gates = t.uniformParameters(gate: 2.5)
        let held = try t.states.indices.map { try t.freeHeld(state: $0) }
        let batch = try spice.solveBatch(parameters: gates, held: held, warmStarts: [])
        for (solution, problem) in zip(batch, held) {
            #expect(solution.saturatedEdges.isEmpty && solution.floorEdges.isEmpty)
            #expect(maxDifference(solution.voltages, try ideal.solve(parameters: gates, held: problem).voltages) <= 1e-9)
        }
    }

    /// The default batch (the ideal solver's) equals single solves to the solver's tolerance.
    @Test func defaultBatchLoopsOverSingleSolves() throws {
        let t = TopologyPresets.navigation
        let ideal = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: 32)
        let gates = randomGates(t, &rng)
        let held = try t.states.indices.map { try t.freeHeld(state: $0) }
        let batch = try ideal.solveBatch(parameters: gates, held: held, warmStarts: [])
        for (solution, problem) in zip(batch, held) {
            #expect(maxDifference(solution.voltages, try ideal.solve(parameters: gates, held: problem).voltages) <= 1e-11)
        }
    }

    /// What a batch sends: gates by `altermod`, no held values (the engine supplies them), one
    /// `dc` sweep; a batch of one is a single solve (here on the `op` path).
    @Test func batchRunsOneSweep() throws {
        let engine = try SpiceTestEngines.tracing.get()
        let t = TopologyPresets.fourState
        let solver = try SpiceSolver(topology: t, options: .init(engine: engine, sessions: false))
        var gates = t.uniformParameters(gate: 2.5)
        let held = try t.states.indices.map { try t.freeHeld(state: $0) }
        let first = engine.trace { try? solver.solveBatch(parameters: gates, held: held, warmStarts: []) }
        #expect(first.result?.count == 4)
        #expect(first.calls.first.map { if case .loadCircuit = $0 { true } else { false } } == true)
        #expect(Array(first.calls.dropFirst()) == [.vectorInfo("@vsw[dc]"), .command("dc vsw 0 3 1"), .command("destroy all")])

        gates[3] = 2.0
        let again = engine.trace { try? solver.solveBatch(parameters: gates, held: held, warmStarts: []) }
        #expect(again.calls == [.command("altermod me3 vto = -1.3"), .command("dc vsw 0 3 1"), .command("destroy all")])

        let single = engine.trace { try? solver.solveBatch(parameters: gates, held: [held[1]], warmStarts: []) }
        #expect(single.calls.contains(.command("op")) && !single.calls.contains { "\($0)".contains("dc vsw") })
    }

    /// Batches longer than a sweep's limit run as several sweeps of equal length.
    @Test func longBatchesRunAsSeveralSweeps() throws {
        let engine = try SpiceTestEngines.tracing.get()
        let t = TopologyPresets.fourState
        let solver = try SpiceSolver(topology: t, options: .init(engine: engine))
        var rng = SeededGenerator(seed: 33)
        let gates = randomGates(t, &rng)
        let held = try (0..<1001).map { i in
            HeldNodes(nodes: t.inputs, values: try t.freeHeld(state: i % t.states.count).values.map { $0 * rng.uniform() })
        }
        let run = try engine.trace { try solver.solveBatch(parameters: gates, held: held, warmStarts: []) }
        #expect(run.calls.filter { if case let .command(text) = $0 { text.hasPrefix("dc ") } else { false } }
            == [.command("dc vsw 0 499 1"), .command("dc vsw 0 500 1")])
        for k in [0, 500, 501, 1000] {
            #expect(maxDifference(run.result[k].voltages, try solver.solve(parameters: gates, held: held[k]).voltages) <= 1e-9)
        }
    }

    /// A non-finite held value is a typed error before any SPICE call; the engine and the batch
    /// circuit keep working.
    @Test func nonFiniteHeldValueIsATypedError() throws {
        let t = TopologyPresets.fourState
        let solver = try SpiceSolver(topology: t)
        let gates = t.uniformParameters(gate: 3)
        var held = try t.states.indices.map { try t.freeHeld(state: $0) }
        let expected = try solver.solveBatch(parameters: gates, held: held, warmStarts: [])
        held[2].values[1] = .nan
        #expect(throws: SolverError.nonFiniteInput("the voltage held at node \(t.inputs[1])")) {
            try solver.solveBatch(parameters: gates, held: held, warmStarts: [])
        }
        held[2] = try t.freeHeld(state: 2)
        #expect(try solver.solveBatch(parameters: gates, held: held, warmStarts: []).map(\.voltages) == expected.map(\.voltages))
    }

    /// A batch whose circuit has no operating point (a source shorts a held node) stops at its
    /// first point: a typed error with ngspice's log; other solvers keep working.
    @Test func sweepWithoutOperatingPointIsReported() throws {
        let t = TopologyPresets.fourState
        let card = try ModelCard.standard()
        let shorted = try ModelCard(name: "shorted", origin: "test", text: card.text + "\nvshort n0 0 dc 0.25")
        let solver = try SpiceSolver(topology: t, model: shorted, options: .init(gateStyle: .sources))
        let gates = t.uniformParameters(gate: 3)
        let held = try t.states.indices.map { try t.freeHeld(state: $0) }
        #expect {
            try solver.solveBatch(parameters: gates, held: held, warmStarts: [])
        } throws: { error in
            guard case let SpiceError.sweepStopped(completed, count, _) = error else { return false }
            return completed == 0 && count == 4
        }
        let healthy = try SpiceSolver(topology: t)
        #expect(try healthy.solveBatch(parameters: gates, held: held, warmStarts: [])[0].voltages[0] == 1)
    }

    /// The supervised evaluation (one batch per data set) gives the outputs of single solves.
    @Test func supervisedEvaluationEqualsSingleSolves() throws {
        let task = try SupervisedTasks.iris()
        let t = task.topology
        let solver = try SpiceSolver(topology: t)
        let trainer = try SupervisedTrainer(topology: t, rule: task.rule, solver: solver, options: task.options)
        var rng = SeededGenerator(seed: 34)
        let gates = task.initialGates.draw(for: t, rng: &rng)
        var warmStarts: [[Double]?] = []
        let outputs = try trainer.outputs(for: task.train, parameters: gates, warmStarts: &warmStarts)
        #expect(trainer.freeSolves == task.train.count && warmStarts.count == task.train.count)
        var worst = 0.0
        for (example, output) in zip(task.train, outputs) {
            let single = try solver.solve(parameters: gates, held: HeldNodes(nodes: t.inputs, values: example.inputs))
            let expected = SupervisedClamp.logicalOutputs(nodes: t.outputs.map { single.voltages[$0] }, differential: task.options.differential)
            worst = max(worst, maxDifference(output, expected))
        }
        #expect(worst <= 1e-9, "iris evaluation: batch vs single solves \(worst) V")
    }

    /// Every backend rejects a batch that mixes held-node sets, or has the wrong number of warm starts.
    @Test func batchesShareOneHeldNodeSet() throws {
        let t = TopologyPresets.fourState
        let gates = t.uniformParameters(gate: 3)
        let mixed = [try t.freeHeld(state: 0), try t.clampedHeld(state: 0, outputValues: [0.5, 0.5, 0.5, 0.5])]
        let solvers: [any EquilibriumSolver] = [try SpiceSolver(topology: t), try IdealSolver(topology: t)]
        for solver in solvers {
            #expect(throws: SolverError.batchMixesHeldNodes(problem: 1, nodes: mixed[1].nodes, expected: mixed[0].nodes)) {
                try solver.solveBatch(parameters: gates, held: mixed, warmStarts: [])
            }
            #expect(throws: SolverError.batchWarmStartCount(warmStarts: 1, problems: 2)) {
                try solver.solveBatch(parameters: gates, held: [mixed[0], mixed[0]], warmStarts: [nil])
            }
        }
    }
}
