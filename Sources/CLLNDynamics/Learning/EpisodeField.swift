/// The vector field of one episode on the state y = (x, q), where q accumulates the cost
/// C = ∫ c(x, t) dt:
///
///     dxᵢ/dt = Fᵢ(P(x, t); θ) + uᵢ(t) − η ∂c/∂xᵢ     (free nodes; η = 0 on the free run)
///     dxᵢ/dt = 0                                     (prescribed nodes; their value is s(t))
///     dq/dt  = c(P(x, t), t)
///
/// P substitutes the prescribed values s(t) into x, so the network reads its inputs exactly at
/// every stage of every step. The nudge acts on output nodes only (the forward supervisor), in
/// one of two forms (``Supervisor``): the force −η ∂c/∂x above, or, given the free run `clamp`,
/// outputs held at x^F(t) − η ∂c/∂x(x^F(t), t) (then prescribed; x^F linearly interpolated
/// between grid samples). All scratch space is owned, so evaluations do not allocate.
struct EpisodeField<System: DynamicalSystem>: VectorField {
    let system: System
    let episode: Episode
    let parameters: [Double]
    let nudge: Double
    /// The free run the outputs are displaced from (``Supervisor/clamp``); `nil`: force or free.
    private let clampedFrom: Trajectory?
    private let isPrescribed: [Bool]
    private var substituted: [Double]
    private var rates: [Double]
    private var masked: [Double]

    init(system: System, episode: Episode, parameters: [Double], nudge: Double, clampedFrom: Trajectory? = nil) {
        self.system = system
        self.episode = episode
        self.parameters = parameters
        self.nudge = nudge
        self.clampedFrom = clampedFrom
        var isPrescribed = [Bool](repeating: false, count: system.stateCount)
        for input in episode.prescribed { isPrescribed[input.node] = true }
        if clampedFrom != nil { for target in episode.targets { isPrescribed[target.node] = true } }
        self.isPrescribed = isPrescribed
        substituted = [Double](repeating: 0, count: system.stateCount)
        rates = substituted
        masked = substituted
    }

    var dimension: Int { system.stateCount + 1 }
    var label: String { system.label }

    mutating func derivative(at t: Double, state y: [Double], into dy: inout [Double]) {
        substitute(y, at: t)
        system.rates(substituted, parameters: parameters, into: &rates)
        let n = system.stateCount
        for i in 0..<n { dy[i] = isPrescribed[i] ? 0 : rates[i] }
        for input in episode.forcing where !isPrescribed[input.node] { dy[input.node] += input.signal.value(at: t) }
        var cost = 0.0
        for target in episode.targets {
            let weight = target.window.weight(at: t)
            let error = substituted[target.node] - target.signal.value(at: t)
            cost += weight * target.shape.cost(error)
            if nudge != 0 && clampedFrom == nil { dy[target.node] -= nudge * weight * target.shape.slope(error) }
        }
        dy[n] = cost
    }

    /// Adds (∂G/∂x)ᵀ v to `result` for the free field G (prescribed rows and columns vanish).
    mutating func addStateVJP(_ v: [Double], at t: Double, state y: [Double], to result: inout [Double]) {
        substitute(y, at: t)
        maskPrescribed(v)
        for i in 0..<system.stateCount { rates[i] = 0 }
        system.addStateVJP(masked, at: substituted, parameters: parameters, to: &rates)
        for i in 0..<system.stateCount where !isPrescribed[i] { result[i] += rates[i] }
    }

    /// Adds `scale` · ∂c/∂x to `result` (the cost integrand's gradient at time t).
    mutating func addCostGradient(at t: Double, state y: [Double], scale: Double, to result: inout [Double]) {
        substitute(y, at: t)
        for target in episode.targets {
            let error = substituted[target.node] - target.signal.value(at: t)
            result[target.node] += scale * target.window.weight(at: t) * target.shape.slope(error)
        }
    }

    /// Adds `scale` · (∂G/∂θ)ᵀ v to `result`.
    mutating func addParameterVJP(_ v: [Double], at t: Double, state y: [Double], scale: Double, to result: inout [Double]) {
        substitute(y, at: t)
        maskPrescribed(v)
        system.addParameterVJP(masked, at: substituted, parameters: parameters, scale: scale, to: &result)
    }

    /// The state the network sees at time t: x with prescribed nodes set to their signals (and,
    /// when clamping, outputs at their displaced free values).
    mutating func substitute(_ y: [Double], at t: Double) {
        for i in 0..<system.stateCount { substituted[i] = y[i] }
        for input in episode.prescribed { substituted[input.node] = input.signal.value(at: t) }
        guard let free = clampedFrom else { return }
        let position = min(max(0, t / free.times[1]), Double(free.count - 1))
        let index = min(free.count - 2, Int(position)), w = position - Double(index)
        for target in episode.targets { substituted[target.node] = free[index, target.node] * (1 - w) + free[index + 1, target.node] * w }
        for target in episode.targets {
            let error = free[index, target.node] * (1 - w) + free[index + 1, target.node] * w - target.signal.value(at: t)
            substituted[target.node] -= nudge * target.window.weight(at: t) * target.shape.slope(error)
        }
    }

    /// The node states the network sees at time t (x with every prescribed value substituted).
    mutating func observedState(_ y: [Double], at t: Double) -> [Double] {
        substitute(y, at: t)
        return substituted
    }

    private mutating func maskPrescribed(_ v: [Double]) {
        for i in 0..<system.stateCount { masked[i] = isPrescribed[i] ? 0 : v[i] }
    }
}

/// How the forward supervisor produces the clamped trajectory from the free one (the local rule,
/// Eq. 12, then compares the two). Both act on output nodes only and causally.
public enum Supervisor: String, Sendable, Codable, CaseIterable {
    /// A force −η ∂c/∂x added to the output equations (Equilibrium-Propagation-style nudging; it
    /// also damps the outputs towards the target, with rate η w(t)). clln's default.
    case force
    /// The paper's Eq. 19 (Coupled-Learning-style clamping): outputs held at
    /// x^F(t) − η ∂c/∂x(x^F(t), t), i.e. (1 − η) x^F + η x* for a squared error, while every other
    /// node responds through the network. The contrast at an output is exactly −η ∂c/∂x.
    case clamp
}
