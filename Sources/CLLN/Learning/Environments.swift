import Foundation

/// A tabular task: states (encoded by the topology's state encodings), actions (one output node
/// each), mean rewards, transitions (deterministic unless ``isDeterministic`` is false), optional
/// reward noise and periodic resets.
public protocol TabularEnvironment: Sendable {
    var name: String { get }
    var stateCount: Int { get }
    var actionCount: Int { get }
    /// Mean reward of taking `action` in `state`.
    func meanReward(state: Int, action: Int) -> Double
    /// The state `action` leads to (for a task with random transitions, the most likely one;
    /// trainers of such tasks draw with ``sampleStep(state:action:rng:)``).
    func nextState(state: Int, action: Int) -> Int
    /// Whether every (state, action) leads to the one state ``nextState(state:action:)`` with the
    /// reward ``meanReward(state:action:)`` plus noise. Default: true.
    var isDeterministic: Bool { get }
    /// The distribution of the next state: (state, probability) pairs with probabilities > 0
    /// summing to 1 (within 1e-12). Default: `[(nextState, 1)]`.
    func transitionProbabilities(state: Int, action: Int) -> [(state: Int, probability: Double)]
    /// One step drawn from the task: its reward (its mean over draws is `meanReward`) and next
    /// state (distributed as `transitionProbabilities`). Default: `meanReward + rewardNoise·N(0,1)`
    /// (no draw when the noise is 0) and `nextState`, the same draws the Q-learning trainer makes.
    func sampleStep(state: Int, action: Int, rng: inout SeededGenerator) -> (reward: Double, next: Int)
    /// Standard deviation of the Gaussian noise added to every reward.
    var rewardNoise: Double { get }
    /// Every this many steps the state is re-drawn uniformly (nil: never).
    var resetPeriod: Int? { get }
    /// Output labels the reference's periodic measurement clamps toward, per state (spec §3).
    func measurementLabels(state: Int) -> [Double]
    /// Throws a ``LearningError/invalidTask(_:)`` naming the bad value and the fix.
    func validate() throws
}

extension TabularEnvironment {
    public var isDeterministic: Bool { true }

    public func transitionProbabilities(state: Int, action: Int) -> [(state: Int, probability: Double)] {
        [(nextState(state: state, action: action), 1)]
    }

    public func sampleStep(state: Int, action: Int, rng: inout SeededGenerator) -> (reward: Double, next: Int) {
        let reward = meanReward(state: state, action: action) + (rewardNoise > 0 ? rewardNoise * rng.gaussian() : 0)
        return (reward, nextState(state: state, action: action))
    }

    /// The checks every task needs: states and actions, a reset period ≥ 1, finite noise ≥ 0.
    public func validate() throws { try validateCommon() }

    /// The checks every task needs: states and actions, a reset period ≥ 1, finite noise ≥ 0.
    public func validateCommon() throws {
        guard stateCount >= 1, actionCount >= 1 else {
            throw LearningError.invalidTask("the task has \(stateCount) states and \(actionCount) actions; it needs at least one of each")
        }
        if let period = resetPeriod, period < 1 {
            throw LearningError.invalidTask("reset (the reset period) must be ≥ 1 step (got \(period)); leave it out for no resets")
        }
        guard rewardNoise.isFinite, rewardNoise >= 0 else {
            throw LearningError.invalidTask("noise (σ of the reward noise) must be a finite number ≥ 0 (got \(rewardNoise)), e.g. noise 0.01")
        }
    }
}

extension TabularEnvironment {
    /// The exact long-run average reward of a deterministic policy (one action per state).
    ///
    /// Without resets: from each start state the policy enters a cycle; the average reward over
    /// that cycle is the start state's long-run reward, and the result is their mean over start
    /// states (the reference's computation). With resets every P steps to a uniform state: the
    /// mean over start states of the mean reward of the P steps that follow.
    ///
    /// For random transitions (``isDeterministic`` false) the same two criteria on the Markov chain
    /// of the policy: without resets, the mean over start states of each start's long-run average
    /// reward (its gain, through the chain's closed classes and their stationary distributions);
    /// with resets, the P-step mean propagated exactly. See ``MarkovPolicyEvaluation``.
    public func exactAverageReward(policy: [Int]) -> Double {
        precondition(policy.count == stateCount, "a policy needs one action per state")
        if !isDeterministic { return MarkovPolicyEvaluation(self, policy: policy).averageReward }
        var total = 0.0
        for start in 0..<stateCount {
            if let period = resetPeriod {
                var s = start
                var sum = 0.0
                for _ in 0..<period {
                    sum += meanReward(state: s, action: policy[s])
                    s = nextState(state: s, action: policy[s])
                }
                total += sum / Double(period)
            } else {
                var firstVisit = [Int](repeating: -1, count: stateCount)
                var path: [Int] = []
                var s = start
                while firstVisit[s] < 0 {
                    firstVisit[s] = path.count
                    path.append(s)
                    s = nextState(state: s, action: policy[s])
                }
                let cycle = path[firstVisit[s]...]
                total += cycle.map { meanReward(state: $0, action: policy[$0]) }.reduce(0, +) / Double(cycle.count)
            }
        }
        return total / Double(stateCount)
    }

    /// The number of deterministic policies, actions^states (as a Double: it overflows Int).
    public var policyCount: Double { pow(Double(actionCount), Double(stateCount)) }

    /// Best and worst deterministic policies by enumeration (feasible up to ~10⁶ policies);
    /// nil when the policy space is larger. Ties keep the lexicographically first policy.
    public func enumeratePolicies(limit: Int = PolicyExtremes.enumerationLimit) -> PolicyExtremes? {
        guard policyCount <= Double(limit) else { return nil }
        var policy = [Int](repeating: 0, count: stateCount)
        var best = (reward: -Double.infinity, policy: policy)
        var worst = (reward: Double.infinity, policy: policy)
        var rewards: [Double] = []
        rewards.reserveCapacity(Int(policyCount))
        while true {
            let r = exactAverageReward(policy: policy)
            rewards.append(r)
            if r > best.reward + 1e-15 { best = (r, policy) }
            if r < worst.reward - 1e-15 { worst = (r, policy) }
            var i = stateCount - 1
            while i >= 0 && policy[i] == actionCount - 1 {
                policy[i] = 0
                i -= 1
            }
            if i < 0 { break }
            policy[i] += 1
        }
        let optimalCount = rewards.filter { $0 >= best.reward - 1e-12 }.count
        return PolicyExtremes(
            optimum: best.reward, bestPolicy: best.policy, worst: worst.reward, worstPolicy: worst.policy,
            optimalPolicyCount: optimalCount)
    }
}

/// The best and worst deterministic policies of a task.
public struct PolicyExtremes: Sendable, Codable, Hashable {
    /// The most policies ``TabularEnvironment/enumeratePolicies(limit:)`` scores by default.
    public static let enumerationLimit = 2_000_000

    public var optimum: Double
    public var bestPolicy: [Int]
    public var worst: Double
    public var worstPolicy: [Int]
    /// How many policies reach the optimum (within 1e-12).
    public var optimalPolicyCount: Int
}

/// A tabular MDP given by tables: `rewards[s][a]`, `transitions[s][a]`.
public struct TableEnvironment: TabularEnvironment, Codable, Hashable {
    public var name: String
    public var rewards: [[Double]]
    public var transitions: [[Int]]
    public var rewardNoise: Double
    public var resetPeriod: Int?

    public init(name: String, rewards: [[Double]], transitions: [[Int]], rewardNoise: Double, resetPeriod: Int? = nil) {
        self.name = name
        self.rewards = rewards
        self.transitions = transitions
        self.rewardNoise = rewardNoise
        self.resetPeriod = resetPeriod
    }

    public var stateCount: Int { rewards.count }
    public var actionCount: Int { rewards.first?.count ?? 0 }
    public func meanReward(state: Int, action: Int) -> Double { rewards[state][action] }
    public func nextState(state: Int, action: Int) -> Int { transitions[state][action] }
    /// The data table's labels are the true mean rewards (experiment A).
    public func measurementLabels(state: Int) -> [Double] { rewards[state] }

    /// The four-state MDP of spec §4: action a moves to state a.
    public static let fourState = TableEnvironment(
        name: "four-state",
        rewards: [
            [-0.07497654730546974, 0.13426804033275022, 0.21530358025636442, 0.07475639634786102],
            [0.19813207869512317, 0.15142188413943822, 0.12211796692214005, -0.0070043330568293205],
            [0.08105041691768247, 0.12550014442733817, 0.05419730144973758, 0.14351634881228922],
            [0.041640494967733525, 0.1816847071685779, 0.1672720805709661, 0.08955888566093723],
        ],
        transitions: (0..<4).map { _ in [0, 1, 2, 3] },
        rewardNoise: 0.01)

    /// Checks shapes and values.
    public func validate() throws {
        guard stateCount > 0, actionCount > 0, rewards.allSatisfy({ $0.count == actionCount }),
            transitions.count == stateCount, transitions.allSatisfy({ $0.count == actionCount })
        else {
            throw LearningError.invalidTask(
                "rewards (\(rewards.count) rows of \(rewards.map(\.count))) and transitions (\(transitions.count) rows of "
                    + "\(transitions.map(\.count))) must both be states × actions tables of the same shape")
        }
        for (s, row) in transitions.enumerated() {
            for (a, next) in row.enumerated() where !(0..<stateCount).contains(next) {
                throw LearningError.invalidTask(
                    "transitions[\(s)][\(a)] leads to state \(next), outside 0..<\(stateCount); use a state index of the table")
            }
        }
        for (s, row) in rewards.enumerated() {
            for (a, r) in row.enumerated() where !r.isFinite {
                throw LearningError.invalidTask("rewards[\(s)][\(a)] is \(r); give finite rewards")
            }
        }
        try validateCommon()
    }
}

/// Grid navigation (spec §5, generalised to R×C): state s sits at row = s mod R, col = s div R;
/// actions 0 = row+1, 1 = row−1, 2 = col−1, 3 = col+1, clipped at the walls. The reward of a
/// move is the value of the cell it lands in: `base` + `bonus` at the goal − `shaping` per unit
/// of Manhattan distance to the goal. Every `resetPeriod` steps the state is re-drawn.
public struct GridNavigation: TabularEnvironment, Codable, Hashable {
    public var rows: Int
    public var columns: Int
    public var goal: Int
    public var base: Double
    public var bonus: Double
    public var shaping: Double
    public var rewardNoise: Double
    public var resetPeriod: Int?

    public init(rows: Int = 3, columns: Int = 3, goal: Int = 2, base: Double = 0.4, bonus: Double = 0.05,
                shaping: Double = 1e-5, rewardNoise: Double = 0, resetPeriod: Int? = 5) {
        self.rows = rows
        self.columns = columns
        self.goal = goal
        self.base = base
        self.bonus = bonus
        self.shaping = shaping
        self.rewardNoise = rewardNoise
        self.resetPeriod = resetPeriod
    }

    public var name: String { "navigation-\(rows)x\(columns)" }
    public var stateCount: Int { rows * columns }
    public var actionCount: Int { 4 }

    public func nextState(state: Int, action: Int) -> Int {
        var (row, col) = (state % rows, state / rows)
        switch action {
        case 0: row = min(row + 1, rows - 1)
        case 1: row = max(row - 1, 0)
        case 2: col = max(col - 1, 0)
        default: col = min(col + 1, columns - 1)
        }
        return col * rows + row
    }

    /// Value of the cell of state `s`.
    public func cellValue(_ s: Int) -> Double {
        let distance = abs(s % rows - goal % rows) + abs(s / rows - goal / rows)
        return base + (s == goal ? bonus : 0) - shaping * Double(distance)
    }

    public func meanReward(state: Int, action: Int) -> Double { cellValue(nextState(state: state, action: action)) }
    /// The reference measures toward 0 V on every output (experiment B).
    public func measurementLabels(state: Int) -> [Double] { [Double](repeating: 0, count: actionCount) }

    /// The state encoding of spec §5 generalised: (row/(R−1), col/(C−1), 0, 1, 0.5, 0, 0).
    public func encoding(state s: Int) -> [Double] {
        [Double(s % rows) / Double(max(rows - 1, 1)), Double(s / rows) / Double(max(columns - 1, 1)), 0, 1, 0.5, 0, 0]
    }

    public func validate() throws {
        let (cells, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 1, columns >= 1, !overflow, (2...InputLimits.maximumGridCells).contains(cells) else {
            throw LearningError.invalidTask(
                "a \(rows) × \(columns) grid is not usable; rows and columns must be ≥ 1 with 2 to \(InputLimits.maximumGridCells) cells")
        }
        guard (0..<stateCount).contains(goal) else {
            throw LearningError.invalidTask("goal \(goal) lies outside the grid; use a cell index in 0..<\(stateCount)")
        }
        for (key, value) in [("base", base), ("bonus", bonus), ("shaping", shaping)] where !value.isFinite {
            throw LearningError.invalidTask("\(key) is \(value); give a finite reward")
        }
        try validateCommon()
    }
}
