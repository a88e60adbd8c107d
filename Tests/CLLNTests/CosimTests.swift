import CLLN
import Foundation
import Testing

/// Co-simulated Q-learning against the quasi-static SPICE trainer on the same seeds.
@Suite(.serialized) struct CosimTests {
    static func experiment(steps: Int) -> QLearningExperiment {
        var e = ExperimentPresets.fourState
        e.config.steps = steps
        e.config.measurements = 5
        return e
    }

    @Test func settledCosimulationFollowsTheQuasiStaticTrainer() throws {
        let e = Self.experiment(steps: 1000)
        let card = try ModelCard.standard()
        let quasi = try QLearningTrainer(
            topology: e.topology, environment: e.environment, config: e.config, solver: try SpiceSolver(topology: e.topology, model: card))
            .run(trial: 0, seed: 3)
        let cosim = try CosimQLearningTrainer(
            topology: e.topology, environment: e.environment, config: e.config, parameters: CosimParameters(), model: card)
        let result = try cosim.run(trial: 0, seed: 3)
        let gap = zip(quasi.finalGates, result.training.finalGates).map { abs($0 - $1) }.max()!
        print("cosim: policy \(result.training.policy) vs \(quasi.policy), max gate gap \(gap) V, "
            + "\(result.timePoints) points, \(result.training.wallSeconds) s wall, \(result.simulatedSeconds) s simulated, energy \(result.energy)")
        #expect(result.training.policy == quasi.policy)
        #expect(gap < 1e-3)
        #expect(result.simulatedSeconds > 2 * 1000 * 1e-6 + 20 * 1e-6)  // ≥ two phases per step and a learning phase per batch
    }
}
