@testable import CLLN
import Foundation
import Testing

/// The engine seam: which calls reach ngspice, and how failures surface.
@Suite(.serialized) struct SpiceEngineTests {
    @Test func solvesSendOnlyWhatChanged() throws {
        let engine = try SpiceTestEngines.tracing.get()
        let t = TopologyPresets.fourState
        let solver = try SpiceSolver(topology: t, options: .init(engine: engine, sessions: false))
        var gates = t.uniformParameters(gate: 2.5)

        let first = engine.trace { try? solver.solve(parameters: gates, held: t.freeHeld(state: 0)) }
        #expect(first.result != nil)
        guard case let .loadCircuit(title, _) = first.calls.first else {
            Issue.record("expected a load first, got \(first.calls)")
            return
        }
        #expect(title == "* clln netlist: four-state, held nodes [0, 2, 8, 10]")
        #expect(Array(first.calls.dropFirst()) == [.vectorInfo("@vh0[dc]"), .command("op"), .command("destroy all")])

        // s0 = (1,0,1,0) → s1 = (0,1,1,0): two held sources change, no gate does.
        let inputs = engine.trace { try? solver.solve(parameters: gates, held: t.freeHeld(state: 1)) }
        #expect(inputs.calls == [.command("alter vh0 = 0.0 ; alter vh2 = 1.0"), .command("op"), .command("destroy all")])

        gates[3] = 2.0
        let gate = engine.trace { try? solver.solve(parameters: gates, held: t.freeHeld(state: 1)) }
        #expect(gate.calls == [.command("altermod me3 vto = -1.3"), .command("op"), .command("destroy all")])

        // The clamped phase is a second circuit; returning to the free one selects it again.
        let clamped = engine.trace { try? solver.solve(parameters: gates, held: t.clampedHeld(state: 1, outputValues: [0.5, 0.5, 0.5, 0.5])) }
        #expect(clamped.calls.first.map { if case .loadCircuit = $0 { true } else { false } } == true)
        let back = engine.trace { try? solver.solve(parameters: gates, held: t.freeHeld(state: 1)) }
        #expect(back.calls == [.command("setcirc 2"), .command("op"), .command("destroy all")])
    }

    /// The session path: after a held-node set's first solve (load, `stop after 1`, the `dc`
    /// sweep's first point), each solve of it is one `step` on that session's engine, whatever
    /// changed (gates and held values are read from the solver during Newton), and the free and
    /// the clamped phase run on two engines of the solver's own: nothing else reaches ngspice.
    @Test func sessionsSendOneStepPerSolve() throws {
        let t = TopologyPresets.fourState
        let solver = try SpiceSolver(topology: t)
        #expect(solver.usesSessions)
        var gates = t.uniformParameters(gate: 2.5)
        let clamped = try t.clampedHeld(state: 1, outputValues: [0.5, 0.5, 0.5, 0.5])
        _ = try solver.solve(parameters: gates, held: t.freeHeld(state: 0))
        _ = try solver.solve(parameters: gates, held: clamped)
        let engines = solver.sessionEngines.map(\.engine)
        #expect(engines.count == 2 && engines[0] !== engines[1])
        let shared = try NgspiceEngine.shared()
        #expect(!engines.contains { $0 === shared })
        for (k, engine) in engines.enumerated() {
            gates[3] = 2.0 + 0.1 * Double(k)
            let held = k == 0 ? try t.freeHeld(state: 1) : clamped
            let traced = try engine.trace { try engines[1 - k].trace { try solver.solve(parameters: gates, held: held) } }
            #expect(traced.calls == [.command("step")], "engine \(k): \(traced.calls)")
            #expect(traced.result.calls.isEmpty, "the other session engine: \(traced.result.calls)")
        }
    }

    @Test func commandMemoryIsFreedPeriodically() throws {
        let engine = try SpiceTestEngines.tracing.get()
        let t = TopologyPresets.fourState
        let solver = try SpiceSolver(topology: t, options: .init(engine: engine, sessions: false))
        let gates = t.uniformParameters(gate: 3)
        let run = engine.trace {
            for i in 0..<400 { _ = try? solver.solve(parameters: gates, held: t.freeHeld(state: i % 4)) }
        }
        #expect(run.calls.contains(.freeCommandMemory))
        #expect(run.calls.filter { $0 == .command("op") }.count == 400)
    }

    /// A rejected netlist leaves the engine usable, and solvers loaded before it reload.
    @Test func rejectedNetlistThenGoodOne() throws {
        let t = TopologyPresets.fourState
        let held = try t.freeHeld(state: 2)
        let gates = t.uniformParameters(gate: 3)
        let earlier = try SpiceSolver(topology: t, options: .init(sessions: false))
        let expected = try earlier.solve(parameters: gates, held: held).voltages

        let typo = try ModelCard(name: "typo", origin: "test", text: ".model {{model}} nmox level=1 vto={{vto}} kp={{kp}}")
        let broken = try SpiceSolver(topology: t, model: typo)
        #expect {
            try broken.solve(parameters: gates, held: held)
        } throws: { error in
            guard case let SpiceError.netlistRejected(line, _) = error else { return false }
            return line.hasPrefix("m0 ")
        }
        #expect(try earlier.solve(parameters: gates, held: held).voltages == expected)
        #expect(try SpiceSolver(topology: t, options: .init(sessions: false)).solve(parameters: gates, held: held).voltages == expected)
    }

    /// A voltage source in parallel with a held node has no operating point.
    @Test func noConvergenceIsReportedAndRecoverable() throws {
        let t = TopologyPresets.fourState
        let card = try ModelCard.standard()
        let shorted = try ModelCard(name: "shorted", origin: "test", text: card.text + "\nvshort n0 0 dc 0.25")
        let solver = try SpiceSolver(topology: t, model: shorted, options: .init(gateStyle: .sources))
        let gates = t.uniformParameters(gate: 3)
        #expect {
            try solver.solve(parameters: gates, held: t.freeHeld(state: 0))
        } throws: { error in
            if case SpiceError.noConvergence = error { true } else { false }
        }
        #expect(try SpiceSolver(topology: t).solve(parameters: gates, held: t.freeHeld(state: 0)).voltages[0] == 1)
    }

    /// A fatal netlist error (an `.include` of a missing file) makes ngspice call ControlledExit
    /// and fail the call. With `ngSpice_Reset` (ngspice ≥ 44) the engine resets the library and
    /// the solvers reload their circuits at the next solve, with the same results; without it
    /// every later call fails cleanly, as always after `quit`. Also: initialization (and
    /// re-initialization) leaves the process's SIGINT handler in place.
    @Test func controlledExitResetsOrMakesTheEngineUnrecoverable() throws {
        let previous = signal(SIGINT, SIG_IGN)
        defer { signal(SIGINT, previous) }
        let engine = try NgspiceEngine.isolatedCopy()
        let ignoresSIGINT = { unsafeBitCast(signal(SIGINT, SIG_IGN), to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) }
        #expect(ignoresSIGINT())
        print("ngspice \(engine.version): ngSpice_Reset \(engine.recoversFromExit ? "present: the engine recovers from a fatal error" : "absent: ControlledExit is final")")

        let t = TopologyPresets.fourState
        let solver = try SpiceSolver(topology: t, options: .init(engine: engine, sessions: false))
        let gates = t.uniformParameters(gate: 3)
        let before = try solver.solve(parameters: gates, held: t.freeHeld(state: 1)).voltages
        _ = try solver.solve(parameters: gates, held: t.freeHeld(state: 0))
        let card = try ModelCard.standard()
        let missingInclude = try ModelCard(name: "missing-include", origin: "test", text: card.text + "\n.include /nonexistent/clln-missing.lib")
        let broken = try SpiceSolver(topology: t, model: missingInclude, options: .init(engine: engine, sessions: false))
        let isUnrecoverable = { (error: any Error) in
            if case SpiceError.engineUnrecoverable = error { true } else { false }
        }
        let failed = engine.trace { Result { try broken.solve(parameters: gates, held: t.freeHeld(state: 0)) } }
        guard engine.recoversFromExit else {
            #expect(throws: Never.self) { () throws -> Void in
                guard case .failure(SpiceError.engineUnrecoverable) = failed.result else { throw Unexpected(result: "\(failed.result)") }
            }
            #expect(performing: { try solver.solve(parameters: gates, held: t.freeHeld(state: 1)) }, throws: isUnrecoverable)
            return
        }
        #expect(throws: Never.self) { () throws -> Void in
            guard case .failure(SpiceError.engineReset) = failed.result else { throw Unexpected(result: "\(failed.result)") }
        }
        #expect(failed.calls.contains(.reset) && failed.calls.last == .command("set norefvalue"))
        #expect(ignoresSIGINT())
        // The solver's circuits went with the reset: it loads its netlist again, same result.
        let again = try engine.trace { try solver.solve(parameters: gates, held: t.freeHeld(state: 1)) }
        #expect(again.calls.first.map { if case .loadCircuit = $0 { true } else { false } } == true)
        #expect(again.result.voltages == before)

        // `quit` frees ngspice's state: no reset, every later call fails cleanly.
        #expect(performing: { try engine.execute("quit") }, throws: isUnrecoverable)
        #expect(performing: { try solver.solve(parameters: gates, held: t.freeHeld(state: 1)) }, throws: isUnrecoverable)
        #expect(performing: { try engine.execute("echo still there?") }, throws: isUnrecoverable)
    }

    private struct Unexpected: Error { var result: String }

    @Test func missingLibraryNamesTheInstallCommand() {
        #expect {
            try NgspiceEngine(libraryPath: "/nonexistent/libngspice.so.0")
        } throws: { error in
            guard case SpiceError.libraryMissing = error else { return false }
            return "\(error)".contains("apt-get install -y libngspice0-dev")
        }
    }

    @Test func reportsVersionAndModel() throws {
        let solver = try SpiceSolver(topology: TopologyPresets.navigation)
        #expect(solver.backendName == "spice")
        #expect(!solver.ngspiceVersion.isEmpty && solver.ngspiceVersion != "unknown")
        #expect(solver.modelName == ModelCard.defaultName)
        #expect(solver.netlistOptions.gateStyle == .thresholdPerEdge)
    }
}
