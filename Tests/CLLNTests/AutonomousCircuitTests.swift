import CLLN
import Foundation
import Testing

@Suite(.serialized) struct AutonomousCircuitTests {
    func circuit(_ task: AutonomousTask, _ change: (inout AutonomousSettings) -> Void = { _ in }) throws -> AutonomousCircuit {
        var s = AutonomousSettings.defaults(for: task)
        change(&s)
        return try AutonomousCircuit(task: task, settings: s, model: ModelCard.standard())
    }

    @Test(arguments: AutonomousTask.allCases)
    func shippedNetlistsMatchTheCompiler(task: AutonomousTask) throws {
        let file = repositoryRoot.appendingPathComponent("netlists/autonomous-\(task.rawValue).cir")
        let shipped = try String(contentsOf: file, encoding: .utf8)
        #expect(shipped == (try circuit(task)).netlist().text, "netlists/ drifted: run `make netlists`")
    }

    @Test func twinCopiesShareEachGateAndTheCellsChargeIt() throws {
        let c = try circuit(.xor)
        let lines = c.netlist().lines
        let t = c.supervised.topology
        for (e, edge) in t.edges.enumerated() {
            let free = lines.filter { $0.hasPrefix("xf\(e) ") }, clamped = lines.filter { $0.hasPrefix("xc\(e) ") }
            #expect(free.count == 1 && clamped.count == 1)
            // Both copies' edge e on the same gate node; its capacitor and learning cell there too.
            #expect(free[0].hasSuffix(" g\(e) clln_edge") && clamped[0].hasSuffix(" g\(e) clln_edge"))
            #expect(lines.contains("cg\(e) g\(e) 0 {cg}"))
            let (a, b) = (t.inputs.contains(edge.a) ? "in\(edge.a)" : "f\(edge.a)", t.inputs.contains(edge.b) ? "in\(edge.b)" : "f\(edge.b)")
            #expect(free[0] == "xf\(e) \(a) \(b) g\(e) clln_edge")
        }
        #expect(lines.contains(".subckt clln_edge a b g") && lines.contains(".subckt clln_learning_cell g fa fb ca cb en"))
        #expect(lines.contains("bd d 0 v = max(-dgc, min(dgc, alpha/eta*((v(fa)-v(fb))^2 - (v(ca)-v(cb))^2)))"))
        #expect(lines.contains(".param cg=1e-09 alpha=10.0 eta=0.5 dgc=0.1"))
        // Differential hinge clamp: the pair around its free mean.
        #expect(lines.contains("bclamp10 c10 0 v = (v(f10)+v(f0))/2 + v(nud0)/2"))
        #expect(lines.contains { $0.hasPrefix(".ic v(g0)=\(c.initialGates[0]) ") })
        // Initial gates as clln train xor --seed 0 draws trial 0's.
        var rng = SeededGenerator(seed: 0, stream: 0)
        #expect(c.initialGates == c.supervised.initialGates.draw(for: t, rng: &rng))
        let regression = try circuit(.regression).netlist().lines
        #expect(regression.contains("bclamp10 c10 0 v = v(f10) + eta*(v(lab0)-v(f10))"))
    }

    @Test func badValuesAreInputErrorsBeforeAnyWork() throws {
        #expect(throws: AutonomousCircuitError.unknownTask("iris")) { try AutonomousCircuit.task(named: "iris") }
        let bad: [(inout AutonomousSettings) -> Void] = [
            { $0.gateCapacitance = -1e-9 }, { $0.alpha = .nan }, { $0.eta = 1.5 }, { $0.learnTime = 0 }, { $0.settleTime = .infinity },
            { $0.epochs = 0 }, { $0.updateClip = -0.1 },
        ]
        for change in bad {
            #expect(throws: AutonomousCircuitError.self) { try circuit(.xor, change) }
            do { _ = try circuit(.xor, change) } catch { #expect(error is InputError) }
        }
    }

    /// Over the first example, each gate moves by the quasi-static rule's update from the same
    /// gates: (α/η)(ΔV_F² − ΔV_C²), the free and clamped phases solved by the SPICE solver on the
    /// same card (a short ramp and a small α, so the path integral equals the one-step rule).
    @Test func oneExampleMovesEachGateByTheRule() throws {
        let c = try circuit(.regression) {
            $0.epochs = 1
            $0.alpha = 0.5
            $0.updateClip = 1
            $0.settleTime = 1e-10
        }
        let (_, trace) = try AutonomousRunner.run(c)
        let end = c.trainingTime(epoch: 0, example: 0)
        let i = try #require(trace.times.firstIndex { abs($0 - end) < 1e-12 })
        let task = c.supervised
        let solver = try SpiceSolver(topology: task.topology, model: c.model)
        let example = task.train[0]
        let free = try solver.voltagesRetryingCold(
            parameters: c.initialGates, held: HeldNodes(nodes: task.topology.inputs, values: example.inputs), warmStart: nil)
        let clamps = try #require(SupervisedClamp.clampValues(
            freeNodes: task.topology.outputs.map { free[$0] }, labels: example.targets, eta: c.settings.eta, options: task.options))
        let clamped = try solver.voltagesRetryingCold(
            parameters: c.initialGates,
            held: HeldNodes(nodes: task.topology.inputs + task.topology.outputs, values: example.inputs + clamps), warmStart: free)
        var largest = 0.0
        for (e, edge) in task.topology.edges.enumerated() {
            let df = free[edge.a] - free[edge.b], dc = clamped[edge.a] - clamped[edge.b]
            let rule = c.settings.alpha / c.settings.eta * (df * df - dc * dc)
            largest = max(largest, abs(rule))
            #expect(abs((trace.gates[i][e] - c.initialGates[e]) - rule) <= 0.02 * abs(rule) + 1e-6, "edge \(e)")
        }
        #expect(largest > 1e-4)  // the example moves the gates
    }

    /// The circuit learns XOR in one transient (in process, 50 epochs).
    @Test func learnsXORInProcess() throws {
        let c = try circuit(.xor) { $0.epochs = 50 }
        let (result, trace) = try AutonomousRunner.run(c)
        #expect(result.correct == 4, "test outputs \(result.testOutputs)")
        #expect(abs(result.simulatedSeconds - c.stopTime) < 1e-9 * c.stopTime)
        #expect(result.finalGates != result.initialGates && !trace.times.isEmpty)
        #expect(result.finalGates.allSatisfy { (1.0 - 1e-3)...(5.5 + 1e-3) ~= $0 })
    }

    /// `ngspice -b` on the committed XOR netlist prints the learned result (skipped without the binary).
    @Test(.enabled(if: ngspiceOnPath)) func committedXORNetlistLearnsUnderNgspice() throws {
        let (_, log) = try ngspiceBatch(repositoryRoot.appendingPathComponent("netlists/autonomous-xor.cir"))
        #expect(log.contains("RESULT: learned xor (all 4 cases correct)"), "\(log.suffix(3000))")
    }
}

/// Whether an `ngspice` executable is on PATH.
let ngspiceOnPath: Bool = {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/ngspice")
    }
}()
