/// The vector field of one episode on the state y = (x, q), where q accumulates the cost
/// C = ∫ c(x, t) dt:
///
///     dxᵢ/dt = Fᵢ(P(x, t); θ) + uᵢ(t) − η ∂c/∂xᵢ     (free nodes; η = 0 on the free run)
///     dxᵢ/dt = 0                                     (prescribed nodes; their value is s(t))
///     dq/dt  = c(P(x, t), t)
///
/// P substitutes the prescribed values s(t) into x, so the network reads its inputs exactly at
/// every stage of every step. The nudge −η ∂c/∂x acts on output nodes only: the forward
/// supervisor. All scratch space is owned, so evaluations do not allocate.
struct EpisodeField<System: DynamicalSystem>: VectorField {
    let system: System
    let episode: Episode
    let parameters: [Double]
    let nudge: Double
    private let isPrescribed: [Bool]
    private var substituted: [Double]
    private var rates: [Double]
    private var masked: [Double]

    init(system: System, episode: Episode, parameters: [Double], nudge: Double) {
        self.system = system
        self.episode = episode
        self.parameters = parameters
        self.nudge = nudge
        var isPrescribed = [Bool](repeating: false, count: system.stateCount)
        for input in episode.prescribed { isPrescribed[input.node] = true }
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
            if nudge != 0 { dy[target.node] -= nudge * weight * target.shape.slope(error) }
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

    /// The state the network sees at time t: x with prescribed nodes set to their signals.
    mutating func substitute(_ y: [Double], at t: Double) {
        for i in 0..<system.stateCount { substituted[i] = y[i] }
        for input in episode.prescribed { substituted[input.node] = input.signal.value(at: t) }
    }

    private mutating func maskPrescribed(_ v: [Double]) {
        for i in 0..<system.stateCount { masked[i] = isPrescribed[i] ? 0 : v[i] }
    }
}
