import CLLN
import Testing

/// The README's "Q-learning on your own task" example, verbatim apart from the assertions.
@Suite struct ReadmeExampleTests {
    /// A corridor of three cells; action 0 steps left, 1 steps right (walls keep the agent in
    /// place); the reward is the value of the cell the agent lands in; every 4 steps the agent
    /// is put in a random cell.
    struct Corridor: TabularEnvironment {
        let name = "corridor"
        let stateCount = 3
        let actionCount = 2
        let cellValue = [0.1, 0.4, 0.2]
        let rewardNoise = 0.0
        let resetPeriod: Int? = 4
        func nextState(state: Int, action: Int) -> Int { action == 0 ? max(state - 1, 0) : min(state + 1, 2) }
        func meanReward(state: Int, action: Int) -> Double { cellValue[nextState(state: state, action: action)] }
        func measurementLabels(state: Int) -> [Double] { [0, 0] }
    }

    @Test func qLearningOnYourOwnTask() throws {
        // Inputs: the cell's position on node 0, rails 1 V and 0 V on nodes 1 and 2; one output per action.
        let network = Generators.layeredDense(
            layers: [3, 4, 2], inputs: [0, 1, 2], outputs: [7, 8], states: [[0, 1, 0], [0.5, 1, 0], [1, 1, 0]])
        let config = QLearningConfig(
            steps: 20_000, rule: CoupledLearningRule(alpha: 3, eta: 0.1, batchSize: 20, updateClip: 0.1),
            gamma: 0.5, epsilonStart: 0.2, epsilonEnd: 0, measurements: 30)
        let trainer = try QLearningTrainer(
            topology: network, environment: Corridor(), config: config, solver: IdealSolver(topology: network))
        let best = Corridor().enumeratePolicies()!.bestPolicy   // [1, 1, 0]: right, right, left
        var results: [TrialResult] = []
        for trial in 0..<5 {
            let result = try trainer.run(trial: trial, seed: 1)
            print("trial \(trial): policy \(result.policy), reward \(result.reward)")
            results.append(result)
        }

        #expect(best == [1, 1, 0])
        #expect(results.filter { $0.policy == best }.count >= 4)
        #expect(results.filter { $0.curve.first!.policy != best }.count >= 2, "the untrained networks must differ from it")
    }
}
