import Foundation

/// A named training problem: a network, its initial parameters, the episodes shown at every
/// iteration, and the learning hyper-parameters. Everything random is drawn from `seed`.
public struct DynamicsTask: Sendable {
    /// All task names, in presentation order.
    public static let names = [
        "oscillators-amplitude", "oscillators-lag", "oscillators-two-way-lag",
        "kuramoto-allostery", "kuramoto-sync", "lif-target", "lif-classify", "mm-logic", "glv-target",
    ]

    public let name: String
    /// One line for `clln dynamics list`.
    public let summary: String
    public let system: any DynamicalSystem
    public let seed: UInt64
    public var initialParameters: [Double]
    /// The episodes of one iteration; cost, local update and gradient are averaged over them.
    public var episodes: [Episode]
    /// RK4 step of the training grid.
    public var timeStep: Double
    /// Nudge strength η of the forward supervisor.
    public var nudge: Double
    /// How the supervisor nudges the outputs (``Supervisor/force`` unless a task says otherwise).
    public var supervisor: Supervisor
    /// Learning rate α: θ ← θ + α Δθ.
    public var learningRate: Double
    /// Trust region: an iteration's step α Δθ is scaled down (direction kept) so that no
    /// parameter moves by more than this. Bounds the damage of the occasional anti-aligned or
    /// oversized local update; `.infinity` disables it.
    public var maximumStep: Double
    public var defaultIterations: Int
    /// Names of the nodes, for plots ("input", "output", "h3", …).
    public var nodeNames: [String]
    /// Task-specific measurements of a parameter set: generalisation, accuracy, lags, basins.
    let measure: @Sendable (DynamicsTask, [Double]) throws -> [String: Double]

    /// The task called `name`, built from `seed`.
    /// - Throws: ``DynamicsError/unknownTask(_:)`` listing the valid names.
    public init(name: String, seed: UInt64 = 1) throws {
        switch name {
        case "oscillators-amplitude": self = Self.oscillatorsAmplitude(seed: seed)
        case "oscillators-lag": self = Self.oscillatorsLag(seed: seed)
        case "oscillators-two-way-lag": self = Self.oscillatorsTwoWayLag(seed: seed, reciprocal: false)
        case "kuramoto-allostery": self = try Self.kuramotoAllostery(seed: seed)
        case "kuramoto-sync": self = try Self.kuramotoSync(seed: seed, reciprocal: false)
        case "lif-target": self = Self.lifTarget(seed: seed)
        case "lif-classify": self = Self.lifClassify(seed: seed)
        case "mm-logic": self = Self.michaelisMentenLogic(seed: seed)
        case "glv-target": self = try Self.lotkaVolterraTarget(seed: seed)
        default: throw DynamicsError.unknownTask(name)
        }
    }

    init(
        name: String, summary: String, system: any DynamicalSystem, seed: UInt64, initialParameters: [Double],
        episodes: [Episode], timeStep: Double, nudge: Double, supervisor: Supervisor = .force, learningRate: Double,
        maximumStep: Double = .infinity, defaultIterations: Int, nodeNames: [String], measure: @escaping @Sendable (DynamicsTask, [Double]) throws -> [String: Double]
    ) {
        self.name = name
        self.summary = summary
        self.system = system
        self.seed = seed
        var parameters = initialParameters
        system.project(&parameters)
        self.initialParameters = parameters
        self.episodes = episodes
        self.timeStep = timeStep
        self.nudge = nudge
        self.supervisor = supervisor
        self.learningRate = learningRate
        self.maximumStep = maximumStep
        self.defaultIterations = defaultIterations
        self.nodeNames = nodeNames
        self.measure = measure
    }

    /// The solver on this task's grid.
    public var solver: EpisodeSolver { EpisodeSolver(system: system, timeStep: timeStep) }

    /// Task-specific measurements at `parameters` (keys in snake_case, e.g. `test_accuracy`).
    public func metrics(parameters: [Double]) throws -> [String: Double] {
        try measure(self, parameters)
    }

    /// Node names "input", "output", "h2"… from the roles of the nodes.
    static func roleNames(count: Int, roles: [Int: String]) -> [String] {
        (0..<count).map { roles[$0] ?? "h\($0)" }
    }
}

/// Signal analysis shared by the tasks' metrics.
enum SignalAnalysis {
    /// Amplitude R and lag τ of the fit y ≈ R sin(ω (t − τ)) over the samples with t ≥ `from`
    /// (τ wrapped into [0, 2π/ω)).
    static func sinusoidFit(_ trajectory: Trajectory, node: Int, angularFrequency ω: Double, from start: Double) -> (amplitude: Double, lag: Double) {
        var sineSum = 0.0, cosineSum = 0.0, sineNorm = 0.0, cosineNorm = 0.0
        for sample in 0..<trajectory.count where trajectory.times[sample] >= start {
            let phase = ω * trajectory.times[sample]
            let y = trajectory[sample, node]
            sineSum += y * sin(phase)
            cosineSum += y * cos(phase)
            sineNorm += sin(phase) * sin(phase)
            cosineNorm += cos(phase) * cos(phase)
        }
        let a = sineSum / sineNorm, b = cosineSum / cosineNorm
        let period = 2 * Double.pi / ω
        var lag = -atan2(b, a) / ω
        lag = lag - (lag / period).rounded(.down) * period
        return ((a * a + b * b).squareRoot(), lag)
    }

    /// Root-mean-square of `values`.
    static func rms(_ values: [Double]) -> Double {
        (values.reduce(0) { $0 + $1 * $1 } / Double(max(1, values.count))).squareRoot()
    }
}

