import Foundation

/// A task whose state is a vector of real numbers, with discrete actions and episodes: `reset`
/// draws a start state, `step` advances it. Episodes end when the task terminates (a failure or
/// the goal) or after ``maxEpisodeSteps`` steps (truncation; ``ContinuousEpisode`` keeps that
/// count). A learner must bootstrap through a truncation but not through a termination.
public protocol ContinuousEnvironment: Sendable {
    var name: String { get }
    /// Length of the state vector.
    var stateDimension: Int { get }
    var actionCount: Int { get }
    /// Steps after which an episode is truncated.
    var maxEpisodeSteps: Int { get }
    /// The task counts as solved when the mean return of ``solvedEpisodes`` consecutive episodes
    /// reaches this.
    var solvedReturn: Double { get }
    var solvedEpisodes: Int { get }
    /// Bounds of every step's reward (for scaling values onto a bounded range).
    var rewardRange: ClosedRange<Double> { get }
    /// Whether terminating is reaching the goal (MountainCar) rather than failing (CartPole):
    /// learners on a bounded value range put a terminated episode at the top or the bottom of it.
    var terminationIsSuccess: Bool { get }
    /// The nominal range of each state component, mapped onto the input range by
    /// ``encoding(_:range:)`` (values outside are clipped to it).
    var stateBounds: [ClosedRange<Double>] { get }
    /// A start state.
    func reset(rng: inout SeededGenerator) -> [Double]
    /// One step from `state`: the next state, the reward, and whether the episode terminated.
    func step(state: [Double], action: Int, rng: inout SeededGenerator) -> ContinuousStep
    /// Throws a ``LearningError/invalidTask(_:)`` naming the bad value and the fix.
    func validate() throws
}

extension ContinuousEnvironment {
    /// Tasks without parameters have nothing to check.
    public func validate() throws {}
    /// Default: terminating is failing.
    public var terminationIsSuccess: Bool { false }
}

/// What a step of a ``ContinuousEnvironment`` returns.
public struct ContinuousStep: Sendable, Hashable {
    public var next: [Double]
    public var reward: Double
    /// The episode ended in the task (not by the step limit).
    public var terminated: Bool
    public init(next: [Double], reward: Double, terminated: Bool) {
        self.next = next
        self.reward = reward
        self.terminated = terminated
    }
}

extension ContinuousEnvironment {
    /// The state as input voltages: component i mapped linearly from `stateBounds[i]` onto
    /// `range` (lower bound → lower end), clipped to `range`.
    public func encoding(_ state: [Double], range: ClosedRange<Double>) -> [Double] {
        zip(state, stateBounds).map { x, bounds in
            let unit = (x - bounds.lowerBound) / (bounds.upperBound - bounds.lowerBound)
            return range.lowerBound + (range.upperBound - range.lowerBound) * min(max(unit, 0), 1)
        }
    }
}

/// An episode in progress: the state, the step count, and truncation at ``ContinuousEnvironment/maxEpisodeSteps``.
public struct ContinuousEpisode<Environment: ContinuousEnvironment>: Sendable {
    public let environment: Environment
    public private(set) var state: [Double]
    public private(set) var steps = 0
    public private(set) var totalReward = 0.0

    /// Starts an episode (draws the start state from `rng`).
    public init(_ environment: Environment, rng: inout SeededGenerator) {
        self.environment = environment
        state = environment.reset(rng: &rng)
    }

    /// Takes `action`; `truncated` is true when this step reached the step limit without terminating.
    public mutating func step(_ action: Int, rng: inout SeededGenerator) -> (step: ContinuousStep, truncated: Bool) {
        let result = environment.step(state: state, action: action, rng: &rng)
        state = result.next
        steps += 1
        totalReward += result.reward
        return (result, !result.terminated && steps >= environment.maxEpisodeSteps)
    }
}

/// CartPole-v1 as in Gymnasium (`classic_control/cartpole.py`, Barto, Sutton & Anderson 1983):
/// state (x, ẋ, θ, θ̇); action 0 pushes left, 1 right with 10 N; explicit Euler (Gymnasium's
/// default `euler` integrator) with τ = 0.02 s, g = 9.8, cart 1.0 kg, pole 0.1 kg, half-length 0.5 m:
///
///     temp = (F + m_p·l·θ̇²·sin θ) / (m_c + m_p)
///     θ̈ = (g·sin θ − cos θ·temp) / (l·(4/3 − m_p·cos²θ / (m_c + m_p)))
///     ẍ = temp − m_p·l·θ̈·cos θ / (m_c + m_p)
///     x += τ·ẋ; ẋ += τ·ẍ; θ += τ·θ̇; θ̇ += τ·θ̈
///
/// Reward 1 every step (including the one that terminates); terminated when |x| > 2.4 or
/// |θ| > 12° (0.2094 rad); truncated at 500 steps; start state uniform in [−0.05, 0.05]⁴. Solved:
/// mean return ≥ 475 over 100 episodes. Gymnasium returns the state as float32; here it is
/// kept in Double (the dynamics are computed in double precision in both).
public struct CartPole: ContinuousEnvironment, Codable, Hashable {
    public init() {}
    public var name: String { "cartpole" }
    public var stateDimension: Int { 4 }
    public var actionCount: Int { 2 }
    public var maxEpisodeSteps: Int { 500 }
    public var solvedReturn: Double { 475 }
    public var solvedEpisodes: Int { 100 }
    public var rewardRange: ClosedRange<Double> { 1...1 }
    /// The pole fell or the cart left the track.
    public var terminationIsSuccess: Bool { false }

    public static let gravity = 9.8, cartMass = 1.0, poleMass = 0.1, halfLength = 0.5, forceMagnitude = 10.0, tau = 0.02
    public static let xThreshold = 2.4, thetaThreshold = 12 * 2 * Double.pi / 360

    /// x within the termination bounds, ẋ and θ̇ within ±3 and ±3.5 (typical of balancing
    /// episodes), θ within the termination bounds.
    public var stateBounds: [ClosedRange<Double>] {
        [-Self.xThreshold...Self.xThreshold, -3...3, -Self.thetaThreshold...Self.thetaThreshold, -3.5...3.5]
    }

    public func reset(rng: inout SeededGenerator) -> [Double] { (0..<4).map { _ in rng.uniform(in: -0.05...0.05) } }

    public func step(state: [Double], action: Int, rng: inout SeededGenerator) -> ContinuousStep {
        var (x, xDot, theta, thetaDot) = (state[0], state[1], state[2], state[3])
        let force = action == 1 ? Self.forceMagnitude : -Self.forceMagnitude
        let (cosTheta, sinTheta) = (cos(theta), sin(theta))
        let totalMass = Self.cartMass + Self.poleMass, poleMassLength = Self.poleMass * Self.halfLength
        let temp = (force + poleMassLength * thetaDot * thetaDot * sinTheta) / totalMass
        let thetaAcc = (Self.gravity * sinTheta - cosTheta * temp)
            / (Self.halfLength * (4.0 / 3.0 - Self.poleMass * cosTheta * cosTheta / totalMass))
        let xAcc = temp - poleMassLength * thetaAcc * cosTheta / totalMass
        x += Self.tau * xDot
        xDot += Self.tau * xAcc
        theta += Self.tau * thetaDot
        thetaDot += Self.tau * thetaAcc
        let terminated = x < -Self.xThreshold || x > Self.xThreshold || theta < -Self.thetaThreshold || theta > Self.thetaThreshold
        return ContinuousStep(next: [x, xDot, theta, thetaDot], reward: 1, terminated: terminated)
    }
}

/// MountainCar-v0 as in Gymnasium (`classic_control/mountain_car.py`, Moore 1990): state
/// (position, velocity); actions 0 push left, 1 no push, 2 push right:
///
///     velocity += (action − 1)·0.001 − 0.0025·cos(3·position), clipped to ±0.07
///     position += velocity, clipped to [−1.2, 0.6]; at −1.2 a negative velocity becomes 0
///
/// Reward −1 every step; terminated when position ≥ 0.5 (and velocity ≥ 0); truncated at 200
/// steps; start position uniform in [−0.6, −0.4], velocity 0. Solved: mean return ≥ −110 over
/// 100 episodes.
public struct MountainCar: ContinuousEnvironment, Codable, Hashable {
    public init() {}
    public var name: String { "mountaincar" }
    public var stateDimension: Int { 2 }
    public var actionCount: Int { 3 }
    public var maxEpisodeSteps: Int { 200 }
    public var solvedReturn: Double { -110 }
    public var solvedEpisodes: Int { 100 }
    public var rewardRange: ClosedRange<Double> { -1 ... -1 }
    /// The car reached the flag.
    public var terminationIsSuccess: Bool { true }

    public static let minPosition = -1.2, maxPosition = 0.6, maxSpeed = 0.07, goalPosition = 0.5, goalVelocity = 0.0
    public static let force = 0.001, gravity = 0.0025

    /// The task's own bounds of position and velocity.
    public var stateBounds: [ClosedRange<Double>] { [Self.minPosition...Self.maxPosition, -Self.maxSpeed...Self.maxSpeed] }

    public func reset(rng: inout SeededGenerator) -> [Double] { [rng.uniform(in: -0.6 ... -0.4), 0] }

    public func step(state: [Double], action: Int, rng: inout SeededGenerator) -> ContinuousStep {
        var (position, velocity) = (state[0], state[1])
        velocity += Double(action - 1) * Self.force + cos(3 * position) * -Self.gravity
        velocity = min(max(velocity, -Self.maxSpeed), Self.maxSpeed)
        position += velocity
        position = min(max(position, Self.minPosition), Self.maxPosition)
        if position == Self.minPosition && velocity < 0 { velocity = 0 }
        let terminated = position >= Self.goalPosition && velocity >= Self.goalVelocity
        return ContinuousStep(next: [position, velocity], reward: -1, terminated: terminated)
    }
}
