/// Runs one ``Episode`` of a system on the fixed RK4 grid and computes the three quantities of
/// contrastive learning: the free and clamped trajectories, the local update, and the exact
/// gradient of the cost.
public struct EpisodeSolver: Sendable {
    public let system: any DynamicalSystem
    /// Requested RK4 step; each episode uses the largest step ≤ this that divides its duration.
    public var timeStep: Double

    public init(system: any DynamicalSystem, timeStep: Double) {
        self.system = system
        self.timeStep = timeStep
    }

    /// A free run: the trajectory of the node states (prescribed nodes showing their signals) and
    /// its cost C = ∫₀ᵀ c dt, integrated by the same RK4 steps.
    public struct Run: Sendable {
        public var trajectory: Trajectory
        public var cost: Double
    }

    /// Everything one iteration of learning needs from an episode.
    public struct Contrast: Sendable {
        /// C = ∫ c dt on the free run.
        public var cost: Double
        /// Δθ/α of the local rule: (1/η) ∫ (∂F/∂θ)ᵀ(x^F) (x^C − x^F) dt.
        public var localUpdate: [Double]
        /// dC/dθ, exact for the discretised cost (discrete adjoint of RK4).
        public var gradient: [Double]
        public var free: Trajectory
        public var clamped: Trajectory
    }

    /// How stiff the free run is for the RK4 grid.
    public struct Stiffness: Sendable, Codable {
        /// max over the run of the Gershgorin bound ρ ≥ |eigenvalues of ∂F/∂x|.
        public var spectralBound: Double
        public var timeStep: Double
        /// h · ρ: RK4 is stable on the real axis for h·ρ < 2.78; ≪ 1 means accuracy, not
        /// stability, limits the step (no implicit solver needed).
        public var stabilityProduct: Double

        enum CodingKeys: String, CodingKey {
            case spectralBound = "spectral_bound", timeStep = "time_step", stabilityProduct = "stability_product"
        }
    }

    /// The number of RK4 steps and the step used for `episode`.
    public func grid(for episode: Episode) -> (steps: Int, step: Double) {
        let steps = max(1, Int((episode.duration / timeStep - 1e-9).rounded(.up)))
        return (steps, episode.duration / Double(steps))
    }

    /// Integrates the free system (inputs only).
    public func free(_ episode: Episode, parameters: [Double]) throws -> Run {
        let raw = try integrate(system, episode, parameters, nudge: 0)
        return Run(trajectory: observed(raw, system, episode, parameters), cost: raw[raw.count - 1, system.stateCount])
    }

    /// The gradient dC/dθ of the free run's cost by the discrete adjoint of RK4, and the cost.
    public func gradient(_ episode: Episode, parameters: [Double]) throws -> (cost: Double, gradient: [Double]) {
        let raw = try integrate(system, episode, parameters, nudge: 0)
        return (raw[raw.count - 1, system.stateCount], adjointGradient(system, episode, parameters, free: raw))
    }

    /// Free run, clamped run (nudged by `supervisor` with strength `nudge`), local update and exact
    /// gradient for one episode.
    public func contrast(_ episode: Episode, parameters: [Double], nudge: Double, supervisor: Supervisor = .force) throws -> Contrast {
        let rawFree = try integrate(system, episode, parameters, nudge: 0)
        let free = observed(rawFree, system, episode, parameters)
        let clampedFrom = supervisor == .clamp ? free : nil
        let clamped = observed(
            try integrate(system, episode, parameters, nudge: nudge, clampedFrom: clampedFrom), system, episode, parameters,
            nudge: nudge, clampedFrom: clampedFrom)
        return Contrast(
            cost: rawFree[rawFree.count - 1, system.stateCount],
            localUpdate: localUpdate(system, episode, parameters, free: free, clamped: clamped, nudge: nudge),
            gradient: adjointGradient(system, episode, parameters, free: rawFree),
            free: free, clamped: clamped)
    }

    /// The free run by the adaptive ``DormandPrince54`` sampled at `times`: the accuracy reference
    /// for the fixed grid, and the integrator of choice for long horizons.
    public func referenceRun(
        _ episode: Episode, parameters: [Double], times: [Double], tolerance: Double = 1e-10
    ) throws -> Trajectory {
        try adaptiveRun(system, episode, parameters, times, tolerance)
    }

    /// Measures the Gershgorin bound of ∂F/∂x along the free run (about 50 samples).
    public func stiffness(_ episode: Episode, parameters: [Double]) throws -> Stiffness {
        try gershgorinBound(system, episode, parameters)
    }

    // MARK: - Generic kernels (passing the existential opens it, so these specialise per system)

    private func gershgorinBound<S: DynamicalSystem>(_ system: S, _ episode: Episode, _ parameters: [Double]) throws -> Stiffness {
        let raw = try integrate(system, episode, parameters, nudge: 0)
        var field = EpisodeField(system: system, episode: episode, parameters: parameters, nudge: 0)
        let n = system.stateCount
        var bound = 0.0
        var unit = [Double](repeating: 0, count: n), row = unit
        for sample in stride(from: 0, to: raw.count, by: max(1, raw.count / 50)) {
            let state = raw.state(at: sample)
            for j in 0..<n {
                unit[j] = 1
                for k in 0..<n { row[k] = 0 }
                field.addStateVJP(unit, at: raw.times[sample], state: state, to: &row)
                bound = max(bound, row.reduce(0) { $0 + abs($1) })
                unit[j] = 0
            }
        }
        let step = grid(for: episode).step
        return Stiffness(spectralBound: bound, timeStep: step, stabilityProduct: bound * step)
    }

    private func adaptiveRun<S: DynamicalSystem>(
        _ system: S, _ episode: Episode, _ parameters: [Double], _ times: [Double], _ tolerance: Double
    ) throws -> Trajectory {
        var field = EpisodeField(system: system, episode: episode, parameters: parameters, nudge: 0)
        let integrator = DormandPrince54(relativeTolerance: tolerance, absoluteTolerance: tolerance)
        return observed(try integrator.solve(&field, initial: episode.initialState + [0], times: times).trajectory, system, episode, parameters)
    }

    private func integrate<S: DynamicalSystem>(
        _ system: S, _ episode: Episode, _ parameters: [Double], nudge: Double, clampedFrom: Trajectory? = nil
    ) throws -> Trajectory {
        let (steps, step) = grid(for: episode)
        var field = EpisodeField(system: system, episode: episode, parameters: parameters, nudge: nudge, clampedFrom: clampedFrom)
        return try RungeKutta4.solve(&field, initial: episode.initialState + [0], step: step, steps: steps)
    }

    /// The node part of a raw (x, q) trajectory, with prescribed nodes (and clamped outputs) set
    /// to the values the network saw.
    private func observed<S: DynamicalSystem>(
        _ raw: Trajectory, _ system: S, _ episode: Episode, _ parameters: [Double], nudge: Double = 0, clampedFrom: Trajectory? = nil
    ) -> Trajectory {
        var field = EpisodeField(system: system, episode: episode, parameters: parameters, nudge: nudge, clampedFrom: clampedFrom)
        var result = Trajectory(dimension: system.stateCount, capacity: raw.count)
        for sample in 0..<raw.count {
            result.append(time: raw.times[sample], state: field.observedState(raw.state(at: sample), at: raw.times[sample]))
        }
        return result
    }

    /// The local rule, Eq. 12: (1/η) ∫ Σⱼ ∂Fⱼ/∂θᵢ(x^F) (x^C_j − x^F_j) dt by the trapezoid rule on
    /// the grid; by the locality contract of ``DynamicalSystem`` each θᵢ reads only its own nodes.
    private func localUpdate<S: DynamicalSystem>(
        _ system: S, _ episode: Episode, _ parameters: [Double], free: Trajectory, clamped: Trajectory, nudge: Double
    ) -> [Double] {
        var field = EpisodeField(system: system, episode: episode, parameters: parameters, nudge: 0)
        let n = system.stateCount
        var update = [Double](repeating: 0, count: system.parameterCount)
        var contrast = [Double](repeating: 0, count: n), state = contrast
        let step = grid(for: episode).step
        for sample in 0..<free.count {
            for i in 0..<n {
                state[i] = free[sample, i]
                contrast[i] = clamped[sample, i] - free[sample, i]
            }
            let weight = (sample == 0 || sample == free.count - 1 ? 0.5 : 1) * step / nudge
            field.addParameterVJP(contrast, at: free.times[sample], state: state, scale: weight, to: &update)
        }
        return update
    }

    /// Reverse sweep of the discrete adjoint of RK4 applied to (x, q) with C = q(T). Stages are
    /// recomputed from the stored grid states. With adjoint λ = ∂C/∂x_{n+1} and bᵢ = (1,2,2,1)/6:
    ///
    ///     ℓ₄ = h b₄ λ,            g₄ = J(Y₄)ᵀ ℓ₄ + h b₄ ∇c(Y₄)
    ///     ℓ₃ = h b₃ λ + h g₄,     g₃ = J(Y₃)ᵀ ℓ₃ + h b₃ ∇c(Y₃)
    ///     ℓ₂ = h b₂ λ + h/2 g₃,   g₂ = …,   ℓ₁ = h b₁ λ + h/2 g₂,   g₁ = …
    ///     λ ← λ + g₁ + g₂ + g₃ + g₄,   dC/dθ += Σᵢ (∂F/∂θ(Yᵢ))ᵀ ℓᵢ.
    private func adjointGradient<S: DynamicalSystem>(
        _ system: S, _ episode: Episode, _ parameters: [Double], free raw: Trajectory
    ) -> [Double] {
        let (steps, h) = grid(for: episode)
        let n = system.stateCount
        var field = EpisodeField(system: system, episode: episode, parameters: parameters, nudge: 0)
        var stepper = RungeKutta4.Stepper(dimension: n + 1)
        var gradient = [Double](repeating: 0, count: system.parameterCount)
        let zero = [Double](repeating: 0, count: n)
        var adjoint = zero
        var ell = [zero, zero, zero, zero], g = [zero, zero, zero, zero]
        let weights = [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6]
        let offsets = [0, 0.5, 0.5, 1]
        for stepIndex in stride(from: steps - 1, through: 0, by: -1) {
            let start = raw.state(at: stepIndex)
            let t = raw.times[stepIndex]
            stepper.computeStages(&field, start: start, time: t, step: h)
            for stage in stride(from: 3, through: 0, by: -1) {
                let feedback = stage == 2 ? 1.0 : 0.5  // a₄₃ = 1 feeds ℓ₃; a₃₂ = a₂₁ = ½
                for i in 0..<n {
                    ell[stage][i] = h * weights[stage] * adjoint[i] + (stage == 3 ? 0 : h * feedback * g[stage + 1][i])
                    g[stage][i] = 0
                }
                let state: [Double]
                switch stage {
                case 0: state = start
                case 1: state = stepper.y2
                case 2: state = stepper.y3
                default: state = stepper.y4
                }
                let time = t + offsets[stage] * h
                field.addStateVJP(ell[stage], at: time, state: state, to: &g[stage])
                field.addCostGradient(at: time, state: state, scale: h * weights[stage], to: &g[stage])
                field.addParameterVJP(ell[stage], at: time, state: state, scale: 1, to: &gradient)
            }
            for i in 0..<n { adjoint[i] += g[0][i] + g[1][i] + g[2][i] + g[3][i] }
        }
        return gradient
    }
}
