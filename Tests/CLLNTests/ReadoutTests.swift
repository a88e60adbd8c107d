import CLLN
import Foundation
import Testing

@Suite struct ReadoutTests {
    /// Free outputs with mean 0.5 and a spread of √(0.0866…).
    let free = [0.2, 0.4, 0.9]

    @Test func groupClampsMoveQByEtaTowardTheTarget() {
        for readout in [Readout.arq, .mean, .variance] {
            for target in [0.0, 0.05, 0.3, 1.2] {
                let q = readout.value(outputs: free)
                let clamped = readout.clampedOutputs(free: free, action: 1, target: target, eta: 0.1)
                #expect(abs(readout.value(outputs: clamped) - (0.9 * q + 0.1 * target)) < 1e-12, "\(readout) T \(target)")
                // The deviations about the mean keep their direction (arq, variance) or the mean its offset (mean).
                #expect(abs(clamped.reduce(0, +) / 3 - (readout == .mean ? 0.9 * q + 0.1 * target : 0.5)) < 1e-12)
            }
        }
        // By hand: Q = RMS = √(((−0.3)² + (−0.1)² + 0.4²)/3) = √(0.26/3); T = 0 scales deviations by 1 − η.
        #expect(abs(Readout.arq.value(outputs: free) - (0.26 / 3).squareRoot()) < 1e-15)
        let shrunk = Readout.arq.clampedOutputs(free: free, action: 0, target: 0, eta: 0.1)
        #expect(zip(shrunk, [0.23, 0.41, 0.86]).allSatisfy { abs($0 - $1) < 1e-15 })
    }

    @Test func gainAndOffsetMapTheStatisticToQ() {
        // Q = g·S + b; the clamp still moves Q to (1 − η)·Q + η·T, so S moves to (Q' − b)/g.
        for readout in [Readout.arq, .mean, .variance] {
            for target in [0.45, 0.6, 1.2] {
                let q = readout.value(outputs: free, gain: 2, offset: 0.4)
                #expect(abs(q - (2 * readout.statistic(outputs: free) + 0.4)) < 1e-15)
                let clamped = readout.clampedOutputs(free: free, action: 1, target: target, eta: 0.1, gain: 2, offset: 0.4)
                #expect(abs(readout.value(outputs: clamped, gain: 2, offset: 0.4) - (0.9 * q + 0.1 * target)) < 1e-12, "\(readout) T \(target)")
            }
        }
        // A target below the offset asks for a negative spread: arq clamps every output to the mean.
        #expect(Readout.arq.clampedOutputs(free: free, action: 0, target: -5, eta: 0.5, gain: 1, offset: 0.4)
            .allSatisfy { abs($0 - 0.5) < 1e-15 })
    }

    @Test func actionCodes() {
        let binary = ActionConditioning(code: .binary, onVoltage: 0.2, offVoltage: -0.2)
        #expect([1, 2, 3, 4, 5, 8, 9].map { binary.inputCount(actions: $0) } == [1, 1, 2, 2, 3, 3, 4])
        #expect((0..<4).map { binary.voltages(of: $0, actions: 4) } == [[-0.2, -0.2], [0.2, -0.2], [-0.2, 0.2], [0.2, 0.2]])
        #expect(binary.inputs(state: [1, 0.5, 0, 0], action: 1, actions: 4) == [1, 0.5, 0.2, -0.2])
        let oneHot = ActionConditioning(onVoltage: 0.1)
        #expect(oneHot.inputCount(actions: 4) == 4 && oneHot.voltages(of: 3, actions: 4) == [0, 0, 0, 0.1])
    }

    @Test func actionCodeAndWiringShapeTheNetwork() throws {
        var base = ExperimentPresets.navigation
        base.config.actionConditioning = ActionConditioning(code: .binary)
        let binary = try base.withReadout(.arq)
        try binary.validate()
        // Two action nodes (⌈log₂ 4⌉), each wired like one of the first two inputs (4 hidden neighbours).
        #expect(binary.topology.nodeCount == 17 && binary.topology.inputs.suffix(2) == [15, 16])
        #expect(binary.topology.edgeCount == base.topology.edgeCount + 8)
        base.config.actionConditioning = ActionConditioning(wiring: .outputs)
        let toOutputs = try base.withReadout(.arq).topology
        let added = toOutputs.edges.dropFirst(base.topology.edgeCount)
        #expect(added.count == 16 && Set(added.map(\.b)) == Set(base.topology.outputs) && Set(added.map(\.a)) == [15, 16, 17, 18])
    }

    @Test func conditioningSettingsAreValidated() throws {
        var e = try ExperimentPresets.fourState.withReadout(.arq)
        for bad in [ActionConditioning(onVoltage: .nan), ActionConditioning(onVoltage: 0), ActionConditioning(offVoltage: -20),
                    ActionConditioning(gain: 0), ActionConditioning(offset: .infinity)] {
            e.config.actionConditioning = bad
            #expect(throws: LearningError.self) { try e.validate() }
        }
        // The settings belong to group readouts only.
        var perAction = ExperimentPresets.fourState
        perAction.config.actionConditioning = .standard
        #expect(throws: LearningError.self) { try perAction.validate() }
    }

    @Test func unreachableSpreadsAndPerActionClamp() {
        // A nudged spread below 0 clamps every output to the mean; a spread of 0 cannot be scaled.
        #expect(Readout.arq.clampedOutputs(free: free, action: 0, target: -10, eta: 0.5).allSatisfy { abs($0 - 0.5) < 1e-15 })
        #expect(Readout.variance.clampedOutputs(free: [0.3, 0.3], action: 0, target: 1, eta: 0.1) == [0.3, 0.3])
        // Per-action: only the taken action's output moves, to (1 − η)·F + η·T.
        #expect(Readout.perAction.clampedOutputs(free: free, action: 2, target: 0.5, eta: 0.1) == [0.2, 0.4, 0.9 * 0.9 + 0.1 * 0.5])
    }

    @Test func actionConditionedNetworkCopiesTheInputsWiring() throws {
        let base = ExperimentPresets.fourState
        let e = try base.withReadout(.arq)
        let t = e.topology
        try t.validate()
        #expect(t.nodeCount == 20 && t.inputs == [0, 2, 8, 10, 16, 17, 18, 19] && t.outputs == base.topology.outputs)
        #expect(t.edgeCount == 32 + 16 && Array(t.edges.prefix(32)) == base.topology.edges)
        #expect(Set(t.edges.filter { $0.a == 16 }.map(\.b)) == Set(base.topology.edges.filter { $0.a == 0 || $0.b == 0 }.map { $0.a == 0 ? $0.b : $0.a }))
        #expect(t.states[1] == [0, 1, 1, 0, 0, 0, 0, 0])
        #expect(ActionConditioning.standard.inputs(state: t.states[1], action: 2, actions: 4) == [0, 1, 1, 0, 0, 0, 1, 0])
        #expect(try e.withReadout(.arq).topology == t)
        #expect(throws: LearningError.self) { try e.withReadout(.mean) }
        var quirk = e
        quirk.config.referenceQuirk = true
        #expect(throws: LearningError.self) { try quirk.validate() }
    }

    /// Trial 1 of `clln train four-state --readout arq` (seed 0, the preset's 100,000 steps).
    @Test func arqLearnsTheBestFourStatePolicy() throws {
        let e = try ExperimentPresets.fourState.withReadout(.arq)
        let result = try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config,
                                          solver: IdealSolver(topology: e.topology)).run(trial: 1, seed: 0)
        #expect(result.policy == [2, 0, 3, 1], "\(result.policy)")
        #expect(result.freeSolves > 0 && result.finalOutputs.allSatisfy { $0.count == 4 && $0.allSatisfy { $0 >= 0 } })
    }

    /// The per-action readout is the paper's trainer unchanged: trial 0 of `clln train four-state`
    /// (seed 0) ends on the gates the trainer produced before readouts existed (its gates.csv, last row).
    @Test func perActionIsUnchanged() throws {
        let e = try ExperimentPresets.fourState.withReadout(.perAction)
        #expect(e.config.readout == nil && e.topology == ExperimentPresets.fourState.topology)
        let result = try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config,
                                          solver: IdealSolver(topology: e.topology)).run(trial: 0, seed: 0)
        #expect(result.curve.last?.step == 99_998)
        #expect(result.curve.last?.gates == [1.0016335873167492, 1.0597855022661284, 1.6823224164942518, 1.208885690779209, 1.6844752291756677, 1.2697222153473586, 1.4667840405294308, 1.3211301181965125, 1.4745101799442342, 1.0004069227355625, 1.1470970918037628, 1.3536755839099175, 1.4669567846594564, 1.40397782459317, 1.4760698042186358, 1.7440942493505762, 1.078686060280609, 1.6890095621109615, 1.7551195513244215, 1.0518243400143144, 1.0876906814770568, 1.6309620098888713, 1.308145069837396, 1.0049010206674145, 1.4172925350458536, 1.488093239472948, 1.2524977069437244, 1.455008617854673, 1.011292465052058, 1.7483213349468363, 1.2647652166328915, 1.6308735150529663])
    }

    /// Trial 1 of `clln train four-state --readout arq --readout-gain 2 --gamma 0.8 --alpha 1` (seed 0),
    /// the tuned setting of the README, on the preset's 100,000 steps.
    @Test func tunedArqLearnsTheBestFourStatePolicy() throws {
        var base = ExperimentPresets.fourState
        base.config.actionConditioning = ActionConditioning(gain: 2)
        base.config.gamma = 0.8
        base.config.rule.alpha = 1
        let e = try base.withReadout(.arq)
        let result = try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config,
                                          solver: IdealSolver(topology: e.topology)).run(trial: 1, seed: 0)
        #expect(result.policy == [2, 0, 3, 1], "\(result.policy)")
    }

    @Test func cliRejectsBadReadouts() throws {
        #expect(try clln(["train", "four-state", "--readout", "rms", "--trials", "1"]).status == 64)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clln-readout-\(UUID().uuidString).yaml")
        try "preset: four-state\nreadout: rms\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(try clln(["train", url.path, "--trials", "1"]).status == 65)
        try "preset: four-state\nreadout: arq\nreference_quirk: true\n".write(to: url, atomically: true, encoding: .utf8)
        let quirk = try clln(["train", url.path, "--trials", "1"])
        #expect(quirk.status == 65 && quirk.err.contains("reference_quirk"), "\(quirk.err)")
    }
}
