import CLLN
import CLLNRuns
import Foundation
import Testing

@testable import CLLNBaselines

@Suite struct NetworkNumericsTests {
    /// The MLP's gradient of L = Σ c·y (random c) against central differences in Double.
    @Test func mlp_gradient_matches_finite_differences() {
        var rng = SeededGenerator(seed: 4)
        let net = MLP(sizes: [3, 5, 4, 2], rng: &rng)
        let batch = 3
        let input = (0..<(batch * 3)).map { _ in Float(rng.uniform(in: -1...1)) }
        let weights = (0..<(batch * 2)).map { _ in Float(rng.uniform(in: -1...1)) }
        func loss(_ n: MLP) -> Double { zip(n.forward(input, batch: batch).last!, weights).reduce(0) { $0 + Double($1.0 * $1.1) } }
        let gradient = net.gradient(activations: net.forward(input, batch: batch), outputGradient: weights, batch: batch)
        for k in stride(from: 0, to: net.parameterCount, by: 3) {
            var plus = net, minus = net
            plus.parameters[k] += 1e-2
            minus.parameters[k] -= 1e-2
            let numeric = (loss(plus) - loss(minus)) / 2e-2
            #expect(abs(numeric - Double(gradient[k])) < 2e-3 * max(1, abs(numeric)), "parameter \(k)")
        }
    }

    /// The local cell's spread readout: dQ/dy_i = (y_i − ȳ)/(D·spread), checked numerically.
    @Test func spread_readout_gradient() {
        var rng = SeededGenerator(seed: 2)
        let agent = LocalAgent(inputs: 2, actions: 2, settings: NetworkSettings(hidden: [4], readoutWidth: 5), gamma: 0.9, minimumReward: 0, rng: &rng)
        let y: [Float] = [0.3, -1.2, 0.8, 2.0, -0.1]
        let (q, mean, spread) = agent.readout(y, batch: 1)[0]
        for i in 0..<5 {
            var up = y, down = y
            up[i] += 1e-2
            down[i] -= 1e-2
            let numeric = (agent.readout(up, batch: 1)[0].q - agent.readout(down, batch: 1)[0].q) / 2e-2
            #expect(abs(numeric - (y[i] - mean) / (5 * spread)) < 1e-3)
        }
        #expect(q > 0)
    }

    @Test func adam_minimises_a_quadratic() {
        var adam = Adam(parameterCount: 2, learningRate: 0.05)
        var p: [Float] = [3, -2]
        for _ in 0..<500 { adam.update(&p, gradient: [2 * (p[0] - 1), 2 * (p[1] + 0.5)]) }
        #expect(abs(p[0] - 1) < 1e-2 && abs(p[1] + 0.5) < 1e-2)
    }
}

@Suite struct BaselineLearningTests {
    /// Four-state with ε 0.2 → 0 (the preset's 0.05 explores too little for a table).
    @Test func tabular_q_reaches_the_four_state_optimum() throws {
        var config = BaselineConfig.defaults(agent: .tabular, task: "four-state")
        config.epsilonStart = 0.2
        let trainer = try BaselineTrainer(agent: .tabular, task: "four-state", config: config)
        for seed: UInt64 in 0..<2 {
            let result = try trainer.run(seed: seed)
            #expect(result.solved && result.policy == [2, 0, 3, 1], "seed \(seed): \(result.policy ?? [])")
        }
    }

    @Test func tabular_q_reaches_the_5x5_grid_optimum() throws {
        let trainer = try BaselineTrainer(agent: .tabular, task: "grid-5x5")
        for seed: UInt64 in 0..<2 {
            let result = try trainer.run(seed: seed)
            #expect(result.solved && abs(result.finalLevel - 1) < 1e-9, "seed \(seed): \(result.finalLevel)")
            #expect(result.parameterCount == 19 * 4)  // 25 cells − 5 walls − the goal
        }
    }

    /// A debug-sized DQN (8 hidden units, batch 16, 4,000 steps) on four-state: ≥ 95 % of the
    /// optimum. The full check (CartPole ≥ 475) is `clln baseline dqn cartpole` (README).
    @Test func dqn_learns_four_state() throws {
        let config = BaselineConfig(
            steps: 4_000, gamma: 0.9, epsilonStart: 0.3, epsilonEnd: 0, epsilonDecaySteps: 4_000,
            network: NetworkSettings(hidden: [8], learningRate: 1e-2, batchSize: 16, learningStarts: 200, targetUpdate: 200),
            measurements: 4)
        let result = try BaselineTrainer(agent: .dqn, task: "four-state", config: config).run(seed: 1)
        #expect(result.finalLevel >= 0.95, "\(result.finalLevel)")
        #expect(result.parameterCount == 4 * 8 + 8 + 8 * 4 + 4)
    }

    /// A debug-sized local agent (two cells of 8 units, readout 4) on four-state: ≥ 95 % of the
    /// optimum with no gradient crossing cells.
    @Test func local_agent_learns_four_state() throws {
        let config = BaselineConfig(
            steps: 4_000, gamma: 0.9, epsilonStart: 0.3, epsilonEnd: 0, epsilonDecaySteps: 4_000,
            network: NetworkSettings(hidden: [8], cells: 2, readoutWidth: 4, learningRate: 1e-2, batchSize: 16, learningStarts: 200, targetUpdate: 200),
            measurements: 4)
        let result = try BaselineTrainer(agent: .local, task: "four-state", config: config).run(seed: 1)
        #expect(result.finalLevel >= 0.95, "\(result.finalLevel)")
    }

    @Test func runs_are_reproducible_and_bad_settings_name_the_fix() throws {
        var config = BaselineConfig.defaults(agent: .local, task: "four-state")
        config.steps = 400
        config.measurements = 2
        config.network = NetworkSettings(hidden: [8], readoutWidth: 4, batchSize: 8, learningStarts: 100)
        let trainer = try BaselineTrainer(agent: .local, task: "four-state", config: config)
        let (a, b) = (try trainer.run(seed: 3), try trainer.run(seed: 3))
        #expect(a.curve == b.curve && a.finalLevel == b.finalLevel && a.policy == b.policy)
        #expect(throws: BaselineError.self) { try BaselineTrainer(agent: .tabular, task: "cartpole") }
        #expect(throws: LearningError.self) { try BaselineTrainer(agent: .dqn, task: "cart-pole") }
        config.gamma = 1
        #expect(throws: BaselineError.invalidConfig("gamma is 1.0; give a discount in [0, 1), e.g. 0.99")) {
            try BaselineTrainer(agent: .dqn, task: "cartpole", config: config)
        }
    }

    @Test func the_run_layer_writes_the_report() throws {
        var config = BaselineConfig.defaults(agent: .tabular, task: "grid-5x5")
        config.steps = 2_000
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clln-baseline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try RunScheduler(jobs: 2).run(
            BaselineTrial(agent: .tabular, task: "grid-5x5", config: config, seeds: 2), on: InProcessBackend(), in: RunFolder(folder))
        #expect(summary.seeds.count == 2 && summary.failedTrials.isEmpty)
        for file in ["summary.json", "curves.csv", "curve.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
    }
}
