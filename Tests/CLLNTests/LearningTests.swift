import CLLN
import CLLNRuns
import CLLNReport
import Foundation
import Testing

@Suite struct LocalRuleTests {
    let rule = CoupledLearningRule(alpha: 0.3, eta: 0.1, batchSize: 2, updateClip: 0.1)
    let single = Topology(name: "one", nodeCount: 2, edges: [Edge(0, 1)], inputs: [0, 1], states: [[1, 0]])

    @Test func singleEdgeMatchesHandComputation() {
        var acc = LocalRuleAccumulator(edgeCount: 1)
        // ΔV_free = 0.8 − 0.2 = 0.6, ΔV_clamped = 0.7 − 0.2 = 0.5: (0.3/0.1)·(0.36 − 0.25) = 0.33.
        acc.accumulate(topology: single, parameters: [2], free: [0.8, 0.2], clamped: [0.7, 0.2], rule: rule)
        #expect(abs(acc.pending[0] - 0.33) < 1e-15)
    }

    @Test func referenceWeightsEachStepByOneOverTheStateCount() {
        // The reference code multiplies every update by MULTS**MXP = (1/TRA)^1: α/S per step.
        var weighted = LocalRuleAccumulator(edgeCount: 1)
        weighted.accumulate(
            topology: single, parameters: [2], free: [0.8, 0.2], clamped: [0.7, 0.2], rule: rule, weight: 0.25)
        #expect(abs(weighted.pending[0] - 0.0825) < 1e-15)
        for preset in [ExperimentPresets.fourState, ExperimentPresets.navigation] {
            #expect(preset.config.stateWeightExponent == 1)
        }
        #expect(ExperimentPresets.fourState.config.stepWeight(stateCount: 4) == 0.25)
        #expect(abs(ExperimentPresets.navigation.config.stepWeight(stateCount: 9) - 1.0 / 9) < 1e-16)
        var literal = ExperimentPresets.navigation.config
        literal.stateWeightExponent = 0
        #expect(literal.stepWeight(stateCount: 9) == 1)
    }

    @Test func batchClipsEachEdgeThenTheGate() {
        let t = Topology(name: "two", nodeCount: 3, edges: [Edge(0, 1), Edge(1, 2)], inputs: [0, 2], states: [[1, 0]])
        var acc = LocalRuleAccumulator(edgeCount: 2)
        // Edge 0: ΔV 0.5 → 0.45 twice: 2 · 3 · (0.25 − 0.2025) = 0.285 → clipped to +0.1.
        // Edge 1: ΔV 0.5 → 0.55 twice: 2 · 3 · (0.25 − 0.3025) = −0.315 → clipped to −0.1.
        for _ in 0..<2 {
            acc.accumulate(topology: t, parameters: [5.45, 1.05], free: [1, 0.5, 0], clamped: [1, 0.55, 0], rule: rule)
        }
        #expect(abs(acc.pending[0] - 0.285) < 1e-12 && abs(acc.pending[1] + 0.315) < 1e-12)
        var gates = [5.45, 1.05]
        acc.apply(to: &gates, topology: t, rule: rule)
        #expect(gates == [5.5, 1.0])  // +0.1 capped at GMX, −0.1 capped at GMN
        #expect(acc.pending == [0, 0] && acc.steps == 0)
    }

    @Test func smallNudgeLowersTheCost() throws {
        // Physics: one small coupled-learning step moves the free output toward the label.
        var rng = SeededGenerator(seed: 11)
        let t = TopologyPresets.fourState
        let solver = try IdealSolver(topology: t)
        var improved = 0
        for _ in 0..<20 {
            var gates = randomGates(t, &rng, 2...4)
            let labels = t.outputs.map { _ in rng.uniform(in: 0.2...0.8) }
            let held = try t.freeHeld(state: rng.index(4))
            let cost = { (g: [Double]) throws -> Double in
                let v = try solver.solve(parameters: g, held: held).voltages
                return zip(t.outputs, labels).map { 0.5 * pow(v[$0] - $1, 2) }.reduce(0, +)
            }
            let before = try cost(gates)
            let small = CoupledLearningRule(alpha: 0.01, eta: 0.01, batchSize: 1, updateClip: 1)
            let free = try solver.solve(parameters: gates, held: held).voltages
            let clamps = small.clampValues(free: t.outputs.map { free[$0] }, labels: labels)
            let clamped = try solver.solve(parameters: gates, held: t.clampedHeld(state: 0, outputValues: clamps).replacingInputs(held))
            var acc = LocalRuleAccumulator(edgeCount: t.edgeCount)
            acc.accumulate(topology: t, parameters: gates, free: free, clamped: clamped.voltages, rule: small)
            acc.apply(to: &gates, topology: t, rule: small)
            if try cost(gates) < before { improved += 1 }
        }
        #expect(improved == 20)
    }
}

extension HeldNodes {
    /// The same held nodes with the first inputs' values taken from `inputs`.
    func replacingInputs(_ inputs: HeldNodes) -> HeldNodes {
        var copy = self
        for i in inputs.values.indices { copy.values[i] = inputs.values[i] }
        return copy
    }
}

@Suite struct QLearningTests {
    @Test func meanNormalizedTarget() {
        // R + γ (max − mean): 0.1 + 0.5 · (0.4 − 0.25) = 0.175.
        #expect(abs(QLearningTrainer.target(reward: 0.1, nextOutputs: [0.1, 0.4, 0.2, 0.3], gamma: 0.5) - 0.175) < 1e-15)
    }

    @Test func epsilonFallsLinearly() {
        let c = ExperimentPresets.fourState.config
        #expect(c.epsilon(at: 0) == 0.05 && c.epsilon(at: 100_000) == 0 && abs(c.epsilon(at: 50_000) - 0.025) < 1e-15)
    }

    @Test func measurementStepsMatchTheReference() {
        #expect(ExperimentPresets.fourState.config.measurementSteps.count == 176)
        #expect(ExperimentPresets.navigation.config.measurementSteps.count == 38)
        #expect(ExperimentPresets.fourState.config.measurementSteps.first == 0)
    }

    @Test func exactRewardsOfHandCheckedPolicies() throws {
        let env = TableEnvironment.fourState
        #expect(abs(env.exactAverageReward(policy: [2, 0, 3, 1]) - 0.184659) < 1e-6)
        #expect(abs(env.exactAverageReward(policy: [2, 0, 1, 0]) - 0.179645) < 1e-6)
        #expect(abs(env.exactAverageReward(policy: [0, 0, 0, 0]) + 0.074977) < 1e-6)
        let extremes = try #require(env.enumeratePolicies())
        #expect(extremes.bestPolicy == [2, 0, 3, 1] && extremes.optimalPolicyCount == 1)
        let grid = GridNavigation()
        let gridExtremes = try #require(grid.enumeratePolicies())
        #expect(abs(gridExtremes.optimum - 394_997.0 / 900_000) < 1e-12)
        #expect(gridExtremes.optimalPolicyCount == 32)
        #expect(grid.exactAverageReward(policy: [0, 0, 2, 0, 0, 2, 0, 0, 2]) == gridExtremes.optimum)
    }

    @Test func gridMovesClipAtWalls() {
        let g = GridNavigation()
        #expect(g.nextState(state: 2, action: 0) == 2)  // row 2 + 1 clipped
        #expect(g.nextState(state: 0, action: 0) == 1)
        #expect(g.nextState(state: 0, action: 3) == 3)
        #expect(g.nextState(state: 0, action: 2) == 0)
        #expect(g.meanReward(state: 5, action: 2) == 0.45)  // s5 (row 2, col 1) → col−1 lands on the goal s2
        #expect(abs(g.meanReward(state: 0, action: 3) - (0.4 - 3e-5)) < 1e-15)  // s3: 3 steps from the goal
    }

    @Test func shortTrainingIsReproducibleFromTheSeed() throws {
        var e = ExperimentPresets.fourState
        e.config.steps = 3000
        let run = { (seed: UInt64) throws -> TrialResult in
            try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config,
                                 solver: IdealSolver(topology: e.topology)).run(trial: 2, seed: seed)
        }
        let a = try run(7)
        var b = try run(7)
        b.wallSeconds = a.wallSeconds
        #expect(try JSONOutput.encode(a) == JSONOutput.encode(b))  // NaN-safe comparison
        #expect(try run(8).finalGates != a.finalGates)
    }

    @Test func resumingFromACheckpointGivesTheSameResult() throws {
        var e = ExperimentPresets.navigation
        e.config.steps = 4000
        let solver = try IdealSolver(topology: e.topology)
        let trainer = try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config, solver: solver)
        var checkpoints: [TrialCheckpoint] = []
        let whole = try trainer.run(trial: 1, seed: 3, checkpointEvery: 1000) { checkpoints.append($0) }
        #expect(checkpoints.map(\.step) == [1000, 2000, 3000])
        let encoded = try JSONOutput.encode(checkpoints[1])
        let restored = try JSONOutput.decode(TrialCheckpoint.self, from: encoded)
        let fresh = try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config,
                                         solver: IdealSolver(topology: e.topology))
        var resumed = try fresh.run(trial: 1, seed: 3, resume: restored)
        resumed.wallSeconds = whole.wallSeconds
        #expect(try JSONOutput.encode(resumed) == JSONOutput.encode(whole))  // NaN-safe comparison
    }

    @Test func fourStateLearnsTheBestPolicyInAShortRun() throws {
        var e = ExperimentPresets.fourState
        e.config.steps = 20_000
        let result = try QLearningTrainer(topology: e.topology, environment: e.environment, config: e.config,
                                          solver: IdealSolver(topology: e.topology)).run(trial: 0, seed: 0)
        #expect(result.reward / 0.18465917873308868 > 0.9)
        #expect(result.finalGates.allSatisfy { (1.0...5.5).contains($0) })
    }
}

@Suite struct SupervisedTests {
    @Test func latticeLearnsALinearMap() throws {
        // Inputs x1, x2 on two nodes plus rails at 0 and 1; target y = 0.3·x1 + 0.2·x2 + 0.2.
        let t = Generators.lattice(shape: [4, 4], periodic: true, inputs: [0, 2, 8, 10], outputs: [5])
        var rng = SeededGenerator(seed: 5)
        let examples = (0..<16).map { _ -> SupervisedExample in
            let (x1, x2) = (rng.uniform(), rng.uniform())
            return SupervisedExample(inputs: [x1, x2, 1, 0], targets: [0.3 * x1 + 0.2 * x2 + 0.2])
        }
        let trainer = try SupervisedTrainer(
            topology: t, rule: CoupledLearningRule(alpha: 5, eta: 0.1, batchSize: 4, updateClip: 0.1),
            solver: IdealSolver(topology: t))
        var gates = t.uniformParameters(gate: 3)
        let before = try trainer.loss(examples, parameters: gates)
        for _ in 0..<60 { try trainer.trainEpoch(examples, parameters: &gates, rng: &rng) }
        let after = try trainer.loss(examples, parameters: gates)
        #expect(after < before / 10, "MSE \(before) → \(after)")
    }
}

@Suite struct ConfigFileTests {
    @Test func overridesAndCustomGrid() throws {
        let dir = FileManager.default.temporaryDirectory
        let url = dir.appendingPathComponent("clln-config-\(UUID().uuidString).yaml")
        try """
            preset: navigation
            steps: 1234
            alpha: 2
            environment: {kind: grid, rows: 3, columns: 3, goal: 6, reset: 4}
            """.write(to: url, atomically: true, encoding: .utf8)
        let e = try ExperimentConfigFile.load(url).experiment(relativeTo: dir, name: "custom")
        #expect(e.config.steps == 1234 && e.config.rule.alpha == 2)
        let grid = try #require(e.environment as? GridNavigation)
        #expect(grid.goal == 6 && grid.resetPeriod == 4)
        let bad = dir.appendingPathComponent("clln-config-\(UUID().uuidString).json")
        try #"{"preset": "four-state", "eta": 3}"#.write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: LearningError.self) { try ExperimentConfigFile.load(bad).experiment(relativeTo: dir, name: "bad") }
    }

    @Test func measurementIntervalReplacesTheLogSpacedSteps() throws {
        let dir = FileManager.default.temporaryDirectory
        let url = dir.appendingPathComponent("clln-config-\(UUID().uuidString).yaml")
        try "preset: four-state\nsteps: 5000\nmeasurement_interval: 1000\n".write(to: url, atomically: true, encoding: .utf8)
        let e = try ExperimentConfigFile.load(url).experiment(relativeTo: dir, name: "fine")
        #expect(e.config.measurementSteps == [0, 1000, 2000, 3000, 4000])
        try "preset: four-state\nmeasurement_interval: 0\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: LearningError.self) { try ExperimentConfigFile.load(url).experiment(relativeTo: dir, name: "bad") }
    }
}

@Suite struct SuccessRateTests {
    @Test func wilsonIntervals() {
        let seven = SuccessRate(successes: 7, trials: 10)  // tabulated: 0.3968–0.8922
        #expect(abs(seven.low - 0.3968) < 5e-5 && abs(seven.high - 0.8922) < 5e-5)
        let all = SuccessRate(successes: 10, trials: 10)  // 0.7225–1
        #expect(abs(all.low - 0.7225) < 5e-5 && abs(all.high - 1) < 1e-12)
        #expect(SuccessRate(successes: 0, trials: 0).low == 0 && SuccessRate(successes: 0, trials: 0).high == 1)
        #expect(seven.description == "7/10 (95% interval of the rate: 40–89%)")
    }
}

@Suite struct RuleVariantTests {
    /// The balanced variant carries the documented values (README "One rule for both presets"), the
    /// same on both presets, and changes nothing but the rule settings.
    @Test func balancedVariantHasTheDocumentedValues() throws {
        for name in ExperimentPresets.names {
            let preset = try #require(ExperimentPresets.named(name))
            let e = try #require(ExperimentPresets.named(name, rule: .balanced))
            let c = e.config
            #expect(e.name == "\(name)-balanced")
            #expect(c.stateWeightExponent == 0 && c.rule.alpha == 0.24 && c.rule.eta == 0.046 && c.gamma == 0.87)
            #expect(c.rule.batchSize == 93 && c.rule.updateClip == 0.033)
            #expect(c.epsilonStart == 0.14 && c.epsilonEnd == 0.001 && c.initialGateMean == 2.44)
            #expect(c.steps == preset.config.steps && c.measurements == preset.config.measurements)
            #expect(c.initialGateSpread == preset.config.initialGateSpread && c.referenceQuirk == preset.config.referenceQuirk)
            #expect(e.topology == preset.topology && e.trials == preset.trials)
            #expect(try #require(ExperimentPresets.named(name, rule: .faithful)).config == preset.config)
            try e.validate()
        }
    }

    /// presets/balanced-*.yaml are the same variant as `--rule balanced`.
    @Test func presetFilesEqualTheVariant() throws {
        let dir = repositoryRoot.appendingPathComponent("presets")
        for name in ExperimentPresets.names {
            let file = dir.appendingPathComponent("balanced-\(name).yaml")
            let e = try ExperimentConfigFile.load(file).experiment(relativeTo: dir, name: "balanced-\(name)")
            #expect(e.config == ExperimentPresets.named(name, rule: .balanced)?.config, "\(file.lastPathComponent)")
        }
    }
}
