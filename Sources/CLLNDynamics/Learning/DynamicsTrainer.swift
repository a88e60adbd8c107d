import Foundation

/// Which direction the parameters follow.
public enum UpdateRule: String, Sendable, Codable, CaseIterable {
    /// The local contrastive rule with the forward supervisor (the method under study).
    case local
    /// Exact gradient descent on the cost (the non-local benchmark).
    case gradient
}

/// Trains a ``DynamicsTask``: at every iteration each episode is run free and clamped, the local
/// update and the exact gradient are computed, their cosine recorded, and θ ← θ + α Δθ
/// (limited to the task's trust region, then projected onto the admissible set).
public struct DynamicsTrainer: Sendable {
    public var task: DynamicsTask
    public var iterations: Int
    public var rule: UpdateRule
    /// Whether to evaluate the task's metrics before and after training (some, like the basin
    /// statistic, cost many integrations).
    public var measuresMetrics: Bool

    public init(task: DynamicsTask, iterations: Int? = nil, rule: UpdateRule = .local, measuresMetrics: Bool = true) {
        self.task = task
        self.iterations = iterations ?? task.defaultIterations
        self.rule = rule
        self.measuresMetrics = measuresMetrics
    }

    /// Runs the training loop; `progress` is called after every iteration with the count done.
    /// - Throws: ``DynamicsError/trainingDiverged(task:iteration:underlying:)`` if an integration
    ///   blows up during training.
    public func train(progress: (@Sendable (Int) -> Void)? = nil) throws -> TrainingResult {
        var parameters = task.initialParameters
        var costs: [Double] = [], alignments: [Double] = []
        costs.reserveCapacity(iterations)
        alignments.reserveCapacity(iterations)
        let metricsBefore = measuresMetrics ? try task.metrics(parameters: parameters) : [:]
        let clock = ContinuousClock(), start = clock.now
        var before: [Trajectory] = []
        for iteration in 0..<iterations {
            let step: IterationStep
            do {
                step = try IterationStep(task: task, parameters: parameters)
            } catch let error as DynamicsError {
                throw DynamicsError.trainingDiverged(task: task.name, iteration: iteration, underlying: error.description)
            }
            if iteration == 0 { before = step.freeRuns }
            costs.append(step.cost)
            alignments.append(step.alignment)
            let direction = rule == .local ? step.localUpdate : step.gradient.map { -$0 }
            let largest = direction.reduce(0) { max($0, abs($1)) } * task.learningRate
            let rate = largest > task.maximumStep ? task.learningRate * task.maximumStep / largest : task.learningRate
            for i in parameters.indices { parameters[i] += rate * direction[i] }
            task.system.project(&parameters)
            progress?(iteration + 1)
        }
        let solver = task.solver
        let finalRuns = try task.episodes.map { try solver.free($0, parameters: parameters) }
        let after = finalRuns.map(\.trajectory)
        if before.isEmpty { before = after }
        let finalCost = finalRuns.reduce(0) { $0 + $1.cost } / Double(finalRuns.count)
        let elapsed = start.duration(to: clock.now).components
        let metricsAfter = measuresMetrics ? try task.metrics(parameters: parameters) : [:]
        let stiffness = try solver.stiffness(task.episodes[0], parameters: parameters)
        return TrainingResult(
            task: task, rule: rule, costs: costs, alignments: alignments, finalCost: finalCost,
            finalParameters: parameters, before: before, after: after,
            metricsBefore: metricsBefore, metricsAfter: metricsAfter, stiffness: stiffness,
            wallSeconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
    }
}

/// One iteration's measurements, averaged over the task's episodes (run in parallel).
public struct IterationStep: Sendable {
    public var cost: Double
    public var localUpdate: [Double]
    public var gradient: [Double]
    /// cos(Δθ_local, −∇C); NaN if either vector vanishes.
    public var alignment: Double
    public var freeRuns: [Trajectory]

    public init(task: DynamicsTask, parameters: [Double], nudge: Double? = nil) throws {
        let solver = task.solver
        let eta = nudge ?? task.nudge
        let contrasts = try parallelMap(task.episodes) { try solver.contrast($0, parameters: parameters, nudge: eta, supervisor: task.supervisor) }
        let scale = 1 / Double(contrasts.count)
        cost = contrasts.reduce(0) { $0 + $1.cost } * scale
        localUpdate = [Double](repeating: 0, count: parameters.count)
        gradient = localUpdate
        for contrast in contrasts {
            for i in parameters.indices {
                localUpdate[i] += scale * contrast.localUpdate[i]
                gradient[i] += scale * contrast.gradient[i]
            }
        }
        alignment = Self.cosine(localUpdate, gradient.map { -$0 })
        freeRuns = contrasts.map(\.free)
    }

    /// The cosine of the angle between `a` and `b`.
    public static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        let norms = (a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return norms > 0 ? dot / norms : .nan
    }
}

/// `transform` applied to every element on all cores, results in order; the first error wins.
func parallelMap<Element: Sendable, Result: Sendable>(
    _ elements: [Element], _ transform: @Sendable (Element) throws -> Result
) throws -> [Result] {
    guard elements.count > 1 else { return try elements.map(transform) }
    let slots = ResultSlots<Result>(elements.count)
    DispatchQueue.concurrentPerform(iterations: elements.count) { index in
        let outcome = Swift.Result<Result, any Error> { try transform(elements[index]) }
        slots.lock.lock()
        slots.results[index] = outcome
        slots.lock.unlock()
    }
    return try slots.results.map { try $0!.get() }
}

/// Lock-protected result slots filled by concurrent workers.
private final class ResultSlots<Value>: @unchecked Sendable {
    var results: [Result<Value, any Error>?]
    let lock = NSLock()

    init(_ count: Int) {
        results = Array(repeating: nil, count: count)
    }
}
