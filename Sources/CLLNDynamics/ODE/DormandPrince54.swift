import Foundation

/// Adaptive Dormand–Prince 5(4) with local error control and 4th-order dense output
/// (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.5–6; coefficients of their `DOPRI5`).
///
/// Used where the horizon is long and the step need not be shared between runs: basin statistics
/// over random initial conditions, generalisation runs, and as the accuracy reference for the
/// fixed-step training grid. The error per step is measured in the RMS norm of
/// `err_i / (absoluteTolerance + relativeTolerance · max(|y_i|, |y_i'|))` and a step is accepted
/// when that norm is ≤ 1.
///
/// No implicit (CVODE-type) solver is needed for this module's systems: their Jacobians are
/// bounded by the couplings (measured per run by ``EpisodeSolver/stiffness(_:parameters:)``,
/// typically h·ρ ≲ 1 on the training grid), so explicit steps are limited by accuracy, not by
/// stability. If a trained network did become stiff, this integrator would show it as a step-count
/// explosion, reported in ``Statistics``.
public struct DormandPrince54: Sendable {
    public var relativeTolerance: Double
    public var absoluteTolerance: Double
    /// Accepted plus rejected steps allowed before giving up.
    public var maximumSteps: Int

    /// Step-count diagnostics of the last `solve`.
    public struct Statistics: Sendable {
        public var accepted = 0
        public var rejected = 0
        public var functionEvaluations = 0
    }

    public init(relativeTolerance: Double = 1e-7, absoluteTolerance: Double = 1e-9, maximumSteps: Int = 2_000_000) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maximumSteps = maximumSteps
    }

    /// Integrates from `initial` at `times[0]` and returns the solution at every entry of `times`
    /// (non-decreasing), interpolated by the dense output between accepted steps.
    /// - Throws: ``DynamicsError/integrationDiverged(system:time:hint:)`` on a non-finite state or
    ///   when the step size underflows or the step budget is exhausted.
    public func solve<Field: VectorField>(
        _ field: inout Field, initial: [Double], times: [Double]
    ) throws -> (trajectory: Trajectory, statistics: Statistics) {
        let n = field.dimension
        var statistics = Statistics()
        var trajectory = Trajectory(dimension: n, capacity: times.count)
        guard let start = times.first, let end = times.last else { return (trajectory, statistics) }
        var t = start, y = initial
        var k = [[Double]](repeating: [Double](repeating: 0, count: n), count: 7)
        var stage = y, yNew = y, error = y
        var dense = [[Double]](repeating: [Double](repeating: 0, count: n), count: 5)
        var nextOutput = 0
        while nextOutput < times.count, times[nextOutput] <= start {
            trajectory.append(time: times[nextOutput], state: y)
            nextOutput += 1
        }
        field.derivative(at: t, state: y, into: &k[0])
        statistics.functionEvaluations += 1
        var h = initialStep(y: y, slope: k[0], span: end - start)
        var previousErrorNorm = 1e-4

        while nextOutput < times.count {
            guard statistics.accepted + statistics.rejected < maximumSteps, h > abs(t) * 1e-14 + 1e-300 else {
                throw DynamicsError.integrationDiverged(system: field.label, time: t, hint: .stiffness)
            }
            h = min(h, end - t)
            for s in 1..<7 {
                for i in 0..<n {
                    var sum = 0.0
                    for j in 0..<s { sum += Self.a[s][j] * k[j][i] }
                    stage[i] = y[i] + h * sum
                }
                field.derivative(at: t + Self.c[s] * h, state: stage, into: &k[s])
                if s == 6 { swap(&stage, &yNew) }  // the 7th stage point is the 5th-order solution (FSAL)
            }
            statistics.functionEvaluations += 6
            var sumSquares = 0.0
            for i in 0..<n {
                var e = 0.0
                for j in 0..<7 { e += Self.e[j] * k[j][i] }
                error[i] = h * e
                let scale = absoluteTolerance + relativeTolerance * max(abs(y[i]), abs(yNew[i]))
                sumSquares += (error[i] / scale) * (error[i] / scale)
            }
            let errorNorm = (sumSquares / Double(n)).squareRoot()
            guard errorNorm.isFinite else {
                statistics.rejected += 1
                h *= 0.2
                continue
            }
            if errorNorm <= 1 {
                statistics.accepted += 1
                for i in 0..<n {
                    let difference = yNew[i] - y[i]
                    let bspl = h * k[0][i] - difference
                    dense[0][i] = y[i]
                    dense[1][i] = difference
                    dense[2][i] = bspl
                    dense[3][i] = difference - h * k[6][i] - bspl
                    var d = 0.0
                    for j in 0..<7 { d += Self.d[j] * k[j][i] }
                    dense[4][i] = h * d
                }
                let tNew = t + h
                while nextOutput < times.count, times[nextOutput] <= tNew {
                    let theta = (times[nextOutput] - t) / h, theta1 = 1 - theta
                    for i in 0..<n {
                        stage[i] = dense[0][i] + theta * (dense[1][i] + theta1 * (dense[2][i] + theta * (dense[3][i] + theta1 * dense[4][i])))
                    }
                    trajectory.append(time: times[nextOutput], state: stage)
                    nextOutput += 1
                }
                t = tNew
                swap(&y, &yNew)
                guard y.allSatisfy(\.isFinite) else {
                    throw DynamicsError.integrationDiverged(system: field.label, time: t, hint: .stiffness)
                }
                k[0] = k[6]
                // PI step control (Gustafsson): exponents 0.7/5 and 0.4/5.
                let factor = 0.9 * pow(errorNorm, -0.14) * pow(previousErrorNorm, 0.08)
                h *= min(5, max(0.2, factor.isFinite ? factor : 5))
                previousErrorNorm = max(errorNorm, 1e-4)
            } else {
                statistics.rejected += 1
                h *= max(0.2, 0.9 * pow(errorNorm, -0.2))
            }
        }
        return (trajectory, statistics)
    }

    /// Hairer's starting-step heuristic: a first-order step whose change is 1 % of the state scale.
    private func initialStep(y: [Double], slope: [Double], span: Double) -> Double {
        var stateNorm = 0.0, slopeNorm = 0.0
        for i in y.indices {
            let scale = absoluteTolerance + relativeTolerance * abs(y[i])
            stateNorm += (y[i] / scale) * (y[i] / scale)
            slopeNorm += (slope[i] / scale) * (slope[i] / scale)
        }
        let guess = stateNorm < 1e-10 || slopeNorm < 1e-10 ? 1e-6 : 0.01 * (stateNorm / slopeNorm).squareRoot()
        return min(guess, span)
    }

    private static let c: [Double] = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1]
    private static let a: [[Double]] = [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ]
    /// Fifth- minus fourth-order weights: the local error estimate.
    private static let e: [Double] = [71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40]
    /// Dense-output weights of the 4th-order continuous extension.
    private static let d: [Double] = [
        -12715105075.0 / 11282082432, 0, 87487479700.0 / 32700410799, -10690763975.0 / 1880347072,
        701980252875.0 / 199316789632, -1453857185.0 / 822651844, 69997945.0 / 29380423,
    ]
}
