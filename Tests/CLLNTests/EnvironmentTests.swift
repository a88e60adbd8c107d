import CLLN
import Foundation
import Testing

@Suite struct GridWorldTests {
    /// One row: free, free, goal. Right moves toward the goal; the goal restarts uniformly.
    let corridor = GridWorld(name: "corridor", map: ["..G"])

    @Test func walls_and_edges_keep_the_agent_in_place() throws {
        let grid = try #require(GridWorld.named("grid-5x5"))
        try grid.validate()
        // State 0 is (0,0): up (1) and left (2) leave the map; down (0) reaches (1,0) = state 5.
        #expect(grid.stateCells[0] == (0, 0))
        #expect(grid.transitionProbabilities(state: 0, action: 1).map(\.state) == [0])
        #expect(grid.transitionProbabilities(state: 0, action: 2).map(\.state) == [0])
        #expect(grid.stateCells[grid.nextState(state: 0, action: 0)] == (1, 0))
        // (1,0) → right is the wall (1,1).
        let s = try #require(grid.stateCells.firstIndex { $0 == (1, 0) })
        #expect(grid.nextState(state: s, action: 3) == s)
        #expect(grid.meanReward(state: s, action: 3) == 0)
    }

    @Test func slip_goes_perpendicular_with_half_the_slip_each() throws {
        let grid = GridWorld(name: "open", map: ["...", "...", "..G"], slip: 0.2)
        try grid.validate()
        // Centre (1,1) = state 4; right (3) → (1,2) 0.8; perpendicular down (2,1) 0.1, up (0,1) 0.1.
        let p = Dictionary(uniqueKeysWithValues: grid.transitionProbabilities(state: 4, action: 3).map { (grid.stateCells[$0.state].row * 3 + grid.stateCells[$0.state].column, $0.probability) })
        #expect(p == [5: 0.8, 7: 0.1, 1: 0.1])
        // Sampled frequencies match (200,000 draws, 5σ ≈ 0.0034).
        var rng = SeededGenerator(seed: 3)
        var counts = [Int: Int]()
        for _ in 0..<200_000 { counts[grid.sampleStep(state: 4, action: 3, rng: &rng).next, default: 0] += 1 }
        for (state, probability) in grid.transitionProbabilities(state: 4, action: 3) {
            #expect(abs(Double(counts[state, default: 0]) / 200_000 - probability) < 0.004)
        }
        // Next to the goal (1,2) = state 5: down reaches G with 0.8 → reward 0.8, restart uniform.
        #expect(abs(grid.meanReward(state: 5, action: 0) - 0.8) < 1e-15)
        let total = grid.transitionProbabilities(state: 5, action: 0).map(\.probability).reduce(0, +)
        #expect(abs(total - 1) < 1e-12)
    }

    @Test func exact_optimum_of_a_hand_solvable_corridor() throws {
        try corridor.validate()
        // Always right: from (0,1) one step to G, from (0,0) two; restarts uniform over both
        // states → mean episode length 1.5, average reward 1/1.5.
        #expect(abs(corridor.exactAverageReward(policy: [3, 3]) - 2.0 / 3) < 1e-12)
        let optimum = try #require(corridor.optimalPolicy())
        #expect(optimum.policy == [3, 3])
        #expect(abs(optimum.optimum - 2.0 / 3) < 1e-12)
        // With slip p the right move succeeds with 1 − p (perpendicular moves hit the edges):
        // lengths 1/(1−p) and 2/(1−p) → average reward (1 − p)/1.5.
        let slippery = GridWorld(name: "corridor", map: ["..G"], slip: 0.2)
        #expect(abs(slippery.exactAverageReward(policy: [3, 3]) - 0.8 / 1.5) < 1e-12)
        // A policy that never reaches the goal earns nothing; one that loops in state 0 traps
        // every start (restarts land there).
        #expect(abs(corridor.exactAverageReward(policy: [2, 2])) < 1e-12)
        #expect(abs(corridor.exactAverageReward(policy: [2, 3])) < 1e-12)
    }

    @Test func value_iteration_optimum_matches_enumeration() throws {
        // 2×3 with slip: 4^5 = 1,024 policies, small enough for both methods.
        let grid = GridWorld(name: "small", map: ["...", ".#G"], slip: 0.3)
        try grid.validate()
        let enumerated = try #require(grid.enumeratePolicies())
        let iterated = try #require(grid.optimalPolicy(enumerationLimit: 0))
        #expect(iterated.method == .valueIteration)
        #expect(abs(iterated.optimum - enumerated.optimum) < 1e-9)
        #expect(iterated.upperBound - iterated.optimum < 1e-9)
    }

    @Test func presets_have_certified_optima() throws {
        for name in GridWorld.names {
            let grid = try #require(GridWorld.named(name))
            try grid.validate()
            let optimum = try #require(grid.optimalPolicy(), "\(name)")
            #expect(optimum.method == .valueIteration)
            #expect(optimum.optimum > 0 && optimum.upperBound - optimum.optimum < 1e-9, "\(name)")
        }
        // Without slip the optimum is 1/(mean over states of the shortest path to the goal).
        let grid = try #require(GridWorld.named("grid-5x5"))
        let bfs = Self.distances(grid)
        let expected = 1 / (Double(bfs.reduce(0, +)) / Double(bfs.count))
        #expect(abs(try #require(grid.optimalPolicy()).optimum - expected) < 1e-9)
    }

    /// Moves to the goal from every state by breadth-first search over the map.
    static func distances(_ grid: GridWorld) -> [Int] {
        let cells = grid.map.map(Array.init)
        let goal = grid.goalCell
        var distance = [[Int]](repeating: [Int](repeating: -1, count: grid.columns), count: grid.rows)
        distance[goal.row][goal.column] = 0
        var queue = [goal]
        while !queue.isEmpty {
            let (r, c) = queue.removeFirst()
            for (dr, dc) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let (nr, nc) = (r + dr, c + dc)
                guard (0..<grid.rows).contains(nr), (0..<grid.columns).contains(nc), cells[nr][nc] == ".", distance[nr][nc] < 0 else { continue }
                distance[nr][nc] = distance[r][c] + 1
                queue.append((nr, nc))
            }
        }
        return grid.stateCells.map { distance[$0.row][$0.column] }
    }

    @Test func bad_maps_name_the_fix() {
        let cases: [(GridWorld, String)] = [
            (GridWorld(name: "g", map: ["..", "."]), "equal length"),
            (GridWorld(name: "g", map: ["..."]), "goals"),
            (GridWorld(name: "g", map: [".x.G"]), "\"x\""),
            (GridWorld(name: "g", map: [".#G"]), "cannot reach the goal"),
            (GridWorld(name: "g", map: [".G"], slip: 1.5), "slip"),
        ]
        for (grid, fragment) in cases {
            #expect(throws: LearningError.self) { try grid.validate() }
            do { try grid.validate() } catch { #expect("\(error)".contains(fragment), "\(error)") }
        }
    }

    @Test func deterministic_tasks_keep_their_scores_and_draws() throws {
        // The defaults add nothing for deterministic tasks: the same scores, no extra draws.
        let four = TableEnvironment.fourState
        #expect(four.isDeterministic)
        #expect(abs(four.exactAverageReward(policy: [2, 0, 3, 1]) - 0.18465917873308868) < 1e-15)
        #expect(four.optimalPolicy()?.policy == [2, 0, 3, 1])
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        let step = four.sampleStep(state: 1, action: 2, rng: &a)
        #expect(step.next == 2 && abs(step.reward - (four.meanReward(state: 1, action: 2) + 0.01 * b.gaussian())) < 1e-15)
        #expect(a.next() == b.next())
    }
}

@Suite struct ContinuousEnvironmentTests {
    @Test func cartpole_one_euler_step_by_hand() {
        // From (x, ẋ, θ, θ̇) = (0.1, −0.2, 0.05, 0.3), push right (F = +10 N):
        //   temp = (10 + 0.05·0.09·sin 0.05)/1.1 = 9.0911134…
        //   θ̈ = (9.8·sin 0.05 − cos 0.05·temp)/(0.5·(4/3 − 0.1·cos²0.05/1.1)) = −13.825207…
        //   ẍ = temp − 0.05·θ̈·cos 0.05/1.1 = 9.718747… (values from Python with Gymnasium's formulas)
        let (s, c) = (sin(0.05), cos(0.05))
        let temp = (10 + 0.05 * 0.09 * s) / 1.1
        let thetaAcc = (9.8 * s - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * c * c / 1.1))
        let xAcc = temp - 0.05 * thetaAcc * c / 1.1
        #expect(abs(temp - 9.091113551147014) < 1e-12)
        #expect(abs(thetaAcc - -13.825207424073673) < 1e-12)
        #expect(abs(xAcc - 9.718746710911015) < 1e-12)
        var rng = SeededGenerator(seed: 1)
        let step = CartPole().step(state: [0.1, -0.2, 0.05, 0.3], action: 1, rng: &rng)
        let expected = [0.1 + 0.02 * -0.2, -0.2 + 0.02 * xAcc, 0.05 + 0.02 * 0.3, 0.3 + 0.02 * thetaAcc]
        for (got, want) in zip(step.next, expected) { #expect(abs(got - want) < 1e-14) }
        #expect(step.reward == 1 && !step.terminated)
    }

    @Test func cartpole_terminates_at_the_bounds_and_truncates_at_500() {
        var rng = SeededGenerator(seed: 1)
        #expect(CartPole().step(state: [2.399, 1, 0, 0], action: 1, rng: &rng).terminated)   // x > 2.4
        #expect(CartPole().step(state: [0, 0, 0.2094, 1], action: 1, rng: &rng).terminated)  // θ > 12°
        #expect(!CartPole().step(state: [0, 0, 0.2, 0], action: 1, rng: &rng).terminated)
        let start = CartPole().reset(rng: &rng)
        #expect(start.count == 4 && start.allSatisfy { abs($0) <= 0.05 })
        // An episode that never terminates is truncated at step 500.
        var episode = ContinuousEpisode(NeverFalls(), rng: &rng)
        var truncatedAt = 0
        for k in 1...600 where episode.step(0, rng: &rng).truncated {
            truncatedAt = k
            break
        }
        #expect(truncatedAt == 500)
    }

    /// CartPole's limits with a pole that never falls.
    struct NeverFalls: ContinuousEnvironment {
        var name: String { "never-falls" }
        var stateDimension: Int { 1 }
        var actionCount: Int { 2 }
        var maxEpisodeSteps: Int { CartPole().maxEpisodeSteps }
        var solvedReturn: Double { 475 }
        var solvedEpisodes: Int { 100 }
        var rewardRange: ClosedRange<Double> { 1...1 }
        var stateBounds: [ClosedRange<Double>] { [0...1] }
        func reset(rng: inout SeededGenerator) -> [Double] { [0] }
        func step(state: [Double], action: Int, rng: inout SeededGenerator) -> ContinuousStep {
            ContinuousStep(next: state, reward: 1, terminated: false)
        }
    }

    @Test func mountaincar_velocity_position_and_clipping() {
        var rng = SeededGenerator(seed: 1)
        let car = MountainCar()
        // From (−0.5, 0.01), push right: v = 0.01 + 0.001 − 0.0025·cos(−1.5), x = −0.5 + v.
        let step = car.step(state: [-0.5, 0.01], action: 2, rng: &rng)
        let v = 0.01 + 0.001 - 0.0025 * cos(-1.5)
        #expect(abs(step.next[1] - v) < 1e-15 && abs(step.next[0] - (-0.5 + v)) < 1e-15)
        #expect(step.reward == -1 && !step.terminated)
        // Speed clipped to 0.07 (at x = π/6 gravity vanishes: 0.0699 + 0.001 > 0.07).
        #expect(car.step(state: [Double.pi / 6, 0.0699], action: 2, rng: &rng).next[1] == 0.07)
        // The left wall: position clipped to −1.2 and the negative velocity zeroed.
        let wall = car.step(state: [-1.19, -0.05], action: 0, rng: &rng)
        #expect(wall.next == [-1.2, 0])
        // The goal: position ≥ 0.5 terminates.
        #expect(car.step(state: [0.49, 0.02], action: 2, rng: &rng).terminated)
        let start = car.reset(rng: &rng)
        #expect((-0.6 ... -0.4).contains(start[0]) && start[1] == 0)
        #expect(car.maxEpisodeSteps == 200 && car.solvedReturn == -110 && CartPole().solvedReturn == 475)
    }

    @Test func encoding_maps_bounds_onto_the_range_and_clips() {
        let car = MountainCar()
        #expect(car.encoding([-1.2, 0.07], range: 0...1) == [0, 1])
        #expect(car.encoding([-0.3, 0], range: -1...1).map { ($0 * 1e12).rounded() / 1e12 } == [0, 0])
        #expect(CartPole().encoding([5, 0, 0, 0], range: 0...1)[0] == 1)
    }
}
