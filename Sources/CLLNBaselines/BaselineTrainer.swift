import CLLN
import Foundation

/// One point of a learning curve.
public struct BaselinePoint: Sendable, Codable, Hashable {
    public var step: Int
    /// Tabular tasks: the greedy policy's exact average reward divided by the optimum. Continuous
    /// tasks: the mean return of ``BaselineConfig/evaluationEpisodes`` greedy episodes.
    public var value: Double
    /// Continuous tasks: the mean return of the last 100 training episodes (nil before the first).
    public var trainingReturn: Double?

    enum CodingKeys: String, CodingKey { case step, value, trainingReturn = "training_return" }
}

/// What one seed of a baseline produced.
public struct BaselineResult: Sendable, Codable, Hashable {
    public var agent: BaselineAgentKind
    public var task: String
    public var seed: UInt64
    public var steps: Int
    public var curve: [BaselinePoint]
    /// Tabular: the final greedy policy's ratio to the optimum; continuous: the mean return of
    /// ``ContinuousEnvironment/solvedEpisodes`` greedy episodes after training.
    public var finalLevel: Double
    /// Tabular: the final greedy policy and its exact average reward, and the optimum.
    public var policy: [Int]?
    public var averageReward: Double?
    public var optimum: Double?
    /// Tabular: the policy reaches the optimum (ratio ≥ 1 − 1e-9). Continuous: the final level
    /// reaches the solved threshold.
    public var solved: Bool
    /// First curve step at which the curve reaches 95 % of the way from its first point to the
    /// final level (0 when the final level is not above the first point).
    public var stepsTo95: Int
    public var wallSeconds: Double
    public var parameterCount: Int
    /// Continuous: training episodes finished, and the mean return of the last 100 of them.
    public var episodes: Int?
    public var lastTrainingReturn: Double?

    enum CodingKeys: String, CodingKey {
        case agent, task, seed, steps, curve, policy, optimum, solved, episodes
        case finalLevel = "final_level", averageReward = "average_reward", stepsTo95 = "steps_to_95"
        case wallSeconds = "wall_s", parameterCount = "parameters", lastTrainingReturn = "last_100_training_return"
    }
}

/// Trains one baseline agent on one named task with one seed.
///
/// Each step: ε-greedy on the agent's Q (ties broken at random; greedy policies and evaluations
/// take the lowest of tied actions), one environment step, one
/// `learn` call. Tabular tasks start in a uniform state, re-drawn every `resetPeriod` steps if
/// the task has one, and are drawn with ``TabularEnvironment/sampleStep(state:action:rng:)``;
/// networks see the state one-hot. Continuous tasks see the state encoded on [−1, 1]
/// (``ContinuousEnvironment/encoding(_:range:)``); a truncated episode bootstraps, a terminated
/// one does not. Greedy evaluations draw from their own generator (seed, stream 1 + point), so
/// they do not disturb training. Everything is a function of (task, agent, config, seed).
public struct BaselineTrainer: Sendable {
    public var agent: BaselineAgentKind
    public var taskName: String
    public var config: BaselineConfig

    public init(agent: BaselineAgentKind, task: String, config: BaselineConfig? = nil) throws {
        self.agent = agent
        taskName = task
        self.config = config ?? BaselineConfig.defaults(agent: agent, task: task)
        try self.config.validate()
        let task = try LearningTask.named(task)
        if case .continuous = task, agent == .tabular {
            throw BaselineError.unsupported("tabular Q-learning needs a tabular task; use dqn or local on \(taskName)")
        }
        switch task {
        case let .tabular(environment): try environment.validate()
        case let .continuous(environment): try environment.validate()
        }
    }

    /// Trains with `seed`; `progress` is called with each step's count of new steps (1).
    public func run(seed: UInt64, progress: (Int) -> Void = { _ in }) throws -> BaselineResult {
        let start = Date()
        var result: BaselineResult
        switch try LearningTask.named(taskName) {
        case let .tabular(environment): result = try runTabular(environment, seed: seed, progress: progress)
        case let .continuous(environment): result = runContinuous(environment, seed: seed, progress: progress)
        }
        result.wallSeconds = Date().timeIntervalSince(start)
        return result
    }

    /// Steps at which the curve is measured: 0, then `measurements` evenly spaced up to `steps`.
    var measurementSteps: [Int] {
        let m = min(config.measurements, config.steps)
        return [0] + (1...m).map { Int((Double($0) * Double(config.steps) / Double(m)).rounded(.down)) }
    }

    func makeAgent(inputs: Int, states: Int, actions: Int, minimumReward: Double, rng: inout SeededGenerator) -> any BaselineAgent {
        switch agent {
        case .tabular: TabularQAgent(states: states, actions: actions, alpha: config.alpha, gamma: config.gamma)
        case .dqn: DQNAgent(inputs: inputs, actions: actions, settings: config.network, gamma: config.gamma, rng: &rng)
        case .local:
            LocalAgent(inputs: inputs, actions: actions, settings: config.network, gamma: config.gamma, minimumReward: minimumReward, rng: &rng)
        }
    }

    func greedy(_ q: [Float]) -> Int { q.indices.max { q[$0] < q[$1] || (q[$0] == q[$1] && $0 > $1) }! }

    /// ε-greedy; ties among the best actions are broken uniformly (one more draw, only on a tie).
    func choose(_ q: @autoclosure () -> [Float], actions: Int, step: Int, rng: inout SeededGenerator) -> Int {
        if rng.uniform() < config.epsilon(at: step) { return rng.index(actions) }
        let values = q()
        let best = values.max()!
        let ties = values.indices.filter { values[$0] == best }
        return ties.count == 1 ? ties[0] : ties[rng.index(ties.count)]
    }

    func runTabular(_ environment: any TabularEnvironment, seed: UInt64, progress: (Int) -> Void) throws -> BaselineResult {
        let (n, actions) = (environment.stateCount, environment.actionCount)
        guard let optimal = environment.optimalPolicy() else {
            throw BaselineError.unsupported("\(environment.name) has no computable optimum to score policies against")
        }
        let oneHot = (0..<n).map { s in (0..<n).map { Float($0 == s ? 1 : 0) } }
        var minimumReward = 0.0
        for s in 0..<n { for a in 0..<actions { minimumReward = min(minimumReward, environment.meanReward(state: s, action: a)) } }
        minimumReward -= 3 * environment.rewardNoise
        var rng = SeededGenerator(seed: seed)
        var learner = makeAgent(inputs: n, states: n, actions: actions, minimumReward: minimumReward, rng: &rng)
        func policy() -> [Int] { (0..<n).map { greedy(learner.qValues(state: $0, observation: oneHot[$0])) } }
        func ratio(_ p: [Int]) -> Double { environment.exactAverageReward(policy: p) / optimal.optimum }
        let measureAt = Set(measurementSteps)
        var curve = [BaselinePoint(step: 0, value: ratio(policy()), trainingReturn: nil)]
        var state = rng.index(n)
        for t in 1...config.steps {
            if let period = environment.resetPeriod, t % period == 0 { state = rng.index(n) }
            let action = choose(learner.qValues(state: state, observation: oneHot[state]), actions: actions, step: t - 1, rng: &rng)
            let (reward, next) = environment.sampleStep(state: state, action: action, rng: &rng)
            learner.learn(
                Transition(state: state, observation: oneHot[state], action: action, reward: reward, nextState: next,
                           next: oneHot[next], terminal: false), rng: &rng)
            state = next
            if measureAt.contains(t) { curve.append(BaselinePoint(step: t, value: ratio(policy()), trainingReturn: nil)) }
            progress(1)
        }
        let final = policy()
        let reward = environment.exactAverageReward(policy: final)
        let level = reward / optimal.optimum
        return BaselineResult(
            agent: agent, task: taskName, seed: seed, steps: config.steps, curve: curve, finalLevel: level, policy: final,
            averageReward: reward, optimum: optimal.optimum, solved: reward >= optimal.optimum - 1e-9 * abs(optimal.optimum),
            stepsTo95: Self.stepsTo95(curve, final: level), wallSeconds: 0, parameterCount: learner.parameterCount)
    }

    func runContinuous(_ environment: any ContinuousEnvironment, seed: UInt64, progress: (Int) -> Void) -> BaselineResult {
        let actions = environment.actionCount
        func observe(_ state: [Double]) -> [Float] { environment.encoding(state, range: -1...1).map(Float.init) }
        var rng = SeededGenerator(seed: seed)
        var learner = makeAgent(
            inputs: environment.stateDimension, states: 0, actions: actions, minimumReward: environment.rewardRange.lowerBound, rng: &rng)
        /// Mean return of `episodes` greedy episodes drawn from stream `stream`.
        func evaluate(episodes: Int, stream: UInt64) -> Double {
            var evaluationRNG = SeededGenerator(seed: seed, stream: stream)
            var total = 0.0
            for _ in 0..<episodes {
                var state = environment.reset(rng: &evaluationRNG)
                for _ in 0..<environment.maxEpisodeSteps {
                    let action = greedy(learner.qValues(state: nil, observation: observe(state)))
                    let result = environment.step(state: state, action: action, rng: &evaluationRNG)
                    total += result.reward
                    state = result.next
                    if result.terminated { break }
                }
            }
            return total / Double(episodes)
        }
        var returns: [Double] = []
        func recentReturn() -> Double? { returns.isEmpty ? nil : returns.suffix(100).reduce(0, +) / Double(min(returns.count, 100)) }
        let measureAt = measurementSteps
        var curve = [BaselinePoint(step: 0, value: evaluate(episodes: config.evaluationEpisodes, stream: 1), trainingReturn: nil)]
        var (state, length, episodeReturn) = (environment.reset(rng: &rng), 0, 0.0)
        for t in 1...config.steps {
            let observation = observe(state)
            let action = choose(learner.qValues(state: nil, observation: observation), actions: actions, step: t - 1, rng: &rng)
            let result = environment.step(state: state, action: action, rng: &rng)
            length += 1
            episodeReturn += result.reward
            learner.learn(
                Transition(state: nil, observation: observation, action: action, reward: result.reward, nextState: nil,
                           next: observe(result.next), terminal: result.terminated), rng: &rng)
            state = result.next
            if result.terminated || length >= environment.maxEpisodeSteps {
                returns.append(episodeReturn)
                (state, length, episodeReturn) = (environment.reset(rng: &rng), 0, 0.0)
            }
            if curve.count < measureAt.count, t == measureAt[curve.count] {
                curve.append(BaselinePoint(
                    step: t, value: evaluate(episodes: config.evaluationEpisodes, stream: 1 + UInt64(curve.count)), trainingReturn: recentReturn()))
            }
            progress(1)
        }
        let level = evaluate(episodes: environment.solvedEpisodes, stream: 0xF1A1)
        return BaselineResult(
            agent: agent, task: taskName, seed: seed, steps: config.steps, curve: curve, finalLevel: level, solved: level >= environment.solvedReturn,
            stepsTo95: Self.stepsTo95(curve, final: level), wallSeconds: 0, parameterCount: learner.parameterCount,
            episodes: returns.count, lastTrainingReturn: recentReturn())
    }

    /// The first curve step whose value reaches `first + 0.95·(final − first)`; 0 when the final
    /// level is not above the first point.
    static func stepsTo95(_ curve: [BaselinePoint], final: Double) -> Int {
        guard let first = curve.first?.value, final > first else { return 0 }
        let level = first + 0.95 * (final - first)
        return curve.first { $0.value >= level }?.step ?? curve.last!.step
    }
}
