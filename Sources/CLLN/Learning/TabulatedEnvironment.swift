import Foundation

/// Any deterministic ``TabularEnvironment`` written out as tables: its mean rewards, transitions
/// and measurement labels for every state and action. It behaves exactly as the environment it
/// was made from (same values, same random draws in training), and it is `Codable`, so a task of
/// your own can be sent to a worker process. (Tasks with random transitions are not tabulated:
/// their own draws couple reward and next state.)
public struct TabulatedEnvironment: TabularEnvironment, Codable, Hashable {
    public var name: String
    public var rewards: [[Double]]
    public var transitions: [[Int]]
    public var labels: [[Double]]
    public var rewardNoise: Double
    public var resetPeriod: Int?

    enum CodingKeys: String, CodingKey {
        case name, rewards, transitions, labels = "measurement_labels", rewardNoise = "reward_noise", resetPeriod = "reset_period"
    }

    public init(_ environment: any TabularEnvironment) {
        let states = 0..<environment.stateCount, actions = 0..<environment.actionCount
        name = environment.name
        rewards = states.map { s in actions.map { environment.meanReward(state: s, action: $0) } }
        transitions = states.map { s in actions.map { environment.nextState(state: s, action: $0) } }
        labels = states.map(environment.measurementLabels(state:))
        rewardNoise = environment.rewardNoise
        resetPeriod = environment.resetPeriod
    }

    public var stateCount: Int { rewards.count }
    public var actionCount: Int { rewards.first?.count ?? 0 }
    public func meanReward(state: Int, action: Int) -> Double { rewards[state][action] }
    public func nextState(state: Int, action: Int) -> Int { transitions[state][action] }
    public func measurementLabels(state: Int) -> [Double] { labels[state] }
}
