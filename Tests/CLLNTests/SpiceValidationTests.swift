import CLLN
import Foundation
import CLLNReport
import Testing

@Suite(.serialized) struct SpiceValidationTests {
    @Test func triodeCasesAgreeAndSaturationIsDetected() throws {
        let t = TopologyPresets.fourState
        let high = t.uniformParameters(gate: 5.5)  // U − V_T = 4.8 V above every node: all triode
        let low = t.uniformParameters(gate: 1.5)  // channels pinch off: saturation
        let report = try BackendComparison.run(
            topology: t, ideal: IdealSolver(topology: t), reference: SpiceSolver(topology: t, model: ModelCard.standard()),
            model: "nmos-ideal", samples: 0, seed: 1, extraGates: [high, low])
        #expect(report.cases == 16)
        #expect(report.unsaturated.count == 8 && report.unsaturated.maxAbsDiff <= 1e-6)
        #expect(report.saturated.count == 8 && report.saturated.maxAbsDiff > 1e-4)
        #expect(report.edgeSaturationFrequency.contains { $0 > 0 })
    }

    @Test func ald1106CardCompilesAndSolves() throws {
        let t = TopologyPresets.fourState
        let card = try ModelCard.named("ald1106")
        #expect(abs(card.aspectRatio - 138.0 / 7.8) < 1e-12)
        let v = try SpiceSolver(topology: t, model: card).solve(parameters: t.uniformParameters(gate: 3), held: t.freeHeld(state: 0)).voltages
        #expect(v.allSatisfy { (0...1).contains($0) })
        let ideal = try IdealSolver(topology: t).solve(parameters: t.uniformParameters(gate: 3), held: t.freeHeld(state: 0)).voltages
        #expect(zip(v, ideal).contains { abs($0 - $1) > 1e-4 })  // body effect and λ move the voltages
    }
}

@Suite(.serialized) struct MismatchTests {
    @Test func drawsAreReproducibleFromTheSeed() {
        let a = DeviceMismatch.draw(edgeCount: 32, sigmaThreshold: 0.02, sigmaGain: 0.1, seed: 4)
        #expect(a == DeviceMismatch.draw(edgeCount: 32, sigmaThreshold: 0.02, sigmaGain: 0.1, seed: 4))
        #expect(a != DeviceMismatch.draw(edgeCount: 32, sigmaThreshold: 0.02, sigmaGain: 0.1, seed: 5))
        let chip = ChipSpec(sigmaThreshold: 0.02, sigmaGain: 0.1, seed: 4, twin: true)
        #expect(chip.devices(edgeCount: 32, clamped: false) == a)
        #expect(chip.devices(edgeCount: 32, clamped: true) != a)  // the twin has its own devices
    }

    @Test(arguments: [GateStyle.sources, .thresholdPerEdge])
    func bothBackendsApplyTheSameMismatch(style: GateStyle) throws {
        let t = TopologyPresets.fourState
        let mismatch = DeviceMismatch.draw(edgeCount: t.edgeCount, sigmaThreshold: 0.05, sigmaGain: 0.2, seed: 9)
        let ideal = try IdealSolver(topology: t)
        ideal.mismatch = mismatch
        var options = SpiceSolver.Options(gateStyle: style)
        options.mismatch = mismatch
        let spice = try SpiceSolver(topology: t, model: ModelCard.standard(), options: options)
        let gates = t.uniformParameters(gate: 5)  // all triode
        let held = try t.freeHeld(state: 2)
        let a = try ideal.solve(parameters: gates, held: held).voltages
        let b = try spice.solve(parameters: gates, held: held).voltages
        let plain = try IdealSolver(topology: t).solve(parameters: gates, held: held).voltages
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(zip(a, plain).contains { abs($0 - $1) > 1e-3 })  // the mismatch matters
    }

    /// SPICE's diagnostics use each device's threshold too: a ΔV_T of +1.5 V puts the first
    /// transistor of a two-transistor divider (gates 3 V, ends at 1 V and 0 V) into saturation.
    @Test func spiceDiagnosticsFollowTheChipsThresholds() throws {
        let (a, b, c) = (Node("a"), Node("b"), Node("c"))
        let t = try Topology(name: "chain") {
            Mosfet(a, b)
            Mosfet(b, c)
            Input(a, c)
            State(1, 0)
        }
        var options = SpiceSolver.Options()
        options.mismatch = DeviceMismatch(thresholdOffsets: [1.5, 0], gainFactors: [1, 1])
        let chip = try SpiceSolver(topology: t, model: ModelCard.standard(), options: options)
        let plain = try SpiceSolver(topology: t, model: ModelCard.standard())
        let held = try t.freeHeld(state: 0)
        #expect(try plain.solve(parameters: [3, 3], held: held).saturatedEdges.isEmpty)
        #expect(try chip.solve(parameters: [3, 3], held: held).saturatedEdges == [0])
    }

    @Test func shortSpiceTrainingIsReproducible() throws {
        var e = ExperimentPresets.fourState
        e.config.steps = 600
        func run() throws -> TrialResult {
            var r = try QLearningTrainer(
                topology: e.topology, environment: e.environment, config: e.config,
                solver: SpiceSolver(topology: e.topology, model: ModelCard.standard())
            ).run(trial: 0, seed: 3)
            r.wallSeconds = 0
            return r
        }
        // Each run's solver runs its sessions on engines of its own, so the two runs make the same
        // sequence of ngspice calls: the same gates bit for bit.
        let (a, b) = (try run(), try run())
        #expect(a.policy == b.policy)
        #expect(a.finalGates == b.finalGates, "\(zip(a.finalGates, b.finalGates).map { abs($0 - $1) }.max()!)")
    }

    /// The trainer solves a batch's clamped phases together (one `dc` sweep on SPICE); training
    /// with them solved one `op` at a time must learn the same gates.
    @Test func batchedClampedPhasesTrainLikeSingleSolves() throws {
        var e = ExperimentPresets.navigation
        e.config.steps = 1000
        func run(_ solver: any EquilibriumSolver) throws -> TrialResult {
            try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config, solver: solver)
                .run(trial: 0, seed: 5)
        }
        let batched = try run(SpiceSolver(topology: e.topology))
        let single = try run(OneSolveAtATime(SpiceSolver(topology: e.topology)))
        #expect(batched.clampedSolves == 1000 && single.clampedSolves == 1000)
        #expect(batched.policy == single.policy)
        let worst = zip(batched.finalGates, single.finalGates).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-8, "gates differ by \(worst) V")
    }
}

/// A solver that hides its backend's batch path: batches are solved with single solves.
private final class OneSolveAtATime: EquilibriumSolver {
    let base: any EquilibriumSolver
    init(_ base: any EquilibriumSolver) { self.base = base }
    var topology: Topology { base.topology }
    var backendName: String { base.backendName }
    func solve(parameters: [Double], held: HeldNodes, warmStart: [Double]?) throws -> Equilibrium {
        try base.solve(parameters: parameters, held: held, warmStart: warmStart)
    }
    func removeEdges(_ edges: Set<Int>) throws { try base.removeEdges(edges) }
}
