import CLLN
import CLLNRuns
import Foundation
import Testing

/// CLLN agents on the grid worlds and continuous tasks.
@Suite struct CLLNAgentTests {
    /// A short seeded run of the grid-5x5 preset (50,000 steps) ends on an optimal policy:
    /// its exact average reward equals the value-iteration optimum.
    @Test func clln_learns_grid_5x5() throws {
        var e = try #require(ExperimentPresets.named("grid-5x5"))
        e.config.steps = 50_000
        let optimum = try PolicyScores(e.environment)
        #expect(optimum.method == .valueIteration && optimum.worst == nil)
        let trainer = try QLearningTrainer(
            topology: e.topology, environment: e.environment, config: e.config, solver: IdealSolver(topology: e.topology))
        let r = try trainer.run(trial: 0, seed: 0)
        #expect(r.reward >= optimum.optimum - 1e-9, "ratio \(r.reward / optimum.optimum)")
        // The untrained network's greedy policy never reaches the goal.
        #expect(r.curve.first!.policyReward < 0.5 * optimum.optimum)
    }

    /// The grid network: one-hot inputs at 1 V over the inactive level, the rail last, one output
    /// per action, every input wired to every output.
    @Test func grid_network_shape() throws {
        let grid = try #require(GridWorld.named("grid-7x7"))
        let t = ExperimentPresets.gridNetwork(for: grid)
        #expect(t.inputs.count == grid.stateCount + 1 && t.outputs.count == 4 && t.edgeCount == (grid.stateCount + 1) * 4)
        let off = ExperimentPresets.gridOff(for: grid)
        for (s, code) in t.states.enumerated() {
            #expect(code.last == ExperimentPresets.gridRail && code[s] == ExperimentPresets.gridOn)
            #expect(code.dropLast().enumerated().allSatisfy { $0.offset == s || $0.element == off })
        }
    }

    /// A grid world crosses to a worker process as itself: the decoded experiment draws the same
    /// random transitions (and a deterministic task still travels as its tables).
    @Test func q_learning_trial_sends_grid_worlds_to_workers() throws {
        let e = try #require(ExperimentPresets.named("grid-5x5-slip"))
        let trial = QLearningTrial(experiment: e, seed: 3)
        let decoded = try JSONDecoder().decode(QLearningTrial.self, from: JSONEncoder().encode(trial))
        let grid = try #require(decoded.experiment.environment as? GridWorld)
        #expect(grid == e.environment as? GridWorld && decoded.experiment.config == e.config)
        var a = SeededGenerator(seed: 9), b = a
        for s in 0..<grid.stateCount {
            let x = grid.sampleStep(state: s, action: s % 4, rng: &a), y = e.environment.sampleStep(state: s, action: s % 4, rng: &b)
            #expect(x == y)
        }
        let four = try JSONDecoder().decode(QLearningTrial.self, from: JSONEncoder().encode(QLearningTrial(experiment: ExperimentPresets.fourState, seed: 0)))
        #expect(four.experiment.environment is TabulatedEnvironment)
    }

    /// The discounted target: (1 − γ)·R + γ·max F(S′); the mean-normalized one is the paper's.
    @Test func targets() {
        #expect(abs(QTarget.discounted.value(reward: 1, nextValues: [0.2, 0.6], gamma: 0.9) - (0.1 + 0.54)) < 1e-15)
        #expect(QTarget.meanNormalized.value(reward: 1, nextValues: [0.2, 0.6], gamma: 0.5) == 1 + 0.5 * (0.6 - 0.4))
    }
}

@Suite struct ContinuousEncodingTests {
    /// The scaled code: each component mapped from its nominal range onto [0, 1] V, clipped,
    /// followed by its mirror 1 − u; the rail (0.5 V) is the last input.
    @Test func scaled_code() throws {
        let pole = CartPole()
        let code = ContinuousEncoding.scaled.code([0, 3, -CartPole.thetaThreshold, 7], environment: pole, centers: 7)
        #expect(code == [0.5, 0.5, 1, 0, 0, 1, 1, 0])
        let x = ContinuousEncoding.scaled.code([1.2, 0, 0, -1.75], environment: pole, centers: 7)
        #expect(abs(x[0] - 0.75) < 1e-12 && abs(x[1] - 0.25) < 1e-12 && abs(x[6] - 0.25) < 1e-12)
        var c = ContinuousQLearningConfig.defaults(for: pole)
        c.encoding = .scaled
        let trainer = try ContinuousQLearningTrainer(
            environment: pole, config: c, solver: IdealSolver(topology: c.network(for: pole)))
        #expect(trainer.inputs([0, 0, 0, 0]).values == [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, ContinuousQLearningConfig.rail])
        #expect(trainer.topology.inputs.count == 9 && trainer.topology.outputs.count == 2 && trainer.topology.edgeCount == 18)
    }

    /// The rbf code: per component k bumps exp(−(u − c_j)²/(2w²)), c_j = j/(k − 1), w = 1/(k − 1).
    @Test func rbf_code() {
        let car = MountainCar()
        // position −1.2 (u = 0), velocity 0 (u = 0.5); k = 3: centers 0, 0.5, 1, w = 0.5.
        let code = ContinuousEncoding.rbf.code([MountainCar.minPosition, 0], environment: car, centers: 3)
        let e = exp(-0.5), far = exp(-2.0)
        let expected = [1, e, far, e, 1, e]
        #expect(code.count == 6 && zip(code, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(ContinuousEncoding.rbf.width(dimension: 2, centers: 3) == 6)
    }

    /// Values on [0, 1] V: a failure ends at 0 (CartPole), reaching the goal at 1 (MountainCar);
    /// a step is worth 1 − γ on CartPole and nothing on MountainCar.
    @Test func targets_on_the_output_range() throws {
        for (environment, step, terminal) in [(CartPole() as any ContinuousEnvironment, 1.0, 0.0), (MountainCar(), 0, 1)] {
            let c = ContinuousQLearningConfig.defaults(for: environment)
            let trainer = try ContinuousQLearningTrainer(
                environment: environment, config: c, solver: IdealSolver(topology: c.network(for: environment)))
            let g = c.gamma
            #expect(abs(trainer.target(reward: 1, terminated: true, nextOutputs: []) - ((1 - g) * step + g * terminal)) < 1e-15)
            #expect(abs(trainer.target(reward: 1, terminated: false, nextOutputs: [0.3, 0.7]) - ((1 - g) * step + g * 0.7)) < 1e-15)
        }
    }

    /// A seeded CartPole run of 100,000 steps balances the pole: its greedy return beats a random
    /// policy's (~22) many times over.
    @Test func clln_balances_cartpole() throws {
        var c = ContinuousQLearningConfig.defaults(for: CartPole())
        c.steps = 100_000
        c.epsilonDecaySteps = 50_000
        c.measurements = 2
        c.evaluationEpisodes = 2
        let trainer = try ContinuousQLearningTrainer(environment: CartPole(), config: c, solver: IdealSolver(topology: c.network(for: CartPole())))
        let r = try trainer.run(trial: 0, seed: 2000)
        #expect(r.finalGreedyReturn >= 475, "greedy return \(r.finalGreedyReturn)")
        #expect(r.curve.first!.greedyReturn < 100)
    }

    @Test func bad_config_names_the_key() {
        var c = ContinuousQLearningConfig.defaults(for: CartPole())
        c.gamma = 1
        #expect(throws: LearningError.self) { try c.validate() }
        c = ContinuousQLearningConfig.defaults(for: CartPole())
        c.centers = 1
        #expect((try? c.validate()) == nil)
    }
}
