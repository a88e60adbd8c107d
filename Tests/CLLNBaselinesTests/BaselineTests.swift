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

    /// The blocked kernels (32/16/4 outputs at a time, zero inputs skipped) against plain loops
    /// with the same order of sums: equal to the bit, on widths that use every block size and a
    /// scalar tail, with zero inputs.
    @Test func blocked_kernels_equal_plain_loops() {
        var rng = SeededGenerator(seed: 9)
        let net = MLP(sizes: [37, 21, 35, 6], rng: &rng)
        let batch = 5
        let input = (0..<(batch * 37)).map { k in k % 3 == 0 ? 0 : Float(rng.uniform(in: -1...1)) }
        let outputGradient = (0..<(batch * 6)).map { _ in Float(rng.uniform(in: -1...1)) }
        // Plain loops: output o is b[o] + Σ_i x_i·W[i, o] in ascending i, skipping zero inputs;
        // the delta sent down is Σ_o W[i, o]·δ_o in ascending o, 0 below a cut-off unit.
        var activations = [input]
        for l in 0..<3 {
            let (n, m) = (net.sizes[l], net.sizes[l + 1])
            let w = net.offsets[l], x = activations[l]
            var y = [Float](repeating: 0, count: batch * m)
            for r in 0..<batch {
                for o in 0..<m {
                    var sum = net.parameters[w + n * m + o]
                    for i in 0..<n where x[r * n + i] != 0 { sum += x[r * n + i] * net.parameters[w + i * m + o] }
                    y[r * m + o] = l < 2 && sum < 0 ? 0 : sum
                }
            }
            activations.append(y)
        }
        var gradient = [Float](repeating: 0, count: net.parameterCount)
        var delta = outputGradient
        for l in stride(from: 2, through: 0, by: -1) {
            let (n, m) = (net.sizes[l], net.sizes[l + 1])
            let w = net.offsets[l], x = activations[l]
            var previous = [Float](repeating: 0, count: batch * n)
            for r in 0..<batch {
                for o in 0..<m { gradient[w + n * m + o] += delta[r * m + o] }
                for i in 0..<n where x[r * n + i] != 0 {
                    for o in 0..<m { gradient[w + i * m + o] += x[r * n + i] * delta[r * m + o] }
                    var sum: Float = 0
                    for o in 0..<m { sum += net.parameters[w + i * m + o] * delta[r * m + o] }
                    previous[r * n + i] = sum
                }
            }
            delta = previous
        }
        let blocked = net.forward(input, batch: batch)
        #expect(blocked == activations)
        #expect(activations[1].contains(0) && activations[2].contains(0))  // some units are cut off
        #expect(net.gradient(activations: blocked, outputGradient: outputGradient, batch: batch) == gradient)
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

    /// The bootstrap of a next state: the target network's max, or with Double DQN the target
    /// network's value of the online network's greedy action.
    @Test func double_dqn_values_the_online_choice_with_the_target() {
        var rng = SeededGenerator(seed: 5)
        var settings = NetworkSettings(hidden: [4])
        let plain = DQNAgent(inputs: 2, actions: 3, settings: settings, gamma: 0.9, rng: &rng)
        settings.doubleQ = true
        let double = DQNAgent(inputs: 2, actions: 3, settings: settings, gamma: 0.9, rng: &rng)
        let target: [Float] = [1, 5, 2, 0, -1, 3], online: [Float] = [9, 0, 4, 2, 2, 1]
        #expect(plain.bootstrap(target, online: [], row: 0) == 5 && plain.bootstrap(target, online: [], row: 1) == 3)
        #expect(double.bootstrap(target, online: online, row: 0) == 1)  // online picks action 0
        #expect(double.bootstrap(target, online: online, row: 1) == 0)  // a tie goes to the lowest action
    }

    /// Settings written before `double_q` existed decode as plain DQN.
    @Test func network_settings_without_double_q_decode() throws {
        let data = try JSONEncoder().encode(NetworkSettings())
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["double_q"] = nil
        let decoded = try JSONDecoder().decode(NetworkSettings.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(decoded == NetworkSettings())
    }

    /// A debug-sized local agent (two cells of 8 units, readout 4) on four-state: the optimal
    /// policy on two seeds, with no gradient crossing cells.
    @Test func local_agent_learns_four_state() throws {
        let config = BaselineConfig(
            steps: 4_000, gamma: 0.9, epsilonStart: 0.3, epsilonEnd: 0, epsilonDecaySteps: 4_000,
            network: NetworkSettings(hidden: [8], cells: 2, readoutWidth: 4, learningRate: 1e-2, batchSize: 16, learningStarts: 200, targetUpdate: 200),
            measurements: 4)
        for seed: UInt64 in 1...2 {
            let result = try BaselineTrainer(agent: .local, task: "four-state", config: config).run(seed: seed)
            #expect(result.solved && result.policy == [2, 0, 3, 1], "seed \(seed): \(result.finalLevel), \(result.policy ?? [])")
        }
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
